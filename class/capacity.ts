/**
 * The capacity check before `up`: the vCPUs the class's AKS nodes take (trainees × nodeCount × the
 * VM size's vCPUs), per region, beside the region's vCPU quotas when the Azure CLI can read them,
 * so that a quota problem shows before twenty clusters half-fail.
 *
 * A size's vCPUs come from Azure itself when `az` is there (`az vm list-skus`: the size's vCPUs
 * capability and its quota family); otherwise from Azure's naming convention for versioned sizes
 * (`Standard_<family><vCPUs><features>_v<N>`: Standard_D2s_v5 has 2), and a size that does not
 * follow it (Standard_B2s, the constrained Standard_E4-2s_v5) is reported as unknown, not guessed.
 */
import { execFile } from "child_process";
import { LabSettings, LOCATION_KEY, parseLabConfig } from "../config/parse";
import { readStackConfig } from "../verifier/lab/stack";

/** Runs the Azure CLI with these arguments and resolves with its stdout. */
export type AzureCli = (args: string[]) => Promise<string>;

export const azureCli: AzureCli = (args) =>
  new Promise((resolve, reject) =>
    execFile("az", args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(error.message), { code: error.code, stderr }));
      else resolve(stdout);
    }),
  );

export interface ClusterNeed {
  trainee: string;
  region: string;
  vmSize: string;
  nodeCount: number;
}

/**
 * The AKS clusters the trainees' stack files ask for; a trainee who brings a cluster (kubeconfig
 * set) takes none. The files were validated with the roster, so they parse.
 */
export function clusterNeeds(projectDir: string, trainees: string[]): ClusterNeed[] {
  return trainees.flatMap((trainee) => {
    const config = readStackConfig(projectDir, trainee);
    const { settings } = parseLabConfig({
      values: config.values,
      secretKeys: new Set(config.secretKeys),
      projectDir,
    });
    const aks = (settings as LabSettings).aks;
    if ((settings as LabSettings).kubeconfig !== undefined) return [];
    return [{ trainee, region: config.values[LOCATION_KEY], vmSize: aks.nodeVmSize, nodeCount: aks.nodeCount }];
  });
}

/** vCPUs by Azure's naming convention, for versioned sizes without a constrained core count. */
export function vcpusByName(vmSize: string): number | undefined {
  const match = /^Standard_[A-Z]+(\d+)[a-z]*(_[A-Za-z0-9]+)?_v\d+$/.exec(vmSize);
  return match ? Number(match[1]) : undefined;
}

interface Sku {
  vcpus?: number;
  /** The quota family, such as standardDSv5Family. */
  family?: string;
}

interface Usage {
  name: { value: string; localizedValue: string };
  currentValue: number | string;
  limit: number | string;
}

export interface CapacityReport {
  lines: string[];
  /** Set when the class cannot fit whatever is deployed already: `up` must not start. */
  refusal?: string;
}

export async function checkCapacity(needs: ClusterNeed[], az: AzureCli = azureCli): Promise<CapacityReport> {
  const lines: string[] = [];
  let refusal: string | undefined;
  if (needs.length === 0) return { lines: ["capacity: no AKS cluster to create (every trainee brings a cluster)"] };
  let azProblem: string | undefined;
  const runAz = async (args: string[]): Promise<unknown> => {
    if (azProblem) return undefined;
    try {
      return JSON.parse(await az(args));
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      azProblem =
        e.code === "ENOENT"
          ? "the Azure CLI (az) is not installed"
          : `az ${args.slice(0, 2).join(" ")} failed: ${(e.stderr || e.message).split("\n").find((l) => l.trim()) ?? "error"}`;
      return undefined;
    }
  };

  const regions = [...new Set(needs.map((n) => n.region))].sort();
  for (const region of regions) {
    const here = needs.filter((n) => n.region === region);
    const sizes = [...new Set(here.map((n) => n.vmSize))].sort();
    const skus = new Map<string, Sku>();
    for (const size of sizes) {
      const found = (await runAz([
        "vm",
        "list-skus",
        "--location",
        region,
        "--size",
        size,
        "--resource-type",
        "virtualMachines",
        "-o",
        "json",
      ])) as { name: string; family?: string; capabilities?: { name: string; value: string }[] }[] | undefined;
      const sku = found?.find((s) => s.name.toLowerCase() === size.toLowerCase());
      const vcpus = sku?.capabilities?.find((c) => c.name === "vCPUs")?.value;
      skus.set(
        size,
        sku ? { vcpus: vcpus ? Number(vcpus) : undefined, family: sku.family } : { vcpus: vcpusByName(size) },
      );
      if (found && !sku)
        lines.push(`  ${region}: ${size} is not offered in this region (az vm list-skus); up would fail`);
    }

    let total = 0;
    const families = new Map<string, number>();
    const unknown: string[] = [];
    for (const size of sizes) {
      const nodes = here.filter((n) => n.vmSize === size).reduce((sum, n) => sum + n.nodeCount, 0);
      const clusters = here.filter((n) => n.vmSize === size).length;
      const { vcpus, family } = skus.get(size)!;
      if (vcpus === undefined) {
        unknown.push(size);
        lines.push(
          `capacity: ${clusters} AKS cluster${clusters === 1 ? "" : "s"} in ${region}, ${nodes} nodes of ${size}: vCPUs unknown (not a versioned size name; \`az vm list-skus --location ${region} --size ${size}\` tells)`,
        );
        continue;
      }
      total += nodes * vcpus;
      if (family) families.set(family, (families.get(family) ?? 0) + nodes * vcpus);
      lines.push(
        `capacity: ${clusters} AKS cluster${clusters === 1 ? "" : "s"} in ${region}, ${nodes} nodes × ${vcpus} vCPUs (${size}) = ${nodes * vcpus} vCPUs`,
      );
    }

    if (unknown.length > 0) lines.push(`  ${region}: not counted: ${unknown.join(", ")} (vCPUs unknown)`);
    const usage = (await runAz(["vm", "list-usage", "--location", region, "-o", "json"])) as Usage[] | undefined;
    if (!usage) {
      lines.push(
        `  ${region}: quota not read (${azProblem}); check it with \`az vm list-usage --location ${region} -o table\` (Total Regional vCPUs, and the VM family's vCPUs)`,
      );
      continue;
    }
    const quotas: [Usage | undefined, number, string][] = [
      [usage.find((u) => u.name.value === "cores"), total, "Total Regional vCPUs"],
      ...[...families].map(([family, n]): [Usage | undefined, number, string] => [
        usage.find((u) => u.name.value === family),
        n,
        family,
      ]),
    ];
    for (const [quota, needed, label] of quotas) {
      if (!quota) {
        lines.push(`  ${region}: ${label}: no such quota in az vm list-usage`);
        continue;
      }
      // Numbers in az's JSON; a quoted number is read the same, rather than compared as text.
      const [current, limit] = [Number(quota.currentValue), Number(quota.limit)];
      const free = limit - current;
      const name = quota.name.localizedValue || label;
      let verdict = "fits";
      if (needed > limit) {
        verdict = `the class needs ${needed}, more than the limit: up would fail part-way; ask Azure for a quota increase, or run a part of the class with --only`;
        refusal ??= `${region}: ${name}: the class needs ${needed} vCPUs, the limit is ${limit}`;
      } else if (needed > free) {
        verdict = `the class needs ${needed}: fits only if some of these clusters exist already`;
      }
      lines.push(`  ${region}: ${name}: ${current} of ${limit} in use, ${free} free; ${verdict}`);
    }
  }
  return { lines, refusal };
}
