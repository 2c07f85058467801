import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'renderer/dist/', '.vite/', 'out/', 'test-output/', 'firmware-patches/**/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['renderer/**/*.{ts,tsx}', 'e2e/**/*.ts'], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
  // the rules of hooks and exhaustive effect dependencies (the React team's recommended set) for the UI
  { files: ['renderer/**/*.{ts,tsx}'], ...reactHooks.configs.flat.recommended },
  { files: ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', 'bench/**', 'e2e/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Node's global `performance` is a getter on globalThis, run at every use (~10-15 ns; a share used it five times)
  {
    files: ['core/**/*.ts', 'lib/**/*.ts', 'device/**/*.ts', 'devnet/**/*.ts'],
    rules: { 'no-restricted-globals': ['error', { name: 'performance', message: "import { performance } from 'node:perf_hooks'" }] },
  },
);
