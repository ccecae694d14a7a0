import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClassDeps, main } from "../../class/cli";
import type { AzureCli } from "../../class/capacity";
import { FakeBackend } from "./fake-automation";

/** A fresh project folder for stack files and kubeconfigs; the roster goes in it too. */
export function tmpProject(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "class-"));
}

/** Every file under a folder, relative, sorted. */
export function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** A machine without the Azure CLI, as this one is. */
export const NO_AZ: AzureCli = () => Promise.reject(Object.assign(new Error("spawn az ENOENT"), { code: "ENOENT" }));

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run class -- ...` in-process against a stand-in backend, output captured. */
export async function runCli(
  argv: string[],
  projectDir: string,
  backend: FakeBackend,
  extra: Partial<ClassDeps> = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, {
    projectDir,
    workspace: () => Promise.resolve(backend.workspace()),
    az: NO_AZ,
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: (t) => (stderr += t),
    ...extra,
  });
  return { status, stdout, stderr };
}

/** A roster of `n` trainees named trainee01... with a region and a stage. */
export function rosterOf(n: number, stage = "allowed-repos"): string {
  const names = Array.from({ length: n }, (_, i) => `  - name: trainee${String(i + 1).padStart(2, "0")}`);
  return ["defaults:", `  stage: ${stage}`, "  azure-native:location: westeurope", "trainees:", ...names, ""].join(
    "\n",
  );
}
