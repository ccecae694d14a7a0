/**
 * Loaded before every test file (jest.config.js): the lab's captures are shared across the run
 * (captures.ts says why and how). A test that must see the program run again calls
 * jest.requireActual("../verifier/lab/capture").captureLab.
 */
jest.mock("../../verifier/lab/capture", () => {
  const actual = jest.requireActual<typeof import("../../verifier/lab/capture")>("../../verifier/lab/capture");
  const { sharedCaptures } = jest.requireActual<typeof import("./captures")>("./captures");
  return { ...actual, captureLab: sharedCaptures(actual.captureLab) };
});
