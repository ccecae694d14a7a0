// `init` on the example roster writes stack files that the lab program accepts (run under the
// mocks, through the same config validation `pulumi up` goes through) and that the verifier reads
// as `npm run verify -- --stack NAME` does; a second init keeps what a trainer edited by hand.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseRoster } from "../../class/roster";
import { run as runVerify, parseArgs as verifyArgs } from "../../verifier/cli";
import { captureLab } from "../../verifier/lab/capture";
import { readStackConfig } from "../../verifier/lab/stack";
import { FakeBackend } from "./fake-automation";
import { listFiles, runCli, tmpProject } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "class.yaml");

async function initExample(): Promise<string> {
  const dir = tmpProject();
  const run = await runCli(["init", "--roster", EXAMPLE], dir, new FakeBackend());
  expect(run).toEqual({
    status: 0,
    stdout:
      "Pulumi.alice.yaml: written (a new stack file)\n" +
      "Pulumi.bob.yaml: written (a new stack file)\n" +
      "Pulumi.carol.yaml: written (a new stack file)\n",
    stderr: "",
  });
  return dir;
}

describe("init on the example roster", () => {
  it("the example roster ships at the top of the repository and is valid there", () => {
    const result = parseRoster(fs.readFileSync(EXAMPLE, "utf8"), "class.yaml", ROOT);
    expect(result.problems).toEqual([]);
    expect(result.roster?.trainees.map((t) => t.name)).toEqual(["alice", "bob", "carol"]);
  });

  it("writes one stack file per trainee, keys in the lab's namespace, with a header saying how it is kept", async () => {
    const dir = await initExample();
    expect(listFiles(dir)).toEqual(["Pulumi.alice.yaml", "Pulumi.bob.yaml", "Pulumi.carol.yaml"]);
    expect(fs.readFileSync(path.join(dir, "Pulumi.bob.yaml"), "utf8")).toBe(
      [
        "# bob's lab, written by `npm run class -- init` from class.yaml. The next init rewrites",
        "# the keys class.yaml sets and keeps everything else: other keys, comments, and the",
        "# encryptionsalt the first preview or up adds when it creates the stack (commit this file then).",
        "# Secrets: pulumi config set --secret KEY --stack bob",
        "",
        "config:",
        "  k8s-hardening-lab:stage: default-deny",
        "  azure-native:location: westeurope",
        "",
      ].join("\n"),
    );
    expect(parse(fs.readFileSync(path.join(dir, "Pulumi.carol.yaml"), "utf8")).config).toEqual({
      "k8s-hardening-lab:stage": "allowed-repos",
      "azure-native:location": "westeurope",
      "k8s-hardening-lab:phpMyAdminExposure": "loadbalancer",
      "k8s-hardening-lab:allowedSourceRanges": ["203.0.113.0/24"],
    });
  });

  it.each([
    ["alice", "allowed-repos", "ClusterIP"],
    ["bob", "default-deny", "ClusterIP"],
    ["carol", "allowed-repos", "LoadBalancer"],
  ])("the lab program accepts Pulumi.%s.yaml: stage %s, phpMyAdmin's Service %s", async (name, stage, serviceType) => {
    const dir = await initExample();
    const config = readStackConfig(dir, name);
    const capture = await captureLab({ config: config.values, secretKeys: config.secretKeys, stack: name });
    expect(capture.error).toBeUndefined();
    expect(capture.warnings).toEqual([]);
    expect(capture.outputs.stage).toBe(stage);
    const aks = capture.resources.find((r) => r.type === "azure-native:containerservice:ManagedCluster");
    expect(aks?.inputs.dnsPrefix).toBe(`lab-${name}`);
    const service = capture.resources.find((r) => r.name === "lab-app-phpmyadmin-svc");
    expect(service?.inputs.spec.type).toBe(serviceType);
    if (serviceType === "LoadBalancer")
      expect(service?.inputs.spec.loadBalancerSourceRanges).toEqual(["203.0.113.0/24"]);
  });

  it.each([
    ["alice", "allowed-repos"],
    ["bob", "default-deny"],
  ])("verify --stack %s reads the file and proves the claims of stage %s", async (name, stage) => {
    const dir = await initExample();
    const reports = await runVerify(verifyArgs(["--stack", name]), dir);
    expect(reports.map((r) => r.stage)).toEqual([stage]);
    expect(reports[0].claims.length).toBeGreaterThan(0);
    expect(reports[0].claims.filter((c) => !c.holds)).toEqual([]);
    expect(reports[0].notes).toEqual([]);
  });
});

describe("init again", () => {
  it("changes nothing when nothing changed", async () => {
    const dir = await initExample();
    const before = listFiles(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    const run = await runCli(["init", "--roster", EXAMPLE], dir, new FakeBackend());
    expect(run.stdout).toBe("Pulumi.alice.yaml: unchanged\nPulumi.bob.yaml: unchanged\nPulumi.carol.yaml: unchanged\n");
    expect(listFiles(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8"))).toEqual(before);
  });

  it("keeps what a trainer and Pulumi added by hand (keys, comments, secrets, the salt) and rewrites only what the roster sets", async () => {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(
      roster,
      "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n    stage: app\n",
    );
    // As Pulumi leaves the file once the stack exists and the trainer has set a few things.
    fs.writeFileSync(
      path.join(dir, "Pulumi.alice.yaml"),
      [
        "# alice wants a pinned version for the demo",
        "encryptionsalt: v1:S0m3Salt=:v1:n0nce:c1pher",
        "config:",
        "  azure-native:location: westeurope",
        "  k8s-hardening-lab:stage: zero-trust # she got ahead",
        "  k8s-hardening-lab:kubernetesVersion: '1.33' # pinned for the demo",
        "  k8s-hardening-lab:mysqlRootPassword:",
        "    secure: v1:AAAA:BBBB",
        "",
      ].join("\n"),
    );
    const run = await runCli(["init", "--roster", roster], dir, new FakeBackend());
    expect(run.stdout).toBe("Pulumi.alice.yaml: set k8s-hardening-lab:stage\n");
    expect(fs.readFileSync(path.join(dir, "Pulumi.alice.yaml"), "utf8")).toBe(
      [
        "# alice wants a pinned version for the demo",
        "encryptionsalt: v1:S0m3Salt=:v1:n0nce:c1pher",
        "config:",
        "  azure-native:location: westeurope",
        "  k8s-hardening-lab:stage: app # she got ahead",
        "  k8s-hardening-lab:kubernetesVersion: '1.33' # pinned for the demo",
        "  k8s-hardening-lab:mysqlRootPassword:",
        "    secure: v1:AAAA:BBBB",
        "",
      ].join("\n"),
    );
  });

  it("replaces a short key written by hand with the full key the roster sets", async () => {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(
      roster,
      "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n    stage: app\n",
    );
    fs.writeFileSync(path.join(dir, "Pulumi.alice.yaml"), "config:\n  stage: default-deny\n");
    const run = await runCli(["init", "--roster", roster], dir, new FakeBackend());
    expect(run.stdout).toBe("Pulumi.alice.yaml: set azure-native:location, k8s-hardening-lab:stage\n");
    expect(parse(fs.readFileSync(path.join(dir, "Pulumi.alice.yaml"), "utf8"))).toEqual({
      config: { "k8s-hardening-lab:stage": "app", "azure-native:location": "westeurope" },
    });
  });

  it("--only writes only the trainees named", async () => {
    const dir = tmpProject();
    const run = await runCli(["init", "--roster", EXAMPLE, "--only", "bob"], dir, new FakeBackend());
    expect(run.stdout).toBe("Pulumi.bob.yaml: written (a new stack file)\n");
    expect(listFiles(dir)).toEqual(["Pulumi.bob.yaml"]);
  });
});
