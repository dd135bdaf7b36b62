/** Jest runs the TypeScript sources directly (ts-jest, transpile only: `npm run typecheck` checks types). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^@adjoint/gradcheck/jest$': '<rootDir>/packages/gradcheck/src/jest.ts',
    '^@adjoint/(core|nn|gradcheck|blas)$': '<rootDir>/packages/$1/src/index.ts',
  },
  transform: {
    // ts-jest, with built-ins read locally: see the script.
    '^.+\\.ts$': ['<rootDir>/scripts/jest-transform.cjs', { tsconfig: '<rootDir>/tsconfig.tests.json' }],
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/build/'],
};
