// Where Gatekeeper's verdicts are enforced: the install a chart makes, the binding names, which
// requests each point sees, and the texts of a denial.
import { installFromChart, vapBindingName } from "../../verifier/admission/enforcement";
import { allowedReposTemplate } from "../../policies/k8sallowedrepos/template";
import { badImage, celTemplate, engine, labAppConstraint, namespace, pod } from "./fixtures";

const WEBHOOK = { kind: "webhook", name: "validation.gatekeeper.sh" };
const nginx = pod("app", "nginx", [{ name: "nginx", image: "nginx" }], { labels: { run: "nginx" } });

describe("installFromChart()", () => {
  it("applies the chart's defaults: VAP generation from 3.20.0, every resource, the release namespace exempt", () => {
    expect(installFromChart("3.19.2", {}, "s")).toEqual({
      version: "3.19.2",
      vapForTemplates: false,
      vapBindings: false,
      vapScope: false,
      // The chart's template: `*` and the subresources it names, all but status ones.
      webhookRules: [
        {
          apiGroups: ["*"],
          apiVersions: ["*"],
          operations: ["CREATE", "UPDATE"],
          resources: [
            "*",
            "pods/ephemeralcontainers",
            "pods/exec",
            "pods/log",
            "pods/eviction",
            "pods/portforward",
            "pods/proxy",
            "pods/attach",
            "pods/binding",
            "pods/resize",
            "deployments/scale",
            "replicasets/scale",
            "statefulsets/scale",
            "replicationcontrollers/scale",
            "services/proxy",
            "nodes/proxy",
            "services/status",
          ],
          scope: "*",
        },
      ],
      exemptNamespaces: ["gatekeeper-system"],
      source: "s",
    });
    expect(installFromChart("3.20.0", {}, "s")).toMatchObject({ vapForTemplates: true, vapBindings: true });
  });

  it("takes the values that say otherwise", () => {
    const install = installFromChart(
      "3.23.0",
      {
        defaultCreateVAPForTemplates: false,
        defaultCreateVAPBindingForConstraints: false,
        validatingWebhookCustomRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] },
        ],
        validatingWebhookExemptNamespacesLabels: { "kubernetes.io/metadata.name": ["kube-system"] },
      },
      "s",
    );
    expect(install).toMatchObject({
      vapForTemplates: false,
      vapBindings: false,
      webhookRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] }],
      exemptNamespaces: ["kube-system", "gatekeeper-system"],
    });
  });
});

describe("the policies' enforcement scope (--sync-vap-enforcement-scope)", () => {
  it("is the webhook's from 3.22.0, and from 3.21.0 when syncVAPEnforcementScope says so; 3.20 has no such flag", () => {
    const scope = (version: string, values: Record<string, unknown> = {}) =>
      installFromChart(version, values, "s").vapScope;
    expect(scope("3.20.1", { syncVAPEnforcementScope: true })).toBe(false);
    expect(scope("3.21.0")).toBe(false);
    expect(scope("3.21.1", { syncVAPEnforcementScope: true })).toBe(true);
    expect(scope("3.22.0")).toBe(true);
    expect(scope("3.23.0", { syncVAPEnforcementScope: false })).toBe(false);
  });

  // kubectl debug adds an ephemeral container with an UPDATE of pods/ephemeralcontainers.
  const debugged = pod("app", "web", [{ name: "web", image: "docker.io/library/phpmyadmin:5.2.3" }], {
    spec: { ephemeralContainers: [{ name: "debugger", image: "busybox" }] },
  });
  const lab = {
    validatingWebhookCustomRules: [
      {
        apiGroups: [""],
        apiVersions: ["v1"],
        operations: ["CREATE", "UPDATE"],
        resources: ["pods", "pods/ephemeralcontainers"],
        scope: "Namespaced",
      },
    ],
    validatingWebhookExemptNamespacesLabels: { "kubernetes.io/metadata.name": ["kube-system"] },
  };
  const review = (install: ReturnType<typeof installFromChart>) =>
    engine({ install }).review(debugged, "UPDATE", debugged, { subresource: "ephemeralcontainers" }).enforcement;

  it("without it, leaves an ephemeral container to the webhook: the policy's `*` names no subresource", () => {
    const enforcement = review(installFromChart("3.21.1", lab, "s"));
    expect(enforcement?.points).toEqual([WEBHOOK]);
    expect(enforcement?.deniedBy).toEqual(WEBHOOK);
    expect(enforcement?.status?.code).toBe(403);
  });

  it("with it, has the binding judge the ephemeral container first, as the webhook's rules name the subresource", () => {
    const enforcement = review(installFromChart("3.21.1", { ...lab, syncVAPEnforcementScope: true }, "s"));
    const binding = {
      kind: "ValidatingAdmissionPolicy",
      policy: "gatekeeper-k8sallowedrepos",
      binding: "gatekeeper-allowed-repos-app",
      constraint: "K8sAllowedRepos/allowed-repos-app",
    };
    expect(enforcement?.points).toEqual([binding, WEBHOOK]);
    expect(enforcement?.deniedBy).toEqual(binding);
    expect(enforcement?.status?.code).toBe(422);
  });

  it("without it, has a binding judge in a namespace the webhook exempts; with it, neither judges there", () => {
    const everywhere = labAppConstraint({ match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] } });
    const inKubeSystem = pod("kube-system", "nginx", [{ name: "nginx", image: "nginx" }]);
    const judge = (values: Record<string, unknown>) =>
      engine({
        install: installFromChart("3.21.1", { ...lab, ...values }, "s"),
        constraints: [everywhere],
        namespaces: [namespace("kube-system")],
      }).review(inKubeSystem);
    const unscoped = judge({});
    expect([unscoped.allowed, unscoped.enforcement?.deniedBy?.kind]).toEqual([false, "ValidatingAdmissionPolicy"]);
    const scoped = judge({ syncVAPEnforcementScope: true });
    expect([scoped.allowed, scoped.enforcement?.points]).toEqual([true, []]);
  });
});

describe("vapBindingName()", () => {
  it("names the binding after the constraint, with its kind from 3.22.1 on, hashed past 253 characters", () => {
    expect(vapBindingName("3.22.0", "K8sAllowedRepos", "allowed-repos-app")).toBe("gatekeeper-allowed-repos-app");
    expect(vapBindingName("3.22.1", "K8sAllowedRepos", "allowed-repos-app")).toBe(
      "gatekeeper-k8sallowedrepos-allowed-repos-app",
    );
    const long = vapBindingName("3.23.0", "K8sAllowedRepos", "a".repeat(250));
    expect(long.length).toBe(253);
    expect(long).toMatch(/^gatekeeper-k8sallowedrepos-a+-[0-9a-f]{8}$/);
  });
});

describe("enforcement", () => {
  const install = installFromChart("3.23.0", {}, "defaults");

  it("lets the API server's ValidatingAdmissionPolicy refuse a Pod first, with a 422 Invalid", () => {
    const result = engine({ install }).review(nginx);
    expect(result.enforcement?.deniedBy).toEqual({
      kind: "ValidatingAdmissionPolicy",
      policy: "gatekeeper-k8sallowedrepos",
      binding: "gatekeeper-k8sallowedrepos-allowed-repos-app",
      constraint: "K8sAllowedRepos/allowed-repos-app",
    });
    expect(result.enforcement?.status?.code).toBe(422);
  });

  it("leaves it to the webhook when the template opts out of the VAP, or the install generates no binding", () => {
    const template = allowedReposTemplate() as any;
    template.spec.targets[0].code[0].source.generateVAP = false;
    const optedOut = engine({ install, templates: [template] }).review(nginx);
    const message = `admission webhook "validation.gatekeeper.sh" denied the request: [allowed-repos-app] ${badImage("nginx", "nginx")}`;
    expect(optedOut.enforcement).toEqual({
      points: [WEBHOOK],
      deniedBy: WEBHOOK,
      status: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message,
        reason: "Forbidden",
        code: 403,
      },
      kubectl: {
        command: "kubectl run nginx -n app --image=nginx",
        output: `Error from server (Forbidden): ${message}`,
      },
    });
    const noBindings = engine({ install: { ...install, vapBindings: false } }).review(nginx);
    expect(noBindings.enforcement?.deniedBy).toEqual(WEBHOOK);
  });

  it("joins the webhook's denials one line per constraint, each named, as Gatekeeper does", () => {
    const other = celTemplate("K8sNoNginx", { validations: [{ expression: "false", message: "no nginx here" }] });
    const result = engine({
      install: { ...install, vapBindings: false },
      templates: [allowedReposTemplate(), other],
      constraints: [
        labAppConstraint(),
        { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind: "K8sNoNginx", metadata: { name: "no-nginx" } },
      ],
    }).review(nginx, "CREATE", undefined, { file: "pod.yaml" });
    expect(result.enforcement?.kubectl).toEqual({
      command: "kubectl run nginx -n app --image=nginx",
      output: `Error from server (Forbidden): admission webhook "validation.gatekeeper.sh" denied the request: [allowed-repos-app] ${badImage("nginx", "nginx")}\n[no-nginx] no nginx here`,
    });
  });

  it("names the file for kubectl create -f when kubectl run could not have made the object", () => {
    const labelled = pod("app", "web", [{ name: "web", image: "nginx" }], { labels: { app: "web" } });
    const result = engine({ install }).review(labelled, "CREATE", undefined, { file: "k8s/web.yaml" });
    expect(result.enforcement?.kubectl?.command).toBe("kubectl create -f k8s/web.yaml");
    expect(result.enforcement?.kubectl?.output).toBe(
      `The pods "web" is invalid: : ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: ${badImage("web", "nginx")}`,
    );
  });

  it("admits what no enforcement point is called for, and says so: an exempt namespace, a kind outside the rules", () => {
    const everywhere = labAppConstraint({ match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] } });
    const inKubeSystem = pod("kube-system", "nginx", [{ name: "nginx", image: "nginx" }]);
    const exempt = engine({
      install: { ...install, exemptNamespaces: ["kube-system"] },
      constraints: [everywhere],
      namespaces: [namespace("kube-system")],
    }).review(inKubeSystem);
    expect([exempt.allowed, exempt.violations.length, exempt.enforcement]).toEqual([true, 1, { points: [] }]);
    expect(exempt.notes).toEqual([
      "Gatekeeper's policy denies Pod/kube-system/nginx, but neither its webhook nor a ValidatingAdmissionPolicy is called for this request (its namespace is exempt, or the webhook's rules leave its kind out), so the API server admits it",
    ]);
    const podsOnlyOnUpdate = {
      ...install,
      webhookRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["pods"] }],
    };
    expect(engine({ install: podsOnlyOnUpdate }).review(nginx).allowed).toBe(true);
    expect(engine({ install: podsOnlyOnUpdate }).review(nginx, "UPDATE").allowed).toBe(false);
  });
});
