// Where the API server enforces each admission verdict of the lab, and what a trainee sees:
// `npm run verify -- --stage allowed-repos` exactly, in text and JSON, and how the chart version
// and the Gatekeeper settings change it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AdmissionResult } from "../verifier/admission";
import { run } from "../verifier/cli";
import { verify } from "./helpers";

const APP_REPOS = '["docker.io/library/phpmyadmin:"]';
const NGINX = `container <nginx> has an invalid image repo <nginx>, allowed repos are ${APP_REPOS}`;
const VAP_CAUSE = `ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: ${NGINX}`;
const WEBHOOK_MESSAGE = `admission webhook "validation.gatekeeper.sh" denied the request: [allowed-repos-app] [Implied by expand-workloads] ${NGINX}`;

describe("npm run verify -- --stage allowed-repos", () => {
  let text: string;
  let admission: AdmissionResult[];
  beforeAll(async () => {
    const result = await verify("--stage", "allowed-repos");
    expect([result.status, result.stderr]).toEqual([0, ""]);
    text = result.stdout;
    const json = await verify("--stage", "allowed-repos", "--format", "json");
    admission = (JSON.parse(json.stdout) as { admission: AdmissionResult[] }).admission;
  });

  it("shows Pod app/nginx refused by the ValidatingAdmissionPolicy binding, with kubectl's exact text", () => {
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  DENIED    Pod/app/nginx "));
    expect(lines.slice(at, at + 3)).toEqual([
      `  DENIED    Pod/app/nginx              [K8sAllowedRepos/allowed-repos-app] deny: ${NGINX}`,
      "            refused by the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app (policy gatekeeper-k8sallowedrepos); `kubectl run nginx -n app --image=nginx` prints:",
      `              The pods "nginx" is invalid: : ${VAP_CAUSE}`,
    ]);
    expect(text).toContain(
      "Admission: what Gatekeeper would do with each object, enforced as the lab's Helm release of Gatekeeper 3.23.0 would\n",
    );
  });

  it("shows the Deployment refused by the webhook, for the Pod it would create, with [Implied by …]", () => {
    const lines = text.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  DENIED    Deployment/app/nginx "));
    expect(lines.slice(at, at + 3)).toEqual([
      `  DENIED    Deployment/app/nginx       [K8sAllowedRepos/allowed-repos-app] deny: [Implied by expand-workloads] ${NGINX}`,
      "            refused by the webhook validation.gatekeeper.sh; `kubectl create -f -` prints:",
      `              Error from server (Forbidden): error when creating "STDIN": ${WEBHOOK_MESSAGE}`,
    ]);
  });

  it("carries the enforcement in the JSON: the points, who refuses, the whole Status and kubectl's output", () => {
    const deployment = admission.find((a) => a.object === "Deployment/app/nginx")!;
    const webhook = { kind: "webhook", name: "validation.gatekeeper.sh" };
    expect(deployment.enforcement).toEqual({
      points: [webhook],
      deniedBy: webhook,
      // What Gatekeeper answers, with the API server's status and prefix; no details.
      status: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: WEBHOOK_MESSAGE,
        reason: "Forbidden",
        code: 403,
      },
      kubectl: {
        command: "kubectl create -f -",
        output: `Error from server (Forbidden): error when creating "STDIN": ${WEBHOOK_MESSAGE}`,
      },
    });
    expect(deployment.violations).toEqual([
      {
        constraint: "K8sAllowedRepos/allowed-repos-app",
        enforcementAction: "deny",
        message: `[Implied by expand-workloads] ${NGINX}`,
        impliedBy: "expand-workloads",
      },
    ]);
    // NewForbidden's Status made Invalid, the denial its one cause, in the order the API server
    // writes the fields, the core group and the cause's empty field and reason left out.
    expect(JSON.stringify(admission.find((a) => a.object === "Pod/app/nginx")!.enforcement!.status)).toBe(
      JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `pods "nginx" is forbidden: ${VAP_CAUSE}`,
        reason: "Invalid",
        details: { name: "nginx", kind: "pods", causes: [{ message: VAP_CAUSE }] },
        code: 422,
      }),
    );
  });

  it("judges the ephemeral container as kubectl debug adds it: an UPDATE of the subresource, which the binding covers", () => {
    const ephemeral = admission.find((a) => a.object === "Pod/app/ephemeral-busybox")!;
    expect(ephemeral.enforcement!.kubectl).toEqual({
      command: "kubectl debug ephemeral-busybox -n app --image=busybox --container=debugger --profile=baseline",
      output: `The pods "ephemeral-busybox" is invalid: : ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: container <debugger> has an invalid image repo <busybox>, allowed repos are ${APP_REPOS}`,
    });
  });

  it("leaves Pod default/nginx to the webhook alone, which admits it: no constraint, so no binding, judges it", () => {
    const pod = admission.find((a) => a.object === "Pod/default/nginx")!;
    expect([pod.allowed, pod.enforcement]).toEqual([
      true,
      { points: [{ kind: "webhook", name: "validation.gatekeeper.sh" }] },
    ]);
  });
});

describe("the chart version decides the binding's name", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-gatekeeper-"));
    fs.copyFileSync(path.join(__dirname, "..", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.old.yaml"),
      "config:\n  azure-native:location: westeurope\n  k8s-hardening-lab:gatekeeperVersion: 3.21.1\n",
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.oldest.yaml"),
      "config:\n  azure-native:location: westeurope\n  k8s-hardening-lab:gatekeeperVersion: 3.21.0\n",
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is gatekeeper-<constraint> before 3.22.1", async () => {
    const [report] = await run(
      {
        stack: "old",
        stage: "allowed-repos",
        allStages: false,
        manifests: [],
        externals: [],
        format: "text",
        help: false,
      },
      dir,
    );
    const nginx = report.admission.find((a) => a.object === "Pod/app/nginx")!;
    expect(nginx.enforcement!.deniedBy).toEqual({
      kind: "ValidatingAdmissionPolicy",
      policy: "gatekeeper-k8sallowedrepos",
      binding: "gatekeeper-allowed-repos-app",
      constraint: "K8sAllowedRepos/allowed-repos-app",
    });
    expect(report.gatekeeper).toBe("the lab's Helm release of Gatekeeper 3.21.1");
  });

  it("holds every claim at every stage on the oldest chart accepted, 3.21.0, a binding refusing kubectl debug too", async () => {
    const reports = await run(
      { stack: "oldest", allStages: true, manifests: [], externals: [], format: "text", help: false },
      dir,
    );
    expect(reports.map((r) => r.stage)).toEqual([
      "app",
      "default-deny",
      "allow-phpmyadmin",
      "allowed-repos",
      "zero-trust",
    ]);
    expect(reports.flatMap((r) => r.claims.filter((c) => !c.holds).map((c) => `${r.stage}: ${c.claim}`))).toEqual([]);
    expect(reports[0].claims.length).toBeGreaterThan(10);
    const ephemeral = reports[3].admission.find((a) => a.object === "Pod/app/ephemeral-busybox")!;
    expect(ephemeral.enforcement!.deniedBy).toEqual({
      kind: "ValidatingAdmissionPolicy",
      policy: "gatekeeper-k8sallowedrepos",
      binding: "gatekeeper-allowed-repos-app",
      constraint: "K8sAllowedRepos/allowed-repos-app",
    });
  });
});
