/**
 * Benchmark of the NetworkPolicy engine (verifier/netpol) on a generated cluster: 1,000 pods in 50
 * namespaces with 500 policies, full truth table from every pod and 3 externals to every declared
 * port. Run with `npx tsx bench/verify.ts [--seed N] [--runs N] [--only engine|end-to-end]`
 * (`npm run bench:verify`); the end-to-end runs of the CLI on cluster dumps (bench/end-to-end.ts)
 * follow.
 *
 * Each measurement runs in its own child process so that its peak RSS and its retained heap are
 * its own. The naive evaluator (every policy checked for every verdict) is measured on a fixed
 * subset of sources; its full-table figures are extrapolated and printed as such. The subset's
 * cells are hashed in both children: equal hashes mean the two evaluators agree on every one.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import os from "node:os";
import { naiveTruthTable, NetworkPolicyEngine, TableEntry } from "../verifier/netpol";
import { clusterSources, generateCluster, GeneratedCluster } from "./generate";
import { endToEnd } from "./end-to-end";

const SHAPE = { namespaces: 50, podsPerNamespace: 20, policies: 500 };
/** Every 25th pod plus the externals: 43 sources, about 4% of the table. */
const NAIVE_SOURCE_STRIDE = 25;
const SCALING_POLICIES = [125, 250, 500, 1000];
const SCALING_STRIDE = 100;

interface Job {
  mode: "fast" | "naive";
  seed: number;
  policies: number;
  /** The naive run's sources, and the rows both runs hash: every stride-th pod, plus all externals. */
  stride: number;
}

interface Measurement {
  pods: number;
  policies: number;
  sources: number;
  verdicts: number;
  buildMs: number;
  tableMs: number;
  /** heapUsed growth right after the computation, garbage included: the highest point seen, a floor for the peak. */
  heapAtEndBytes: number;
  /** heapUsed growth after a full GC: what the indexes and the table keep. */
  retainedHeapBytes: number;
  peakRssBytes: number;
  compared: { cells: number; sha256: string };
}

function subsetIndexes(cluster: GeneratedCluster, stride: number): number[] {
  const indexes: number[] = [];
  for (let i = 0; i < cluster.pods.length; i += stride) indexes.push(i);
  for (let i = 0; i < cluster.externals.length; i++) indexes.push(cluster.pods.length + i);
  return indexes;
}

/** Hashes the cells of the chosen source rows; rows are contiguous blocks of `rowLength` cells. */
function digestRows(table: TableEntry[], rowLength: number, rows: number[]): { cells: number; sha256: string } {
  const hash = createHash("sha256");
  let cells = 0;
  for (const row of rows) {
    for (let k = row * rowLength; k < (row + 1) * rowLength; k++) {
      const e = table[k];
      hash.update(`${e.from}|${e.to}|${e.port}|${e.protocol}|${e.self ? "self" : e.allowed}|${e.reason}\n`);
      cells++;
    }
  }
  return { cells, sha256: hash.digest("hex") };
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs in the child process. */
function measure(job: Job): Measurement {
  const cluster = generateCluster({ seed: job.seed, ...SHAPE, policies: job.policies });
  const allSources = clusterSources(cluster);
  const subset = subsetIndexes(cluster, job.stride);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let t0 = performance.now();
  let table: TableEntry[];
  let buildMs = 0;
  let rowLength: number;
  let rows: number[];
  if (job.mode === "fast") {
    const engine = new NetworkPolicyEngine(cluster);
    buildMs = performance.now() - t0;
    t0 = performance.now();
    table = engine.truthTable(allSources);
    rowLength = table.length / allSources.length;
    rows = subset;
  } else {
    table = naiveTruthTable(
      cluster,
      subset.map((i) => allSources[i]),
    );
    rowLength = table.length / subset.length;
    rows = subset.map((_, k) => k);
  }
  const tableMs = performance.now() - t0;
  const heapAtEndBytes = process.memoryUsage().heapUsed - heapBefore;
  collectGarbage();
  const retainedHeapBytes = process.memoryUsage().heapUsed - heapBefore;
  return {
    pods: cluster.pods.length,
    policies: cluster.policies.length,
    sources: job.mode === "fast" ? allSources.length : subset.length,
    verdicts: table.length,
    buildMs,
    tableMs,
    heapAtEndBytes,
    retainedHeapBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    compared: digestRows(table, rowLength, rows),
  };
}

/**
 * The machine may be shared: each figure is the median of `runs` fresh processes (cold, as a
 * one-shot verifier run is), with the spread of total times kept for the printout.
 */
function runMedian(job: Job, runs: number): Measurement & { spreadMs: [number, number] } {
  const results = Array.from({ length: runs }, () => runChild(job));
  const total = (m: Measurement) => m.buildMs + m.tableMs;
  results.sort((a, b) => total(a) - total(b));
  if (results.some((m) => m.compared.sha256 !== results[0].compared.sha256))
    throw new Error(`runs of ${JSON.stringify(job)} disagree`);
  return { ...results[Math.floor(runs / 2)], spreadMs: [total(results[0]), total(results[runs - 1])] };
}

function runChild(job: Job): Measurement {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, "--expose-gc", __filename, "--child", JSON.stringify(job)],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`benchmark child ${JSON.stringify(job)} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop() as string) as Measurement;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const thousands = (value: number) => value.toLocaleString("en-US");
const pad = (text: string, width: number) => text.padStart(width);

function report(seed: number, runs: number): boolean {
  const fast = runMedian({ mode: "fast", seed, policies: SHAPE.policies, stride: NAIVE_SOURCE_STRIDE }, runs);
  const naive = runMedian({ mode: "naive", seed, policies: SHAPE.policies, stride: NAIVE_SOURCE_STRIDE }, runs);
  const spread = (m: { spreadMs: [number, number] }) =>
    `(${runs} run${runs === 1 ? "" : "s"}: ${m.spreadMs[0].toFixed(0)}-${m.spreadMs[1].toFixed(0)} ms, median shown)`;
  const fastTotal = fast.buildMs + fast.tableMs;
  const fastPer = fastTotal / fast.verdicts;
  const naivePer = naive.tableMs / naive.verdicts;
  const agree = fast.compared.sha256 === naive.compared.sha256 && fast.compared.cells === naive.compared.cells;
  const lines = [
    `NetworkPolicy engine benchmark (seed ${seed}; node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? "unknown CPU"})`,
    `cluster: ${fast.pods} pods in ${SHAPE.namespaces} namespaces, ${fast.policies} policies; sources: ${fast.sources} (pods and 3 externals)`,
    `full truth table: ${thousands(fast.verdicts)} verdicts`,
    "",
    `fast engine, full table (measured) ${spread(fast)}:`,
    `  index build     ${pad(ms(fast.buildMs), 9)}`,
    `  truth table     ${pad(ms(fast.tableMs), 9)}`,
    `  total           ${pad(ms(fastTotal), 9)}   ${(fastPer * 1e6).toFixed(0)} ns per verdict`,
    `  heap at end     ${pad(mb(fast.heapAtEndBytes), 9)}   (growth of heapUsed, garbage included: a floor for the peak)`,
    `  heap retained   ${pad(mb(fast.retainedHeapBytes), 9)}   ${(fast.retainedHeapBytes / fast.verdicts).toFixed(0)} bytes per verdict (indexes and table, after GC)`,
    `  peak RSS        ${pad(mb(fast.peakRssBytes), 9)}   (whole child process)`,
    "",
    `naive evaluator, every policy for every verdict, on ${naive.sources} of ${fast.sources} sources (measured) ${spread(naive)}:`,
    `  verdicts        ${pad(thousands(naive.verdicts), 9)}`,
    `  time            ${pad(ms(naive.tableMs), 9)}   ${(naivePer * 1e3).toFixed(1)} µs per verdict`,
    `  heap at end     ${pad(mb(naive.heapAtEndBytes), 9)}`,
    `  heap retained   ${pad(mb(naive.retainedHeapBytes), 9)}   ${(naive.retainedHeapBytes / naive.verdicts).toFixed(0)} bytes per verdict`,
    `  peak RSS        ${pad(mb(naive.peakRssBytes), 9)}   (whole child process)`,
    `naive evaluator, full table (EXTRAPOLATED from the subset, not measured):`,
    `  time            ${pad(ms(naivePer * fast.verdicts), 9)}`,
    `  heap retained   ${pad(mb((naive.retainedHeapBytes / naive.verdicts) * fast.verdicts), 9)}`,
    "",
    `ratio: naive / fast cost per verdict = ${(naivePer / fastPer).toFixed(0)}x`,
    `agreement on the ${thousands(naive.compared.cells)} cells both computed: ${agree ? "identical" : "DIFFERENT"} (sha256 fast ${fast.compared.sha256.slice(0, 16)}, naive ${naive.compared.sha256.slice(0, 16)})`,
    "",
    `scaling: same ${fast.pods} pods, policies varied (medians of ${runs} run${runs === 1 ? "" : "s"}; fast: full table, build included;`,
    `  naive: every ${SCALING_STRIDE}th pod and the externals as sources):`,
    `  ${"policies".padStart(8)} ${"verdicts".padStart(10)} ${"fast ns/verdict".padStart(16)} ${"naive µs/verdict".padStart(17)}`,
  ];
  console.log(lines.join("\n"));
  let scalingAgrees = true;
  for (const policies of SCALING_POLICIES) {
    const f = runMedian({ mode: "fast", seed, policies, stride: SCALING_STRIDE }, runs);
    const n = runMedian({ mode: "naive", seed, policies, stride: SCALING_STRIDE }, runs);
    scalingAgrees &&= f.compared.sha256 === n.compared.sha256;
    const fastCost = ((f.buildMs + f.tableMs) / f.verdicts) * 1e6;
    const naiveCost = (n.tableMs / n.verdicts) * 1e3;
    console.log(
      `  ${pad(String(policies), 8)} ${pad(thousands(f.verdicts), 10)} ${pad(fastCost.toFixed(0), 16)} ${pad(naiveCost.toFixed(1), 17)}`,
    );
  }
  console.log(`  agreement on the compared cells at every size: ${scalingAgrees ? "identical" : "DIFFERENT"}`);
  return agree && scalingAgrees;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const childAt = args.indexOf("--child");
  if (childAt >= 0) {
    console.log(JSON.stringify(measure(JSON.parse(args[childAt + 1]) as Job)));
    return;
  }
  const option = (name: string, fallback: number) =>
    args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
  if (only !== "end-to-end" && !report(option("--seed", 42), option("--runs", 3))) process.exitCode = 1;
  if (only !== "engine") await endToEnd();
}

void main();
