/**
 * `npm run verify -- --live` as a user runs it, for the tests of live mode: the CLI in a child
 * process (the client library is an ES module, which the CLI loads and jest cannot), against a
 * stand-in API server (tests/live/stand-in.ts). Where the cluster takes its time on purpose (a
 * binding that never comes, a server that never answers), the CLI waits less long on it
 * (tests/live/verify.ts), so the test does not sit out a wait it only needs to see bounded.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { LiveWaits } from "../../verifier/live/bounds";
import { kubeconfigFor, StandIn, type KubeObject, type StandInOptions } from "./stand-in";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(ROOT, "verifier", "cli.ts");
const SHORT_WAITS_CLI = path.join(__dirname, "verify.ts");
export const PROBE = "k8s-hardening-lab/verify-probe";

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the process exited (Date.now()). */
  exitedAt: number;
}

/** A folder for the test file's kubeconfigs and logs, removed after it. */
export function tempDir(): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-live-"));
  });
  afterAll(() => fs.rmSync(dir!, { recursive: true, force: true }));
  return () => dir!;
}

/** Runs the CLI as `npm run verify` does (tsx), with `during` called once it has started. */
export function verify(args: string[], during?: (child: ChildProcess) => void): Promise<CliRun> {
  return node(["--import", "tsx", CLI, ...args], during);
}

/** Runs the CLI waiting less long on the cluster: `waits` in place of live mode's own. */
export function verifyWaiting(waits: Partial<LiveWaits>, args: string[]): Promise<CliRun> {
  return node(["--import", "tsx", SHORT_WAITS_CLI, JSON.stringify(waits), ...args]);
}

function node(args: string[], during?: (child: ChildProcess) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (status, signal) => resolve({ status, signal, stdout, stderr, exitedAt: Date.now() }));
    during?.(child);
  });
}

/** The arguments of `verify --live` at stage allowed-repos with 1 s probes, as JSON; `extra` flags after. */
export const liveJsonArgs = (kubeconfig: string, ...extra: string[]) => [
  "--live",
  "--kubeconfig",
  kubeconfig,
  "--stage",
  "allowed-repos",
  "--probe-timeout",
  "1",
  "--format",
  "json",
  ...extra,
];

/** A stand-in cluster, its kubeconfig written to a file in `dir`. */
export async function cluster(
  dir: string,
  options: StandInOptions,
): Promise<{ standIn: StandIn; kubeconfig: string; server: string }> {
  const standIn = new StandIn(options);
  const server = await standIn.start();
  const kubeconfig = path.join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(kubeconfig, kubeconfigFor(server));
  return { standIn, kubeconfig, server };
}

export const probeLabelled = (o: KubeObject) => o.metadata?.labels?.[PROBE] === "true";
