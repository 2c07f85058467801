/**
 * The Sv2 transport's ChaCha20-Poly1305 implementations that need the machine, fastest first: libsodium
 * (sodium-native: one call per frame, no per-frame setup), OpenSSL (node:crypto: a cipher object per frame;
 * Electron's BoringSSL lacks the cipher, electron/electron#24024), then lib/protocol/sv2's pure noble one.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { AEAD_TAG_SIZE, type Aead, nobleAead, useAead } from '../protocol/sv2/aead';
import { sodium } from './sodium';

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

function sodiumAead(): Aead | undefined {
  const lib = sodium();
  if (!lib) return undefined;
  return {
    name: 'sodium-native',
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
}

let implementations: Aead[] | undefined;

/** Every implementation that works here, fastest first (noble last). */
export function aeadImplementations(): Aead[] {
  implementations ??= [sodiumAead(), getCiphers().includes(CIPHER) ? nodeCryptoAead : undefined, nobleAead].filter((a): a is Aead => a !== undefined);
  return implementations;
}

/** Installs the fastest implementation into lib/protocol/sv2 and returns it. */
export function installFastestAead(): Aead {
  const fastest = aeadImplementations()[0]!;
  useAead(fastest);
  return fastest;
}
