/**
 * Benchmark of the manifest reader (verifier/kube/yaml.ts, through verifier/manifests/read.ts) on a
 * generated `kubectl get ns,pods,networkpolicies -A -o yaml` dump (bench/dump.ts), written to a
 * temporary file first. Run with `npx tsx bench/read-manifests.ts [--pods N] [--seed N]
 * [--with-yaml-library]`; it prints the dump's size, and the wall time and peak RSS of reading it in
 * a child process of its own. With --with-yaml-library it also times the yaml library's own parser
 * (parseAllDocuments and toJS, YAML 1.1) on the same file, the reason the reader parses with js-yaml.
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

/** Runs in the child, so that the peak RSS is the reader's (or the yaml library's). */
async function measure(file: string, yamlLibrary: boolean): Promise<Measurement> {
  const t0 = performance.now();
  let objects: number;
  if (yamlLibrary) {
    const { parseAllDocuments } = await import("yaml");
    const documents = parseAllDocuments(fs.readFileSync(file, "utf8"), { version: "1.1" });
    objects = (Array.isArray(documents) ? documents : [documents]).map((d) => d.toJS() as unknown).length;
  } else {
    const { readManifests } = await import("../verifier/manifests/read");
    objects = readManifests([file]).length;
  }
  const readMs = performance.now() - t0;
  return { objects, readMs, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function runChild(file: string, yamlLibrary: boolean): Measurement {
  const args = [...process.execArgv, __filename, "--child", file, ...(yamlLibrary ? ["yaml"] : [])];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`the reader failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as Measurement;
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") {
    process.stdout.write(JSON.stringify(await measure(argv[1], argv[2] === "yaml")));
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
    const m = runChild(file, false);
    const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
    console.log(`manifest reader (seed ${seed}; node ${process.version}, ${os.cpus().length} CPUs)`);
    console.log(
      `dump: ${cluster.pods.length} pods, ${namespaces} namespaces, ${cluster.policies.length} policies; ${mb(size)} of YAML`,
    );
    console.log(`  read (one parse, one walk)  ${Math.round(m.readMs)} ms, ${m.objects} objects`);
    console.log(`  peak RSS                    ${mb(m.peakRssBytes)} (whole child process)`);
    if (argv.includes("--with-yaml-library")) {
      const y = runChild(file, true);
      console.log(`the yaml library's parser alone (parseAllDocuments and toJS, YAML 1.1), for comparison:`);
      console.log(`  parse                       ${Math.round(y.readMs)} ms`);
      console.log(`  peak RSS                    ${mb(y.peakRssBytes)} (whole child process)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main(process.argv.slice(2));
