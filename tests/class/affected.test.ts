// `class affected`: the stacks a change since a commit touches, on real git repositories, and the
// decision itself on rosters read as written.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { affectedStacks, EXERCISE_KEY, EXERCISES_DIR } from "../../class/affected";
import { rosterEntries } from "../../class/roster";
import { CONFIG_KEY_NAMES } from "../../config/keys";
import { FakeBackend } from "./fake-automation";
import { CliRun, runCli, tmpProject } from "./helpers";

const ROSTER = [
  "defaults:",
  "  azure-native:location: westeurope",
  "  stage: app",
  "trainees:",
  "  - name: alice",
  "  - name: bob",
  "  - name: carol",
  "    stage: zero-trust",
  "",
].join("\n");

/** A project in a git repository of its own, with one commit holding `files`. */
function repository(files: Record<string, string>): { dir: string; roster: string; base: string } {
  const dir = tmpProject();
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=trainer", "-c", "user.email=trainer@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: "1" },
    });
  git("init", "--quiet", "--initial-branch=main");
  write(dir, files);
  git("add", "--all");
  git("commit", "--quiet", "--no-gpg-sign", "-m", "the class");
  return { dir, roster: path.join(dir, "class.yaml"), base: git("rev-parse", "HEAD").trim() };
}

function write(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

const STACK_FILES = {
  "Pulumi.alice.yaml":
    "encryptionsalt: v1:abc\nconfig:\n  azure-native:location: westeurope\n  k8s-hardening-lab:stage: app\n",
  "Pulumi.bob.yaml":
    "encryptionsalt: v1:def\nconfig:\n  azure-native:location: westeurope\n  k8s-hardening-lab:stage: app\n",
  "Pulumi.ci.yaml": "config:\n  azure-native:location: westeurope\n",
};

/** A class of three with its stack files, the program and its docs, committed. */
function aClass(extra: Record<string, string> = {}) {
  return repository({
    "class.yaml": ROSTER,
    ...STACK_FILES,
    "index.ts": "export {};\n",
    "components/lab.ts": "export {};\n",
    "README.md": "# the lab\n",
    "docs/lab.md": "# claims\n",
    "tests/lab.test.ts": "// tests\n",
    ...extra,
  });
}

const affected = (dir: string, roster: string, ...args: string[]): Promise<CliRun> =>
  runCli(["affected", "--roster", roster, ...args], dir, new FakeBackend(), {
    workspace: () => {
      throw new Error("affected must not look for the Pulumi CLI");
    },
  });

describe("class affected --base, on a git repository", () => {
  it("a trainee's stack file: that trainee; the stack file of a stack outside the roster is left out", async () => {
    const { dir, roster, base } = aClass();
    write(dir, {
      "Pulumi.bob.yaml": STACK_FILES["Pulumi.bob.yaml"] + '  k8s-hardening-lab:gatekeeperReplicas: "3"\n',
      "Pulumi.ci.yaml": "config:\n  azure-native:location: northeurope\n",
    });
    expect(await affected(dir, roster, "--base", base)).toEqual({
      status: 0,
      stdout: '["bob"]\n',
      stderr:
        `class affected since ${base}: 1 of 3 trainees of ${roster}\n` +
        "  bob: Pulumi.bob.yaml changed\n" +
        `  Pulumi.ci.yaml changed, but ci is not a trainee of ${roster}: left out\n`,
    });
  });

  it("the program: every trainee", async () => {
    const { dir, roster, base } = aClass();
    write(dir, { "components/lab.ts": "export const changed = true;\n" });
    expect(await affected(dir, roster, "--base", base)).toEqual({
      status: 0,
      stdout: '["alice","bob","carol"]\n',
      stderr:
        `class affected since ${base}: 3 of 3 trainees of ${roster}\n` +
        "  alice: the program changed (components/lab.ts)\n" +
        "  bob: the program changed (components/lab.ts)\n" +
        "  carol: the program changed (components/lab.ts)\n",
    });
  });

  it("documentation and tests alone: none", async () => {
    const { dir, roster, base } = aClass();
    write(dir, {
      "README.md": "# the lab, better explained\n",
      "docs/lab.md": "# more\n",
      "tests/new.test.ts": "//\n",
    });
    expect(await affected(dir, roster, "--base", base)).toEqual({
      status: 0,
      stdout: "[]\n",
      stderr: `class affected since ${base}: 0 of 3 trainees of ${roster}\n`,
    });
  });

  // The exercise key comes with issue 15; until then the roster refuses it as an unknown key.
  (CONFIG_KEY_NAMES.includes("exercise") ? it : it.skip)("a trainee's exercise folder: that trainee", async () => {
    const policy = [
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      "metadata:",
      "  name: default-deny-all",
      "  namespace: data",
      "spec:",
      "  podSelector: {}",
      "  policyTypes: [Ingress, Egress]",
      "",
    ].join("\n");
    const withExercises = ROSTER.replace("  - name: bob\n", "  - name: bob\n    exercise: exercises/bob\n").replace(
      "  - name: alice\n",
      "  - name: alice\n    exercise: exercises/alice\n",
    );
    const { dir, roster, base } = aClass({
      "class.yaml": withExercises,
      "exercises/alice/deny.yaml": policy,
      "exercises/bob/deny.yaml": policy,
    });
    write(dir, { "exercises/bob/deny.yaml": policy.replace("[Ingress, Egress]", "[Ingress]") });
    expect(await affected(dir, roster, "--base", base)).toEqual({
      status: 0,
      stdout: '["bob"]\n',
      stderr:
        `class affected since ${base}: 1 of 3 trainees of ${roster}\n` +
        "  bob: its exercise exercises/bob/ changed (exercises/bob/deny.yaml)\n",
    });
  });

  it("the roster: a default changes the trainees who inherit it, an entry its trainee, a new trainee itself", async () => {
    const { dir, roster, base } = aClass();
    write(dir, {
      "class.yaml": ROSTER.replace("  stage: app", "  stage: default-deny") + "  - name: dave\n",
    });
    expect(await affected(dir, roster, "--base", base)).toEqual({
      status: 0,
      stdout: '["alice","bob","dave"]\n',
      stderr:
        `class affected since ${base}: 3 of 4 trainees of ${roster}\n` +
        `  alice: its configuration in ${roster} changed (k8s-hardening-lab:stage)\n` +
        `  bob: its configuration in ${roster} changed (k8s-hardening-lab:stage)\n` +
        `  dave: new in ${roster}\n`,
    });
  });

  it("compares with the working tree: commits since the base, uncommitted and new files alike", async () => {
    const { dir, roster, base } = aClass();
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir });
    write(dir, { "Pulumi.alice.yaml": STACK_FILES["Pulumi.alice.yaml"] + '  k8s-hardening-lab:nodeCount: "1"\n' });
    git("commit", "--quiet", "--no-gpg-sign", "-am", "alice on one node");
    write(dir, { "policies/new.rego": "package x\n" });
    const run = await affected(dir, roster, "--base", base);
    expect(run.stdout).toBe('["alice","bob","carol"]\n');
    expect(run.stderr.split("\n")[1]).toBe(
      "  alice: the program changed (policies/new.rego); Pulumi.alice.yaml changed",
    );
  });

  it("--only keeps those of the affected trainees", async () => {
    const { dir, roster, base } = aClass();
    write(dir, { "index.ts": "export const x = 1;\n" });
    expect((await affected(dir, roster, "--base", base, "--only", "carol,alice")).stdout).toBe('["alice","carol"]\n');
  });

  it("--all: every trainee (of --only), without git", async () => {
    const dir = tmpProject();
    fs.writeFileSync(path.join(dir, "class.yaml"), ROSTER);
    const roster = path.join(dir, "class.yaml");
    expect(await affected(dir, roster, "--all")).toEqual({
      status: 0,
      stdout: '["alice","bob","carol"]\n',
      stderr: `class affected: --all: 3 of 3 trainees of ${roster}\n`,
    });
    expect((await affected(dir, roster, "--all", "--only", "bob")).stdout).toBe('["bob"]\n');
  });

  it("a roster the base does not have: every trainee is new", async () => {
    const { dir, base } = aClass();
    const roster = path.join(dir, "spring.yaml");
    fs.writeFileSync(roster, ROSTER);
    const run = await affected(dir, roster, "--base", base);
    expect(run.stdout).toBe('["alice","bob","carol"]\n');
    expect(run.stderr.split("\n").slice(-2)).toEqual([
      `  ${roster} is not in ${base}: every trainee counts as new`,
      "",
    ]);
  });

  it("a roster the base cannot read: every trainee is new, and why", async () => {
    const { dir, roster, base } = aClass({ "class.yaml": "trainees: [\n" });
    fs.writeFileSync(roster, ROSTER);
    const run = await affected(dir, roster, "--base", base);
    expect(run.stdout).toBe('["alice","bob","carol"]\n');
    expect(run.stderr.split("\n").slice(-2)).toEqual([
      `  ${roster} at ${base} cannot be read (${roster} at ${base}:2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]): every trainee counts as new`,
      "",
    ]);
  });

  it("an unknown ref: exit 2, the ref named, nothing on stdout", async () => {
    const { dir, roster } = aClass();
    expect(await affected(dir, roster, "--base", "origin/nope")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "class: nothing was written or run:\n" +
        '  --base: "origin/nope" is not a commit of this repository; expected a branch, a tag or a commit SHA such as origin/main (a shallow clone may lack it: fetch-depth: 0)\n',
    });
  });

  it("a folder that is no git repository: exit 2, naming it", async () => {
    const dir = tmpProject();
    fs.writeFileSync(path.join(dir, "class.yaml"), ROSTER);
    const run = await affected(dir, path.join(dir, "class.yaml"), "--base", "HEAD");
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^class: nothing was written or run:\\n  ${dir} is not in a git repository \\(fatal: not a git repository`,
      ),
    );
  });

  it("a bad roster: exit 2 with its problems, before git is asked anything", async () => {
    const { dir, roster } = aClass({ "class.yaml": ROSTER.replace("  stage: app", "  stage: bogus") });
    expect(await affected(dir, roster, "--base", "not-even-a-ref")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "class: nothing was written or run:\n" +
        `  ${roster}:3: defaults: k8s-hardening-lab:stage: "bogus" is not a stage; expected one of app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5\n`,
    });
  });
});

describe("the decision, on rosters as written", () => {
  const trainees = (text: string) => {
    const { trainees: read, problems } = rosterEntries(text, "class.yaml");
    expect(problems).toEqual([]);
    return read!;
  };
  const decide = (changed: string[], now: string, then: string = now) =>
    affectedStacks({
      changed,
      trainees: trainees(now),
      baseTrainees: trainees(then),
      rosterFile: "class.yaml",
      projectDir: "/course",
    });
  const EXERCISES = [
    "trainees:",
    "  - name: alice",
    "    exercise: exercises/alice",
    "  - name: bob",
    "    exercise: ./exercises/bob/",
    "  - name: carol",
    "    exercise: /course/exercises/carol",
    "  - name: dave",
    "",
  ].join("\n");

  it("the exercise key is the lab's, as the merged roster holds it", () => {
    expect(EXERCISE_KEY).toBe("k8s-hardening-lab:exercise");
    expect(trainees(EXERCISES)[0].config).toEqual({ [EXERCISE_KEY]: "exercises/alice" });
  });

  it("a changed exercise file gives its trainee, however the folder is written", () => {
    expect(decide(["exercises/bob/deny.yaml", "exercises/carol/allow.yaml"], EXERCISES)).toEqual({
      stacks: ["bob", "carol"],
      reasons: [
        "bob: its exercise exercises/bob/ changed (exercises/bob/deny.yaml)",
        "carol: its exercise exercises/carol/ changed (exercises/carol/allow.yaml)",
      ],
    });
  });

  it("a file beside an exercise folder whose name starts the same is not in it", () => {
    expect(decide(["exercises/alice-old/deny.yaml", "exercises/README.md"], EXERCISES).stacks).toEqual([]);
  });

  it("an exercise default changes every trainee who inherits it", () => {
    const roster = (folder: string) =>
      `defaults:\n  exercise: ${folder}\ntrainees:\n  - name: alice\n  - name: bob\n    exercise: exercises/bob\n`;
    expect(decide([], roster("exercises/shared-2"), roster("exercises/shared"))).toEqual({
      stacks: ["alice"],
      reasons: ["alice: its configuration in class.yaml changed (k8s-hardening-lab:exercise)"],
    });
  });

  it("an exercise folder outside exercises/ is said to be missed by the push trigger, and one outside the project unseen", () => {
    const roster =
      "trainees:\n  - name: alice\n    exercise: answers/alice\n  - name: bob\n    exercise: ../elsewhere\n";
    expect(decide(["answers/alice/deny.yaml"], roster)).toEqual({
      stacks: ["alice"],
      reasons: [
        "alice: its exercise answers/alice/ changed (answers/alice/deny.yaml)",
        `alice: its exercise answers/alice/ is outside ${EXERCISES_DIR}, which the class workflow's push trigger watches: a push that changes only the exercise does not start it`,
        "bob: its exercise ../elsewhere is outside the project, where no change is seen",
      ],
    });
  });

  it("a trainee removed from the roster is not applied; the others are unchanged", () => {
    expect(decide([], "trainees:\n  - name: alice\n", "trainees:\n  - name: alice\n  - name: bob\n")).toEqual({
      stacks: [],
      reasons: [],
    });
  });

  it("comments and key order in the roster change nothing", () => {
    const then = "defaults:\n  stage: app\n  nodeCount: 1\ntrainees:\n  - name: alice\n";
    const now = "# the spring class\ndefaults:\n  nodeCount: 1 # small\n  stage: app\ntrainees:\n  - name: alice\n";
    expect(decide([], now, then).stacks).toEqual([]);
  });
});
