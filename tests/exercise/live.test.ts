// An exercise graded on a running cluster (`verify --live` with an exercise): what the cluster does,
// against the stage's claims, and where it differs from the offline prediction for the trainee's
// objects. The CLI runs in a child process against the stand-in API server (tests/live), playing
// the lab at stage app with the trainee's default deny in data: once enforced, once by a network
// plugin that enforces no NetworkPolicy.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultDenyExercise, MYSQL_IP, PHPMYADMIN_POD } from "../live/lab-cluster";
import { kubeconfigFor, StandIn, type StandInOptions } from "../live/stand-in";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(ROOT, "verifier", "cli.ts");

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-live-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `verify --live` of the example exercise at default-deny, as JSON, against a stand-in cluster. */
async function gradeLive(options: StandInOptions): Promise<{ status: number | null; report: any; stderr: string }> {
  const standIn = new StandIn(options);
  const server = await standIn.start();
  const kubeconfig = path.join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(kubeconfig, kubeconfigFor(server));
  const args = ["--live", "--kubeconfig", kubeconfig, "--exercise", "exercises/example", "--stage", "default-deny"];
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CLI, ...args, "--probe-timeout", "1", "--format", "json"],
      {
        cwd: ROOT,
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (status) => resolve({ status, stdout, stderr }));
  });
  await standIn.stop();
  return { status: result.status, report: JSON.parse(result.stdout), stderr: result.stderr };
}

describe("verify --live with an exercise, on a cluster that enforces it", () => {
  let run: { status: number | null; report: any; stderr: string };
  beforeAll(async () => {
    run = await gradeLive(defaultDenyExercise(true));
  });

  it("grades what the cluster did: every claim met, exit 0", () => {
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(run.report.exercise).toBe("exercises/example");
    expect([run.report.grade.met, run.report.grade.unmet, run.report.grade.notJudged]).toEqual([16, 0, 0]);
    expect(run.report.grade.claims.map((c: any) => [c.claim, c.found])).toEqual([
      ["phpmyadmin → mysql:3306/TCP", "denied"],
      ["intruder → mysql:3306/TCP", "denied"],
      ["outsider → mysql:3306/TCP", "denied"],
      ["mysql → kube-dns:53/UDP", "denied"],
      ["mysql → internet", "denied"],
      ["phpmyadmin → kube-dns:53/UDP", "allowed"],
      ["phpmyadmin → internet", "allowed"],
      ["intruder → phpmyadmin:80/TCP", "allowed"],
      ["outsider → phpmyadmin:80/TCP", "allowed"],
      ["Pod `app/nginx`, image `nginx` (the article's test)", "admitted"],
      ["Pod `app/phpmyadmin`, the lab's phpMyAdmin image", "admitted"],
      ["Pod `data/busybox`, image `busybox`", "admitted"],
      ["Deployment in `app` whose pod template uses `nginx`", "admitted"],
      [
        "Pod in `app` with an allowed container but an `initContainer` or `ephemeralContainer` image `busybox`",
        "admitted",
      ],
      ["Pod `default/nginx` (namespace not constrained)", "admitted"],
      ["The lab's own workloads", "admitted"],
    ]);
  });

  it("finds no difference from the offline prediction", () => {
    expect(run.report.live.differences).toEqual([]);
  });
});

describe("verify --live with an exercise, on a network plugin that enforces no NetworkPolicy", () => {
  let run: { status: number | null; report: any; stderr: string };
  beforeAll(async () => {
    run = await gradeLive(defaultDenyExercise(false));
  });

  const mysqlFlows = [
    "phpmyadmin → mysql:3306/TCP",
    "intruder → mysql:3306/TCP",
    "outsider → mysql:3306/TCP",
    "mysql → kube-dns:53/UDP",
    "mysql → internet",
  ];

  it("grades the flows the cluster left open unmet, though the trainee's objects deny them: exit 1", () => {
    expect(run.status).toBe(1);
    const grade = run.report.grade;
    expect([grade.met, grade.unmet, grade.notJudged]).toEqual([11, 5, 0]);
    const unmet = grade.claims.filter((c: any) => c.met === false);
    expect(unmet.map((c: any) => [c.claim, c.expected, c.found, c.file, c.line])).toEqual(
      mysqlFlows.map((claim) => [claim, "denied", "allowed", null, null]),
    );
    const evidence = (claim: string) => run.report.claims.find((c: any) => c.claim === claim).evidence;
    expect(unmet[0].hint).toBe(
      `the cluster does not do what the exercise's objects predict (denied): connected: app/${PHPMYADMIN_POD} → ${MYSQL_IP}:3306 (data/mysql-0, which listens: 127.0.0.1:3306 connected from inside it)`,
    );
    for (const claim of unmet) {
      expect(claim.hint).toBe(
        `the cluster does not do what the exercise's objects predict (denied): ${evidence(claim.claim)}`,
      );
    }
  });

  it("reports, apart, where the cluster differs from the prediction for the trainee's objects", () => {
    const evidence = (claim: string) => run.report.claims.find((c: any) => c.claim === claim).evidence;
    expect(run.report.live.differences).toEqual(
      mysqlFlows.map((claim) => ({ claim, predicted: "denied", observed: "allowed", evidence: evidence(claim) })),
    );
    expect(run.stderr.split("\n")[0]).toBe(
      `unmet (stage default-deny): phpmyadmin → mysql:3306/TCP: expected denied, found allowed; hint: ${run.report.grade.claims[0].hint}`,
    );
  });
});
