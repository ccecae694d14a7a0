/**
 * `npm run bench`: what evaluating the lab costs a trainer's `pulumi preview` before any cloud
 * call, against the same harness evaluating an empty program. Each run is a fresh process (module
 * loading is most of the cost); the two are run in turn and the median of several runs of each is printed. Goal: the whole lab costs
 * at most 1.35 times the empty program. The CPU time is printed beside the wall time: on a machine
 * others share, it says more of the program's own cost than the wall time does.
 */
import { execFileSync } from "child_process";
import * as path from "path";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const harness = path.join(__dirname, "harness.ts");
const tsx = require.resolve("tsx/cli");

interface Sample {
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
}

function run(which: "empty" | "lab"): Sample {
  const out = execFileSync(process.execPath, [tsx, harness, which], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const summary = (samples: Sample[]): Sample => ({
  wallMs: median(samples.map((s) => s.wallMs)),
  cpuMs: median(samples.map((s) => s.cpuMs)),
  peakRssMb: median(samples.map((s) => s.peakRssMb)),
});

// Warm the disk cache (not counted), then take the two in turn, so that whatever else the machine
// does meanwhile weighs on both alike.
run("empty");
run("lab");
const samples: Record<"empty" | "lab", Sample[]> = { empty: [], lab: [] };
for (let i = 0; i < RUNS; i++) {
  samples.empty.push(run("empty"));
  samples.lab.push(run("lab"));
}
const empty = summary(samples.empty);
const lab = summary(samples.lab);
const row = (name: string, s: Sample) =>
  `${name.padEnd(14)} ${s.wallMs.toFixed(0).padStart(8)} ms ${s.cpuMs.toFixed(0).padStart(8)} ms ${s.peakRssMb.toFixed(1).padStart(9)} MB`;
console.log(
  `Evaluating the program under the mock runtime (node ${process.version}, median of ${RUNS} fresh processes)`,
);
console.log(`${"program".padEnd(14)} ${"wall".padStart(11)} ${"CPU".padStart(11)} ${"peak RSS".padStart(12)}`);
console.log(row("empty", empty));
console.log(row("whole lab", lab));
console.log(
  `ratio lab/empty: wall ${(lab.wallMs / empty.wallMs).toFixed(2)}x, CPU ${(lab.cpuMs / empty.cpuMs).toFixed(2)}x, memory ${(lab.peakRssMb / empty.peakRssMb).toFixed(2)}x (goal: wall at most 1.35x)`,
);
