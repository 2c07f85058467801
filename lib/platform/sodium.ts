/**
 * libsodium through `sodium-native` (an optional dependency; its npm package ships prebuilt Node-API binaries,
 * so it installs without a compiler or a download). Undefined where it does not load.
 */
import { createRequire } from 'node:module';

/** The few functions Axewallet uses. */
export interface Sodium {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  /** throws when the tag does not authenticate */
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  /** ChaCha20 (IETF: 96-bit nonce) keystream XOR starting at block `ic` */
  crypto_stream_chacha20_ietf_xor_ic(c: Uint8Array, m: Uint8Array, n: Uint8Array, ic: number, k: Uint8Array): void;
}

/**
 * sodium-native's native functions for the AEAD, as its binding exports them under its public wrappers: the same
 * libsodium calls without the wrappers' argument checks. Returns a negative number where the wrapper would throw.
 */
export interface SodiumAeadBinding {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | undefined, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, c: Uint8Array, ad: Uint8Array | undefined, npub: Uint8Array, k: Uint8Array): number;
}

let loaded: Sodium | null | undefined;
let binding: SodiumAeadBinding | null | undefined;

export function sodium(): Sodium | undefined {
  if (loaded === undefined) {
    try {
      const lib = createRequire(import.meta.url)('sodium-native') as Partial<Sodium>;
      const wanted = ['crypto_aead_chacha20poly1305_ietf_encrypt', 'crypto_aead_chacha20poly1305_ietf_decrypt', 'crypto_stream_chacha20_ietf_xor_ic'] as const;
      loaded = wanted.every((name) => typeof lib[name] === 'function') ? (lib as Sodium) : null;
    } catch {
      loaded = null; // not installed, or no prebuild for this platform
    }
  }
  return loaded ?? undefined;
}

/** The binding under sodium-native's wrappers (not its documented API: check what it gives before use). */
export function sodiumAeadBinding(): SodiumAeadBinding | undefined {
  if (binding === undefined) {
    try {
      const native = createRequire(import.meta.url)('sodium-native/binding') as Partial<SodiumAeadBinding>;
      const wanted = ['crypto_aead_chacha20poly1305_ietf_encrypt', 'crypto_aead_chacha20poly1305_ietf_decrypt'] as const;
      binding = sodium() && wanted.every((name) => typeof native[name] === 'function') ? (native as SodiumAeadBinding) : null;
    } catch {
      binding = null;
    }
  }
  return binding ?? undefined;
}
