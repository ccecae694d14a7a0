/** Tests are transpiled without type checking for speed; `npm run typecheck` type-checks them. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Every core: jest's default leaves one to itself, which on a 2-core machine halves the suite's
  // pace, while the parent process mostly waits for the workers.
  maxWorkers: "100%",
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  // The lab program runs once per configuration for the whole run (tests/support/captures.ts).
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/global-teardown.ts",
  setupFiles: ["<rootDir>/tests/support/shared-lab.ts"],
  testTimeout: 60000,
};
