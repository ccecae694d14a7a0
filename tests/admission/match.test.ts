/** A constraint's spec.match, criterion by criterion, as Gatekeeper evaluates it. */
import { AdmissionInputError } from "../../verifier/admission";
import { celTemplate, constraintOf, engine, namespace, pod, type Obj } from "./fixtures";

const nginx = (ns: string, name = "nginx", labels?: Record<string, string>): Obj =>
  pod(ns, name, [{ name: "nginx", image: "nginx" }], { labels });

/** A template that refuses whatever its constraint selects, so selection is what is seen. */
const denyAll = celTemplate("K8sDenyAll", { validations: [{ expression: "false", message: "selected" }] });
const denyAllWith = (match: Obj, spec: Obj = {}): Obj => constraintOf("K8sDenyAll", "deny-all", { match, ...spec });

/** Whether a deny-all constraint with this match selects the object. */
function selects(match: Obj, object: Obj, expansionTemplates?: Obj[]): boolean {
  const e = engine({ templates: [denyAll], constraints: [denyAllWith(match)], expansionTemplates });
  return !e.review(object).allowed;
}

describe("kinds", () => {
  it('matches the core group with "" and not with another group', () => {
    expect(selects({ kinds: [{ apiGroups: [""], kinds: ["Pod"] }] }, nginx("app"))).toBe(true);
    expect(selects({ kinds: [{ apiGroups: ["apps"], kinds: ["Pod"] }] }, nginx("app"))).toBe(false);
  });

  it('matches any group and any kind with "*"', () => {
    expect(selects({ kinds: [{ apiGroups: ["*"], kinds: ["Pod"] }] }, nginx("app"))).toBe(true);
    expect(selects({ kinds: [{ apiGroups: [""], kinds: ["*"] }] }, nginx("app"))).toBe(true);
    expect(selects({ kinds: [{ apiGroups: ["*"], kinds: ["Deployment"] }] }, nginx("app"))).toBe(false);
  });

  it("matches when any one entry matches", () => {
    const kinds = [
      { apiGroups: ["apps"], kinds: ["Deployment"] },
      { apiGroups: [""], kinds: ["Pod"] },
    ];
    expect(selects({ kinds }, nginx("app"))).toBe(true);
  });
});

describe("namespaces and excludedNamespaces", () => {
  it("excludes an excluded namespace", () => {
    expect(selects({ excludedNamespaces: ["app"] }, nginx("app"))).toBe(false);
    expect(selects({ excludedNamespaces: ["app"] }, nginx("data"))).toBe(true);
  });

  it("takes prefix and suffix globs", () => {
    expect(selects({ namespaces: ["kube-*"] }, nginx("kube-system"))).toBe(true);
    expect(selects({ namespaces: ["kube-*"] }, nginx("app"))).toBe(false);
    expect(selects({ excludedNamespaces: ["*-system"] }, nginx("gatekeeper-system"))).toBe(false);
    expect(selects({ excludedNamespaces: ["*-system"] }, nginx("app"))).toBe(true);
  });

  it("compares a Namespace object by its own name", () => {
    expect(selects({ namespaces: ["app"] }, namespace("app"))).toBe(true);
    expect(selects({ namespaces: ["app"] }, namespace("data"))).toBe(false);
    expect(selects({ excludedNamespaces: ["kube-*"] }, namespace("kube-system"))).toBe(false);
  });
});

describe("labelSelector", () => {
  it("combines matchLabels and matchExpressions", () => {
    const labelSelector = {
      matchLabels: { tier: "app" },
      matchExpressions: [
        { key: "app", operator: "In", values: ["nginx", "web"] },
        { key: "canary", operator: "DoesNotExist" },
      ],
    };
    expect(selects({ labelSelector }, nginx("app", "a", { tier: "app", app: "web" }))).toBe(true);
    expect(selects({ labelSelector }, nginx("app", "b", { tier: "app", app: "db" }))).toBe(false);
    expect(selects({ labelSelector }, nginx("app", "c", { tier: "app", app: "web", canary: "1" }))).toBe(false);
    expect(selects({ labelSelector }, nginx("app", "d", { app: "web" }))).toBe(false);
  });

  it("treats NotIn as matching an absent label, and Exists as requiring it", () => {
    const notIn = { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] };
    expect(selects({ labelSelector: notIn }, nginx("app", "a"))).toBe(true);
    expect(selects({ labelSelector: notIn }, nginx("app", "b", { env: "dev" }))).toBe(false);
    const exists = { matchExpressions: [{ key: "env", operator: "Exists" }] };
    expect(selects({ labelSelector: exists }, nginx("app", "c"))).toBe(false);
  });
});

describe("namespaceSelector", () => {
  const namespaceSelector = { matchLabels: { tier: "app" } };

  it("is evaluated on the object's Namespace", () => {
    expect(selects({ namespaceSelector }, nginx("app"))).toBe(true);
    expect(selects({ namespaceSelector }, nginx("data"))).toBe(false);
  });

  it("is an error, not a match, when the object's Namespace is unknown", () => {
    const e = engine({ templates: [denyAll], constraints: [denyAllWith({ namespaceSelector })] });
    expect(() => e.review(nginx("ghost"))).toThrow(
      new AdmissionInputError(
        "K8sDenyAll/deny-all cannot judge Pod/ghost/nginx: its namespaceSelector needs Namespace ghost, which was not given",
      ),
    );
  });

  it("is evaluated on a Namespace's own labels when the object is a Namespace", () => {
    expect(selects({ namespaceSelector }, namespace("new", { tier: "app" }))).toBe(true);
    expect(selects({ namespaceSelector }, namespace("new"))).toBe(false);
  });

  it("always matches a cluster-scoped object", () => {
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } };
    expect(selects({ namespaceSelector }, node)).toBe(true);
  });

  it("needs no Namespace when the constraint has no namespaceSelector", () => {
    expect(selects({ namespaces: ["ghost"] }, nginx("ghost"))).toBe(true);
  });
});

describe("scope", () => {
  it("selects namespaced objects with Namespaced and cluster-scoped ones with Cluster", () => {
    expect(selects({ scope: "Namespaced" }, nginx("app"))).toBe(true);
    expect(selects({ scope: "Cluster" }, nginx("app"))).toBe(false);
    expect(selects({ scope: "*" }, nginx("app"))).toBe(true);
  });

  it("counts a Namespace and an object without a namespace as cluster-scoped", () => {
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } };
    expect(selects({ scope: "Cluster" }, node)).toBe(true);
    expect(selects({ scope: "Namespaced" }, node)).toBe(false);
    expect(selects({ scope: "Cluster" }, namespace("app"))).toBe(true);
    expect(selects({ scope: "Namespaced" }, namespace("app"))).toBe(false);
  });
});

describe("name", () => {
  it("matches the exact name or a glob", () => {
    expect(selects({ name: "nginx" }, nginx("app", "nginx"))).toBe(true);
    expect(selects({ name: "nginx" }, nginx("app", "nginx-2"))).toBe(false);
    expect(selects({ name: "nginx-*" }, nginx("app", "nginx-2"))).toBe(true);
    expect(selects({ name: "nginx-*" }, nginx("app", "web"))).toBe(false);
  });

  it("matches a trailing glob against generateName", () => {
    const generated = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "x", generateName: "job-", namespace: "app" },
    };
    expect(selects({ name: "job-*" }, generated)).toBe(true);
    expect(selects({ name: "job" }, generated)).toBe(false);
  });
});

describe("source", () => {
  const expandDeployments = {
    apiVersion: "expansion.gatekeeper.sh/v1beta1",
    kind: "ExpansionTemplate",
    metadata: { name: "expand-deployments" },
    spec: {
      applyTo: [{ groups: ["apps"], kinds: ["Deployment"], versions: ["v1"] }],
      templateSource: "spec.template",
      generatedGVK: { group: "", version: "v1", kind: "Pod" },
    },
  };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "app" },
    spec: { template: { spec: { containers: [{ name: "web", image: "nginx" }] } } },
  };
  const pods = (source?: string): Obj => ({
    kinds: [{ apiGroups: [""], kinds: ["Pod"] }],
    ...(source ? { source } : {}),
  });

  it("Generated selects the pods implied by a workload, not pods sent directly", () => {
    expect(selects(pods("Generated"), deployment, [expandDeployments])).toBe(true);
    expect(selects(pods("Generated"), nginx("app"), [expandDeployments])).toBe(false);
  });

  it("Original selects pods sent directly, not the pods implied by a workload", () => {
    expect(selects(pods("Original"), deployment, [expandDeployments])).toBe(false);
    expect(selects(pods("Original"), nginx("app"), [expandDeployments])).toBe(true);
  });

  it("All, the default, selects both", () => {
    for (const match of [pods("All"), pods()]) {
      expect(selects(match, deployment, [expandDeployments])).toBe(true);
      expect(selects(match, nginx("app"), [expandDeployments])).toBe(true);
    }
  });
});

describe("a malformed match", () => {
  it("is refused when the engine is built, every problem at once", () => {
    const match = {
      kinds: "Pod",
      namespace: ["app"],
      scope: "cluster",
      namespaces: ["App_1"],
      labelSelector: { matchExpressions: [{ key: "a", operator: "In" }] },
      source: "generated",
    };
    expect(() => engine({ templates: [denyAll], constraints: [denyAllWith(match)] })).toThrow(
      new AdmissionInputError([
        "K8sDenyAll/deny-all: spec.match has an unknown field namespace (accepted: kinds, scope, namespaces, excludedNamespaces, labelSelector, namespaceSelector, name, source)",
        "K8sDenyAll/deny-all: spec.match.kinds must be a list of {apiGroups, kinds}",
        'K8sDenyAll/deny-all: spec.match.scope is "cluster"; accepted: *, Cluster, Namespaced',
        'K8sDenyAll/deny-all: spec.match.source is "generated"; accepted: All, Original, Generated',
        'K8sDenyAll/deny-all: spec.match.namespaces entry "App_1" is not a namespace name or a "*" glob at its start or end',
        "K8sDenyAll/deny-all: spec.match.labelSelector.matchExpressions[0].values: must be non-empty for operator In",
      ]),
    );
  });
});
