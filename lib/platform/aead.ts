/**
 * The Sv2 transport's ChaCha20-Poly1305 implementations that need the machine, fastest first: libsodium
 * (sodium-native: one call per seal or open, no per-frame setup; through its binding, see sodiumAead), OpenSSL
 * (node:crypto: a cipher object per frame; Electron's BoringSSL lacks the cipher, electron/electron#24024), then
 * lib/protocol/sv2's pure noble one.
 */
import { createCipheriv, createDecipheriv, getCiphers, randomBytes } from 'node:crypto';
import { AEAD_TAG_SIZE, type Aead, nobleAead, useAead } from '../protocol/sv2/aead';
import { type Sodium, type SodiumAeadBinding, sodium, sodiumAeadBinding } from './sodium';

const CIPHER = 'chacha20-poly1305';

const nodeCryptoAead: Aead = {
  name: 'node:crypto',
  seal: (key, nonce, ad, plaintext, out) => {
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: AEAD_TAG_SIZE });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    out.set(cipher.update(plaintext));
    cipher.final();
    out.set(cipher.getAuthTag(), plaintext.length);
  },
  open: (key, nonce, ad, ciphertext, out) => {
    if (ciphertext.length < AEAD_TAG_SIZE) return false;
    const bodyLength = ciphertext.length - AEAD_TAG_SIZE;
    const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: AEAD_TAG_SIZE });
    decipher.setAuthTag(ciphertext.subarray(bodyLength));
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: bodyLength });
    const body = decipher.update(ciphertext.subarray(0, bodyLength));
    try {
      decipher.final();
    } catch {
      return false;
    }
    out.set(body);
    return true;
  },
};

/**
 * libsodium, called through sodium-native's binding when that gives the same bytes as its public functions. The
 * public wrappers check every argument on every call (seven asserts, and four lookups in an object with too many
 * properties for V8 to keep them fast): ~1,500 instructions an AEAD call, four calls a share sent to an Sv2 pool
 * and its quote notice received (bench/instructions.bench.ts). Our own check of the sizes stands in for theirs.
 */
export function sodiumAead(lib: Sodium | undefined, native: SodiumAeadBinding | undefined): Aead | undefined {
  if (!lib) return undefined;
  const wrapped: Aead = {
    name: 'sodium-native (wrapped)',
    seal: (key, nonce, ad, plaintext, out) => {
      lib.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, ad.length > 0 ? ad : null, null, nonce, key);
    },
    open: (key, nonce, ad, ciphertext, out) => {
      if (ciphertext.length < AEAD_TAG_SIZE) return false;
      try {
        lib.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, ciphertext, ad.length > 0 ? ad : null, nonce, key);
      } catch {
        return false; // libsodium refuses a tag that does not authenticate, and decrypts nothing
      }
      return true;
    },
  };
  if (!native) return wrapped;
  const encrypt = native.crypto_aead_chacha20poly1305_ietf_encrypt;
  const decrypt = native.crypto_aead_chacha20poly1305_ietf_decrypt;
  // the sizes the wrappers check, which the binding takes on trust (a C assert, or memory written past an array)
  const checkSizes = (key: Uint8Array, nonce: Uint8Array, plaintextLength: number, sealedLength: number) => {
    if (key.length !== 32 || nonce.length !== 12 || sealedLength !== plaintextLength + AEAD_TAG_SIZE) {
      throw new RangeError('ChaCha20-Poly1305 takes a 32-byte key, a 12-byte nonce and a sealed text 16 bytes longer than its plaintext');
    }
  };
  const direct: Aead = {
    name: 'sodium-native',
    seal: (key, nonce, ad, plaintext, out) => {
      checkSizes(key, nonce, plaintext.length, out.length);
      if (encrypt(out, plaintext, ad.length > 0 ? ad : undefined, nonce, key) < 0) throw new Error('libsodium could not seal');
    },
    open: (key, nonce, ad, ciphertext, out) => {
      if (ciphertext.length < AEAD_TAG_SIZE) return false;
      checkSizes(key, nonce, out.length, ciphertext.length);
      return decrypt(out, ciphertext, ad.length > 0 ? ad : undefined, nonce, key) >= 0;
    },
  };
  return agrees(direct, wrapped) ? direct : wrapped;
}

/** Whether `direct` seals as `reference` does, opens what it sealed and refuses it with a bit flipped, with and without associated data. */
function agrees(direct: Aead, reference: Aead): boolean {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const plaintext = randomBytes(100);
  return [new Uint8Array(0), randomBytes(32)].every((ad) => {
    try {
      const sealed = new Uint8Array(plaintext.length + AEAD_TAG_SIZE);
      const expected = new Uint8Array(plaintext.length + AEAD_TAG_SIZE);
      direct.seal(key, nonce, ad, plaintext, sealed);
      reference.seal(key, nonce, ad, plaintext, expected);
      if (Buffer.compare(sealed, expected) !== 0) return false;
      const opened = new Uint8Array(plaintext.length);
      if (!direct.open(key, nonce, ad, sealed, opened) || Buffer.compare(opened, plaintext) !== 0) return false;
      sealed[0]! ^= 1;
      return !direct.open(key, nonce, ad, sealed, opened);
    } catch {
      return false;
    }
  });
}

let implementations: Aead[] | undefined;

/** Every implementation that works here, fastest first (noble last). */
export function aeadImplementations(): Aead[] {
  implementations ??= [sodiumAead(sodium(), sodiumAeadBinding()), getCiphers().includes(CIPHER) ? nodeCryptoAead : undefined, nobleAead].filter((a): a is Aead => a !== undefined);
  return implementations;
}

/** Installs the fastest implementation into lib/protocol/sv2 and returns it. */
export function installFastestAead(): Aead {
  const fastest = aeadImplementations()[0]!;
  useAead(fastest);
  return fastest;
}
