// status and outputs read the backend without changing it; outputs writes each trainee's
// kubeconfig readable by its owner only.
import * as fs from "fs";
import * as path from "path";
import { FakeBackend } from "./fake-automation";
import { listFiles, runCli, tmpProject } from "./helpers";

const ROSTER = [
  "defaults:",
  "  azure-native:location: westeurope",
  "  stage: allowed-repos",
  "trainees:",
  "  - name: alice",
  "  - name: bob",
  "    stage: default-deny",
  "  - name: carol",
  "    phpMyAdminExposure: loadbalancer",
  "    allowedSourceRanges: [203.0.113.0/24]",
  "",
].join("\n");

async function deployed(only: string): Promise<{ dir: string; roster: string; backend: FakeBackend }> {
  const dir = tmpProject();
  const roster = path.join(dir, "class.yaml");
  fs.writeFileSync(roster, ROSTER);
  const backend = new FakeBackend({
    alice: { stepMs: 1 },
    bob: { stepMs: 1 },
    carol: {
      stepMs: 1,
      outputs: {
        kubeconfig: { value: "apiVersion: v1\nkind: Config\nclusters: []\n", secret: true },
        phpMyAdmin: { value: "http://198.51.100.10", secret: false },
      },
    },
  });
  expect((await runCli(["init", "--roster", roster], dir, backend)).status).toBe(0);
  expect((await runCli(["up", "--roster", roster, "--only", only], dir, backend)).status).toBe(0);
  return { dir, roster, backend };
}

describe("outputs", () => {
  it("writes kubeconfigs/<trainee>.yaml with mode 0600 and says how each trainee reaches phpMyAdmin", async () => {
    const { dir, roster, backend } = await deployed("alice,carol");
    // bob's stack exists (a preview created it) but was never up.
    expect((await runCli(["preview", "--roster", roster, "--only", "bob"], dir, backend)).status).toBe(0);
    // An older copy readable by everyone is made private too.
    fs.mkdirSync(path.join(dir, "kubeconfigs"));
    fs.writeFileSync(path.join(dir, "kubeconfigs", "alice.yaml"), "old\n", { mode: 0o644 });
    const callsBefore = backend.calls.length;
    const run = await runCli(["outputs", "--roster", roster], dir, backend);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [
        "trainee  kubeconfig              phpMyAdmin",
        "alice    kubeconfigs/alice.yaml  kubectl port-forward -n app svc/phpmyadmin 8080:80, then open http://localhost:8080",
        "bob      -                       no outputs: the stack has not been up (or was destroyed)",
        "carol    kubeconfigs/carol.yaml  http://198.51.100.10",
        "",
        "Each trainee: export KUBECONFIG=$PWD/kubeconfigs/<trainee>.yaml, then the phpMyAdmin line; sign in as root",
        "with the password of `pulumi stack output --show-secrets mysqlRootPassword --stack <trainee>`.",
        "",
      ].join("\n"),
    );
    expect(listFiles(path.join(dir, "kubeconfigs"))).toEqual(["alice.yaml", "carol.yaml"]);
    for (const name of ["alice", "carol"]) {
      expect([name, fs.statSync(path.join(dir, "kubeconfigs", `${name}.yaml`)).mode & 0o777]).toEqual([name, 0o600]);
    }
    expect(fs.readFileSync(path.join(dir, "kubeconfigs", "alice.yaml"), "utf8")).toBe(
      "apiVersion: v1\nkind: Config\nclusters:\n- name: alice\n  cluster: {server: 'https://lab-alice.hcp.westeurope.azmk8s.io:443'}\n",
    );
    // Only reads: no stack created, nothing updated or cancelled.
    expect(backend.calls.slice(callsBefore).filter((c) => !/^(stack select|outputs) /.test(c))).toEqual([]);
  });

  it("names a trainee whose stack does not exist yet, without creating it", async () => {
    const { dir, roster, backend } = await deployed("alice");
    fs.rmSync(path.join(dir, "Pulumi.bob.yaml"));
    fs.writeFileSync(roster, ROSTER + "  - name: dave\n");
    expect((await runCli(["init", "--roster", roster, "--only", "dave"], dir, backend)).status).toBe(0);
    const run = await runCli(["outputs", "--roster", roster, "--only", "alice,dave"], dir, backend);
    expect(run.stdout.split("\n").slice(0, 3)).toEqual([
      "trainee  kubeconfig              phpMyAdmin",
      "alice    kubeconfigs/alice.yaml  kubectl port-forward -n app svc/phpmyadmin 8080:80, then open http://localhost:8080",
      "dave     -                       no stack yet: run up first",
    ]);
    expect(backend.stacks.has("dave")).toBe(false);
  });
});

describe("status", () => {
  it("shows each trainee's stage, last update and result, and whether up is done, changing nothing", async () => {
    const { dir, roster, backend } = await deployed("alice,bob");
    // carol's stack exists but its last update failed.
    await backend.workspace().createOrSelectStack("carol");
    backend.record("carol", { kind: "update", result: "failed", message: "class up: program x, config y" });
    // bob's stack file changed since his up.
    fs.writeFileSync(roster, ROSTER.replace("    stage: default-deny", "    stage: zero-trust"));
    expect((await runCli(["init", "--roster", roster], dir, backend)).status).toBe(0);
    const callsBefore = backend.calls.length;
    const run = await runCli(["status", "--roster", roster], dir, backend);
    expect(run).toEqual({
      status: 0,
      stdout: [
        `course end: not set (no endsAt in ${roster}), so nothing takes the labs down by itself`,
        "",
        "trainee  stage          last update                     result     up to date",
        "alice    allowed-repos  update 1, 2025-01-06 09:00 UTC  succeeded  yes",
        "bob      zero-trust     update 1, 2025-01-06 09:00 UTC  succeeded  no: run up",
        "carol    allowed-repos  update 1, 2025-01-06 09:00 UTC  failed     no: run up",
        "",
      ].join("\n"),
      stderr: "",
    });
    expect(backend.calls.slice(callsBefore).filter((c) => !/^(stack select|history) /.test(c))).toEqual([]);
  });
});
