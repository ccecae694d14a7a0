/**
 * What "the program" is, for the two places that need to know whether it changed: a pull request
 * that touches it previews every stack, and `up` takes a stack whose last update ran another
 * program (or another configuration) as not done.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT } from "../config/keys";
import { yamlFilesUnder } from "../verifier/kube/files";
import { stackFileName } from "./names";

/**
 * The files whose change changes what `pulumi up` does for every stack: the entry point, the code
 * it imports (tests/class/program.test.ts checks that this covers the whole import graph of
 * index.ts), the policy files it reads at run time, the project's config schema and defaults, and
 * the locked dependencies. A folder ends with "/".
 */
export const PROGRAM_PATHS = [
  "index.ts",
  "components/",
  "config/",
  "policies/",
  // What config/exercise.ts reads an exercise with: the YAML reader, the Rego rules and the
  // NetworkPolicy validation it checks.
  "verifier/kube/",
  "verifier/admission/rego-rules.ts",
  "verifier/netpol/validate.ts",
  "verifier/netpol/ip.ts",
  "verifier/netpol/types.ts",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
] as const;

/** Whether a path (relative to the project, with "/") is part of the program. */
export function isProgramPath(file: string): boolean {
  return PROGRAM_PATHS.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p));
}

function filesUnder(projectDir: string, relative: string): string[] {
  const full = path.join(projectDir, relative);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [relative];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => filesUnder(projectDir, `${relative.replace(/\/$/, "")}/${name}`));
}

const short = (hash: ReturnType<typeof createHash>) => hash.digest("hex").slice(0, 12);

/** A hash of every program file's path and content. */
export function programFingerprint(projectDir: string): string {
  const hash = createHash("sha256");
  for (const file of PROGRAM_PATHS.flatMap((p) => filesUnder(projectDir, p))) {
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(projectDir, file)))
      .update("\0");
  }
  return short(hash);
}

/**
 * A hash of a stack's configuration as its file holds it (keys sorted, secrets as their
 * ciphertext): the comments, the key order and the `encryptionsalt` line do not change it. With an
 * exercise, its files are configuration too: a trainee's edited policy is a change to deploy.
 */
export function configFingerprint(projectDir: string, stack: string): string {
  const document = parseYaml(fs.readFileSync(path.join(projectDir, stackFileName(stack)), "utf8")) as {
    config?: Record<string, unknown>;
  } | null;
  const config = document?.config ?? {};
  const sorted = Object.fromEntries(
    Object.keys(config)
      .sort()
      .map((key) => [key, config[key]]),
  );
  const hash = createHash("sha256").update(JSON.stringify(sorted));
  const exercise = config[`${PROJECT}:exercise`] ?? config.exercise;
  if (typeof exercise === "string" && exercise !== "") {
    const folder = path.resolve(projectDir, exercise);
    const files = fs.existsSync(folder) && fs.statSync(folder).isDirectory() ? yamlFilesUnder(folder) : [];
    for (const file of files) {
      hash.update(path.relative(folder, file)).update("\0").update(fs.readFileSync(file)).update("\0");
    }
  }
  return short(hash);
}

/**
 * The update message `up` records in the stack's history, and by which a later `up` knows the
 * stack is done: its last update succeeded with this program and this configuration.
 */
export function upMessage(program: string, config: string): string {
  return `class up: program ${program}, config ${config}`;
}
