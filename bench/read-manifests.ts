/**
 * Benchmark of the manifest reader (verifier/kube/yaml.ts, through verifier/manifests/read.ts) on a
 * generated `kubectl get ns,pods,networkpolicies -A -o yaml` dump (bench/dump.ts), written to a
 * temporary file first. Run with `npx tsx bench/read-manifests.ts [--pods N] [--seed N]`; it prints
 * the dump's size, and the wall time and peak RSS of reading it in a child process of its own.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import * as path from "node:path";
import { generateCluster } from "../verifier/netpol/generate";
import { renderDump } from "./dump";

interface Measurement {
  objects: number;
  readMs: number;
  peakRssBytes: number;
}

/** Runs in the child, so that the peak RSS is the reader's. */
async function measure(file: string): Promise<Measurement> {
  const { readManifests } = await import("../verifier/manifests/read");
  const t0 = performance.now();
  const objects = readManifests([file]).length;
  const readMs = performance.now() - t0;
  return { objects, readMs, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") {
    process.stdout.write(JSON.stringify(await measure(argv[1])));
    return;
  }
  const pods = option(argv, "--pods", 10_000);
  const seed = option(argv, "--seed", 42);
  const namespaces = 100;
  const cluster = generateCluster({ seed, namespaces, podsPerNamespace: Math.ceil(pods / namespaces), policies: 1000 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "read-manifests-"));
  const file = path.join(dir, "dump.yaml");
  try {
    fs.writeFileSync(file, renderDump(cluster));
    const size = fs.statSync(file).size;
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--child", file], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`the reader failed:\n${child.stderr}`);
    const m = JSON.parse(child.stdout) as Measurement;
    const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
    console.log(`manifest reader (seed ${seed}; node ${process.version}, ${os.cpus().length} CPUs)`);
    console.log(
      `dump: ${cluster.pods.length} pods, ${namespaces} namespaces, ${cluster.policies.length} policies; ${mb(size)} of YAML`,
    );
    console.log(`  read (one parse, one walk)  ${Math.round(m.readMs)} ms, ${m.objects} objects`);
    console.log(`  peak RSS                    ${mb(m.peakRssBytes)} (whole child process)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main(process.argv.slice(2));
