/**
 * The one label-selector module (verifier/kube/selector.ts) that both engines use: matching, every
 * operator, empty and absent selectors as each API reads them, and the validation messages.
 */
import { NetworkPolicyEngine, type NetworkPolicyObject, type PodInfo } from "../../verifier/netpol";
import { validateNetworkPolicy } from "../../verifier/netpol";
import {
  compileLabelSelector,
  parseLabelSelector,
  selectorMatches,
  validateLabelSelector,
  type RawLabelSelector,
} from "../../verifier/kube/selector";
import { AdmissionInputError } from "../../verifier/admission";
import { celTemplate, constraintOf, engine, pod } from "../admission/fixtures";

const matches = (selector: RawLabelSelector, labels: Record<string, string>) =>
  selectorMatches(compileLabelSelector(selector), labels);

function problems(selector: unknown): string[] {
  const found: string[] = [];
  validateLabelSelector(selector, "sel", (path, problem) => found.push(`${path}: ${problem}`));
  return found;
}

describe("matching", () => {
  it("matchLabels: every label must be present with that value", () => {
    const selector = { matchLabels: { app: "web", tier: "front" } };
    expect(matches(selector, { app: "web", tier: "front", extra: "x" })).toBe(true);
    expect(matches(selector, { app: "web" })).toBe(false);
    expect(matches(selector, { app: "web", tier: "back" })).toBe(false);
  });

  it("In: present with one of the values", () => {
    const selector: RawLabelSelector = {
      matchExpressions: [{ key: "env", operator: "In", values: ["prod", "staging"] }],
    };
    expect(
      ([{ env: "prod" }, { env: "staging" }, { env: "dev" }, {}] as Record<string, string>[]).map((l) =>
        matches(selector, l),
      ),
    ).toEqual([true, true, false, false]);
  });

  it("NotIn: absent, or present with none of the values", () => {
    const selector: RawLabelSelector = { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] };
    expect(
      ([{ env: "prod" }, { env: "dev" }, {}] as Record<string, string>[]).map((l) => matches(selector, l)),
    ).toEqual([false, true, true]);
  });

  it("Exists and DoesNotExist look at the key only, an empty value included", () => {
    const exists: RawLabelSelector = { matchExpressions: [{ key: "canary", operator: "Exists" }] };
    const absent: RawLabelSelector = { matchExpressions: [{ key: "canary", operator: "DoesNotExist" }] };
    expect(([{ canary: "" }, {}] as Record<string, string>[]).map((l) => matches(exists, l))).toEqual([true, false]);
    expect(([{ canary: "" }, {}] as Record<string, string>[]).map((l) => matches(absent, l))).toEqual([false, true]);
  });

  it("matchLabels and matchExpressions are ANDed", () => {
    const selector: RawLabelSelector = {
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "version", operator: "DoesNotExist" }],
    };
    expect(matches(selector, { app: "web" })).toBe(true);
    expect(matches(selector, { app: "web", version: "v2" })).toBe(false);
    expect(matches(selector, { app: "api" })).toBe(false);
  });

  it("an empty selector, and one with null lists (YAML's `matchLabels:`), select everything", () => {
    expect(matches({}, {})).toBe(true);
    expect(matches({ matchLabels: null, matchExpressions: null }, { any: "thing" })).toBe(true);
  });
});

describe("validation: one set of messages for both engines", () => {
  it("label keys and values, operators, values for each operator, unknown fields", () => {
    expect(
      problems({
        matchLabel: { app: "web" },
        matchLabels: { "bad key": "v", app: "Bad Value", tier: 3 },
        matchExpressions: [
          { key: "a", operator: "In" },
          { key: "b", operator: "Exists", values: ["x"] },
          { operator: "Equals", values: [1] },
          "a string",
        ],
      }),
    ).toEqual([
      "sel.matchLabel: unknown field",
      `sel.matchLabels: "bad key" is not a valid label key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      `sel.matchLabels.app: "Bad Value" is not a valid label value (empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      "sel.matchLabels.tier: must be a string",
      "sel.matchExpressions[0].values: must be non-empty for operator In",
      "sel.matchExpressions[1].values: must be empty for operator Exists",
      "sel.matchExpressions[2].key: required",
      'sel.matchExpressions[2].operator: "Equals" is not one of In, NotIn, Exists, DoesNotExist',
      "sel.matchExpressions[2].values[0]: must be a string",
      "sel.matchExpressions[3]: must be an object",
    ]);
  });

  it("a selector that is not a mapping; parseLabelSelector gives nothing for a bad one", () => {
    expect(problems(["app"])).toEqual(["sel: must be an object"]);
    const reported: string[] = [];
    expect(parseLabelSelector({ matchExpressions: "x" }, "sel", (p, m) => reported.push(`${p}: ${m}`))).toBe(undefined);
    expect(reported).toEqual(["sel.matchExpressions: must be a list"]);
  });

  it("reaches both engines with their own prefixes", () => {
    const bad = { matchExpressions: [{ key: "a", operator: "In" }] };
    expect(
      validateNetworkPolicy({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "p", namespace: "web" },
        spec: { podSelector: bad },
      }),
    ).toEqual(["NetworkPolicy web/p: spec.podSelector.matchExpressions[0].values: must be non-empty for operator In"]);
    const denyAll = celTemplate("K8sDenyAll", { validations: [{ expression: "false", message: "selected" }] });
    expect(() =>
      engine({
        templates: [denyAll],
        constraints: [constraintOf("K8sDenyAll", "d", { match: { labelSelector: bad } })],
      }),
    ).toThrow(
      new AdmissionInputError([
        "K8sDenyAll/d: spec.match.labelSelector.matchExpressions[0].values: must be non-empty for operator In",
      ]),
    );
  });
});

describe("empty and absent selectors, as each API reads them", () => {
  const webPod = (name: string, labels: Record<string, string>, namespace = "web"): PodInfo => ({
    namespace,
    name,
    labels,
    ports: [{ port: 80, protocol: "TCP" }],
  });
  const policy = (spec: object): NetworkPolicyObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { namespace: "web", name: "p" },
    spec,
  });
  const pods = [webPod("a", { app: "a" }), webPod("b", {}), webPod("c", { app: "c" }, "other")];
  const namespaces = [
    { name: "web", labels: {} },
    { name: "other", labels: {} },
  ];
  /** Which pods may open 80/TCP to web/a. */
  const sourcesAllowedTo = (spec: object) => {
    const netpol = new NetworkPolicyEngine({ namespaces, pods, policies: [policy(spec)] });
    return pods
      .filter((p) => !(p.namespace === "web" && p.name === "a"))
      .filter((p) => netpol.judge({ kind: "pod", pod: p }, { kind: "pod", pod: pods[0] }, 80, "TCP").allowed)
      .map((p) => `${p.namespace}/${p.name}`);
  };

  it("NetworkPolicy: an empty podSelector selects every pod of the policy's namespace", () => {
    // Deny-all ingress on {} isolates web/a as well as web/b.
    expect(sourcesAllowedTo({ podSelector: {}, policyTypes: ["Ingress"] })).toEqual([]);
    // A selector naming another pod leaves web/a unisolated.
    expect(sourcesAllowedTo({ podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress"] })).toEqual([
      "web/b",
      "other/c",
    ]);
  });

  it("NetworkPolicy peer: no namespaceSelector is the policy's namespace; an empty one is every namespace", () => {
    expect(sourcesAllowedTo({ podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })).toEqual(["web/b"]);
    expect(sourcesAllowedTo({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })).toEqual([
      "web/b",
      "other/c",
    ]);
    // No podSelector beside a namespaceSelector: every pod of the selected namespaces.
    expect(
      sourcesAllowedTo({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { x: "y" } } }] }] }),
    ).toEqual([]);
  });

  it("Gatekeeper's match: a missing or null selector matches everything, an empty one too", () => {
    const denyAll = celTemplate("K8sDenyAll", { validations: [{ expression: "false", message: "selected" }] });
    const selects = (match: object) =>
      !engine({ templates: [denyAll], constraints: [constraintOf("K8sDenyAll", "d", { match })] }).review(
        pod("app", "web", [{ name: "web", image: "nginx" }]),
      ).allowed;
    expect([
      selects({}),
      selects({ labelSelector: null }),
      selects({ labelSelector: {} }),
      selects({ labelSelector: { matchLabels: { app: "x" } } }),
    ]).toEqual([true, true, true, false]);
  });
});
