/**
 * IETF ChaCha20-Poly1305 (RFC 8439) for Noise: ciphertext || 16-byte tag. Node's OpenSSL build is about 7x faster
 * per small frame and 9x per 64 KiB than pure JS, so it is used when present; Electron's BoringSSL lacks this
 * cipher in node:crypto (electron/electron#24024), where @noble/ciphers takes over. aead.test.ts holds the two
 * to identical bytes.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';

export interface Aead {
  readonly name: string;
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** undefined when the tag does not authenticate */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined;
}

const TAG_SIZE = 16;
const CIPHER = 'chacha20-poly1305';

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

export const nobleAead: Aead = {
  name: '@noble/ciphers',
  seal: (key, nonce, ad, plaintext) => chacha20poly1305(key, nonce, ad).encrypt(plaintext),
  open: (key, nonce, ad, ciphertext) => {
    try {
      return chacha20poly1305(key, nonce, ad).decrypt(ciphertext);
    } catch {
      return undefined;
    }
  },
};

const nodeAead: Aead = {
  name: 'node:crypto',
  seal: (key, nonce, ad, plaintext) => {
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_SIZE });
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const body = cipher.update(plaintext);
    cipher.final();
    return view(Buffer.concat([body, cipher.getAuthTag()], plaintext.length + TAG_SIZE));
  },
  open: (key, nonce, ad, ciphertext) => {
    if (ciphertext.length < TAG_SIZE) return undefined;
    const bodyLength = ciphertext.length - TAG_SIZE;
    const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_SIZE });
    decipher.setAuthTag(ciphertext.subarray(bodyLength));
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: bodyLength });
    const body = decipher.update(ciphertext.subarray(0, bodyLength));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return view(body);
  },
};

export const nativeAead: Aead | undefined = getCiphers().includes(CIPHER) ? nodeAead : undefined;

/** The implementation the transport uses in this process. */
export const aead: Aead = nativeAead ?? nobleAead;
