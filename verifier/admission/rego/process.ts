/** The child processes of the Rego runner: found on a PATH, run under a timeout. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The executable `name` in the first directory of `searchPath` that has one; undefined if none. */
export function findExecutable(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not there, or not executable: PATH lookup goes on to the next directory, as a shell's does.
    }
  }
  return undefined;
}

/** How a run ended: its status and output, or why there is none. */
export type ProcessResult =
  | { ended: "exited"; status: number; stdout: string; stderr: string }
  | { ended: "timed out"; stderr: string }
  | { ended: "failed to start"; error: string };

/**
 * Runs `file` with `args` (no shell) and collects its output; kills it once `timeoutMs` has
 * passed. A process killed by a signal it did not get from here reads as status 128 + signal
 * number, as a shell reports it.
 */
export function runProcess(file: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ ended: "failed to start", error: error.message });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const err = Buffer.concat(stderr).toString("utf8");
      if (timedOut) return resolve({ ended: "timed out", stderr: err });
      const status = code ?? 128 + signalNumber(signal);
      resolve({ ended: "exited", status, stdout: Buffer.concat(stdout).toString("utf8"), stderr: err });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (os.constants.signals[signal] ?? 0);
}
