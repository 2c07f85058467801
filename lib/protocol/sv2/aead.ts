/**
 * IETF ChaCha20-Poly1305 (RFC 8439) for Noise behind one interface: ciphertext || 16-byte tag. This module is
 * pure: its own implementation is @noble/ciphers (JavaScript). Native ones (libsodium through sodium-native,
 * without any per-frame setup; OpenSSL through node:crypto, one cipher object per frame) are installed at the
 * edge by lib/platform/aead.ts through `useAead`; aead.test.ts holds every implementation to RFC 8439's
 * vectors and to identical bytes.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';

export interface Aead {
  readonly name: string;
  /**
   * Writes ciphertext || tag into `out` (plaintext.length + 16 bytes, typically a view into a whole frame): a frame's
   * header and payload are sealed straight into the bytes that go on the wire. `plaintext` may be `out`'s own first
   * bytes: sealed in place.
   */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): void;
  /**
   * Writes the plaintext (ciphertext.length - 16 bytes) into `out`, or returns false when the tag does not
   * authenticate (`out` then holds no plaintext, but may have been zeroed).
   */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array, out: Uint8Array): boolean;
}

export const AEAD_TAG_SIZE = 16;

export const nobleAead: Aead = {
  name: '@noble/ciphers',
  seal: (key, nonce, ad, plaintext, out) => out.set(chacha20poly1305(key, nonce, ad).encrypt(plaintext)),
  open: (key, nonce, ad, ciphertext, out) => {
    try {
      out.set(chacha20poly1305(key, nonce, ad).decrypt(ciphertext));
      return true;
    } catch {
      return false;
    }
  },
};

let active: Aead = nobleAead;

/** The implementation new cipher states use: noble unless an entry point installed a native one (lib/platform). */
export function currentAead(): Aead {
  return active;
}

export function useAead(aead: Aead): void {
  active = aead;
}
