/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "<rootDir>/test/support/node-env.js",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Type errors are caught by `tsc --noEmit` in `npm test`; here we only transpile, which is fast.
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testTimeout: 30000,
  maxWorkers: 2,
};
