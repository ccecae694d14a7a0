/**
 * End to end: the CLI (`npm run verify -- --manifests DUMP`) on generated cluster dumps written as
 * `kubectl get ns,pods,networkpolicies -A -o yaml` prints them (bench/dump.ts), each run a child
 * process whose wall time and peak RSS are its own:
 * - 10,000 pods in 100 namespaces with 1,000 policies: the default report, a --from/--to query,
 *   and the full per-pod table streamed with --format jsonl (counted here, line by line, with the
 *   child's RSS sampled as it streams);
 * - where the default report's time and memory go, phase by phase, and what the YAML library costs
 *   when it parses the List as one document, as the reader did before;
 * - 3,000 pods in 40 namespaces with 300 policies: the default report;
 * - 1,000 pods in 40 namespaces with 300 policies: the per-pod path of earlier versions (the whole
 *   table in memory, then one JSON document) beside the default report and the streamed table.
 * Run with `npx tsx bench/verify.ts --only end-to-end` (`npm run bench:verify` runs it after the
 * engine's benchmark).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { analyze, connectivityEngine } from "../verifier/analyze";
import { readManifests } from "../verifier/manifests/read";
import { buildModel } from "../verifier/model";
import { render } from "../verifier/render";
import { DumpShape, generateDumpCluster, writeDump } from "./dump";

const ROOT = path.join(__dirname, "..");
const LARGE: DumpShape = { pods: 10_000, namespaces: 100, policies: 1_000, replicas: 12, seed: 42 };
/** The dump of the issue that asked for classes: it ran out of memory after 136 s. */
const MIDDLE: DumpShape = { pods: 3_000, namespaces: 40, policies: 300, replicas: 12, seed: 42 };
const SMALL: DumpShape = { pods: 1_000, namespaces: 40, policies: 300, replicas: 12, seed: 42 };
const QUERY = ["--from", "ns-07/*", "--to", "ns-42/*", "--format", "json"];

interface Run {
  wallMs: number;
  peakRssBytes: number;
  status: number;
  /** Lines of standard output, when counted. */
  lines?: number;
  bytes?: number;
  /** The child's RSS while it streamed: [lines written so far, RSS]. */
  samples?: [number, number][];
}

/** The child writes its resource usage here when it exits. */
function usagePreload(dir: string): string {
  const file = path.join(dir, "usage.cjs");
  fs.writeFileSync(
    file,
    'process.on("exit", () => require("fs").writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify(process.resourceUsage())));\n',
  );
  return file;
}

function rssOf(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Runs the CLI; its output is counted (and dropped) when `count`, else sent to /dev/null. */
function runCli(dir: string, args: string[], count: boolean): Promise<Run> {
  const usageFile = path.join(dir, `usage-${process.hrtime.bigint()}.json`);
  const devNull = fs.openSync("/dev/null", "w");
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--require", usagePreload(dir), path.join(ROOT, "verifier", "cli.ts"), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, BENCH_USAGE_FILE: usageFile },
      stdio: ["ignore", count ? "pipe" : devNull, "pipe"],
    },
  );
  let lines = 0;
  let bytes = 0;
  let stderr = "";
  const samples: [number, number][] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const sampler = setInterval(() => samples.push([lines, rssOf(child.pid!)]), 1000);
  return new Promise((resolve, reject) => {
    child.on("close", (status) => {
      clearInterval(sampler);
      fs.closeSync(devNull);
      if (status !== 0) return reject(new Error(`verify ${args.join(" ")} exited ${status}:\n${stderr}`));
      const usage = JSON.parse(fs.readFileSync(usageFile, "utf8")) as NodeJS.ResourceUsage;
      resolve({
        wallMs: performance.now() - started,
        peakRssBytes: usage.maxRSS * 1024,
        status: status ?? -1,
        ...(count ? { lines, bytes, samples } : {}),
      });
    });
  });
}

/** What a child measured in-process: each phase's time and the process's RSS after it. */
type Phases = { phase: string; ms: number; rssBytes: number; note?: string }[];

function phasesOf(file: string): Phases {
  const phases: Phases = [];
  let t = performance.now();
  const mark = (phase: string, note?: string) => {
    const now = performance.now();
    phases.push({ phase, ms: now - t, rssBytes: process.memoryUsage().rss, ...(note ? { note } : {}) });
    t = now;
  };
  const objects = readManifests([file]);
  mark("read the YAML as kubectl does (verifier/kube)", `${objects.length.toLocaleString("en-US")} objects`);
  const model = buildModel(objects, []);
  mark("build the model");
  const engine = connectivityEngine(model);
  mark("engine: classes and indexes");
  const overview = engine.overview([]);
  mark("overview: every class pair", `${overview.classes.length.toLocaleString("en-US")} classes`);
  const report = analyze(model, { engine, connectivity: { kind: "overview" } });
  mark("admission (and the overview again)", `${report.admission.length.toLocaleString("en-US")} objects reviewed`);
  const text = render([report], "text");
  mark("render the text report", `${(text.length / 2 ** 20).toFixed(1)} MB`);
  return phases;
}

/** The dump parsed as one document by the yaml library, as the reader did before verifier/kube. */
function wholeDocument(file: string): Phases {
  const t = performance.now();
  const documents = parseAllDocuments(fs.readFileSync(file, "utf8"));
  const parsed = performance.now();
  for (const document of documents) document.toJS();
  return [
    { phase: "parse as one document", ms: parsed - t, rssBytes: process.memoryUsage().rss },
    { phase: "to plain data", ms: performance.now() - parsed, rssBytes: process.memoryUsage().rss },
  ];
}

/**
 * The per-pod path of earlier versions: every cell in memory, then one document, JSON or the text
 * matrix. A JSON document longer than V8's longest string (2^29 - 24 characters) cannot be made:
 * that failure is a result too.
 */
function perPod(file: string): Phases {
  let t = performance.now();
  const report = analyze(buildModel(readManifests([file]), []));
  const phases: Phases = [
    {
      phase: "read, then every cell in memory",
      ms: performance.now() - t,
      rssBytes: process.memoryUsage().rss,
      note: `${report.connectivity.length.toLocaleString("en-US")} cells`,
    },
  ];
  for (const format of ["json", "text"] as const) {
    t = performance.now();
    let note: string;
    try {
      const document = render([report], format);
      fs.writeFileSync("/dev/null", document);
      note = `${(document.length / 2 ** 20).toFixed(0)} MB`;
    } catch (error) {
      note = `FAILED: ${(error as Error).name}: ${(error as Error).message}`;
    }
    phases.push({
      phase: `one ${format} document`,
      ms: performance.now() - t,
      rssBytes: process.memoryUsage().rss,
      note,
    });
  }
  return phases;
}

const CHILD_MODES: Record<string, (file: string) => Phases> = { phasesOf, wholeDocument, perPod };

/** Runs one of the in-process measurements in a child of its own. */
function runChild(mode: string, file: string): { phases: Phases; wallMs: number; peakRssBytes: number } {
  const started = performance.now();
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--child", mode, file], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`benchmark child ${mode} failed:\n${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split("\n").pop() as string) as {
    phases: Phases;
    peakRssBytes: number;
  };
  return { ...result, wallMs: performance.now() - started };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const thousands = (n: number) => n.toLocaleString("en-US");

function line(what: string, run: { wallMs: number; peakRssBytes: number }, extra = ""): string {
  return `  ${what.padEnd(46)} ${seconds(run.wallMs).padStart(8)} ${mb(run.peakRssBytes).padStart(9)}${extra ? `   ${extra}` : ""}`;
}

function phaseLines(phases: Phases): string[] {
  return phases.map(
    (p) =>
      `    ${p.phase.padEnd(44)} ${seconds(p.ms).padStart(8)} ${mb(p.rssBytes).padStart(9)} RSS after${p.note ? `   ${p.note}` : ""}`,
  );
}

function streamLine(what: string, run: Run): string[] {
  const rate = run.lines! / (run.wallMs / 1000);
  const lines = [
    line(
      what,
      run,
      `${thousands(run.lines!)} cells, ${(run.bytes! / 2 ** 30).toFixed(1)} GB, ${thousands(Math.round(rate))} cells/s`,
    ),
  ];
  // The child's RSS as the cells went out: flat means memory does not grow with the cells written.
  const streaming = run.samples!.filter(([written]) => written > 0);
  const picks = [0.1, 0.5, 0.9, 1].map(
    (f) => streaming[Math.min(streaming.length - 1, Math.floor(f * (streaming.length - 1)))],
  );
  if (streaming.length > 0)
    lines.push(
      `    RSS while streaming: ${picks.map(([written, rss]) => `${mb(rss)} at ${thousands(written)} cells`).join(", ")}`,
    );
  return lines;
}

function write(dir: string, shape: DumpShape): string {
  const file = path.join(dir, `dump-${shape.pods}.yaml`);
  const cluster = generateDumpCluster(shape);
  const bytes = writeDump(cluster, file);
  console.log(
    `dump: ${thousands(cluster.pods.length)} pods in ${shape.namespaces} namespaces, ${thousands(cluster.policies.length)} policies, workloads of 1 to ${shape.replicas} replicas (seed ${shape.seed}): ${(bytes / 2 ** 20).toFixed(1)} MB of YAML`,
  );
  return file;
}

/** The end-to-end figures, printed as they come. */
export async function endToEnd(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-verify-"));
  try {
    const load = os.loadavg()[0].toFixed(1);
    console.log(
      `\nEnd to end: the CLI on kubectl dumps (${os.cpus().length} CPUs, load average ${load} at the start; wall time and peak RSS of each child process)`,
    );
    const large = write(dir, LARGE);
    console.log(`  ${"".padEnd(46)} ${"wall".padStart(8)} ${"peak RSS".padStart(9)}`);
    const report = await runCli(dir, ["--manifests", large], false);
    console.log(line("default report (classes and summary), text", report));
    const query = await runCli(dir, ["--manifests", large, ...QUERY], true);
    console.log(
      line(`query ${QUERY.slice(0, 4).join(" ")}, json`, query, `${(query.bytes! / 2 ** 20).toFixed(1)} MB of JSON`),
    );
    const phases = runChild("phasesOf", large);
    console.log(line("the default report, phase by phase, in-process", phases));
    console.log(phaseLines(phases.phases).join("\n"));
    const whole = runChild("wholeDocument", large);
    console.log(line("the yaml library on the same dump (as before)", whole));
    console.log(phaseLines(whole.phases).join("\n"));
    const stream = await runCli(dir, ["--manifests", large, "--format", "jsonl"], true);
    console.log(streamLine("full per-pod table, --format jsonl", stream).join("\n"));

    const middle = write(dir, MIDDLE);
    console.log(line("default report (classes and summary), text", await runCli(dir, ["--manifests", middle], false)));

    const small = write(dir, SMALL);
    const smallReport = await runCli(dir, ["--manifests", small], false);
    console.log(line("default report (classes and summary), text", smallReport));
    const smallStream = await runCli(dir, ["--manifests", small, "--format", "jsonl"], true);
    console.log(streamLine("full per-pod table, --format jsonl", smallStream).join("\n"));
    const old = runChild("perPod", small);
    console.log(line("per-pod path of earlier versions, json and text", old));
    console.log(phaseLines(old.phases).join("\n"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** In a child: one in-process measurement, printed as one JSON line. */
export function endToEndChild(mode: string, file: string): void {
  const phases = CHILD_MODES[mode](file);
  console.log(JSON.stringify({ phases, peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === "--child") endToEndChild(args[1], args[2]);
  else void endToEnd();
}
