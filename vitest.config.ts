import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'core/**/*.test.ts', 'device/**/*.test.ts', 'devnet/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'bench/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**'],
    // the native secp256k1 and ChaCha20-Poly1305 backends, installed as every entry point installs them
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: keep heavy integration suites from starving each other.
    maxWorkers: 2,
  },
});
