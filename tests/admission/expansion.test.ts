/** Workloads judged through ExpansionTemplates, with Gatekeeper's "[Implied by ...]" wording. */
import { AdmissionInputError } from "../../verifier/admission";
import { badImage, constraintOf, celTemplate, engine, labAppConstraint, LAB_IMAGE, type Obj } from "./fixtures";

function expansion(name: string, spec: Obj): Obj {
  return { apiVersion: "expansion.gatekeeper.sh/v1beta1", kind: "ExpansionTemplate", metadata: { name }, spec };
}

const expandDeployments = expansion("expand-deployments", {
  applyTo: [{ groups: ["apps"], kinds: ["Deployment", "ReplicaSet"], versions: ["v1"] }],
  templateSource: "spec.template",
  generatedGVK: { group: "", version: "v1", kind: "Pod" },
});

const expandCronJobs = expansion("expand-cronjobs", {
  applyTo: [{ groups: ["batch"], kinds: ["CronJob"], versions: ["v1"] }],
  templateSource: "spec.jobTemplate.spec.template",
  generatedGVK: { group: "", version: "v1", kind: "Pod" },
});

function deployment(name: string, image: string): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "app" },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image }] } },
    },
  };
}

describe("a Deployment", () => {
  it("is denied at its own admission for the pod it would create", () => {
    const result = engine({ expansionTemplates: [expandDeployments] }).review(deployment("web", "nginx"));
    expect(result).toEqual({
      object: "Deployment/app/web",
      allowed: false,
      violations: [
        {
          constraint: "K8sAllowedRepos/allowed-repos-app",
          enforcementAction: "deny",
          message:
            '[Implied by expand-deployments] container <web> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]',
          impliedBy: "expand-deployments",
        },
      ],
      notes: [],
    });
  });

  it("is admitted when its pod template uses the lab's image", () => {
    expect(engine({ expansionTemplates: [expandDeployments] }).review(deployment("web", LAB_IMAGE)).allowed).toBe(true);
  });

  it("is admitted without an ExpansionTemplate, since the constraint selects Pods only", () => {
    expect(engine().review(deployment("web", "nginx")).allowed).toBe(true);
  });

  it("is judged directly too, by a constraint that selects Deployments", () => {
    const onDeployments = labAppConstraint({
      match: { kinds: [{ apiGroups: ["apps"], kinds: ["Deployment"] }], namespaces: ["app"] },
    });
    // The policy reads spec.containers, which a Deployment does not have: nothing to judge.
    const result = engine({ constraints: [onDeployments], expansionTemplates: [expandDeployments] }).review(
      deployment("web", "nginx"),
    );
    expect(result.violations).toEqual([]);
  });

  it("builds the resultant as Gatekeeper does: template metadata, workload namespace, <name>-<kind> name", () => {
    const echo = celTemplate("K8sEcho", {
      validations: [
        {
          expression: "false",
          messageExpression:
            "object.metadata.namespace + '/' + object.metadata.name + ' app=' + object.metadata.labels.app + ' owner=' + object.metadata.ownerReferences[0].kind + ' source=' + object.kind",
        },
      ],
    });
    const onPods = constraintOf("K8sEcho", "echo", { match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] } });
    const result = engine({ templates: [echo], constraints: [onPods], expansionTemplates: [expandDeployments] }).review(
      deployment("Web-App", "nginx"),
    );
    expect(result.violations.map((v) => v.message)).toEqual([
      "[Implied by expand-deployments] app/web-app-pod app=Web-App owner=Deployment source=Pod",
    ]);
  });
});

describe("a CronJob", () => {
  const cronJob: Obj = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "backup", namespace: "app" },
    spec: {
      schedule: "0 3 * * *",
      jobTemplate: {
        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "dump", image: "busybox" }] } } },
      },
    },
  };

  it("is denied through spec.jobTemplate.spec.template", () => {
    const result = engine({ expansionTemplates: [expandCronJobs] }).review(cronJob);
    expect(result.allowed).toBe(false);
    expect(result.violations.map((v) => v.message)).toEqual([
      `[Implied by expand-cronjobs] ${badImage("dump", "busybox")}`,
    ]);
  });

  it("is expanded in two steps (CronJob to Job to Pod), named after the last template", () => {
    const cronToJob = expansion("expand-cronjobs-to-jobs", {
      applyTo: [{ groups: ["batch"], kinds: ["CronJob"], versions: ["v1"] }],
      templateSource: "spec.jobTemplate",
      generatedGVK: { group: "batch", version: "v1", kind: "Job" },
    });
    const jobToPod = expansion("expand-jobs", {
      applyTo: [{ groups: ["batch"], kinds: ["Job"], versions: ["v1"] }],
      templateSource: "spec.template",
      generatedGVK: { group: "", version: "v1", kind: "Pod" },
    });
    const result = engine({ expansionTemplates: [cronToJob, jobToPod] }).review(cronJob);
    expect(result.violations.map((v) => v.message)).toEqual([
      `[Implied by expand-jobs] ${badImage("dump", "busybox")}`,
    ]);
  });
});

describe("an ExpansionTemplate's enforcementAction", () => {
  it("overrides the constraint's for the implied violations only", () => {
    const warnOnly = expansion("expand-deployments", { ...(expandDeployments.spec as Obj), enforcementAction: "warn" });
    const result = engine({ expansionTemplates: [warnOnly] }).review(deployment("web", "nginx"));
    expect(result.allowed).toBe(true);
    expect(result.violations.map((v) => v.enforcementAction)).toEqual(["warn"]);
  });
});

describe("malformed expansion input", () => {
  it("is refused when the workload lacks the template source", () => {
    const broken = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "app" }, spec: {} };
    expect(() => engine({ expansionTemplates: [expandDeployments] }).review(broken)).toThrow(
      new AdmissionInputError(
        'ExpansionTemplate expand-deployments: could not find source field "spec.template" in Deployment/app/web',
      ),
    );
  });

  it("is refused when a template expands its own output, or two templates form a cycle", () => {
    const podToPod = expansion("pods", {
      applyTo: [{ groups: [""], kinds: ["Pod"], versions: ["v1"] }],
      templateSource: "spec",
      generatedGVK: { group: "", version: "v1", kind: "Pod" },
    });
    const aToB = expansion("a-to-b", {
      applyTo: [{ groups: ["x"], kinds: ["A"], versions: ["v1"] }],
      templateSource: "spec.b",
      generatedGVK: { group: "x", version: "v1", kind: "B" },
    });
    const bToA = expansion("b-to-a", {
      applyTo: [{ groups: ["x"], kinds: ["B"], versions: ["v1"] }],
      templateSource: "spec.a",
      generatedGVK: { group: "x", version: "v1", kind: "A" },
    });
    expect(() => engine({ expansionTemplates: [podToPod, aToB, bToA] })).toThrow(
      new AdmissionInputError([
        "ExpansionTemplate pods: it generates v1 Pod but also applies to it",
        "ExpansionTemplate a-to-b: its output is expanded back into its input (a cycle)",
        "ExpansionTemplate b-to-a: its output is expanded back into its input (a cycle)",
      ]),
    );
  });
});
