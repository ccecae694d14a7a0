/**
 * `npm run bench:grade`: what grading costs on this machine (issue 15 item 9).
 *
 * - One exercise as a trainee grades it: `verify --exercise exercises/example --stage
 *   default-deny` in a fresh process (module loading included), median of BENCH_RUNS; and the same
 *   grading in a process that has graded once already (gradeExercise). Goal: under 3 s.
 * - A class of BENCH_CLASS (30) trainees: their stack files over the example and the fixture
 *   exercises (and the lab's own answer), graded by gradeClass (class/grade.ts) in a fresh
 *   process; the figure is the whole process, module loading included, and gradeClass alone.
 *   Goal: under 30 s.
 * - The trainer's page of that class (classReport, class/report.ts) beyond grading: its time and
 *   its size. The stacks' last updates and outputs are left out (they are the Pulumi CLI's time,
 *   not the page's). Goals: under 2 s, under 1 MB.
 *
 * Rego-only answers are judged by gator or opa when one is on PATH (the line says which), else not
 * judged. Figures are printed, never asserted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";

const ROOT = path.join(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLASS = Number(process.env.BENCH_CLASS ?? 30);

/** The answers a class is made of, in turn: an exercise folder (or none) and the stage it is graded at. */
const ANSWERS: { exercise?: string; stage: string }[] = [
  { exercise: "exercises/example", stage: "default-deny" },
  { exercise: "tests/fixtures/exercises/ingress-only", stage: "default-deny" },
  { exercise: "tests/fixtures/exercises/two-peers", stage: "allow-phpmyadmin" },
  { exercise: "tests/fixtures/exercises/namespace-label", stage: "allow-phpmyadmin" },
  { exercise: "tests/fixtures/exercises/cel-template", stage: "allowed-repos" },
  { exercise: "tests/fixtures/exercises/rego-only", stage: "allowed-repos" },
  { stage: "zero-trust" },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A project folder with the class's roster and the stack files init writes from it. */
export async function classProject(size: number): Promise<{ dir: string; trainees: string[] }> {
  const { main } = await import("../class/cli");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-grade-"));
  const trainees = Array.from({ length: size }, (_, i) => `trainee${String(i + 1).padStart(2, "0")}`);
  const lines = ["defaults:", "  azure-native:location: westeurope", "trainees:"];
  trainees.forEach((name, i) => {
    const answer = ANSWERS[i % ANSWERS.length];
    lines.push(`  - name: ${name}`, `    stage: ${answer.stage}`);
    if (answer.exercise) lines.push(`    exercise: ${path.join(ROOT, answer.exercise)}`);
  });
  fs.writeFileSync(path.join(dir, "class.yaml"), `${lines.join("\n")}\n`);
  let errors = "";
  const status = await main(["init", "--roster", path.join(dir, "class.yaml")], {
    projectDir: dir,
    workspace: () => Promise.reject(new Error("init needs no workspace")),
    stdout: { write: () => true },
    stderr: (text) => (errors += text),
  });
  if (status !== 0) throw new Error(`init: ${errors}`);
  return { dir, trainees };
}

/** In a child: grades the class of the project DIR, makes its page, and prints the figures as one JSON line. */
async function child(dir: string, size: number): Promise<void> {
  const { gradeClass } = await import("../class/grade");
  const { classReport } = await import("../class/report");
  const trainees = Array.from({ length: size }, (_, i) => `trainee${String(i + 1).padStart(2, "0")}`);
  const start = performance.now();
  const grades = await gradeClass(trainees, dir, { concurrency: 4 });
  const gradeMs = performance.now() - start;
  const wallMs = performance.now();
  const html = await classReport({
    roster: "class.yaml",
    now: Date.now(),
    grades,
    dir: path.join(dir, "class-report"),
    shownDir: "class-report",
    workspace: { problem: "not read by the benchmark" },
    concurrency: 4,
  });
  const pageMs = performance.now() - wallMs;
  const results: Record<string, number> = {};
  for (const g of grades) results[g.result] = (results[g.result] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ wallMs, gradeMs, pageMs, pageBytes: Buffer.byteLength(html), results })}\n`);
}

function run(args: string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, encoding: "utf8" });
  const ms = performance.now() - start;
  if (result.status !== 0 && result.status !== 1 && result.status !== 3) {
    throw new Error(`${args.join(" ")}: exit ${result.status}\n${result.stderr}`);
  }
  return { ms, stdout: result.stdout };
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") return child(process.argv[3], Number(process.argv[4]));

  const engines = ["gator", "opa"].filter((e) =>
    (process.env.PATH ?? "").split(path.delimiter).some((d) => d !== "" && fs.existsSync(path.join(d, e))),
  );
  console.log(
    `Grading on this machine: node ${process.version}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " ",
      )}; Rego engines on PATH: ${engines.length > 0 ? engines.join(", ") : "none (Rego-only answers not judged)"}`,
  );

  const cli = ["verifier/cli.ts", "--exercise", "exercises/example", "--stage", "default-deny", "--format", "json"];
  run(cli); // warm the disk cache; not counted
  const fresh = Array.from({ length: RUNS }, () => run(cli).ms);
  console.log(
    `one exercise, a fresh process (verify --exercise exercises/example --stage default-deny): median ${seconds(median(fresh))} of ${RUNS} (goal: under 3 s)`,
  );

  const { gradeExercise } = await import("../verifier/lab/grade");
  await gradeExercise({ exercise: "exercises/example", stage: "default-deny" });
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await gradeExercise({ exercise: "exercises/example", stage: "default-deny" });
    warm.push(performance.now() - start);
  }
  console.log(`one exercise, in a process that has graded before (gradeExercise): median ${seconds(median(warm))}`);

  const { dir } = await classProject(CLASS);
  const figures = JSON.parse(
    run([__filename, "--child", dir, String(CLASS)])
      .stdout.trim()
      .split("\n")
      .pop()!,
  ) as {
    /** From the process's start to the class graded. */
    wallMs: number;
    gradeMs: number;
    pageMs: number;
    pageBytes: number;
    results: Record<string, number>;
  };
  const results = Object.entries(figures.results)
    .map(([result, n]) => `${n} ${result}`)
    .join(", ");
  console.log(
    `a class of ${CLASS} (${ANSWERS.length} answers in turn; ${results}), a fresh process: ${seconds(figures.wallMs)}, of which gradeClass ${seconds(figures.gradeMs)} (goal: under 30 s)`,
  );
  console.log(
    `its trainer's page, beyond grading: ${seconds(figures.pageMs)} (goal: under 2 s), ${(figures.pageBytes / 1024).toFixed(1)} KiB (goal: under 1 MB)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
