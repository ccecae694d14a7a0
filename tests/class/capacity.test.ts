// The capacity check before up, with a stand-in for the Azure CLI that answers as `az` does
// (list-skus and list-usage JSON); this machine has no az.
import * as fs from "fs";
import * as path from "path";
import type { AzureCli } from "../../class/capacity";
import { checkCapacity, vcpusByName } from "../../class/capacity";
import { CONFIG_KEYS } from "../../config/keys";
import { FakeBackend } from "./fake-automation";
import { NO_AZ, rosterOf, runCli, tmpProject } from "./helpers";

interface Quota {
  value: string;
  localized: string;
  current: number;
  limit: number;
}

/** `az vm list-skus` and `az vm list-usage` for one region, as JSON strings like az prints. */
function azureWith(region: string, quotas: Quota[]): AzureCli & { calls: string[][] } {
  const calls: string[][] = [];
  const az = (args: string[]) => {
    calls.push(args);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    if (at("--location") !== region) return Promise.resolve("[]");
    if (args[1] === "list-skus") {
      const skus = [
        { name: "Standard_D2s_v5", family: "standardDSv5Family", capabilities: [{ name: "vCPUs", value: "2" }] },
        { name: "Standard_B2s", family: "standardBSFamily", capabilities: [{ name: "vCPUs", value: "2" }] },
        { name: "Standard_B2ms", family: "standardBSFamily", capabilities: [{ name: "vCPUs", value: "2" }] },
      ].filter((s) => s.name.toLowerCase().includes(at("--size").toLowerCase()));
      return Promise.resolve(
        JSON.stringify(
          skus.map((s) => ({ ...s, resourceType: "virtualMachines", locations: [region], tier: "Standard" })),
        ),
      );
    }
    return Promise.resolve(
      JSON.stringify(
        quotas.map((q) => ({
          currentValue: q.current,
          limit: q.limit,
          localName: q.localized,
          name: { localizedValue: q.localized, value: q.value },
        })),
      ),
    );
  };
  return Object.assign(az, { calls });
}

const regional = (current: number, limit: number): Quota => ({
  value: "cores",
  localized: "Total Regional vCPUs",
  current,
  limit,
});
const dsv5 = (current: number, limit: number): Quota => ({
  value: "standardDSv5Family",
  localized: "Standard DSv5 Family vCPUs",
  current,
  limit,
});

const TEN = Array.from({ length: 10 }, (_, i) => ({
  trainee: `t${i}`,
  region: "westeurope",
  vmSize: "Standard_D2s_v5",
  nodeCount: 2,
}));

describe("the vCPUs the class takes, beside the region's quotas", () => {
  it("fits: what the class needs, and what is in use and free", async () => {
    const report = await checkCapacity(TEN, azureWith("westeurope", [regional(12, 100), dsv5(4, 50)]));
    expect(report).toEqual({
      lines: [
        "capacity: 10 AKS clusters in westeurope, 20 nodes × 2 vCPUs (Standard_D2s_v5) = 40 vCPUs",
        "  westeurope: Total Regional vCPUs: 12 of 100 in use, 88 free; fits",
        "  westeurope: Standard DSv5 Family vCPUs: 4 of 50 in use, 46 free; fits",
      ],
      refusal: undefined,
    });
  });

  it("more than the family's limit: up is refused", async () => {
    const report = await checkCapacity(TEN, azureWith("westeurope", [regional(0, 100), dsv5(0, 10)]));
    expect(report.lines[2]).toBe(
      "  westeurope: Standard DSv5 Family vCPUs: 0 of 10 in use, 10 free; the class needs 40, more than the limit: up would fail part-way; ask Azure for a quota increase, or run a part of the class with --only",
    );
    expect(report.refusal).toBe("westeurope: Standard DSv5 Family vCPUs: the class needs 40 vCPUs, the limit is 10");
  });

  it("more than what is free but within the limit: a warning, since the clusters may exist already", async () => {
    const report = await checkCapacity(TEN, azureWith("westeurope", [regional(70, 100), dsv5(30, 50)]));
    expect(report.lines.slice(1)).toEqual([
      "  westeurope: Total Regional vCPUs: 70 of 100 in use, 30 free; the class needs 40: fits only if some of these clusters exist already",
      "  westeurope: Standard DSv5 Family vCPUs: 30 of 50 in use, 20 free; the class needs 40: fits only if some of these clusters exist already",
    ]);
    expect(report.refusal).toBeUndefined();
  });

  it("without az: vCPUs by Azure's naming convention, and how to read the quota", async () => {
    const report = await checkCapacity(
      [...TEN.slice(0, 2), { trainee: "x", region: "westeurope", vmSize: "Standard_B2s", nodeCount: 1 }],
      NO_AZ,
    );
    expect(report).toEqual({
      lines: [
        "capacity: 1 AKS cluster in westeurope, 1 nodes of Standard_B2s: vCPUs unknown (not a versioned size name; `az vm list-skus --location westeurope --size Standard_B2s` tells)",
        "capacity: 2 AKS clusters in westeurope, 4 nodes × 2 vCPUs (Standard_D2s_v5) = 8 vCPUs",
        "  westeurope: not counted: Standard_B2s (vCPUs unknown)",
        "  westeurope: quota not read (the Azure CLI (az) is not installed); check it with `az vm list-usage --location westeurope -o table` (Total Regional vCPUs, and the VM family's vCPUs)",
      ],
      refusal: undefined,
    });
  });

  it("with az, a size's vCPUs come from Azure, also for names the convention does not cover", async () => {
    const az = azureWith("westeurope", [
      regional(0, 100),
      { ...dsv5(0, 0), value: "standardBSFamily", localized: "Standard BS Family vCPUs", limit: 20 },
    ]);
    const report = await checkCapacity(
      [{ trainee: "x", region: "westeurope", vmSize: "Standard_B2s", nodeCount: 3 }],
      az,
    );
    expect(report.lines).toEqual([
      "capacity: 1 AKS cluster in westeurope, 3 nodes × 2 vCPUs (Standard_B2s) = 6 vCPUs",
      "  westeurope: Total Regional vCPUs: 0 of 100 in use, 100 free; fits",
      "  westeurope: Standard BS Family vCPUs: 0 of 20 in use, 20 free; fits",
    ]);
    expect(az.calls[0]).toEqual([
      "vm",
      "list-skus",
      "--location",
      "westeurope",
      "--size",
      "Standard_B2s",
      "--resource-type",
      "virtualMachines",
      "-o",
      "json",
    ]);
  });

  it("az that is not signed in: its message, and the naming convention", async () => {
    const az: AzureCli = () =>
      Promise.reject(
        Object.assign(new Error("Command failed: az vm list-skus"), {
          code: 1,
          stderr: "ERROR: Please run 'az login' to setup account.\n",
        }),
      );
    const report = await checkCapacity(TEN.slice(0, 1), az);
    expect(report.lines).toEqual([
      "capacity: 1 AKS cluster in westeurope, 2 nodes × 2 vCPUs (Standard_D2s_v5) = 4 vCPUs",
      "  westeurope: quota not read (az vm list-skus failed: ERROR: Please run 'az login' to setup account.); check it with `az vm list-usage --location westeurope -o table` (Total Regional vCPUs, and the VM family's vCPUs)",
    ]);
  });

  it.each([
    ["Standard_D2s_v5", 2],
    ["Standard_D4ads_v5", 4],
    ["Standard_E8s_v3", 8],
    ["Standard_F16s_v2", 16],
    ["Standard_NC6s_v3", 6],
    ["Standard_DC2s_v3", 2],
    ["Standard_B2s_v2", 2],
    ["Standard_M128ms_v2", 128],
    ["Standard_B2s", undefined],
    ["Standard_A2", undefined],
    ["Standard_E4-2s_v5", undefined],
    ["Standard_DS2", undefined],
  ])("%s has %s vCPUs by its name", (size, vcpus) => {
    expect(vcpusByName(size)).toBe(vcpus);
  });
});

describe("up and the capacity check", () => {
  async function tenTrainees(): Promise<{ dir: string; roster: string }> {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(roster, rosterOf(10));
    expect((await runCli(["init", "--roster", roster], dir, new FakeBackend())).status).toBe(0);
    return { dir, roster };
  }

  it("a class that cannot fit the limit is refused before any stack runs", async () => {
    const { dir, roster } = await tenTrainees();
    const backend = new FakeBackend();
    const run = await runCli(["up", "--roster", roster], dir, backend, {
      az: azureWith("westeurope", [regional(0, 100), dsv5(0, 10)]),
    });
    expect(run.status).toBe(2);
    expect(run.stdout.split("\n")[0]).toBe(
      "capacity: 10 AKS clusters in westeurope, 20 nodes × 2 vCPUs (Standard_D2s_v5) = 40 vCPUs",
    );
    expect(run.stderr).toBe(
      "class: nothing was written or run:\n  capacity: westeurope: Standard DSv5 Family vCPUs: the class needs 40 vCPUs, the limit is 10\n",
    );
    expect(backend.calls).toEqual([]);
  });

  it("a trainee who brings a cluster takes no vCPUs; preview runs no capacity check", async () => {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(
      roster,
      "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n  - name: bob\n",
    );
    expect((await runCli(["init", "--roster", roster], dir, new FakeBackend())).status).toBe(0);
    fs.appendFileSync(path.join(dir, "Pulumi.bob.yaml"), "  k8s-hardening-lab:kubeconfig:\n    secure: v1:abc\n");
    const backend = new FakeBackend({ alice: { stepMs: 1 }, bob: { stepMs: 1 } });
    const up = await runCli(["up", "--roster", roster], dir, backend);
    expect(up.stdout.split("\n")[0]).toBe(
      "capacity: 1 AKS cluster in westeurope, 2 nodes × 2 vCPUs (Standard_D2s_v5) = 4 vCPUs",
    );
    const preview = await runCli(["preview", "--roster", roster], dir, backend);
    expect(preview.stdout).not.toContain("capacity:");
  });
});

describe("the README's figures for a class on GitHub Actions", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8").replace(/\s+/g, " ");
  const nodes = Number(CONFIG_KEYS.nodeCount.default);
  const size = CONFIG_KEYS.nodeVmSize.default;
  const vcpus = vcpusByName(size)!;

  it("are the default cluster's, as the capacity check counts it", () => {
    expect([nodes, size, vcpus]).toEqual([2, "Standard_D2s_v5", 2]);
    expect(readme).toContain(
      `\`nodeCount\` ${nodes} × ${vcpus} vCPUs of \`${size}\` = ${nodes * vcpus} vCPUs per trainee with the defaults`,
    );
    expect(readme).toContain(
      `a class of N needs ${nodes * vcpus} × N vCPUs of both the region's "Total Regional vCPUs" and its "Standard DSv5 Family vCPUs" quotas: ${nodes * vcpus * 10} for 10 trainees, ${nodes * vcpus * 30} for 30.`,
    );
    expect(readme).toContain(`| ${nodes} nodes × 24 h | ${nodes * 24} × the hourly price of \`${size}\``);
  });
});
