// `class grade --live`: each trainee graded on their own cluster, whose kubeconfig the class reads
// from the stack's output (a stand-in for the Automation API), probed as `verify --live` probes
// (stand-in API servers, tests/live): alice's cluster enforces her default deny, bob's network
// plugin enforces no NetworkPolicy, carol has no stack yet.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { defaultDenyExercise, MYSQL_IP, PHPMYADMIN_POD } from "../live/lab-cluster";
import { kubeconfigFor, StandIn } from "../live/stand-in";
import { FakeBackend, LAB_OUTPUTS } from "./fake-automation";
import { runCli, tmpProject } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "exercises", "example");

/** `npm run class -- ARGS` for the project `dir`, in a process of its own (tests/class/class-process.ts). */
function classProcess(
  args: string[],
  dir: string,
  env: Record<string, string>,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "class-process.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, CLASS_PROJECT: dir },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

describe("class grade --live", () => {
  const standIns = { alice: new StandIn(defaultDenyExercise(true)), bob: new StandIn(defaultDenyExercise(false)) };
  let run: { status: number; stdout: string; stderr: string };
  let calls: string[];

  beforeAll(async () => {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(
      roster,
      [
        "defaults:",
        "  stage: default-deny",
        `  exercise: ${EXAMPLE}`,
        "  azure-native:location: westeurope",
        "trainees:",
        "  - name: alice",
        "  - name: bob",
        "  - name: carol",
        "",
      ].join("\n"),
    );
    expect((await runCli(["init", "--roster", roster], dir, new FakeBackend())).status).toBe(0);
    const stacks: Record<string, unknown> = {};
    for (const [trainee, standIn] of Object.entries(standIns)) {
      const server = await standIn.start();
      stacks[trainee] = { ...LAB_OUTPUTS(trainee), kubeconfig: { value: kubeconfigFor(server), secret: true } };
    }
    const result = await classProcess(["grade", "--live", "--roster", roster], dir, {
      CLASS_STACKS: JSON.stringify(stacks),
      CLASS_LIVE_BOUNDS: JSON.stringify({ probeTimeoutSeconds: 1 }),
    });
    const [stderr, backendCalls] = result.stderr.split("backend calls: ");
    run = { ...result, stderr };
    calls = JSON.parse(backendCalls);
  }, 60_000);

  afterAll(async () => {
    for (const standIn of Object.values(standIns)) await standIn.stop();
  });

  const unmetHint = `the cluster does not do what the exercise's objects predict (denied): connected: app/${PHPMYADMIN_POD} → ${MYSQL_IP}:3306 (data/mysql-0, which listens: 127.0.0.1:3306 connected from inside it)`;

  it("grades what each cluster does: alice meets, bob's cluster leaves MySQL open, carol has no cluster: exit 1", () => {
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^class grade: 3 trainees of .*class\.yaml, live: what each trainee's cluster does$/);
    const rows = lines.slice(2, 6).map((line) => line.split(/ {2,}/));
    expect(rows).toEqual([
      ["trainee", "stage", "answer", "result", "met", "unmet", "not judged", "first unmet claim"],
      ["alice", "default-deny", "exercises/example", "meets", "16", "0", "0"],
      [
        "bob",
        "default-deny",
        "exercises/example",
        "unmet",
        "11",
        "5",
        "0",
        `phpmyadmin → mysql:3306/TCP: expected denied, found allowed; hint: ${unmetHint}`,
      ],
      ["carol", "default-deny", "exercises/example", "not graded", "-", "-", "-", "no stack yet: run up first"],
    ]);
    expect(lines[7]).toBe("1 of 3 trainees meet their stage");
    expect(run.status).toBe(1);
  });

  it("says apart where a cluster did otherwise than the prediction from the trainee's objects", () => {
    const lines = run.stdout.split("\n");
    const from = lines.indexOf("Where a cluster did otherwise than the offline prediction from the trainee's objects:");
    expect(lines.slice(from + 1, -1).map((line) => line.slice(0, line.indexOf(": predicted")))).toEqual([
      "  bob: phpmyadmin → mysql:3306/TCP",
      "  bob: intruder → mysql:3306/TCP",
      "  bob: outsider → mysql:3306/TCP",
      "  bob: mysql → kube-dns:53/UDP",
      "  bob: mysql → internet",
    ]);
    expect(lines[from + 1]).toBe(
      `  bob: phpmyadmin → mysql:3306/TCP: predicted denied, observed allowed: ${unmetHint.slice(unmetHint.indexOf("connected:"))}`,
    );
  });

  it("reads each cluster from its stack's kubeconfig output, and leaves no probe behind", () => {
    expect(calls.sort()).toEqual([
      "outputs alice",
      "outputs bob",
      "stack select alice",
      "stack select bob",
      "stack select carol",
    ]);
    for (const standIn of Object.values(standIns)) {
      const probes = [...standIn.objects.values()].filter(
        (o) => o.metadata?.labels?.["k8s-hardening-lab/verify-probe"],
      );
      expect(probes).toEqual([]);
    }
  });
});
