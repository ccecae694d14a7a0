// The class on live clusters: `class grade --live` and `class report --live` grade each trainee on
// their own cluster, whose kubeconfig the class reads from the stack's output (a stand-in for the
// Automation API), probed as `verify --live` probes (stand-in API servers, tests/live): alice's
// cluster enforces her default deny, bob's network plugin enforces no NetworkPolicy, carol has no
// stack yet, dave (no exercise) has the lab itself at allowed-repos. The page also reads a live
// run's JSON as the class workflow keeps it.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { defaultDenyExercise, labCluster, MYSQL_IP, PHPMYADMIN_POD } from "../live/lab-cluster";
import { kubeconfigFor, StandIn } from "../live/stand-in";
import { PulumiCliMissing } from "../../class/automation";
import { readLiveFile } from "../../class/report";
import { FakeBackend, LAB_OUTPUTS } from "./fake-automation";
import { runCli, tmpProject } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
const EXAMPLE = path.join(ROOT, "exercises", "example");

/**
 * A TypeScript script of the project in a process of its own, without blocking this one (which
 * serves the stand-in clusters): `npm run class` for the project `dir` through
 * tests/class/class-process.ts, or `npm run verify`.
 */
function nodeProcess(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

const classProcess = (args: string[], dir: string, env: Record<string, string>) =>
  nodeProcess(path.join(__dirname, "class-process.ts"), args, { ...env, CLASS_PROJECT: dir });

const standIns = {
  alice: new StandIn(defaultDenyExercise(true)),
  bob: new StandIn(defaultDenyExercise(false)),
  dave: new StandIn(labCluster()),
};
let dir: string;
let roster: string;
/** The stand-in backend's stacks: alice's and bob's, their kubeconfig outputs naming their clusters. */
const stacks: Record<string, unknown> = {};
const LIVE = { CLASS_LIVE_BOUNDS: JSON.stringify({ probeTimeoutSeconds: 1 }) };

beforeAll(async () => {
  dir = tmpProject();
  roster = path.join(dir, "class.yaml");
  fs.writeFileSync(
    roster,
    [
      "defaults:",
      "  stage: default-deny",
      "  azure-native:location: westeurope",
      "trainees:",
      "  - name: alice",
      `    exercise: ${EXAMPLE}`,
      "  - name: bob",
      `    exercise: ${EXAMPLE}`,
      "  - name: carol",
      `    exercise: ${EXAMPLE}`,
      "  - name: dave",
      "    stage: allowed-repos",
      "",
    ].join("\n"),
  );
  expect((await runCli(["init", "--roster", roster], dir, new FakeBackend())).status).toBe(0);
  for (const [trainee, standIn] of Object.entries(standIns)) {
    const server = await standIn.start();
    stacks[trainee] = { ...LAB_OUTPUTS(trainee), kubeconfig: { value: kubeconfigFor(server), secret: true } };
  }
});

afterAll(async () => {
  for (const standIn of Object.values(standIns)) await standIn.stop();
});

const unmetHint = `the cluster does not do what the exercise's objects predict (denied): connected: app/${PHPMYADMIN_POD} → ${MYSQL_IP}:3306 (data/mysql-0, which listens: 127.0.0.1:3306 connected from inside it)`;

describe("class grade --live", () => {
  let run: { status: number; stdout: string; stderr: string };
  let calls: string[];

  beforeAll(async () => {
    const result = await classProcess(["grade", "--live", "--roster", roster], dir, {
      CLASS_STACKS: JSON.stringify(stacks),
      ...LIVE,
    });
    const [stderr, backendCalls] = result.stderr.split("backend calls: ");
    run = { ...result, stderr };
    calls = JSON.parse(backendCalls);
  }, 60_000);

  it("grades what each cluster does: alice meets, bob's cluster leaves MySQL open, carol has no cluster, dave's lab meets: exit 1", () => {
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^class grade: 4 trainees of .*class\.yaml, live: what each trainee's cluster does$/);
    const rows = lines.slice(2, 7).map((line) => line.split(/ {2,}/));
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
      ["dave", "allowed-repos", "none: the lab's own", "meets", "16", "0", "0"],
    ]);
    expect(lines[8]).toBe("2 of 4 trainees meet their stage");
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
      "outputs dave",
      "stack select alice",
      "stack select bob",
      "stack select carol",
      "stack select dave",
    ]);
    for (const standIn of Object.values(standIns)) {
      const probes = [...standIn.objects.values()].filter(
        (o) => o.metadata?.labels?.["k8s-hardening-lab/verify-probe"],
      );
      expect(probes).toEqual([]);
    }
  });
});

describe("class report --live", () => {
  it("puts each cluster's grade beside the offline one, and where it differs from the prediction", async () => {
    const out = path.join(dir, "live-report");
    const result = await classProcess(["report", "--live", "--roster", roster, "--out", out], dir, {
      CLASS_STACKS: JSON.stringify(stacks),
      ...LIVE,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/live-report\/index\.html: written, 4 trainees, [\d.]+ KiB\n$/);
    const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
    const live = (trainee: string) => {
      const section = html.slice(html.indexOf(`<section class="trainee" id="trainee-${trainee}"`));
      const row = section.slice(section.indexOf("<dt>Live</dt><dd>") + "<dt>Live</dt><dd>".length);
      return row.slice(0, row.indexOf("</dd>\n<dt>Last update"));
    };
    const from = '<span class="from">(this report&#39;s run, --live)</span>';
    expect(live("alice")).toBe(
      `<span class="sign" aria-hidden="true">✓</span> meets: 16 met, 0 unmet, 0 not judged ${from}`,
    );
    expect(
      live("bob").startsWith(
        `<span class="sign" aria-hidden="true">✗</span> unmet: 11 met, 5 unmet, 0 not judged ${from}<br>first unmet: phpmyadmin → mysql:3306/TCP: expected denied, found allowed<br>hint: ${unmetHint.replace(/'/g, "&#39;")}<br>where the cluster did otherwise than the prediction from the trainee's objects:<ul><li>phpmyadmin → mysql:3306/TCP: predicted denied, observed allowed: `,
      ),
    ).toBe(true);
    expect(live("carol")).toBe(
      `<span class="sign" aria-hidden="true">–</span> not graded: no stack yet: run up first ${from}`,
    );
    // The offline grade stays the matrix's: the trainees' objects meet the stage.
    expect(html.match(/<tr data-trainee="\w+" data-result="[\w ]+">/g)).toEqual([
      '<tr data-trainee="alice" data-result="meets">',
      '<tr data-trainee="bob" data-result="meets">',
      '<tr data-trainee="carol" data-result="meets">',
      '<tr data-trainee="dave" data-result="meets">',
    ]);
  }, 60_000);
});

describe("the last live run's JSON, as the class workflow keeps it", () => {
  it("is read from class-report/live/NAME.json: verify --live --json-out's report, graded as the class grades", async () => {
    // The class workflow's live proof of bob's stack: verify --live, its JSON kept beside the page.
    fs.mkdirSync(path.join(dir, "class-report", "live"), { recursive: true });
    const kubeconfig = path.join(dir, "bob.kubeconfig");
    fs.writeFileSync(kubeconfig, (stacks.bob as { kubeconfig: { value: string } }).kubeconfig.value);
    const json = path.join(dir, "class-report", "live", "bob.json");
    const verify = await nodeProcess(path.join(ROOT, "verifier", "cli.ts"), [
      "--live",
      "--kubeconfig",
      kubeconfig,
      "--exercise",
      EXAMPLE,
      "--stage",
      "default-deny",
      "--probe-timeout",
      "1",
      "--format",
      "markdown",
      "--json-out",
      json,
    ]);
    expect([verify.status, verify.stderr.split(":")[0]]).toEqual([1, "unmet (stage default-deny)"]);
    expect(readLiveFile(json, "class-report/live/bob.json")).toEqual({
      source: "class-report/live/bob.json",
      result: "unmet",
      grade: expect.objectContaining({ stage: "default-deny", met: 11, unmet: 5, notJudged: 0 }),
      differences: expect.arrayContaining([
        expect.objectContaining({ claim: "mysql → internet", predicted: "denied", observed: "allowed" }),
      ]),
      problems: [],
    });
    // Offline, with no Pulumi CLI: the page shows it for bob, and says alice has none.
    const page = await runCli(["report", "--roster", roster], dir, new FakeBackend(), {
      cwd: dir,
      workspace: () => Promise.reject(new PulumiCliMissing("no pulumi on PATH")),
    });
    expect(page.status).toBe(0);
    const html = fs.readFileSync(path.join(dir, "class-report", "index.html"), "utf8");
    expect(html).toContain(
      '<dt>Live</dt><dd><span class="sign" aria-hidden="true">✗</span> unmet: 11 met, 5 unmet, 0 not judged <span class="from">(class-report/live/bob.json)</span>',
    );
    expect(html).toContain(
      "<dt>Live</dt><dd>no live run: no <code>class-report/live/alice.json</code>, where the class workflow keeps the stack's last live proof",
    );
  }, 60_000);

  it("a file that is not such a report is said to be so", () => {
    const file = path.join(dir, "not-a-report.json");
    fs.writeFileSync(file, '{"stage": "default-deny", "claims": []}');
    expect(readLiveFile(file, "class-report/live/x.json")).toEqual({
      source: "class-report/live/x.json",
      result: "not graded",
      differences: [],
      problems: [
        "class-report/live/x.json: not a live report of one stage; expected the JSON of npm run verify -- --live --stack NAME --format json",
      ],
    });
    expect(readLiveFile(path.join(dir, "none.json"), "class-report/live/none.json")).toBeUndefined();
  });
});
