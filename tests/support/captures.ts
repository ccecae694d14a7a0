/**
 * The lab program runs once per configuration for the whole test run. Many test files capture the
 * lab at the same stages (lab mode's reports, --compare, the pull-request report, the docs, the
 * diagram, the schemas...), and each capture registers every resource under Pulumi's mock runtime,
 * which under jest costs half a second or more. So `captureLab` keeps its signature and returns
 * what the real program registered, in this jest run, for the same configuration, whichever test
 * file ran it first: a fresh copy each time, read back from the run's folder.
 *
 * jest.config.js wires it: global-setup.ts makes the folder and global-teardown.ts removes it;
 * shared-lab.ts puts the shared `captureLab` in place before every test file.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CaptureOptions, LabCapture } from "../../verifier/lab/capture";

/** A digest of the file, or of every file under the folder, that a value names; null for other values. */
function filesDigest(value: string): string | null {
  if (value.includes("\n") || !fs.existsSync(value)) return null;
  const hash = createHash("sha256");
  const add = (at: string) => {
    if (fs.statSync(at).isDirectory()) for (const name of fs.readdirSync(at).sort()) add(path.join(at, name));
    else hash.update(`${at}\0`).update(fs.readFileSync(at)).update("\0");
  };
  add(value);
  return hash.digest("hex");
}

/** The environment variable naming the run's folder, which the test workers inherit. */
const CAPTURES_ENV = "K8S_HARDENING_LAB_CAPTURES";

export function makeCapturesFolder(): void {
  process.env[CAPTURES_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-hardening-lab-captures-"));
}

export function removeCapturesFolder(): void {
  const dir = process.env[CAPTURES_ENV];
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * `captureLab`, run once per configuration in the run. A capture the program refused
 * (capture.error) is not kept: it stops at the configuration and costs little. Without the run's
 * folder (a worker that --watch kept from an earlier run, whose folder is gone), it is `captureLab`
 * itself.
 */
export function sharedCaptures(
  captureLab: (options: CaptureOptions) => Promise<LabCapture>,
): (options: CaptureOptions) => Promise<LabCapture> {
  return async (options) => {
    const dir = process.env[CAPTURES_ENV];
    if (dir === undefined || !fs.existsSync(dir)) return captureLab(options);
    // Everything the program reads: the stack's configuration and name, ARM_LOCATION, and the
    // files a configuration value names (what a test writes there may change under the same name).
    const key = JSON.stringify([
      Object.entries(options.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      Object.values(options.config).map(filesDigest),
      [...(options.secretKeys ?? [])].sort(),
      options.stack ?? null,
      options.knownTypes ? [...options.knownTypes].sort() : null,
      process.env.ARM_LOCATION ?? null,
    ]);
    const file = path.join(dir, `${createHash("sha256").update(key).digest("hex")}.json`);
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as LabCapture;
    const capture = await captureLab(options);
    if (capture.error === undefined) {
      // Written whole, then renamed: a test file in the other worker reads all of it or none.
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, JSON.stringify(capture));
      fs.renameSync(partial, file);
    }
    return capture;
  };
}
