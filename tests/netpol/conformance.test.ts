/**
 * The model of the upstream network-policy conformance tests (test/e2e/network/netpol): namespaces
 * x, y, z labelled ns=<name>, each with pods a, b, c labelled pod=<name> serving 80 and 81 on TCP,
 * UDP and SCTP (container ports named serve-80-tcp and so on). Grids read like upstream's
 * reachability tables: a row per source, a column per destination, "." allowed, "X" denied, and
 * "-" for a pod to itself, which upstream skips (Kubernetes leaves it to the network plugin) and
 * the engine marks `self`, with no verdict.
 */
import {
  ContainerPortInfo,
  Endpoint,
  naiveTruthTable,
  NetworkPolicyEngine,
  NetworkPolicyObject,
  PodInfo,
  Protocol,
  TableEntry,
} from "../../verifier/netpol";

const NAMESPACES = ["x", "y", "z"];
const POD_NAMES = ["a", "b", "c"];
const PROTOCOLS: Protocol[] = ["TCP", "UDP", "SCTP"];

function servingPorts(): ContainerPortInfo[] {
  return [80, 81].flatMap((port) =>
    PROTOCOLS.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, port, protocol })),
  );
}

const PODS: PodInfo[] = NAMESPACES.flatMap((namespace, n) =>
  POD_NAMES.map((name, i) => ({
    namespace,
    name,
    labels: { pod: name },
    ip: `10.0.${n + 1}.${i + 1}`,
    ports: servingPorts(),
  })),
);
const SOURCES: Endpoint[] = PODS.map((pod) => ({ kind: "pod", pod }));
const endpoint = (id: string): Endpoint => SOURCES[PODS.findIndex((pod) => `${pod.namespace}/${pod.name}` === id)];
const DNS: Endpoint = { kind: "external", external: { name: "cluster-dns", ip: "10.96.0.10" } };

function np(id: string, spec: object): NetworkPolicyObject {
  const [namespace, name] = id.split("/");
  return { metadata: { namespace, name }, spec };
}

interface Case {
  engine: NetworkPolicyEngine;
  table: TableEntry[];
}

/** Builds the engine and its full table, and checks the naive evaluator gives the same table. */
function model(...policies: NetworkPolicyObject[]): Case {
  const input = { namespaces: NAMESPACES.map((name) => ({ name, labels: { ns: name } })), pods: PODS, policies };
  const engine = new NetworkPolicyEngine(input);
  const table = engine.truthTable(SOURCES);
  expect(naiveTruthTable(input, SOURCES)).toEqual(table);
  return { engine, table };
}

function grid(table: TableEntry[], port: number, protocol: Protocol): string[] {
  return PODS.map((from) => {
    const row = PODS.map((to, i) => {
      const cell = table.find(
        (e) =>
          e.from === `${from.namespace}/${from.name}` &&
          e.to === `${to.namespace}/${to.name}` &&
          e.port === port &&
          e.protocol === protocol,
      );
      return (i % 3 === 0 ? " " : "") + (cell!.self ? "-" : cell!.allowed ? "." : "X");
    });
    return `${from.namespace}/${from.name} ${row.join("")}`;
  });
}

function reason(table: TableEntry[], from: string, to: string, port: number, protocol: Protocol): string {
  return table.find((e) => e.from === from && e.to === to && e.port === port && e.protocol === protocol)!.reason;
}

const ALL_ALLOWED = PODS.map((pod, p) => {
  const row = PODS.map((_, i) => (i % 3 === 0 ? " " : "") + (i === p ? "-" : "."));
  return `${pod.namespace}/${pod.name} ${row.join("")}`;
});

describe("upstream conformance model (x, y, z × a, b, c)", () => {
  test("the model: 9 pods × 9 pods × 6 ports, all allowed without policies", () => {
    const { table } = model();
    expect(table).toHaveLength(9 * 9 * 6);
    for (const [port, protocol] of [
      [80, "TCP"],
      [81, "UDP"],
      [80, "SCTP"],
    ] as const)
      expect(grid(table, port, protocol)).toEqual(ALL_ALLOWED);
    expect(table.slice(0, 3).map((e) => `${e.from} ${e.to} ${e.port}/${e.protocol}`)).toEqual([
      "x/a x/a 80/TCP",
      "x/a x/a 80/UDP",
      "x/a x/a 80/SCTP",
    ]);
  });

  test("default-deny-ingress in x: nothing reaches x, on every port and protocol", () => {
    const { table } = model(np("x/deny-ingress", { podSelector: {}, ingress: [] }));
    const expected = [
      "x/a  -XX ... ...",
      "x/b  X-X ... ...",
      "x/c  XX- ... ...",
      "y/a  XXX -.. ...",
      "y/b  XXX .-. ...",
      "y/c  XXX ..- ...",
      "z/a  XXX ... -..",
      "z/b  XXX ... .-.",
      "z/c  XXX ... ..-",
    ];
    for (const port of [80, 81])
      for (const protocol of PROTOCOLS) expect(grid(table, port, protocol)).toEqual(expected);
    expect(reason(table, "y/a", "x/b", 81, "UDP")).toBe(
      "egress from y/a allowed: not isolated for egress; ingress to x/b denied: isolated by x/deny-ingress, no ingress rule allows 81/UDP from y/a",
    );
    expect(reason(table, "x/a", "x/a", 80, "TCP")).toBe(
      "x/a to itself: left to the network plugin (Kubernetes does not say whether NetworkPolicies apply to a pod's traffic to its own address)",
    );
    expect(reason(table, "x/a", "y/a", 80, "TCP")).toBe(
      "egress from x/a allowed: not isolated for egress; ingress to y/a allowed: not isolated for ingress",
    );
  });

  test("allow from the same namespace: x admits x only", () => {
    const { table } = model(np("x/allow-same-ns", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }));
    expect(grid(table, 80, "TCP")).toEqual([
      "x/a  -.. ... ...",
      "x/b  .-. ... ...",
      "x/c  ..- ... ...",
      "y/a  XXX -.. ...",
      "y/b  XXX .-. ...",
      "y/c  XXX ..- ...",
      "z/a  XXX ... -..",
      "z/b  XXX ... .-.",
      "z/c  XXX ... ..-",
    ]);
    expect(reason(table, "x/b", "x/c", 81, "SCTP")).toBe(
      "egress from x/b allowed: not isolated for egress; ingress to x/c allowed by x/allow-same-ns rule 1",
    );
  });

  test("allow x/a from namespace y only: x/b and x/c stay open", () => {
    const { table } = model(
      np("x/allow-from-y", {
        podSelector: { matchLabels: { pod: "a" } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }],
      }),
    );
    expect(grid(table, 80, "TCP")).toEqual([
      "x/a  -.. ... ...",
      "x/b  X-. ... ...",
      "x/c  X.- ... ...",
      "y/a  ... -.. ...",
      "y/b  ... .-. ...",
      "y/c  ... ..- ...",
      "z/a  X.. ... -..",
      "z/b  X.. ... .-.",
      "z/c  X.. ... ..-",
    ]);
    expect(reason(table, "z/c", "x/a", 80, "TCP")).toBe(
      "egress from z/c allowed: not isolated for egress; ingress to x/a denied: isolated by x/allow-from-y, no ingress rule allows 80/TCP from z/c",
    );
    expect(reason(table, "y/c", "x/a", 80, "TCP")).toBe(
      "egress from y/c allowed: not isolated for egress; ingress to x/a allowed by x/allow-from-y rule 1",
    );
  });

  test("allow x/a from pod b in any namespace (namespaceSelector {} AND podSelector)", () => {
    const { table } = model(
      np("x/allow-b", {
        podSelector: { matchLabels: { pod: "a" } },
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: "b" } } }] }],
      }),
    );
    expect(grid(table, 81, "TCP")).toEqual([
      "x/a  -.. ... ...",
      "x/b  .-. ... ...",
      "x/c  X.- ... ...",
      "y/a  X.. -.. ...",
      "y/b  ... .-. ...",
      "y/c  X.. ..- ...",
      "z/a  X.. ... -..",
      "z/b  ... ... .-.",
      "z/c  X.. ... ..-",
    ]);
  });

  test("named port serve-80-tcp: x/a admits 80/TCP only", () => {
    const { table } = model(
      np("x/allow-80-by-name", {
        podSelector: { matchLabels: { pod: "a" } },
        ingress: [{ ports: [{ port: "serve-80-tcp" }] }],
      }),
    );
    expect(grid(table, 80, "TCP")).toEqual(ALL_ALLOWED);
    const onlyOthers = [
      "x/a  -.. ... ...",
      "x/b  X-. ... ...",
      "x/c  X.- ... ...",
      "y/a  X.. -.. ...",
      "y/b  X.. .-. ...",
      "y/c  X.. ..- ...",
      "z/a  X.. ... -..",
      "z/b  X.. ... .-.",
      "z/c  X.. ... ..-",
    ];
    expect(grid(table, 81, "TCP")).toEqual(onlyOthers);
    expect(grid(table, 80, "UDP")).toEqual(onlyOthers);
    expect(reason(table, "y/b", "x/a", 80, "TCP")).toBe(
      "egress from y/b allowed: not isolated for egress; ingress to x/a allowed by x/allow-80-by-name rule 1",
    );
    expect(reason(table, "y/b", "x/a", 80, "UDP")).toBe(
      "egress from y/b allowed: not isolated for egress; ingress to x/a denied: isolated by x/allow-80-by-name, no ingress rule allows 80/UDP from y/b",
    );
  });

  test("endPort 80-81 from namespaces y and z: TCP on both ports, no other protocol", () => {
    const { table } = model(
      np("x/allow-range", {
        podSelector: { matchLabels: { pod: "a" } },
        ingress: [
          {
            from: [{ namespaceSelector: { matchExpressions: [{ key: "ns", operator: "In", values: ["y", "z"] }] } }],
            ports: [{ port: 80, endPort: 81 }],
          },
        ],
      }),
    );
    const tcp = [
      "x/a  -.. ... ...",
      "x/b  X-. ... ...",
      "x/c  X.- ... ...",
      "y/a  ... -.. ...",
      "y/b  ... .-. ...",
      "y/c  ... ..- ...",
      "z/a  ... ... -..",
      "z/b  ... ... .-.",
      "z/c  ... ... ..-",
    ];
    expect(grid(table, 80, "TCP")).toEqual(tcp);
    expect(grid(table, 81, "TCP")).toEqual(tcp);
    expect(grid(table, 81, "SCTP")).toEqual([
      "x/a  -.. ... ...",
      "x/b  X-. ... ...",
      "x/c  X.- ... ...",
      "y/a  X.. -.. ...",
      "y/b  X.. .-. ...",
      "y/c  X.. ..- ...",
      "z/a  X.. ... -..",
      "z/b  X.. ... .-.",
      "z/c  X.. ... ..-",
    ]);
  });

  test("deny all egress from x except DNS", () => {
    const { engine, table } = model(
      np("x/deny-egress-but-dns", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      }),
    );
    expect(grid(table, 80, "UDP")).toEqual([
      "x/a  -XX XXX XXX",
      "x/b  X-X XXX XXX",
      "x/c  XX- XXX XXX",
      "y/a  ... -.. ...",
      "y/b  ... .-. ...",
      "y/c  ... ..- ...",
      "z/a  ... ... -..",
      "z/b  ... ... .-.",
      "z/c  ... ... ..-",
    ]);
    expect(reason(table, "x/a", "y/b", 80, "UDP")).toBe(
      "egress from x/a denied: isolated by x/deny-egress-but-dns, no egress rule allows 80/UDP to y/b; ingress to y/b allowed: not isolated for ingress",
    );
    expect(engine.judge(endpoint("x/a"), DNS, 53, "UDP")).toMatchObject({
      allowed: true,
      reason: "egress from x/a allowed by x/deny-egress-but-dns rule 1",
    });
    expect(engine.judge(endpoint("x/a"), DNS, 53, "TCP")).toMatchObject({
      allowed: true,
      reason: "egress from x/a allowed by x/deny-egress-but-dns rule 1",
    });
    expect(engine.judge(endpoint("x/a"), DNS, 443, "TCP")).toMatchObject({
      allowed: false,
      reason:
        "egress from x/a denied: isolated by x/deny-egress-but-dns, no egress rule allows 443/TCP to external:cluster-dns",
    });
  });

  test("egress denied on the client side even though the server allows everything", () => {
    const { table } = model(
      np("x/a-no-egress", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"] }),
      np("y/allow-all", { podSelector: {}, ingress: [{}] }),
    );
    expect(grid(table, 80, "TCP")[0]).toBe("x/a  -XX XXX XXX");
    expect(reason(table, "x/a", "y/c", 80, "TCP")).toBe(
      "egress from x/a denied: isolated by x/a-no-egress, no egress rule allows 80/TCP to y/c; ingress to y/c allowed by y/allow-all rule 1",
    );
  });

  test("egress to a server in a CIDR block, with an except", () => {
    const { table } = model(
      np("x/a-to-y", {
        podSelector: { matchLabels: { pod: "a" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.2/32"] } }] }],
      }),
    );
    expect(grid(table, 81, "UDP")[0]).toBe("x/a  -XX .X. XXX");
    expect(reason(table, "x/a", "y/b", 81, "UDP")).toBe(
      "egress from x/a denied: isolated by x/a-to-y, no egress rule allows 81/UDP to y/b; ingress to y/b allowed: not isolated for ingress",
    );
    expect(reason(table, "x/a", "y/c", 81, "UDP")).toBe(
      "egress from x/a allowed by x/a-to-y rule 1; ingress to y/c allowed: not isolated for ingress",
    );
  });
});
