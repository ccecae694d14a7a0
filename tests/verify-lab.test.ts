// `npm run verify` in lab mode: the lab program evaluated offline proves docs/lab.md's claims at every
// stage, and a change that breaks a claim makes it fail, naming the claim.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { STAGES } from "../config/keys";
import type { Report } from "../verifier/analyze";
import { run } from "../verifier/cli";
import { verify } from "./helpers";

const options = { allStages: false, manifests: [], externals: [], format: "json" as const, help: false };

describe("--all-stages", () => {
  let result: { status: number; stdout: string; stderr: string };
  let reports: Report[];
  beforeAll(async () => {
    result = await verify("--all-stages", "--format", "json");
    reports = JSON.parse(result.stdout).stages;
  });

  it("exits 0 with every claim holding, at all five stages", () => {
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(reports.map((r) => r.stage)).toEqual([...STAGES]);
    for (const report of reports) {
      expect(report.claims).toHaveLength(16);
      expect(report.claims.filter((c) => !c.holds)).toEqual([]);
    }
  });

  it("names the policies and constraints in force at each stage", () => {
    expect(reports.map((r) => [r.stage, r.policies, r.constraints])).toEqual([
      ["app", [], []],
      ["default-deny", ["data/default-deny-all"], []],
      ["allow-phpmyadmin", ["data/allow-from-phpmyadmin-ingress", "data/default-deny-all"], []],
      [
        "allowed-repos",
        ["data/allow-from-phpmyadmin-ingress", "data/default-deny-all"],
        ["K8sAllowedRepos/allowed-repos-app", "K8sAllowedRepos/allowed-repos-data"],
      ],
      [
        "zero-trust",
        [
          "app/allow-dns-egress",
          "app/allow-mysql-egress",
          "app/default-deny-all",
          "data/allow-from-phpmyadmin-ingress",
          "data/default-deny-all",
        ],
        ["K8sAllowedRepos/allowed-repos-app", "K8sAllowedRepos/allowed-repos-data"],
      ],
    ]);
  });

  it("explains a verdict by the policy and rule that allowed it, or the isolation that denied it", () => {
    const cell = (stage: string, from: string, to: string, port: number) =>
      reports
        .find((r) => r.stage === stage)!
        .connectivity.find((e) => e.from === from && e.to === to && e.port === port)!;
    expect(cell("allow-phpmyadmin", "app/phpmyadmin", "data/mysql", 3306).reason).toBe(
      "egress from app/phpmyadmin allowed: not isolated for egress; ingress to data/mysql allowed by data/allow-from-phpmyadmin-ingress rule 1",
    );
    expect(cell("allow-phpmyadmin", "app/intruder", "data/mysql", 3306).reason).toBe(
      "egress from app/intruder allowed: not isolated for egress; ingress to data/mysql denied: isolated by data/allow-from-phpmyadmin-ingress, data/default-deny-all, no ingress rule allows 3306/TCP from app/intruder",
    );
    expect(cell("zero-trust", "app/phpmyadmin", "external:internet", 443).reason).toBe(
      "egress from app/phpmyadmin denied: isolated by app/allow-dns-egress, app/allow-mysql-egress, app/default-deny-all, no egress rule allows 443/TCP to external:internet",
    );
  });

  it("judges the article's admission test exactly, before and from the stage allowed-repos", () => {
    const nginx = (stage: string) =>
      reports.find((r) => r.stage === stage)!.admission.find((a) => a.object === "Pod/app/nginx");
    const webhook = { kind: "webhook", name: "validation.gatekeeper.sh" };
    const binding = {
      kind: "ValidatingAdmissionPolicy",
      policy: "gatekeeper-k8sallowedrepos",
      binding: "gatekeeper-k8sallowedrepos-allowed-repos-app",
      constraint: "K8sAllowedRepos/allowed-repos-app",
    };
    // Before the stage, only the webhook sees it (no constraint, no binding), and admits it.
    expect(nginx("allow-phpmyadmin")).toEqual({
      object: "Pod/app/nginx",
      allowed: true,
      violations: [],
      notes: [],
      enforcement: { points: [webhook] },
    });
    const message =
      'container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]';
    const cause = `ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: ${message}`;
    expect(nginx("allowed-repos")).toEqual({
      object: "Pod/app/nginx",
      allowed: false,
      violations: [{ constraint: "K8sAllowedRepos/allowed-repos-app", enforcementAction: "deny", message }],
      notes: [],
      enforcement: {
        points: [binding, webhook],
        deniedBy: binding,
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `pods "nginx" is forbidden: ${cause}`,
          reason: "Invalid",
          details: { name: "nginx", kind: "pods", causes: [{ message: cause }] },
          code: 422,
        },
        kubectl: {
          command: "kubectl run nginx -n app --image=nginx",
          output: `The pods "nginx" is invalid: : ${cause}`,
        },
      },
    });
    const deployment = reports
      .find((r) => r.stage === "zero-trust")!
      .admission.find((a) => a.object === "Deployment/app/nginx")!;
    expect(deployment.violations.map((v) => v.message)).toEqual([
      '[Implied by expand-workloads] container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]',
    ]);
    for (const report of reports) {
      expect(
        report.admission
          .filter((a) => ["Deployment/app/phpmyadmin", "StatefulSet/data/mysql"].includes(a.object))
          .map((a) => a.allowed),
      ).toEqual([true, true]);
    }
  });

  it("is silent in the lint for the lab's default repository lists", () => {
    expect(reports.flatMap((r) => r.warnings)).toEqual([]);
  });
});

describe("a stack's configuration", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-stack-"));
    fs.copyFileSync(path.join(__dirname, "..", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.lb.yaml"),
      [
        "config:",
        "  azure-native:location: westeurope",
        "  k8s-hardening-lab:phpMyAdminExposure: loadbalancer",
        "  k8s-hardening-lab:allowedSourceRanges: [203.0.113.0/25]",
        "  k8s-hardening-lab:allowedReposApp: [phpmyadmin, 'docker.io/library/phpmyadmin:']",
        "  k8s-hardening-lab:mysqlRootPassword:",
        "    secure: v1:abc:def",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("adds the load balancer's clients: inside the allowed ranges reaches phpMyAdmin at zero-trust, outside does not", async () => {
    const [report] = await run({ ...options, stack: "lb", stage: "zero-trust" }, dir);
    const lb = report.claims.filter((c) => c.claim.includes("source"));
    expect(lb).toEqual([
      {
        kind: "connectivity",
        claim: "allowed source → phpmyadmin:80/TCP",
        expected: "allowed",
        computed: "allowed",
        holds: true,
        reason: "ingress to app/phpmyadmin allowed by app/allow-from-allowed-sources rule 1",
      },
      {
        kind: "connectivity",
        claim: "disallowed source → phpmyadmin:80/TCP",
        expected: "denied",
        computed: "denied",
        holds: true,
        reason:
          "ingress to app/phpmyadmin denied: isolated by app/allow-from-allowed-sources, app/default-deny-all, no ingress rule allows 80/TCP from external:disallowed-source",
      },
    ]);
    expect(report.claims.every((c) => c.holds)).toBe(true);
  });

  it("lints the article's look-alike entry, and notes the encrypted value it replaced", async () => {
    const [report] = await run({ ...options, stack: "lb", stage: "allowed-repos" }, dir);
    expect(report.warnings).toEqual([
      'K8sAllowedRepos/allowed-repos-app parameters.repos entry "phpmyadmin" admits look-alike repositories (it would admit "phpmyadminevil/miner"); end it with "/", ":" or "@"',
    ]);
    expect(report.notes).toEqual([
      "k8s-hardening-lab:mysqlRootPassword is encrypted in the stack file; the verifier used a placeholder",
    ]);
  });

  it("reads the stage from the stack file unless --stage overrides it", async () => {
    const [dev] = await run({ ...options, stack: "dev" });
    expect(dev.stage).toBe("app");
    const [third] = await run({ ...options, stack: "dev", stage: "allow-phpmyadmin" });
    expect(third.stage).toBe("allow-phpmyadmin");
  });

  it("refuses a stack configuration the program refuses, as bad input", async () => {
    fs.writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      "config:\n  azure-native:location: westeurope\n  k8s-hardening-lab:nodeCount: 0\n",
    );
    await expect(run({ ...options, stack: "bad" }, dir)).rejects.toThrow(
      'the lab program: the stack\'s configuration has 1 problem; nothing was created:\n  - k8s-hardening-lab:nodeCount: "0" is not accepted; expected an integer from 1 to 100',
    );
  });
});

describe("a lab change that breaks a claim", () => {
  it("makes verify exit 1, naming the failed claim at each stage it breaks", () => {
    const root = path.join(__dirname, "..");
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "lab-mutant-"));
    try {
      for (const entry of [
        "components",
        "config",
        "policies",
        "verifier",
        "index.ts",
        "package.json",
        "tsconfig.json",
        "Pulumi.yaml",
      ]) {
        fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
      }
      fs.symlinkSync(path.join(root, "node_modules"), path.join(copy, "node_modules"));
      // A typo in the article's policy: the namespace label it admits from.
      const file = path.join(copy, "components", "network-policies.ts");
      const source = fs.readFileSync(file, "utf8");
      const broken = source.replace(
        'namespaceSelector: { matchLabels: { tier: "app" } }',
        'namespaceSelector: { matchLabels: { tier: "apps" } }',
      );
      expect(broken).not.toBe(source);
      fs.writeFileSync(file, broken);

      const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), "verifier/cli.ts", "--all-stages"], {
        cwd: copy,
        encoding: "utf8",
      });
      expect(result.status).toBe(1);
      const failed = result.stderr.split("\n").filter((line) => line.startsWith("claim failed"));
      const ingress =
        "ingress to data/mysql denied: isolated by data/allow-from-phpmyadmin-ingress, data/default-deny-all, no ingress rule allows 3306/TCP from app/phpmyadmin";
      expect(failed).toEqual([
        `claim failed (stage allow-phpmyadmin): phpmyadmin → mysql:3306/TCP: expected allowed, computed denied; egress from app/phpmyadmin allowed: not isolated for egress; ${ingress}`,
        `claim failed (stage allowed-repos): phpmyadmin → mysql:3306/TCP: expected allowed, computed denied; egress from app/phpmyadmin allowed: not isolated for egress; ${ingress}`,
        // At zero-trust phpMyAdmin's own egress policy lets it out; MySQL's side refuses it.
        `claim failed (stage zero-trust): phpmyadmin → mysql:3306/TCP: expected allowed, computed denied; egress from app/phpmyadmin allowed by app/allow-mysql-egress rule 1; ${ingress}`,
      ]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe("the renderings", () => {
  it("prints a terminal truth table: rows grouped by namespace, denied cells marked, columns explained", async () => {
    const result = await verify("--stage", "default-deny");
    expect(result.status).toBe(0);
    const text = result.stdout.split("\n\nAdmission")[0];
    expect(text).toBe(
      [
        "== stage 2 default-deny",
        "NetworkPolicies: data/default-deny-all",
        "Constraints:     none",
        "",
        'Connectivity: who can open a connection to whom ("ok" allowed, "DENY" denied, "self" a pod to itself, which Kubernetes leaves to the network plugin, "-" no such flow)',
        "  from                  [1]   [2]   [3]   [4]   [5]   [6]   [7]",
        "  app/phpmyadmin        ok    self  DENY  ok    ok    ok    ok",
        "  app/intruder          self  ok    DENY  ok    ok    ok    ok",
        "",
        "  data/mysql            DENY  DENY  self  DENY  DENY  DENY  DENY",
        "",
        "  default/outsider      ok    ok    DENY  self  ok    ok    ok",
        "",
        "  kube-system/kube-dns  ok    ok    DENY  ok    self  self  ok",
        "",
        "  external:internet     ok    ok    DENY  ok    ok    ok    -",
        "  to:",
        "    [1] app/intruder 80/TCP",
        "    [2] app/phpmyadmin 80/TCP",
        "    [3] data/mysql 3306/TCP",
        "    [4] default/outsider 80/TCP",
        "    [5] kube-system/kube-dns 53/UDP",
        "    [6] kube-system/kube-dns 53/TCP",
        "    [7] internet 443/TCP",
      ].join("\n"),
    );
    expect(result.stdout).toContain("Claims of docs/lab.md for this stage: 16 hold, 0 fail\n");
  });

  it("--json-out writes the JSON report too, whatever --format prints", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "json-out-")), "report.json");
    const markdown = await verify("--stage", "default-deny", "--format", "markdown", "--json-out", file);
    expect(markdown.status).toBe(0);
    expect(markdown.stdout.startsWith("## Stage 2: `default-deny`")).toBe(true);
    expect(fs.readFileSync(file, "utf8")).toBe((await verify("--stage", "default-deny", "--format", "json")).stdout);
  });

  it("writes Markdown tables a pull request renders", async () => {
    const result = await verify("--all-stages", "--format", "markdown");
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "# k8s-hardening-lab: what each stage proves",
      "",
      "Every claim of docs/lab.md holds in all 5 stages.",
    ]);
    expect(lines).toContain(
      "| from \\ to | app/intruder 80/TCP | app/phpmyadmin 80/TCP | data/mysql 3306/TCP | default/outsider 80/TCP | kube-system/kube-dns 53/UDP | kube-system/kube-dns 53/TCP | internet 443/TCP |",
    );
    expect(lines).toContain("|---|:-:|:-:|:-:|:-:|:-:|:-:|:-:|");
    // Stage 2's row for MySQL: everything out of `data` is denied; its own port is itself.
    expect(lines).toContain("| data/mysql | ❌ | ❌ | self | ❌ | ❌ | ❌ | ❌ |");
    expect(lines).toContain(
      '| `Pod/app/nginx` | **denied** | ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app (policy gatekeeper-k8sallowedrepos) | `K8sAllowedRepos/allowed-repos-app` (deny): container &lt;nginx> has an invalid image repo &lt;nginx>, allowed repos are ["docker.io/library/phpmyadmin:"] |',
    );
    // What the trainee sees, as a code block (no escaping inside).
    const at = lines.indexOf("`Pod/app/nginx`: `kubectl run nginx -n app --image=nginx` prints");
    expect(lines.slice(at, at + 5)).toEqual([
      "`Pod/app/nginx`: `kubectl run nginx -n app --image=nginx` prints",
      "",
      "```text",
      `The pods "nginx" is invalid: : ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]`,
      "```",
    ]);
    expect(lines.filter((l) => l.startsWith("## Stage "))).toEqual([
      "## Stage 1: `app`",
      "## Stage 2: `default-deny`",
      "## Stage 3: `allow-phpmyadmin`",
      "## Stage 4: `allowed-repos`",
      "## Stage 5: `zero-trust`",
    ]);
  });
});
