// `class grade`: one row per trainee, each stack file graded as pulumi up would deploy it (the
// trainee's exercise, or without one the lab's own answer) against the claims of their stage;
// and `init` giving a trainee whose folder does not exist one with their stage's objective.
import * as fs from "fs";
import * as path from "path";
import { binDir } from "../admission/rego-stand-in";
import { columns } from "../../class/display";
import { FakeBackend } from "./fake-automation";
import { runCli, tmpProject } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = "tests/fixtures/exercises";
const HEADER = ["trainee", "stage", "answer", "result", "met", "unmet", "not judged", "first unmet claim"];

/** A project with a roster of `trainees` (YAML lines under `trainees:`), at `stage`, stack files written by init. */
async function project(
  trainees: string[],
  stage = "default-deny",
): Promise<{ dir: string; roster: string; initWarnings: string }> {
  const dir = tmpProject();
  const roster = path.join(dir, "class.yaml");
  fs.writeFileSync(
    roster,
    ["defaults:", `  stage: ${stage}`, "  azure-native:location: westeurope", "trainees:", ...trainees, ""].join("\n"),
  );
  const init = await runCli(["init", "--roster", roster], dir, new FakeBackend());
  expect(init.status).toBe(0);
  return { dir, roster, initWarnings: init.stderr };
}

/** A roster entry whose exercise is a folder of this repository, by its absolute path. */
const withExercise = (name: string, folder: string) => [
  `  - name: ${name}`,
  `    exercise: ${path.join(ROOT, folder)}`,
];

/** Rows laid out as the command lays them out (class/display.ts, tested in display.test.ts). */
const table = columns;

const INGRESS_ONLY_HINT = `${FIXTURES}/ingress-only/deny.yaml:9: data/default-deny-all selects data/mysql, but its policyTypes are Ingress: without Egress, data/mysql's egress stays open; add Egress to policyTypes`;

describe("class grade on a two-trainee roster, one who meets the stage and one who does not", () => {
  it("prints one row each, the first unmet claim with its hint at the trainee's file and line: exit 1", async () => {
    const { dir, roster } = await project([
      ...withExercise("alice", "exercises/example"),
      ...withExercise("bob", `${FIXTURES}/ingress-only`),
    ]);
    const run = await runCli(["grade", "--roster", roster], dir, new FakeBackend());
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(
      [
        `class grade: 2 trainees of ${roster}, offline: each stack file, as pulumi up deploys it`,
        "",
        "trainee  stage         answer                                 result  met  unmet  not judged  first unmet claim",
        "alice    default-deny  exercises/example                      meets   16   0      0",
        `bob      default-deny  tests/fixtures/exercises/ingress-only  unmet   14   2      0           mysql → kube-dns:53/UDP: expected denied, found allowed; hint: ${INGRESS_ONLY_HINT}`,
        "",
        "1 of 2 trainees meet their stage",
        "",
      ].join("\n"),
    );
    expect(run.status).toBe(1);
  });

  it("needs no Pulumi CLI, and with --only grades the trainees named: alice alone meets, exit 0", async () => {
    const { dir, roster } = await project([
      ...withExercise("alice", "exercises/example"),
      ...withExercise("bob", `${FIXTURES}/ingress-only`),
    ]);
    const backend = new FakeBackend();
    const run = await runCli(["grade", "--roster", roster, "--only", "alice"], dir, backend, {
      workspace: () => Promise.reject(new Error("the Pulumi CLI is not asked for")),
    });
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n").slice(2, 4)).toEqual(
      table([HEADER, ["alice", "default-deny", "exercises/example", "meets", "16", "0", "0", ""]]),
    );
    expect(backend.calls).toEqual([]);
  });
});

describe("class grade: the other rows", () => {
  const realPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = realPath;
  });

  it("a trainee without an exercise is graded on the lab's own answer; claims no engine judged make exit 3", async () => {
    const { dir, roster } = await project(
      [
        ...withExercise("alice", `${FIXTURES}/cel-template`),
        "  - name: carol",
        ...withExercise("dave", `${FIXTURES}/rego-only`),
      ],
      "allowed-repos",
    );
    process.env.PATH = binDir();
    const run = await runCli(["grade", "--roster", roster], dir, new FakeBackend());
    expect(run.stdout.split("\n").slice(2)).toEqual([
      ...table([
        HEADER,
        ["alice", "allowed-repos", `${FIXTURES}/cel-template`, "meets", "16", "0", "0", ""],
        ["carol", "allowed-repos", "none: the lab's own", "meets", "16", "0", "0", ""],
        [
          "dave",
          "allowed-repos",
          `${FIXTURES}/rego-only`,
          "not judged",
          "10",
          "0",
          "6",
          "not judged: Pod `app/nginx`, image `nginx` (the article's test): expected denied, found not judged; hint: " +
            `${FIXTURES}/rego-only/policy.yaml:20: K8sRegistries/registries-app's template k8sregistries has only Rego, and no Rego engine judged it: a template's only engine is Rego, and neither gator nor opa is on PATH to judge it; install gator (https://open-policy-agent.github.io/gatekeeper/website/docs/gator)`,
        ],
      ]),
      "",
      "2 of 3 trainees meet their stage",
      "",
    ]);
    expect(run.status).toBe(3);
  });

  it("an exercise the lab refuses is a row of its own, its first refusal with file and line: exit 1, the others graded", async () => {
    const { dir, roster, initWarnings } = await project([
      ...withExercise("alice", "exercises/example"),
      ...withExercise("erin", `${FIXTURES}/refuse-duplicate`),
    ]);
    const refusal = `b-deny-again.yaml:2: NetworkPolicy data/default-deny-all: defined twice, here and at ${ROOT}/${FIXTURES}/refuse-duplicate/a-deny.yaml:4; an exercise holds one object per kind, namespace and name`;
    // init writes the trainer's roster into the stack files; the trainee's answer is theirs to fix.
    expect(initWarnings).toBe(
      `warning: ${roster}:8: erin: k8s-hardening-lab:exercise: ${ROOT}/${FIXTURES}/refuse-duplicate/${refusal}; preview and up refuse it until it is fixed\n`,
    );
    const run = await runCli(["grade", "--roster", roster], dir, new FakeBackend());
    expect(run.stdout.split("\n").slice(2, 5)).toEqual(
      table([
        HEADER,
        ["alice", "default-deny", "exercises/example", "meets", "16", "0", "0", ""],
        [
          "erin",
          "default-deny",
          `${FIXTURES}/refuse-duplicate`,
          "refused",
          "-",
          "-",
          "-",
          `${FIXTURES}/refuse-duplicate/b-deny-again.yaml:2: NetworkPolicy data/default-deny-all: defined twice, here and at ${FIXTURES}/refuse-duplicate/a-deny.yaml:4; an exercise holds one object per kind, namespace and name`,
        ],
      ]),
    );
    expect(run.status).toBe(1);
  });

  it("grades what pulumi up deploys: a stack file the roster has moved on from stops it, exit 2", async () => {
    const { dir, roster } = await project([...withExercise("alice", "exercises/example")]);
    fs.writeFileSync(roster, fs.readFileSync(roster, "utf8").replace("stage: default-deny", "stage: zero-trust"));
    const run = await runCli(["grade", "--roster", roster], dir, new FakeBackend());
    expect(run).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "class: nothing was written or run:\n  Pulumi.alice.yaml: k8s-hardening-lab:stage differs from the roster; run `npm run class -- init` to write the roster's values\n",
    });
  });

  it("--live is grade's and report's alone", async () => {
    const { dir, roster } = await project([...withExercise("alice", "exercises/example")]);
    expect(await runCli(["status", "--live", "--roster", roster], dir, new FakeBackend())).toEqual({
      status: 2,
      stdout: "",
      stderr: "class: nothing was written or run:\n  --live: only for grade and report\n",
    });
  });
});

describe("a trainee's exercise folder, in the class's commands", () => {
  const roster = (dir: string) => {
    const file = path.join(dir, "class.yaml");
    fs.writeFileSync(
      file,
      [
        "defaults:",
        "  stage: allow-phpmyadmin",
        "  azure-native:location: westeurope",
        "trainees:",
        "  - name: alice",
        "    exercise: exercises/alice",
        "  - name: bob",
        "    stage: default-deny",
        "    exercise: exercises/bob",
        "",
      ].join("\n"),
    );
    return file;
  };

  it("init creates a folder that does not exist, with a README of the trainee's stage, and nothing else", async () => {
    const dir = tmpProject();
    fs.mkdirSync(path.join(dir, "exercises", "bob"), { recursive: true });
    fs.writeFileSync(path.join(dir, "exercises", "bob", "notes.txt"), "bob's own\n");
    const file = roster(dir);
    const run = await runCli(["init", "--roster", file], dir, new FakeBackend());
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      [
        "exercises/alice/README.md: written (a new exercise folder, for alice)",
        "Pulumi.alice.yaml: written (a new stack file)",
        "Pulumi.bob.yaml: written (a new stack file)",
        "",
      ].join("\n"),
    );
    // bob's folder exists: it is his, and holds no policy yet, which up would refuse.
    expect(run.stderr).toBe(
      `warning: ${file}:9: bob: k8s-hardening-lab:exercise: "exercises/bob" is not accepted; the folder holds no .yaml, .yml or .json file; expected the trainee's NetworkPolicies and Gatekeeper policies; preview and up refuse it until it is fixed\n`,
    );
    expect(fs.readdirSync(path.join(dir, "exercises", "bob"))).toEqual(["notes.txt"]);
    const readme = fs.readFileSync(path.join(dir, "exercises", "alice", "README.md"), "utf8");
    expect(readme.split("\n").slice(0, 11)).toEqual([
      "# alice's exercise",
      "",
      "Write your NetworkPolicies and Gatekeeper policies in this folder, as YAML files, and grade them",
      "with `npm run verify -- --stack alice` until every claim is met (docs/exercises.md has",
      "every stage's objective and the hints). Written by `npm run class -- init` from class.yaml,",
      "which never writes into this folder again.",
      "",
      "## Stage 3: `allow-phpmyadmin`",
      "",
      "**Write:** The default deny, and a NetworkPolicy in `data` that admits TCP 3306 from the pods labelled `app=phpmyadmin` in the namespaces labelled `tier=app`: one peer holding both selectors, so that a pod must match both.",
      "",
    ]);
    expect(readme).toContain("| intruder → mysql:3306/TCP | denied |\n");
  });

  it("init never writes into a folder once it exists, its README included", async () => {
    const dir = tmpProject();
    const file = roster(dir);
    await runCli(["init", "--roster", file], dir, new FakeBackend());
    const readme = path.join(dir, "exercises", "alice", "README.md");
    fs.writeFileSync(readme, "alice's own notes\n");
    const again = await runCli(["init", "--roster", file], dir, new FakeBackend());
    expect(again.stdout).toBe("Pulumi.alice.yaml: unchanged\nPulumi.bob.yaml: unchanged\n");
    expect(fs.readFileSync(readme, "utf8")).toBe("alice's own notes\n");
  });

  it("up stops for a refused exercise of a trainee it runs, not for another's", async () => {
    const dir = tmpProject();
    const file = roster(dir);
    fs.cpSync(path.join(ROOT, "exercises", "example"), path.join(dir, "exercises", "bob"), { recursive: true });
    await runCli(["init", "--roster", file], dir, new FakeBackend());
    const backend = new FakeBackend({ bob: { resources: 2, stepMs: 1 } });
    const all = await runCli(["up", "--roster", file], dir, backend);
    expect(all).toEqual({
      status: 2,
      stdout: "",
      stderr: `class: nothing was written or run:\n  ${file}:6: alice: k8s-hardening-lab:exercise: "exercises/alice" is not accepted; the folder holds no .yaml, .yml or .json file; expected the trainee's NetworkPolicies and Gatekeeper policies\n`,
    });
    const bob = await runCli(["up", "--roster", file, "--only", "bob"], dir, backend);
    expect([bob.status, bob.stderr]).toEqual([0, ""]);
    expect(backend.callsOf("up")).toEqual(["bob"]);
  });

  it("destroy is not stopped by an exercise, only warned about", async () => {
    const dir = tmpProject();
    const file = roster(dir);
    await runCli(["init", "--roster", file], dir, new FakeBackend());
    const run = await runCli(["destroy", "--roster", file, "--only", "alice"], dir, new FakeBackend());
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      `warning: ${file}:6: alice: k8s-hardening-lab:exercise: "exercises/alice" is not accepted; the folder holds no .yaml, .yml or .json file; expected the trainee's NetworkPolicies and Gatekeeper policies\n`,
    );
  });
});
