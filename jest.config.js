/** Tests are transpiled without type checking for speed; `npm run typecheck` type-checks them. */
const os = require("os");

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // More workers than cores: jest's default leaves one core to itself, which on a 2-core machine
  // halves the suite's pace, while the parent process mostly waits for the workers; and many
  // tests wait on a child process or a stand-in server, so a third worker on two cores fills the
  // time one of them spends waiting (on 2 quiet cores: 97 s with two workers, 89 s with three).
  // (A number: jest reads a percentage above 100% as that many workers.)
  maxWorkers: Math.ceil(os.availableParallelism() * 1.5),
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  // The lab program runs once per configuration for the whole run (tests/support/captures.ts).
  globalSetup: "<rootDir>/tests/support/global-setup.ts",
  globalTeardown: "<rootDir>/tests/support/global-teardown.ts",
  setupFiles: ["<rootDir>/tests/support/shared-lab.ts"],
  testTimeout: 60000,
};
