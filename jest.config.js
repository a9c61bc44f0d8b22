/** Jest runs TypeScript as ESM (see package.json "test"), transformed by swc. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2024' }, module: { type: 'es6' } }],
  },
  // test/scale/ runs alone after the rest (`npm run test:scale`): its eight processes would starve
  // the timing-sensitive outage tests running beside it on a small machine.
  testMatch: ['<rootDir>/{apps,packages}/*/test/**/*.test.ts', '<rootDir>/test/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
  globalSetup: '<rootDir>/scripts/jest-global-setup.ts',
  testTimeout: 60_000,
  // Files run in parallel, each with its own database and queue prefix.
  maxWorkers: 2,
};
