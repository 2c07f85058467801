import { defineConfig } from 'vite';

// The preload runs sandboxed: one CommonJS file that may require only 'electron'.
export default defineConfig({
  build: { rollupOptions: { external: ['electron'], output: { format: 'cjs', inlineDynamicImports: true } } },
});
