import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'packages/db/src/generated/**', 'var/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @switchboard/config; packages take typed options.' }],
    },
  },
  {
    files: ['apps/*/src/main.ts', 'scripts/**', 'bench/**', 'prisma.config.ts', '**/test/**', 'packages/config/src/**', 'packages/testing/src/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // The console's front-end script runs in the browser, after uPlot.
  { files: ['apps/*/assets/**/*.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser, uPlot: 'readonly' } } },
);
