/**
 * The real Rego engines, when this machine has them: `gator` and `opa` on PATH, or the files the
 * GATOR and OPA environment variables name. The tests that run them skip, saying why, without.
 */
import * as path from "path";
import { findExecutable } from "../verifier/admission/rego/process";

/** PATH, preceded by the folders of $GATOR and $OPA when they are set. */
export const REGO_SEARCH_PATH = [process.env.GATOR, process.env.OPA]
  .filter((file): file is string => file !== undefined && file !== "")
  .map((file) => path.dirname(file))
  .concat(process.env.PATH ?? "")
  .join(path.delimiter);

/** The real `name` (gator or opa), or undefined. */
export function realTool(name: "gator" | "opa"): string | undefined {
  return findExecutable(name, REGO_SEARCH_PATH);
}

/** `describe`, or `describe.skip` with the reason printed, when `name` is not on this machine. */
export function describeWith(name: "gator" | "opa"): jest.Describe {
  if (realTool(name) !== undefined) return describe;
  console.warn(
    `skipped: the tests that run the real ${name} (${name} is not on PATH; set ${name.toUpperCase()} to its file to run them)`,
  );
  return describe.skip;
}
