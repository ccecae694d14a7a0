// The pull-request workflow's decisions (scripts/pull-request.ts): who gets secrets, which stacks
// a pull request previews and verifies, and the verify report for the comment.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildReport, hasSecrets, isCreated, readStackFiles, selectStacks } from "../scripts/pull-request";
import { main as verify } from "../verifier/cli";

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
      notes: ["Stack files changed: Pulumi.bob.yaml."],
    });
  });

  it("the program: every stack created in a backend and the ci stack; those never created are named", () => {
    expect(selectStacks(["components/app.ts", "README.md", "package-lock.json"], files, "ci")).toEqual({
      preview: ["alice", "bob", "ci"],
      verify: [],
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
    expect(fs.readFileSync(path.join(dir, "out"), "utf8")).toBe('preview=["ci"]\nverify=["dev"]\n');
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

describe("the verify report for the comment", () => {
  const SHA = "0123456789abcdef0123456789abcdef01234567";

  /** A head and a base project with bob's stack file each, and the base's reports as the base job writes them. */
  async function sides(base: Record<string, string>, head: Record<string, string>) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
    const dirs = {
      base: path.join(root, "base"),
      head: path.join(root, "head"),
      reports: path.join(root, "base-reports"),
    };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(base)) fs.writeFileSync(path.join(dirs.base, name), text);
    for (const [name, text] of Object.entries(head)) fs.writeFileSync(path.join(dirs.head, name), text);
    for (const name of Object.keys(base)) {
      const stack = /^Pulumi\.(.+)\.yaml$/.exec(name)![1];
      let json = "";
      await verify(
        ["--stack", stack, "--format", "json"],
        (t) => {
          json += t;
        },
        () => undefined,
        dirs.base,
      );
      fs.writeFileSync(path.join(dirs.reports, `stack-${stack}.json`), json);
    }
    return dirs;
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
