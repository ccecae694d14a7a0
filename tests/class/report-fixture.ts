/**
 * The trainer's page of a two-trainee class, made as `npm run class -- report` makes it, from fixed
 * inputs and a fixed clock: alice answers stage default-deny with exercises/example (every claim
 * met), bob with tests/fixtures/exercises/ingress-only (MySQL's egress left open); both stacks are
 * up, their outputs those of the lab, secrets included, on the stand-in backend.
 * tests/fixtures/class-report/index.html is this page: `npm run gen:report-fixture` writes it,
 * tests/class/report.test.ts fails when it drifts, and the browser test opens it.
 */
import * as fs from "fs";
import * as path from "path";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { type ClassDeps, main } from "../../class/cli";
import { FakeBackend, LAB_OUTPUTS } from "./fake-automation";
import { NO_AZ, tmpProject } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
export const FIXTURE_PAGE = path.join(ROOT, "tests", "fixtures", "class-report", "index.html");

/** 2026-12-15 13:00 UTC, three days and three hours before the course ends. */
export const FIXTURE_NOW = Date.UTC(2026, 11, 15, 13, 0);

export const FIXTURE_ROSTER = (root: string) =>
  [
    'endsAt: "2026-12-18T17:00:00+01:00"',
    "defaults:",
    "  stage: default-deny",
    "  azure-native:location: westeurope",
    "trainees:",
    "  - name: alice",
    `    exercise: ${path.join(root, "exercises", "example")}`,
    "  - name: bob",
    `    exercise: ${path.join(root, "tests", "fixtures", "exercises", "ingress-only")}`,
    "",
  ].join("\n");

export interface ReportRun {
  status: number;
  stdout: string;
  stderr: string;
  /** The project folder: class.yaml, the stack files, class-report/. */
  dir: string;
  /** The page written, if any. */
  html?: string;
}

/**
 * Runs `class report` in-process on a project holding `roster` (its stack files written by init),
 * with the stand-in backend holding `stacks` (their outputs), at FIXTURE_NOW.
 */
export async function report(
  roster: string,
  stacks: Record<string, OutputMap>,
  args: string[] = [],
  extra: Partial<ClassDeps> = {},
  before?: (dir: string) => void,
): Promise<ReportRun> {
  const dir = tmpProject();
  fs.writeFileSync(path.join(dir, "class.yaml"), roster);
  const backend = new FakeBackend();
  for (const [name, outputs] of Object.entries(stacks)) {
    await backend.workspace().createOrSelectStack(name);
    backend.stacks.get(name)!.outputs = outputs;
    backend.record(name, { kind: "update", result: "succeeded" });
  }
  let stdout = "";
  let stderr = "";
  const deps: ClassDeps = {
    projectDir: dir,
    cwd: dir,
    workspace: () => Promise.resolve(backend.workspace()),
    az: NO_AZ,
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: (t) => (stderr += t),
    now: () => FIXTURE_NOW,
    ...extra,
  };
  const init = await main(["init", "--roster", "class.yaml"], { ...deps, stdout: { write: () => true } });
  if (init !== 0) throw new Error(`init: ${stderr}`);
  before?.(dir);
  const status = await main(["report", "--roster", "class.yaml", ...args], deps);
  const page = path.join(dir, "class-report", "index.html");
  return { status, stdout, stderr, dir, ...(fs.existsSync(page) ? { html: fs.readFileSync(page, "utf8") } : {}) };
}

/** Both trainees' stacks, at their stage, as `up` leaves them. */
export const FIXTURE_STACKS: Record<string, OutputMap> = Object.fromEntries(
  ["alice", "bob"].map((name) => [name, { ...LAB_OUTPUTS(name), stage: { value: "default-deny", secret: false } }]),
);

/** The fixture page, made afresh. */
export async function fixturePage(): Promise<string> {
  const run = await report(FIXTURE_ROSTER(ROOT), FIXTURE_STACKS);
  if (run.status !== 0 || run.html === undefined) throw new Error(`class report: ${run.status}: ${run.stderr}`);
  return run.html;
}

if (require.main === module) {
  void fixturePage().then((html) => {
    fs.mkdirSync(path.dirname(FIXTURE_PAGE), { recursive: true });
    fs.writeFileSync(FIXTURE_PAGE, html);
    console.log(`${path.relative(ROOT, FIXTURE_PAGE)}: written`);
  });
}
