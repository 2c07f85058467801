import { defineConfig } from 'vite';

/** Native addons and wasm loaders stay outside the bundle; Forge ships them unpacked beside it. */
export const NATIVE_EXTERNALS = ['better-sqlite3', 'serialport', '@serialport/bindings-cpp', 'secp256k1', 'tiny-secp256k1', 'nostr-wasm', 'bufferutil', 'utf-8-validate', 'sodium-native'];

export default defineConfig({
  build: { rollupOptions: { external: NATIVE_EXTERNALS } },
});
