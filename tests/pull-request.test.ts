// The pull-request workflow's decisions (scripts/pull-request.ts): who gets secrets, which stacks
// a pull request previews and verifies, and the verify report for the comment.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildReport,
  checkStatus,
  hasSecrets,
  isCreated,
  readStackFiles,
  selectStacks,
  stackExercise,
} from "../scripts/pull-request";
import { binDir } from "./admission/rego-stand-in";
import { baseReports, COMMENT_FIXTURE, HEAD_SHA, scenarioReport } from "./pull-request-comment";

const ROOT = path.join(__dirname, "..");
const SALTED = "encryptionsalt: v1:c2FsdA==:v1:bm9uY2U=:Y2lwaGVy\nconfig:\n  azure-native:location: westeurope\n";
const INIT_ONLY = "# written by init\nconfig:\n  azure-native:location: westeurope\n";

describe("who gets the repository's secrets", () => {
  it.each([
    ["a branch of this repository", "trainer/lab", "trainer/lab", "alice", true],
    [
      "a branch of this repository, which is itself a fork of the upstream lab",
      "trainer/lab",
      "trainer/lab",
      "alice",
      true,
    ],
    ["a fork", "mallory/lab", "trainer/lab", "mallory", false],
    ["Dependabot, from a branch of this repository", "trainer/lab", "trainer/lab", "dependabot[bot]", false],
    ["a deleted fork (no head repository)", "", "trainer/lab", "mallory", false],
  ])("%s", (_title, headRepo, repository, actor, expected) => {
    expect(hasSecrets({ headRepo, repository, actor })).toBe(expected);
  });
});

describe("which stacks a pull request previews and verifies", () => {
  const files = new Map([
    ["alice", SALTED],
    ["bob", SALTED],
    ["ci", SALTED],
    ["carol", INIT_ONLY],
    ["dev", "config:\n  azure-native:location: westeurope\n"],
  ]);

  it("one trainee's stack file: that stack, previewed and verified against the base", () => {
    expect(selectStacks(["Pulumi.bob.yaml"], files, "ci")).toEqual({
      preview: ["bob"],
      verify: ["bob"],
      why: { bob: ["Pulumi.bob.yaml"] },
      notes: ["Stack files changed: Pulumi.bob.yaml."],
    });
  });

  it("the program: every stack created in a backend and the ci stack; those never created are named", () => {
    expect(selectStacks(["components/app.ts", "README.md", "package-lock.json"], files, "ci")).toEqual({
      preview: ["alice", "bob", "ci"],
      verify: [],
      why: {},
      notes: [
        "The program changed (components/app.ts, package-lock.json): every stack is previewed.",
        "`carol`: not previewed: Pulumi.carol.yaml has no encryptionsalt, so the stack was never created in a backend (its first `npm run class -- preview` or `up` creates it; commit the file then)",
        "`dev`: not previewed: Pulumi.dev.yaml has no encryptionsalt, so the stack was never created in a backend (its first `npm run class -- preview` or `up` creates it; commit the file then)",
      ],
    });
  });

  it("nothing relevant: the ci stack, as on every pull request", () => {
    expect(selectStacks(["README.md", "tests/lab.test.ts", "verifier/cli.ts", "class/cli.ts"], files, "ci")).toEqual({
      preview: ["ci"],
      verify: [],
      why: {},
      notes: ["No stack to preview otherwise: the `ci` stack, as on every pull request."],
    });
  });

  it("the ci stack is the repository's PULUMI_STACK, even when its file is missing (the preview job then names it)", () => {
    expect(selectStacks([], new Map(), "course-ci").preview).toEqual(["course-ci"]);
    expect(selectStacks(["index.ts"], new Map(), "course-ci").preview).toEqual(["course-ci"]);
  });

  it("a new trainee's file written by init is verified but not previewed; a deleted one is named", () => {
    const without = new Map([...files].filter(([name]) => name !== "bob"));
    expect(selectStacks(["Pulumi.carol.yaml", "Pulumi.bob.yaml", "class.yaml"], without, "ci")).toEqual({
      preview: ["ci"],
      verify: ["carol"],
      why: { carol: ["Pulumi.carol.yaml"] },
      notes: [
        "Stack files changed: Pulumi.bob.yaml, Pulumi.carol.yaml.",
        "`bob`: Pulumi.bob.yaml is deleted, nothing to preview",
        "`carol`: not previewed: Pulumi.carol.yaml has no encryptionsalt, so the stack was never created in a backend (its first `npm run class -- preview` or `up` creates it; commit the file then)",
        "No stack to preview otherwise: the `ci` stack, as on every pull request.",
      ],
    });
  });

  it("Pulumi.yaml is the program's, not a stack's; only top-level files with stack names count", () => {
    expect(selectStacks(["Pulumi.yaml"], files, "ci").preview).toEqual(["alice", "bob", "ci"]);
    expect(selectStacks(["docs/Pulumi.alice.yaml", "Pulumi.a b.yaml"], files, "ci")).toMatchObject({
      preview: ["ci"],
      verify: [],
    });
  });

  it("a stack file is created in a backend once it holds the secrets provider's state", () => {
    expect([
      isCreated(SALTED),
      isCreated(INIT_ONLY),
      isCreated("encryptedkey: abc\nconfig: {}\n"),
      isCreated("["),
    ]).toEqual([true, false, true, false]);
  });

  it("the head's stack files are the top-level Pulumi.<stack>.yaml", () => {
    expect([...readStackFiles(ROOT).keys()]).toEqual(["dev"]);
  });

  it("as the workflow runs it: the step's outputs and its summary", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-"));
    fs.writeFileSync(path.join(dir, "changed.txt"), "README.md\nPulumi.dev.yaml\n");
    const result = spawnSync(
      process.execPath,
      [
        require.resolve("tsx/cli"),
        "scripts/pull-request.ts",
        "stacks",
        "--changed",
        path.join(dir, "changed.txt"),
        "--default-stack",
        "ci",
      ],
      {
        cwd: ROOT,
        env: { ...process.env, GITHUB_OUTPUT: path.join(dir, "out"), GITHUB_STEP_SUMMARY: path.join(dir, "summary") },
        encoding: "utf8",
      },
    );
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "out"), "utf8")).toBe(
      'preview=["ci"]\nverify=["dev"]\nwhy={"dev":["Pulumi.dev.yaml"]}\n',
    );
    expect(fs.readFileSync(path.join(dir, "summary"), "utf8")).toBe(
      [
        "## Stacks",
        "",
        "Previewed: `ci`.",
        "Verified against the base: `dev`.",
        "",
        "- Stack files changed: Pulumi.dev.yaml.",
        "- `dev`: not previewed: Pulumi.dev.yaml has no encryptionsalt, so the stack was never created in a backend (its first `npm run class -- preview` or `up` creates it; commit the file then)",
        "- No stack to preview otherwise: the `ci` stack, as on every pull request.",
        "",
      ].join("\n"),
    );
  });
});

describe("which exercises a pull request grades", () => {
  // A stack file names its exercise; no roster is read (a trainee's fork may carry none).
  const graded = (head: string, folder: string) =>
    `${head}  k8s-hardening-lab:stage: default-deny\n  k8s-hardening-lab:exercise: ${folder}\n`;
  const files = new Map([
    ["alice", graded(SALTED, "exercises/alice")],
    ["bob", graded(SALTED, "./exercises/pair/")],
    ["carol", graded(SALTED, "exercises/pair")],
    ["ci", SALTED],
    ["dave", graded(INIT_ONLY, "exercises/dave")],
    ["erin", graded(SALTED, "/course/exercises/erin")],
  ]);
  const OUTSIDE = "`erin`: its exercise /course/exercises/erin is outside the project, where no change is seen";

  it("a file changed in an exercise folder: the stack that names it, graded against the base and previewed", () => {
    expect(selectStacks(["exercises/alice/deny.yaml"], files, "ci", ROOT)).toEqual({
      preview: ["alice"],
      verify: ["alice"],
      why: { alice: ["exercises/alice/"] },
      notes: ["`alice`: graded: its exercise exercises/alice/ changed (exercises/alice/deny.yaml)", OUTSIDE],
    });
  });

  it("a folder two stacks share, however each writes it: both", () => {
    expect(selectStacks(["exercises/pair/allow.yaml", "exercises/pair/deny.yaml"], files, "ci", ROOT)).toEqual({
      preview: ["bob", "carol"],
      verify: ["bob", "carol"],
      why: { bob: ["exercises/pair/"], carol: ["exercises/pair/"] },
      notes: [
        "`bob`: graded: its exercise exercises/pair/ changed (exercises/pair/allow.yaml, ...)",
        "`carol`: graded: its exercise exercises/pair/ changed (exercises/pair/allow.yaml, ...)",
        OUTSIDE,
      ],
    });
  });

  it("a stack file and its exercise both changed: the stack once, with both", () => {
    expect(selectStacks(["exercises/alice/deny.yaml", "Pulumi.alice.yaml"], files, "ci", ROOT)).toEqual({
      preview: ["alice"],
      verify: ["alice"],
      why: { alice: ["Pulumi.alice.yaml", "exercises/alice/"] },
      notes: [
        "Stack files changed: Pulumi.alice.yaml.",
        "`alice`: graded: its exercise exercises/alice/ changed (exercises/alice/deny.yaml)",
        OUTSIDE,
      ],
    });
  });

  it("a stack never created in a backend is graded, not previewed", () => {
    expect(selectStacks(["exercises/dave/deny.yaml"], files, "ci", ROOT)).toEqual({
      preview: ["ci"],
      verify: ["dave"],
      why: { dave: ["exercises/dave/"] },
      notes: [
        "`dave`: graded: its exercise exercises/dave/ changed (exercises/dave/deny.yaml)",
        OUTSIDE,
        "`dave`: not previewed: Pulumi.dave.yaml has no encryptionsalt, so the stack was never created in a backend (its first `npm run class -- preview` or `up` creates it; commit the file then)",
        "No stack to preview otherwise: the `ci` stack, as on every pull request.",
      ],
    });
  });

  it("the program changed: every stack previewed, and the changed exercises graded", () => {
    expect(selectStacks(["index.ts", "exercises/pair/allow.yaml"], files, "ci", ROOT)).toMatchObject({
      preview: ["alice", "bob", "carol", "ci", "erin"],
      verify: ["bob", "carol"],
    });
  });

  it("a file beside an exercise folder whose name starts the same, or a folder's README outside it, grades nothing", () => {
    expect(selectStacks(["exercises/alice-old/deny.yaml", "exercises/README.md"], files, "ci", ROOT)).toMatchObject({
      preview: ["ci"],
      verify: [],
      why: {},
    });
  });

  it("reads a stack file's exercise as the verifier does: the project's keys may be written short", () => {
    expect([
      stackExercise("config:\n  exercise: exercises/a\n", "Pulumi.a.yaml"),
      stackExercise("config:\n  k8s-hardening-lab:exercise: exercises/b\n", "Pulumi.b.yaml"),
      stackExercise('config:\n  k8s-hardening-lab:exercise: ""\n', "Pulumi.c.yaml"),
      stackExercise("config: [", "Pulumi.d.yaml"),
      stackExercise("config:\n  other:exercise: exercises/e\n", "Pulumi.e.yaml"),
    ]).toEqual(["exercises/a", "exercises/b", undefined, undefined, undefined]);
  });
});

describe("the check's status", () => {
  it.each([
    [0, true, 0],
    [1, true, 0],
    [3, true, 0],
    [2, true, 2],
    [70, true, 70],
    [0, false, 0],
    [1, false, 1],
    [2, false, 2],
    [70, false, 70],
  ])("verify exits %i, graded %s: the check's status is %i", (status, graded, expected) => {
    expect(checkStatus(status, graded)).toBe(expected);
  });
});

describe("the verify report for the comment", () => {
  const SHA = "0123456789abcdef0123456789abcdef01234567";

  /** A head and a base project with their stack files, and the base's reports as the base step writes them. */
  async function sides(base: Record<string, string>, head: Record<string, string>) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
    const dirs = { base: path.join(root, "base"), head: path.join(root, "head") };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(base)) fs.writeFileSync(path.join(dirs.base, name), text);
    for (const [name, text] of Object.entries(head)) fs.writeFileSync(path.join(dirs.head, name), text);
    const stacks = Object.keys(base).map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)![1]);
    return { ...dirs, reports: await baseReports(dirs.base, stacks) };
  }

  const report = (dirs: Awaited<ReturnType<typeof sides>>, stacks: string[]) =>
    buildReport({ headSha: SHA, baseReports: dirs.reports, baseDir: dirs.base, stacks, projectDir: dirs.head });

  const stackFile = (stage: string) =>
    `config:\n  azure-native:location: westeurope\n  k8s-hardening-lab:stage: ${stage}\n`;

  it("names the head commit, and shows what moving bob to another stage changes in what his lab proves", async () => {
    const dirs = await sides({ "Pulumi.bob.yaml": stackFile("app") }, { "Pulumi.bob.yaml": stackFile("default-deny") });
    const { text, status } = await report(dirs, ["bob"]);
    expect(status).toBe(0);
    expect(
      text.startsWith(
        `_Offline verification of ${SHA}._\n\n# Stack \`bob\` (Pulumi.bob.yaml, changed by this pull request)\n\n## What changed against the base\n`,
      ),
    ).toBe(true);
    expect(text).toContain("| app/phpmyadmin -> data/mysql:3306/TCP | allowed | **denied** |");
    expect(text).toContain("## Stage 2: `default-deny`");
    // The lab at every stage follows, uncompared here since no base report for it was written.
    expect(text).toContain(
      "> [!NOTE]\n> Not compared with the base branch: the base branch produced no JSON report (it predates the verifier, or could not be installed).\n",
    );
  });

  it("a new stack file is reported uncompared, saying why", async () => {
    const dirs = await sides({}, { "Pulumi.carol.yaml": stackFile("allowed-repos") });
    const { text, status } = await report(dirs, ["carol"]);
    expect(status).toBe(0);
    expect(text).toContain(
      "# Stack `carol` (Pulumi.carol.yaml, changed by this pull request)\n\n> [!NOTE]\n> Not compared with the base branch: Pulumi.carol.yaml is new in this pull request.\n\n## Stage 4: `allowed-repos`",
    );
  });

  it("blames the base's report only when this branch's own input is fine", async () => {
    const dirs = await sides({ "Pulumi.bob.yaml": stackFile("app") }, { "Pulumi.bob.yaml": stackFile("app") });
    fs.writeFileSync(path.join(dirs.reports, "stack-bob.json"), '{"not": "a report"}\n');
    const { text, status } = await report(dirs, ["bob"]);
    expect(status).toBe(0);
    expect(text).toContain(
      "# Stack `bob` (Pulumi.bob.yaml, changed by this pull request)\n\n> [!NOTE]\n> Not compared with the base branch: the base branch's JSON report is not one this verifier can compare (see the job log).\n",
    );
  });

  it("when this branch's own input is refused (exit 2), says so and does not blame the base", async () => {
    const dirs = await sides(
      { "Pulumi.bob.yaml": stackFile("app") },
      { "Pulumi.bob.yaml": `${stackFile("app")}  k8s-hardening-lab:nodeCount: "0"\n` },
    );
    const { text, status } = await report(dirs, ["bob"]);
    expect(status).toBe(2);
    // bob's part ends where the whole lab's part begins (uncompared here: no all.json was written).
    const bob = text.slice(
      text.indexOf("# Stack `bob`"),
      text.indexOf("> [!NOTE]\n> Not compared with the base branch: the base branch produced no JSON report"),
    );
    expect(bob).toBe(
      [
        "# Stack `bob` (Pulumi.bob.yaml, changed by this pull request)",
        "",
        "> [!CAUTION]",
        "> This branch's own input is refused (`verify --stack bob` exits 2), so there is no report:",
        "",
        "```",
        "verify: bad input:",
        "  the lab program: the stack's configuration has 1 problem; nothing was created:",
        '  - k8s-hardening-lab:nodeCount: "0" is not accepted; expected an integer from 1 to 100',
        "```",
        "",
        "",
      ].join("\n"),
    );
    expect(bob).not.toContain("base branch");
  });
});

describe("the comment grades the exercises a pull request changes (tests/fixtures/pull-request)", () => {
  let scenario: Awaited<ReturnType<typeof scenarioReport>>;
  beforeAll(async () => {
    scenario = await scenarioReport();
  }, 300_000);

  /** One stack's part of the comment, its heading included. */
  const part = (stack: string) => {
    const text = scenario.report.text;
    const from = text.indexOf(`# Stack \`${stack}\``);
    const next = text.indexOf("\n# ", from + 1);
    return text.slice(from, next + 1);
  };

  it("is the checked-in fixture, comment.md (npm run gen:comment writes it)", () => {
    expect(scenario.report.text).toBe(fs.readFileSync(COMMENT_FIXTURE, "utf8"));
  });

  it("grades the stacks the changed files select: alice's folder, bob's and carol's stack files", () => {
    expect(scenario.selection).toMatchObject({
      verify: ["alice", "bob", "carol"],
      why: { alice: ["exercises/alice/"], bob: ["Pulumi.bob.yaml"], carol: ["Pulumi.carol.yaml"] },
    });
  });

  it("leads with how each trainee came out; bob's unmet claim is his result, not a failure of the check", () => {
    expect(scenario.report.status).toBe(0);
    expect(
      scenario.report.text.startsWith(
        [
          `_Offline verification of ${HEAD_SHA}._`,
          "",
          "**Exercises graded**, one per trainee stack; a claim unmet or not judged is the trainee's result, and does not fail this check:",
          "",
          "- `alice`: every claim met",
          "- `bob`: **claims unmet**",
          "- `carol`: every claim met",
          "",
          "# Stack `alice` (exercises/alice/, changed by this pull request)",
          "",
        ].join("\n"),
      ),
    ).toBe(true);
  });

  it("alice's folder, against the base's: the claims her fix newly meets, then her grade", () => {
    expect(part("alice")).toContain(
      [
        "## What changed against the base",
        "",
        "**Claims newly met: 2; newly unmet: 0.**",
        "",
        "| what | before | after |",
        "|---|---|---|",
        "| data/mysql -> app/intruder:80/TCP | allowed | **denied** |",
        "| data/mysql -> app/phpmyadmin:80/TCP | allowed | **denied** |",
        "| data/mysql -> default/outsider:80/TCP | allowed | **denied** |",
        "| data/mysql -> kube-system/kube-dns:53/UDP | allowed | **denied** |",
        "| data/mysql -> kube-system/kube-dns:53/TCP | allowed | **denied** |",
        "| data/mysql -> external:internet:443/TCP | allowed | **denied** |",
        "| claim: mysql → kube-dns:53/UDP | **unmet** | met |",
        "| claim: mysql → internet | **unmet** | met |",
        "",
        "",
        "## Exercise `tests/fixtures/pull-request/head/exercises/alice`, graded at stage 2: `default-deny`",
        "",
        "NetworkPolicies: `data/default-deny-all`  ",
        "Constraints: none",
        "",
        "**Grade:** 16 met, 0 unmet, 0 not judged, of the 16 claims of docs/lab.md for stage default-deny",
        "",
      ].join("\n"),
    );
  });

  it("bob's other answer: one claim newly met, one newly unmet, whose hint names his file and line", () => {
    const bob = part("bob");
    expect(bob).toContain(
      [
        "**Claims newly met: 1; newly unmet: 1.**",
        "",
        "| what | before | after |",
        "|---|---|---|",
        "| app/phpmyadmin -> data/mysql:3306/TCP | **denied** | allowed |",
        "| app/intruder -> data/mysql:3306/TCP | **denied** | allowed |",
        "| claim: phpmyadmin → mysql:3306/TCP | **unmet** | met |",
        "| claim: intruder → mysql:3306/TCP | met | **unmet** |",
      ].join("\n"),
    );
    expect(bob).toContain(
      [
        "**Grade:** 15 met, 1 unmet, 0 not judged, of the 16 claims of docs/lab.md for stage allow-phpmyadmin",
        "",
        "| claim | expected | found | met | hint |",
        "|---|---|---|---|---|",
        "| phpmyadmin → mysql:3306/TCP | allowed | allowed | ✅ |  |",
        '| intruder → mysql:3306/TCP | denied | **allowed** | ❌ | `tests/fixtures/exercises/two-peers/policies.yaml:22`: data/allow-from-phpmyadmin ingress rule 1 has two peers, one with only a namespaceSelector and one with only a podSelector, and either one admits: app/intruder gets in through the namespaceSelector alone. Written as one peer (no "-" before the second selector), both selectors must match |',
      ].join("\n"),
    );
  });

  it("carol's new stack file: graded, and not compared, saying why", () => {
    expect(part("carol")).toContain(
      [
        "# Stack `carol` (Pulumi.carol.yaml, changed by this pull request)",
        "",
        "> [!NOTE]",
        "> Not compared with the base branch: Pulumi.carol.yaml is new in this pull request.",
        "",
        "## Exercise `tests/fixtures/exercises/cel-template`, graded at stage 4: `allowed-repos`",
      ].join("\n"),
    );
    expect(part("carol")).toContain(
      "**Grade:** 16 met, 0 unmet, 0 not judged, of the 16 claims of docs/lab.md for stage allowed-repos",
    );
  });
});

describe("what fails the check when exercises are graded", () => {
  const FIXTURES = path.join(ROOT, "tests", "fixtures", "exercises");
  const stack = (stage: string, exercise?: string) =>
    `config:\n  azure-native:location: westeurope\n  k8s-hardening-lab:stage: ${stage}\n${exercise ? `  k8s-hardening-lab:exercise: ${exercise}\n` : ""}`;
  /**
   * erin's exercise is refused; frank's Rego-only answer is graded with neither gator nor opa on
   * PATH, against a base whose stack file sets no exercise; gail's folder is new (her base stack
   * file names it already); henry drops the exercise the base grades.
   */
  let graded: { text: string; status: number };
  beforeAll(async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "graded-"));
    const base = path.join(root, "base");
    const head = path.join(root, "head");
    fs.mkdirSync(base);
    fs.cpSync(path.join(FIXTURES, "two-peers"), path.join(head, "exercises", "gail"), { recursive: true });
    const files: [string, string, string | undefined, string | undefined][] = [
      ["erin", "default-deny", undefined, `${FIXTURES}/refuse-kube-system`],
      ["frank", "allowed-repos", "", `${FIXTURES}/rego-only`],
      ["gail", "allow-phpmyadmin", "exercises/gail", "exercises/gail"],
      ["henry", "default-deny", `${FIXTURES}/ingress-only`, ""],
    ];
    for (const [name, stage, before, after] of files) {
      if (before !== undefined) fs.writeFileSync(path.join(base, `Pulumi.${name}.yaml`), stack(stage, before));
      if (after !== undefined) fs.writeFileSync(path.join(head, `Pulumi.${name}.yaml`), stack(stage, after));
    }
    const stacks = files.map(([name]) => name);
    const reports = await baseReports(base, stacks);
    const realPath = process.env.PATH;
    process.env.PATH = binDir();
    try {
      graded = await buildReport({ headSha: HEAD_SHA, baseReports: reports, baseDir: base, stacks, projectDir: head });
    } finally {
      process.env.PATH = realPath;
    }
  }, 300_000);

  it("a refused exercise fails it (exit 2); a Rego answer no engine judges (exit 3) does not, and is not compared with a base that grades nothing", () => {
    const { text, status } = graded;
    expect(status).toBe(2);
    expect(text).toContain(
      [
        "- `erin`: **refused**: its input is bad, which fails this check",
        "- `frank`: no claim unmet, **some not judged**",
        "- `gail`: **claims unmet**",
        "",
        "# Stack `erin` (Pulumi.erin.yaml, changed by this pull request)",
        "",
        "> [!CAUTION]",
        "> This branch's own input is refused (`verify --stack erin` exits 2), so there is no report:",
        "",
        "```",
        "verify: bad input:",
        "  the lab program: the stack's configuration has 1 problem; nothing was created:",
        "  - k8s-hardening-lab:exercise: tests/fixtures/exercises/refuse-kube-system/deny.yaml:2: NetworkPolicy kube-system/default-deny-all: metadata.namespace: \"kube-system\" is not accepted; an exercise's NetworkPolicies go in app or data (a policy elsewhere could cut the cluster's own traffic, such as its DNS in kube-system)",
        "```",
        "",
        "# Stack `frank` (Pulumi.frank.yaml, changed by this pull request)",
        "",
        "> [!NOTE]",
        "> Not compared with the base branch: the base branch's Pulumi.frank.yaml sets no exercise, so there is no grade to compare with.",
        "",
        "## Exercise `tests/fixtures/exercises/rego-only`, graded at stage 4: `allowed-repos`",
        "",
      ].join("\n"),
    );
    expect(text).toContain(
      "**Grade:** 10 met, 0 unmet, 6 not judged, of the 16 claims of docs/lab.md for stage allowed-repos",
    );
  });

  it("says why a graded stack is not compared: a folder new on the base, a base that grades what this branch no longer does", () => {
    expect(graded.text).toContain(
      "# Stack `gail` (Pulumi.gail.yaml, changed by this pull request)\n\n> [!NOTE]\n> Not compared with the base branch: the base branch has no exercises/gail to grade.\n\n",
    );
    expect(graded.text).toContain(
      "# Stack `henry` (Pulumi.henry.yaml, changed by this pull request)\n\n> [!NOTE]\n> Not compared with the base branch: the base branch grades Pulumi.henry.yaml's exercise, and this branch's sets none.\n\n## Stage 2: `default-deny`\n",
    );
  });

  it("a crash of the verifier fails it (exit 70), its error in the comment", async () => {
    const { text, status } = await buildReport({
      headSha: HEAD_SHA,
      baseReports: fs.mkdtempSync(path.join(os.tmpdir(), "no-reports-")),
      baseDir: ROOT,
      stacks: ["dev"],
      verify: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'spec')")),
    });
    expect(status).toBe(70);
    expect(text).toContain(
      [
        "# Stack `dev` (Pulumi.dev.yaml, changed by this pull request)",
        "",
        "> [!CAUTION]",
        "> The verifier crashed (`verify --stack dev` exits 70, an error it did not expect), so there is no report:",
        "",
        "```",
        "verify: internal error: TypeError: Cannot read properties of undefined (reading 'spec')",
        "    at ",
      ].join("\n"),
    );
  });

  it("the report command refuses a --why that is not stack names to lists of what changed", () => {
    const result = spawnSync(
      process.execPath,
      [
        require.resolve("tsx/cli"),
        "scripts/pull-request.ts",
        "report",
        "--head-sha",
        HEAD_SHA,
        "--base-reports",
        "base-reports",
        "--base-dir",
        "base",
        "--stacks",
        '["bob"]',
        "--why",
        '{"bob": "Pulumi.bob.yaml"}',
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect([result.status, result.stderr]).toEqual([
      2,
      "pull-request: --why: expected a JSON object of stack names to lists of what changed\n",
    ]);
  });
});
