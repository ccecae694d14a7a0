/** validateNetworkPolicy: every problem, with the object and the field path, in exact words. */
import { InvalidInputError, NetworkPolicyEngine, validateNetworkPolicy } from "../../verifier/netpol";

function withSpec(spec: unknown, metadata: unknown = { name: "x", namespace: "data" }): unknown {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec };
}

const problems = (spec: unknown) => validateNetworkPolicy(withSpec(spec));
const fromPeer = (peer: unknown) => problems({ podSelector: {}, ingress: [{ from: [peer] }] });
const ingressPort = (port: unknown) => problems({ podSelector: {}, ingress: [{ ports: [port] }] });
const P = "NetworkPolicy data/x: ";

describe("validateNetworkPolicy", () => {
  test("a policy using every form of the API is valid", () => {
    expect(
      problems({
        podSelector: {
          matchLabels: { app: "mysql" },
          matchExpressions: [{ key: "tier", operator: "In", values: ["data"] }],
        },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "app" } },
                podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] },
              },
              { ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] } },
              { ipBlock: { cidr: "2001:db8::/32", except: ["2001:db8:1::/48"] } },
            ],
            ports: [
              { port: 3306 },
              { protocol: "UDP" },
              { protocol: "SCTP", port: 9000, endPort: 9100 },
              { port: "mysql" },
            ],
          },
          {},
        ],
        egress: [
          { to: [], ports: [] },
          { to: [{ namespaceSelector: { matchExpressions: [{ key: "pci", operator: "DoesNotExist" }] } }] },
        ],
      }),
    ).toEqual([]);
    // YAML's empty keys are null; the API server reads them as absent.
    expect(
      problems({ podSelector: {}, policyTypes: null, ingress: [{ from: null, ports: null }], egress: null }),
    ).toEqual([]);
  });

  test("an except outside its cidr, equal to it, or of the other family", () => {
    expect(fromPeer({ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] } })).toEqual([
      `${P}spec.ingress[0].from[0].ipBlock.except[0]: 10.1.0.0/24 is not inside cidr 10.0.0.0/16`,
    ]);
    expect(
      fromPeer({
        ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.5.0/24", "10.0.0.0/16", "10.0.0.0/8", "2001:db8::/64"] },
      }),
    ).toEqual([
      `${P}spec.ingress[0].from[0].ipBlock.except[1]: 10.0.0.0/16 equals cidr 10.0.0.0/16 (an except must be narrower)`,
      `${P}spec.ingress[0].from[0].ipBlock.except[2]: 10.0.0.0/8 is not inside cidr 10.0.0.0/16`,
      `${P}spec.ingress[0].from[0].ipBlock.except[3]: 2001:db8::/64 is not inside cidr 10.0.0.0/16`,
    ]);
  });

  test("a bad cidr, a bad except, a missing cidr", () => {
    expect(
      problems({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "10.0.0/8", except: ["nope"] } }] }] }),
    ).toEqual([
      `${P}spec.egress[0].to[0].ipBlock.cidr: "10.0.0/8" is not a valid CIDR`,
      `${P}spec.egress[0].to[0].ipBlock.except[0]: "nope" is not a valid CIDR`,
    ]);
    expect(fromPeer({ ipBlock: { cidr: "10.0.0.0/33" } })).toEqual([
      `${P}spec.ingress[0].from[0].ipBlock.cidr: "10.0.0.0/33" is not a valid CIDR`,
    ]);
    expect(fromPeer({ ipBlock: { cidr: "2001:db8::1" } })).toEqual([
      `${P}spec.ingress[0].from[0].ipBlock.cidr: "2001:db8::1" is not a valid CIDR`,
    ]);
    expect(fromPeer({ ipBlock: { except: ["10.0.0.0/8"] } })).toEqual([
      `${P}spec.ingress[0].from[0].ipBlock.cidr: required`,
    ]);
  });

  test("endPort below port, with a named port, without a port, out of range", () => {
    expect(problems({ podSelector: {}, egress: [{ ports: [{ port: 443, endPort: 80 }] }] })).toEqual([
      `${P}spec.egress[0].ports[0].endPort: 80 is below port 443`,
    ]);
    expect(ingressPort({ port: "http", endPort: 8080 })).toEqual([
      `${P}spec.ingress[0].ports[0].endPort: cannot be used with named port "http"`,
    ]);
    expect(ingressPort({ protocol: "TCP", endPort: 8080 })).toEqual([
      `${P}spec.ingress[0].ports[0].endPort: requires a numeric port`,
    ]);
    expect(ingressPort({ port: 80, endPort: 70000 })).toEqual([
      `${P}spec.ingress[0].ports[0].endPort: 70000 is not in 1-65535`,
    ]);
    expect(ingressPort({ port: 80, endPort: "90" })).toEqual([
      `${P}spec.ingress[0].ports[0].endPort: must be an integer`,
    ]);
  });

  test("ports out of range, not integers, or badly named", () => {
    expect(ingressPort({ port: 0 })).toEqual([`${P}spec.ingress[0].ports[0].port: 0 is not in 1-65535`]);
    expect(ingressPort({ port: 65536 })).toEqual([`${P}spec.ingress[0].ports[0].port: 65536 is not in 1-65535`]);
    expect(ingressPort({ port: 80.5 })).toEqual([
      `${P}spec.ingress[0].ports[0].port: must be an integer or a port name`,
    ]);
    const badName = (name: string) =>
      `${P}spec.ingress[0].ports[0].port: "${name}" is not a valid port name (at most 15 lowercase letters, digits and '-', with a letter)`;
    expect(ingressPort({ port: "HTTP" })).toEqual([badName("HTTP")]);
    // A quoted number in YAML is a string, and a port name needs a letter.
    expect(ingressPort({ port: "80" })).toEqual([badName("80")]);
    expect(ingressPort({ port: "a-very-long-port-name" })).toEqual([badName("a-very-long-port-name")]);
    expect(ingressPort({ port: "my--port" })).toEqual([badName("my--port")]);
  });

  test("an unknown protocol (protocols are case-sensitive)", () => {
    expect(ingressPort({ protocol: "ICMP", port: 80 })).toEqual([
      `${P}spec.ingress[0].ports[0].protocol: "ICMP" is not one of TCP, UDP, SCTP`,
    ]);
    expect(ingressPort({ protocol: "tcp" })).toEqual([
      `${P}spec.ingress[0].ports[0].protocol: "tcp" is not one of TCP, UDP, SCTP`,
    ]);
  });

  test("an unknown matchExpressions operator, a missing key", () => {
    expect(
      problems({ podSelector: { matchExpressions: [{ key: "app", operator: "Equals", values: ["a"] }] } }),
    ).toEqual([
      `${P}spec.podSelector.matchExpressions[0].operator: "Equals" is not one of In, NotIn, Exists, DoesNotExist`,
    ]);
    expect(problems({ podSelector: { matchExpressions: [{ operator: "Exists" }] } })).toEqual([
      `${P}spec.podSelector.matchExpressions[0].key: required`,
    ]);
    expect(problems({ podSelector: { matchExpressions: [{ key: "app" }] } })).toEqual([
      `${P}spec.podSelector.matchExpressions[0].operator: required`,
    ]);
  });

  test("In and NotIn need values; Exists and DoesNotExist take none", () => {
    expect(
      fromPeer({
        namespaceSelector: {
          matchExpressions: [
            { key: "tier", operator: "In" },
            { key: "tier", operator: "NotIn", values: [] },
          ],
        },
      }),
    ).toEqual([
      `${P}spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: must be non-empty for operator In`,
      `${P}spec.ingress[0].from[0].namespaceSelector.matchExpressions[1].values: must be non-empty for operator NotIn`,
    ]);
    expect(
      fromPeer({
        podSelector: {
          matchExpressions: [
            { key: "tier", operator: "Exists", values: ["x"] },
            { key: "tier", operator: "DoesNotExist", values: ["y"] },
          ],
        },
      }),
    ).toEqual([
      `${P}spec.ingress[0].from[0].podSelector.matchExpressions[0].values: must be empty for operator Exists`,
      `${P}spec.ingress[0].from[0].podSelector.matchExpressions[1].values: must be empty for operator DoesNotExist`,
    ]);
  });

  test("an ipBlock combined with a selector in one peer; a peer with nothing", () => {
    expect(fromPeer({ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} })).toEqual([
      `${P}spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector`,
    ]);
    expect(fromPeer({})).toEqual([`${P}spec.ingress[0].from[0]: must set podSelector, namespaceSelector or ipBlock`]);
  });

  test("policyTypes with an unknown value, a duplicate, or not a list", () => {
    expect(problems({ podSelector: {}, policyTypes: ["Ingress", "Ingres", "Ingress"] })).toEqual([
      `${P}spec.policyTypes[1]: "Ingres" is not one of Ingress, Egress`,
      `${P}spec.policyTypes[2]: "Ingress" is listed twice`,
    ]);
    expect(problems({ podSelector: {}, policyTypes: "Ingress" })).toEqual([`${P}spec.policyTypes: must be a list`]);
  });

  test("metadata: missing name, missing namespace, invalid name, no metadata at all", () => {
    expect(validateNetworkPolicy(withSpec({ podSelector: {} }, { namespace: "data" }))).toEqual([
      "NetworkPolicy data/(no name): metadata.name: required",
    ]);
    expect(validateNetworkPolicy(withSpec({ podSelector: {} }, { name: "x" }))).toEqual([
      "NetworkPolicy (no namespace)/x: metadata.namespace: required",
    ]);
    expect(validateNetworkPolicy(withSpec({ podSelector: {} }, { name: "Bad_Name", namespace: "data" }))).toEqual([
      `NetworkPolicy data/Bad_Name: metadata.name: "Bad_Name" is not a valid DNS subdomain name (at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`,
    ]);
    expect(validateNetworkPolicy({ spec: { podSelector: {} } })).toEqual([
      "NetworkPolicy (no namespace)/(no name): metadata: required",
    ]);
  });

  test("spec and podSelector are required; a non-object is rejected", () => {
    expect(validateNetworkPolicy(withSpec(undefined))).toEqual([`${P}spec: required`]);
    expect(validateNetworkPolicy(withSpec([]))).toEqual([`${P}spec: must be an object`]);
    expect(problems({ policyTypes: ["Ingress"] })).toEqual([
      `${P}spec.podSelector: required (use {} to select every pod of the namespace)`,
    ]);
    expect(validateNetworkPolicy("kind: NetworkPolicy")).toEqual([
      "NetworkPolicy (no namespace)/(no name): must be an object",
    ]);
  });

  test("unknown fields are reported, since a misspelt key would silently change the policy", () => {
    expect(
      problems({ podSelector: {}, ingres: [{}], ingress: [{ form: [] }], egress: [{ to: [{ podselector: {} }] }] }),
    ).toEqual([
      `${P}spec.ingres: unknown field`,
      `${P}spec.ingress[0].form: unknown field`,
      `${P}spec.egress[0].to[0].podselector: unknown field`,
      `${P}spec.egress[0].to[0]: must set podSelector, namespaceSelector or ipBlock`,
    ]);
  });

  test("wrong apiVersion or kind; malformed labels and lists", () => {
    expect(
      validateNetworkPolicy({
        apiVersion: "extensions/v1beta1",
        kind: "Policy",
        metadata: { name: "x", namespace: "data" },
        spec: { podSelector: {} },
      }),
    ).toEqual([
      `${P}apiVersion: "extensions/v1beta1" is not networking.k8s.io/v1`,
      `${P}kind: "Policy" is not NetworkPolicy`,
    ]);
    expect(problems({ podSelector: { matchLabels: { "bad key": "v", app: "Bad Value", tier: 3 } } })).toEqual([
      `${P}spec.podSelector.matchLabels: "bad key" is not a valid label key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      `${P}spec.podSelector.matchLabels.app: "Bad Value" is not a valid label value (empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      `${P}spec.podSelector.matchLabels.tier: must be a string`,
    ]);
    expect(problems({ podSelector: {}, ingress: {}, egress: [3] })).toEqual([
      `${P}spec.ingress: must be a list`,
      `${P}spec.egress[0]: must be an object`,
    ]);
  });

  test("the engine refuses invalid input and lists every problem at once", () => {
    const valid = { metadata: { name: "ok", namespace: "data" }, spec: { podSelector: {} } };
    const build = () =>
      new NetworkPolicyEngine({
        namespaces: [],
        pods: [
          { namespace: "data", name: "mysql", labels: {}, ip: "10.0.0.300", ports: [{ port: 3306, protocol: "TCP" }] },
        ],
        policies: [
          valid,
          valid,
          {
            metadata: { name: "bad", namespace: "data" },
            spec: { podSelector: {}, egress: [{ ports: [{ port: 443, endPort: 80 }] }] },
          },
        ],
      });
    expect(build).toThrow(InvalidInputError);
    // An Error given to toThrow is compared by its whole message.
    expect(build).toThrow(
      new Error(
        [
          "invalid network policy input (3 problems):",
          '- pod data/mysql: ip "10.0.0.300" is not an IPv4 or IPv6 address',
          "- NetworkPolicy data/ok: listed twice",
          "- NetworkPolicy data/bad: spec.egress[0].ports[0].endPort: 80 is below port 443",
        ].join("\n"),
      ),
    );
  });
});
