/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "<rootDir>/test/support/node-env.js",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // test/package packs and installs the client from the registry: `npm run test:package` (CI) runs it.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/package/"],
  transform: {
    // Type errors are caught by `tsc --noEmit` in `npm test`; here we only transpile, which is fast.
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  moduleNameMapper: {
    // The client package from its source (tsconfig.json's paths say the same for tsc and tsx).
    "^@cache-fabric/client$": "<rootDir>/client/src/index.ts",
    "^@cache-fabric/client/gen/(.*)$": "<rootDir>/client/src/gen/cachefabric/v1/$1_pb.ts",
    "^@cache-fabric/client/cli$": "<rootDir>/client/src/cli/main.ts",
    "^@cache-fabric/client/(.*)$": "<rootDir>/client/src/$1/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  testTimeout: 30000,
  maxWorkers: 2,
};
