/**
 * One scenario per point of the networking.k8s.io/v1 semantics
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/), with the exact
 * verdict. Every verdict is checked three ways: NetworkPolicyEngine.judge, the naive evaluator,
 * and, when the destination declares the port, the engine's and the naive truth-table cell.
 */
import {
  ContainerPortInfo,
  EngineInput,
  Endpoint,
  naiveTruthTable,
  NamespaceInfo,
  NetworkPolicyEngine,
  NetworkPolicyObject,
  PodInfo,
  Protocol,
  Verdict,
} from "../../verifier/netpol";
import { buildModel } from "../../verifier/netpol/model";
import { naiveJudge } from "../../verifier/netpol/naive";

const tcp = (port: number, name?: string): ContainerPortInfo => ({ ...(name ? { name } : {}), port, protocol: "TCP" });
const udp = (port: number, name?: string): ContainerPortInfo => ({ ...(name ? { name } : {}), port, protocol: "UDP" });

/** A pod endpoint from `namespace/name`; it serves 80/TCP unless told otherwise. */
function pod(id: string, labels: Record<string, string> = {}, extra: Partial<PodInfo> = {}): Endpoint {
  const [namespace, name] = id.split("/");
  return { kind: "pod", pod: { namespace, name, labels, ports: [tcp(80)], ...extra } };
}

function external(name: string, ip: string): Endpoint {
  return { kind: "external", external: { name, ip } };
}

function policy(id: string, spec: object): NetworkPolicyObject {
  const [namespace, name] = id.split("/");
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { namespace, name }, spec };
}

function ns(name: string, labels: Record<string, string> = {}): NamespaceInfo {
  return { name, labels };
}

interface World {
  input: EngineInput;
  engine: NetworkPolicyEngine;
}

function world(namespaces: NamespaceInfo[], endpoints: Endpoint[], policies: NetworkPolicyObject[]): World {
  const pods = endpoints.flatMap((e) => (e.kind === "pod" ? [e.pod] : []));
  const input = { namespaces, pods, policies };
  return { input, engine: new NetworkPolicyEngine(input) };
}

/** Judges with every evaluator, asserts they agree, returns the allowed flag and reason. */
function check(
  w: World,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = "TCP",
): { allowed: boolean; reason: string } {
  const verdict: Verdict = w.engine.judge(from, to, port, protocol);
  expect(naiveJudge(buildModel(w.input), from, to, port, protocol)).toEqual(verdict);
  if (to.kind === "pod" && to.pod.ports.some((p) => p.port === port && p.protocol === protocol)) {
    // The table's cell: the verdict, or for a pod to itself the mark that it has none.
    const { from: source, to: destination, reason } = verdict;
    const cell = verdict.self
      ? { from: source, to: destination, port, protocol, self: true, reason }
      : { from: source, to: destination, port, protocol, allowed: verdict.allowed, reason };
    const find = (table: { from: string; to: string; port: number; protocol: Protocol }[]) =>
      table.find((e) => e.to === verdict.to && e.port === port && e.protocol === protocol);
    expect(find(w.engine.truthTable([from]))).toEqual(cell);
    expect(find(naiveTruthTable(w.input, [from]))).toEqual(cell);
  }
  return { allowed: verdict.allowed, reason: verdict.reason };
}

const allow = (reason: string) => ({ allowed: true, reason });
const deny = (reason: string) => ({ allowed: false, reason });

const OPEN_EGRESS = (from: string) => `egress from ${from} allowed: not isolated for egress`;
const OPEN_INGRESS = (to: string) => `ingress to ${to} allowed: not isolated for ingress`;

describe("isolation and policyTypes", () => {
  const a = pod("a/client", { app: "client" });
  const b = pod("b/server", { app: "server" });
  const namespaces = [ns("a"), ns("b")];

  test("1. without policies every pod is non-isolated both ways", () => {
    const w = world(namespaces, [a, b], []);
    expect(check(w, a, b, 80)).toEqual(allow(`${OPEN_EGRESS("a/client")}; ${OPEN_INGRESS("b/server")}`));
  });

  test("2. a policy isolates only pods of its own namespace", () => {
    const w = world(namespaces, [a, b], [policy("a/deny-all", { podSelector: {}, policyTypes: ["Ingress"] })]);
    expect(check(w, a, b, 80)).toEqual(allow(`${OPEN_EGRESS("a/client")}; ${OPEN_INGRESS("b/server")}`));
    expect(check(w, b, a, 80)).toEqual(
      deny(
        `${OPEN_EGRESS("b/server")}; ingress to a/client denied: isolated by a/deny-all, no ingress rule allows 80/TCP from b/server`,
      ),
    );
  });

  test("3. a policy isolates only the pods its podSelector matches", () => {
    const w = world(
      namespaces,
      [a, b],
      [policy("b/deny-db", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"] })],
    );
    expect(check(w, a, b, 80)).toEqual(allow(`${OPEN_EGRESS("a/client")}; ${OPEN_INGRESS("b/server")}`));
  });

  test("4. policyTypes omitted without egress rules isolates for ingress only", () => {
    const w = world(namespaces, [a, b], [policy("b/deny", { podSelector: {} })]);
    expect(check(w, a, b, 80)).toEqual(
      deny(
        `${OPEN_EGRESS("a/client")}; ingress to b/server denied: isolated by b/deny, no ingress rule allows 80/TCP from a/client`,
      ),
    );
    expect(check(w, b, a, 80)).toEqual(allow(`${OPEN_EGRESS("b/server")}; ${OPEN_INGRESS("a/client")}`));
  });

  test("5. policyTypes omitted with egress rules isolates for egress too", () => {
    const w = world(
      namespaces,
      [a, b],
      [policy("a/only-db", { podSelector: {}, egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] })],
    );
    expect(check(w, a, b, 80)).toEqual(
      deny(
        `egress from a/client denied: isolated by a/only-db, no egress rule allows 80/TCP to b/server; ${OPEN_INGRESS("b/server")}`,
      ),
    );
    // ...and for ingress, which it always covers: no ingress rules, so nothing comes in.
    expect(check(w, b, a, 80)).toEqual(
      deny(
        `${OPEN_EGRESS("b/server")}; ingress to a/client denied: isolated by a/only-db, no ingress rule allows 80/TCP from b/server`,
      ),
    );
  });

  test("6. policyTypes omitted with `egress: []` does not isolate for egress (no egress rules)", () => {
    const w = world(namespaces, [a, b], [policy("a/empty-egress", { podSelector: {}, egress: [] })]);
    expect(check(w, a, b, 80)).toEqual(allow(`${OPEN_EGRESS("a/client")}; ${OPEN_INGRESS("b/server")}`));
  });

  test("7. ingress rules of a policy whose policyTypes is [Egress] are ignored", () => {
    const w = world(
      namespaces,
      [a, b],
      [
        policy("b/egress-only", {
          podSelector: {},
          policyTypes: ["Egress"],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: "nobody" } } }] }],
        }),
      ],
    );
    expect(check(w, a, b, 80)).toEqual(allow(`${OPEN_EGRESS("a/client")}; ${OPEN_INGRESS("b/server")}`));
    expect(check(w, b, a, 80)).toEqual(
      deny(
        `egress from b/server denied: isolated by b/egress-only, no egress rule allows 80/TCP to a/client; ${OPEN_INGRESS("a/client")}`,
      ),
    );
  });

  test("8. `ingress: []` and a missing ingress both deny all ingress", () => {
    for (const spec of [
      { podSelector: {}, policyTypes: ["Ingress"], ingress: [] },
      { podSelector: {}, policyTypes: ["Ingress"] },
    ]) {
      const w = world(namespaces, [a, b], [policy("b/deny", spec)]);
      expect(check(w, a, b, 80)).toEqual(
        deny(
          `${OPEN_EGRESS("a/client")}; ingress to b/server denied: isolated by b/deny, no ingress rule allows 80/TCP from a/client`,
        ),
      );
    }
  });

  test("9. `ingress: [{}]` allows all ingress; `from: []` is the same as no `from`", () => {
    for (const ingress of [[{}], [{ from: [] }], [{ from: null }]]) {
      const w = world(namespaces, [a, b], [policy("b/allow-all", { podSelector: {}, ingress })]);
      expect(check(w, a, b, 80)).toEqual(
        allow(`${OPEN_EGRESS("a/client")}; ingress to b/server allowed by b/allow-all rule 1`),
      );
      expect(check(w, external("internet", "203.0.113.9"), b, 80)).toEqual(
        allow("ingress to b/server allowed by b/allow-all rule 1"),
      );
    }
  });

  test("10. `egress: []` with Egress denies all egress; `egress: [{}]` and `to: []` allow all", () => {
    const denied = world(
      namespaces,
      [a, b],
      [policy("a/deny", { podSelector: {}, policyTypes: ["Egress"], egress: [] })],
    );
    expect(check(denied, a, b, 80)).toEqual(
      deny(
        `egress from a/client denied: isolated by a/deny, no egress rule allows 80/TCP to b/server; ${OPEN_INGRESS("b/server")}`,
      ),
    );
    for (const egress of [[{}], [{ to: [] }]]) {
      const w = world(namespaces, [a, b], [policy("a/allow", { podSelector: {}, policyTypes: ["Egress"], egress })]);
      expect(check(w, a, b, 80)).toEqual(
        allow(`egress from a/client allowed by a/allow rule 1; ${OPEN_INGRESS("b/server")}`),
      );
      expect(check(w, a, external("internet", "198.51.100.1"), 443)).toEqual(
        allow("egress from a/client allowed by a/allow rule 1"),
      );
    }
  });

  test("11. allowed traffic is the union of all policies selecting the pod; the first allowing rule is named", () => {
    const w = world(
      namespaces,
      [a, b],
      [
        policy("b/deny-all", { podSelector: {}, policyTypes: ["Ingress"] }),
        policy("b/allow-client", {
          podSelector: { matchLabels: { app: "server" } },
          ingress: [
            { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "nobody" } } }] },
            { from: [{ namespaceSelector: {} }], ports: [{ port: 80 }] },
          ],
        }),
      ],
    );
    expect(check(w, a, b, 80)).toEqual(
      allow(`${OPEN_EGRESS("a/client")}; ingress to b/server allowed by b/allow-client rule 2`),
    );
    expect(w.engine.judge(a, b, 80, "TCP").ingress).toEqual({
      direction: "ingress",
      endpoint: "b/server",
      isolatedBy: ["b/allow-client", "b/deny-all"],
      allowed: true,
      allowedBy: { policy: "b/allow-client", rule: 2 },
      reason: "ingress to b/server allowed by b/allow-client rule 2",
    });
    expect(check(w, a, b, 443)).toEqual(
      deny(
        `${OPEN_EGRESS("a/client")}; ingress to b/server denied: isolated by b/allow-client, b/deny-all, no ingress rule allows 443/TCP from a/client`,
      ),
    );
  });

  test("12. a connection needs egress at the source and ingress at the destination; both denials are reported", () => {
    const w = world(
      namespaces,
      [a, b],
      [
        policy("a/deny-egress", { podSelector: {}, policyTypes: ["Egress"] }),
        policy("b/deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] }),
      ],
    );
    expect(check(w, a, b, 80)).toEqual(
      deny(
        "egress from a/client denied: isolated by a/deny-egress, no egress rule allows 80/TCP to b/server; " +
          "ingress to b/server denied: isolated by b/deny-ingress, no ingress rule allows 80/TCP from a/client",
      ),
    );
    const verdict = w.engine.judge(a, b, 80, "TCP");
    expect([verdict.egress?.allowed, verdict.ingress?.allowed]).toEqual([false, false]);
  });

  test("13. replies flow: B with default-deny egress still answers A's allowed connection", () => {
    const w = world(namespaces, [a, b], [policy("b/deny-egress", { podSelector: {}, policyTypes: ["Egress"] })]);
    const verdict = w.engine.judge(a, b, 80, "TCP");
    expect(verdict).toMatchObject({
      allowed: true,
      repliesAllowed: true,
      reason: `${OPEN_EGRESS("a/client")}; ${OPEN_INGRESS("b/server")}`,
    });
    // B opening a connection of its own is another matter.
    expect(check(w, b, a, 80)).toEqual(
      deny(
        `egress from b/server denied: isolated by b/deny-egress, no egress rule allows 80/TCP to a/client; ${OPEN_INGRESS("a/client")}`,
      ),
    );
    expect(w.engine.judge(b, a, 80, "TCP").repliesAllowed).toBe(false);
  });

  test("14. a pod reaching itself is left to the network plugin, even when isolated both ways: a self cell, no verdict", () => {
    const w = world(
      namespaces,
      [a, b],
      [policy("a/deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })],
    );
    const reason =
      "a/client to itself: left to the network plugin (Kubernetes does not say whether NetworkPolicies apply to a pod's traffic to its own address)";
    expect(check(w, a, a, 80)).toEqual(allow(reason));
    expect(w.engine.judge(a, a, 80, "TCP")).toMatchObject({ self: true, egress: null, ingress: null });
    expect(w.engine.truthTable([a]).find((e) => e.to === "a/client")).toEqual({
      from: "a/client",
      to: "a/client",
      port: 80,
      protocol: "TCP",
      self: true,
      reason,
    });
  });

  test("15. to an external destination only the source's egress counts", () => {
    const internet = external("internet", "198.51.100.7");
    expect(check(world(namespaces, [a, b], []), a, internet, 443)).toEqual(allow(OPEN_EGRESS("a/client")));
    const w = world(
      namespaces,
      [a, b],
      [policy("a/deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })],
    );
    expect(check(w, a, internet, 443)).toEqual(
      deny("egress from a/client denied: isolated by a/deny-all, no egress rule allows 443/TCP to external:internet"),
    );
    expect(w.engine.judge(a, internet, 443, "TCP").ingress).toBeNull();
  });

  test("16. from an external source only the destination's ingress counts", () => {
    const w = world(namespaces, [a, b], [policy("b/deny", { podSelector: {}, policyTypes: ["Ingress"] })]);
    expect(check(w, external("internet", "198.51.100.7"), b, 80)).toEqual(
      deny("ingress to b/server denied: isolated by b/deny, no ingress rule allows 80/TCP from external:internet"),
    );
    expect(check(w, external("internet", "198.51.100.7"), a, 80)).toEqual(allow(OPEN_INGRESS("a/client")));
  });
});

describe("peers", () => {
  const namespaces = [
    ns("app", { tier: "app" }),
    ns("data", { tier: "data" }),
    ns("other", { tier: "app", team: "ops" }),
  ];
  const mysql = pod("data/mysql", { app: "mysql" }, { ports: [tcp(3306)] });
  const pma = pod("app/phpmyadmin", { app: "phpmyadmin" });
  const intruder = pod("app/intruder", { run: "nginx" });
  const pmaElsewhere = pod("other/phpmyadmin", { app: "phpmyadmin" });
  const pmaInDefault = pod("default/phpmyadmin", { app: "phpmyadmin" });
  const dataPeer = pod("data/backup", { app: "phpmyadmin" });
  const everyone = [mysql, pma, intruder, pmaElsewhere, pmaInDefault, dataPeer];

  function only(from: object[]): World {
    return world(namespaces, everyone, [
      policy("data/allow", { podSelector: { matchLabels: { app: "mysql" } }, ingress: [{ from }] }),
    ]);
  }
  const allowed = (from: string) => allow(`${OPEN_EGRESS(from)}; ingress to data/mysql allowed by data/allow rule 1`);
  const denied = (from: string) =>
    deny(
      `${OPEN_EGRESS(from)}; ingress to data/mysql denied: isolated by data/allow, no ingress rule allows 3306/TCP from ${from}`,
    );
  const verdicts = (w: World) =>
    Object.fromEntries(
      everyone
        .filter((e) => e !== mysql)
        .map((e) => [
          (e as { pod: PodInfo }).pod.namespace + "/" + (e as { pod: PodInfo }).pod.name,
          check(w, e, mysql, 3306).allowed,
        ]),
    );

  test("17. a podSelector alone selects pods of the policy's own namespace", () => {
    const w = only([{ podSelector: { matchLabels: { app: "phpmyadmin" } } }]);
    expect(check(w, dataPeer, mysql, 3306)).toEqual(allowed("data/backup"));
    expect(check(w, pma, mysql, 3306)).toEqual(denied("app/phpmyadmin"));
    expect(verdicts(w)).toEqual({
      "app/phpmyadmin": false,
      "app/intruder": false,
      "other/phpmyadmin": false,
      "default/phpmyadmin": false,
      "data/backup": true,
    });
  });

  test("18. a namespaceSelector alone selects every pod of the matching namespaces", () => {
    const w = only([{ namespaceSelector: { matchLabels: { tier: "app" } } }]);
    expect(check(w, intruder, mysql, 3306)).toEqual(allowed("app/intruder"));
    expect(verdicts(w)).toEqual({
      "app/phpmyadmin": true,
      "app/intruder": true,
      "other/phpmyadmin": true,
      "default/phpmyadmin": false,
      "data/backup": false,
    });
  });

  test("19. namespaceSelector and podSelector in one peer must both match (AND)", () => {
    const w = only([
      { namespaceSelector: { matchLabels: { tier: "app" } }, podSelector: { matchLabels: { app: "phpmyadmin" } } },
    ]);
    expect(check(w, pma, mysql, 3306)).toEqual(allowed("app/phpmyadmin"));
    expect(check(w, intruder, mysql, 3306)).toEqual(denied("app/intruder"));
    expect(verdicts(w)).toEqual({
      "app/phpmyadmin": true,
      "app/intruder": false,
      "other/phpmyadmin": true,
      "default/phpmyadmin": false,
      "data/backup": false,
    });
  });

  test("20. separate peers in one rule are alternatives (OR)", () => {
    const w = only([
      { namespaceSelector: { matchLabels: { tier: "app" } } },
      { podSelector: { matchLabels: { app: "phpmyadmin" } } },
    ]);
    expect(verdicts(w)).toEqual({
      "app/phpmyadmin": true,
      "app/intruder": true,
      "other/phpmyadmin": true,
      "default/phpmyadmin": false,
      "data/backup": true,
    });
  });

  test("21. empty selectors: podSelector {} is every pod of the namespace, namespaceSelector {} every pod everywhere", () => {
    expect(verdicts(only([{ podSelector: {} }]))).toEqual({
      "app/phpmyadmin": false,
      "app/intruder": false,
      "other/phpmyadmin": false,
      "default/phpmyadmin": false,
      "data/backup": true,
    });
    for (const peer of [{ namespaceSelector: {} }, { namespaceSelector: {}, podSelector: {} }]) {
      expect(verdicts(only([peer]))).toEqual({
        "app/phpmyadmin": true,
        "app/intruder": true,
        "other/phpmyadmin": true,
        "default/phpmyadmin": true,
        "data/backup": true,
      });
    }
    // Selectors never match addresses outside the cluster.
    expect(check(only([{ namespaceSelector: {} }]), external("internet", "203.0.113.1"), mysql, 3306)).toEqual(
      deny(
        "ingress to data/mysql denied: isolated by data/allow, no ingress rule allows 3306/TCP from external:internet",
      ),
    );
  });

  test("22. matchExpressions: In, NotIn (true when the key is absent), Exists, DoesNotExist (true when absent)", () => {
    const expr = (key: string, operator: string, values?: string[]) => [
      { namespaceSelector: {}, podSelector: { matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] } },
    ];
    expect(verdicts(only(expr("app", "In", ["phpmyadmin", "other"])))).toEqual({
      "app/phpmyadmin": true,
      "app/intruder": false,
      "other/phpmyadmin": true,
      "default/phpmyadmin": true,
      "data/backup": true,
    });
    expect(verdicts(only(expr("app", "NotIn", ["phpmyadmin"])))).toEqual({
      "app/phpmyadmin": false,
      "app/intruder": true,
      "other/phpmyadmin": false,
      "default/phpmyadmin": false,
      "data/backup": false,
    });
    expect(verdicts(only(expr("run", "Exists")))).toEqual({
      "app/phpmyadmin": false,
      "app/intruder": true,
      "other/phpmyadmin": false,
      "default/phpmyadmin": false,
      "data/backup": false,
    });
    expect(verdicts(only(expr("app", "DoesNotExist")))).toEqual({
      "app/phpmyadmin": false,
      "app/intruder": true,
      "other/phpmyadmin": false,
      "default/phpmyadmin": false,
      "data/backup": false,
    });
    expect(check(only(expr("app", "NotIn", ["phpmyadmin"])), intruder, mysql, 3306)).toEqual(allowed("app/intruder"));
  });

  test("23. matchLabels and matchExpressions in one selector are ANDed", () => {
    const w = only([
      {
        namespaceSelector: {
          matchLabels: { tier: "app" },
          matchExpressions: [{ key: "team", operator: "DoesNotExist" }],
        },
      },
    ]);
    expect(verdicts(w)).toEqual({
      "app/phpmyadmin": true,
      "app/intruder": true,
      "other/phpmyadmin": false,
      "default/phpmyadmin": false,
      "data/backup": false,
    });
  });

  test("24. every namespace carries kubernetes.io/metadata.name, set to its name whatever the input says", () => {
    const spoofed = [ns("app", { tier: "app", "kubernetes.io/metadata.name": "data" }), ...namespaces.slice(1)];
    const w = world(spoofed, everyone, [
      policy("data/allow", {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "other" } } }] }],
      }),
    ]);
    expect(check(w, pmaElsewhere, mysql, 3306)).toEqual(allowed("other/phpmyadmin"));
    const byName = world(spoofed, everyone, [
      policy("data/allow", {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }] }],
      }),
    ]);
    expect(check(byName, pma, mysql, 3306)).toEqual(denied("app/phpmyadmin"));
  });

  test("25. a namespace missing from the input has only its name label", () => {
    const byName = only([
      {
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["default"] }],
        },
      },
    ]);
    expect(check(byName, pmaInDefault, mysql, 3306)).toEqual(allowed("default/phpmyadmin"));
    const byLabel = only([
      { namespaceSelector: { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["data"] }] } },
    ]);
    expect(check(byLabel, pmaInDefault, mysql, 3306)).toEqual(allowed("default/phpmyadmin"));
    const byTier = only([{ namespaceSelector: { matchExpressions: [{ key: "tier", operator: "Exists" }] } }]);
    expect(check(byTier, pmaInDefault, mysql, 3306)).toEqual(denied("default/phpmyadmin"));
  });
});

describe("ports", () => {
  const namespaces = [ns("a"), ns("b")];
  const client = pod("a/client", {}, { ports: [tcp(9000, "web")] });
  const server = pod(
    "b/server",
    { app: "server" },
    {
      ports: [
        tcp(80),
        tcp(8080, "web"),
        udp(53, "dns"),
        tcp(53, "dns-tcp"),
        { name: "sig", port: 3868, protocol: "SCTP" },
      ],
    },
  );
  const ingressOn = (ports: object[] | undefined) =>
    world(
      namespaces,
      [client, server],
      [policy("b/ports", { podSelector: {}, ingress: [{ ...(ports ? { ports } : {}) }] })],
    );
  const egressOn = (ports: object[]) =>
    world(
      namespaces,
      [client, server],
      [policy("a/ports", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports }] })],
    );
  const inAllowed = allow(`${OPEN_EGRESS("a/client")}; ingress to b/server allowed by b/ports rule 1`);
  const inDenied = (port: string) =>
    deny(
      `${OPEN_EGRESS("a/client")}; ingress to b/server denied: isolated by b/ports, no ingress rule allows ${port} from a/client`,
    );
  const outAllowed = (to = "b/server") =>
    allow(`egress from a/client allowed by a/ports rule 1${to === "b/server" ? `; ${OPEN_INGRESS(to)}` : ""}`);
  const outDenied = (port: string, to = "b/server") =>
    deny(
      `egress from a/client denied: isolated by a/ports, no egress rule allows ${port} to ${to}${to === "b/server" ? `; ${OPEN_INGRESS(to)}` : ""}`,
    );

  test("26. a numeric port allows that port only", () => {
    const w = ingressOn([{ protocol: "TCP", port: 80 }]);
    expect(check(w, client, server, 80)).toEqual(inAllowed);
    expect(check(w, client, server, 8080)).toEqual(inDenied("8080/TCP"));
  });

  test("27. protocol defaults to TCP", () => {
    const w = ingressOn([{ port: 53 }]);
    expect(check(w, client, server, 53, "TCP")).toEqual(inAllowed);
    expect(check(w, client, server, 53, "UDP")).toEqual(inDenied("53/UDP"));
  });

  test("28. a port entry with only a protocol allows every port of that protocol", () => {
    const w = ingressOn([{ protocol: "UDP" }]);
    expect(check(w, client, server, 53, "UDP")).toEqual(inAllowed);
    expect(check(w, client, server, 5353, "UDP")).toEqual(inAllowed);
    expect(check(w, client, server, 53, "TCP")).toEqual(inDenied("53/TCP"));
  });

  test("29. endPort makes an inclusive range", () => {
    const w = ingressOn([{ port: 8000, endPort: 8080 }]);
    expect(check(w, client, server, 8000)).toEqual(inAllowed);
    expect(check(w, client, server, 8080)).toEqual(inAllowed);
    expect(check(w, client, server, 7999)).toEqual(inDenied("7999/TCP"));
    expect(check(w, client, server, 8081)).toEqual(inDenied("8081/TCP"));
  });

  test("30. ports omitted or [] allow every port of every protocol, SCTP included", () => {
    for (const w of [ingressOn(undefined), ingressOn([])]) {
      expect(check(w, client, server, 3868, "SCTP")).toEqual(inAllowed);
      expect(check(w, client, server, 53, "UDP")).toEqual(inAllowed);
      expect(check(w, client, server, 12345, "TCP")).toEqual(inAllowed);
    }
  });

  test("31. SCTP is its own protocol", () => {
    const w = ingressOn([{ protocol: "SCTP", port: 3868 }]);
    expect(check(w, client, server, 3868, "SCTP")).toEqual(inAllowed);
    expect(check(w, client, server, 3868, "TCP")).toEqual(inDenied("3868/TCP"));
  });

  test("32. an ingress named port resolves against the destination pod's container ports", () => {
    const w = ingressOn([{ port: "web" }]);
    expect(check(w, client, server, 8080)).toEqual(inAllowed);
    // The client's own port named web (9000) plays no part.
    expect(check(w, client, server, 9000)).toEqual(inDenied("9000/TCP"));
  });

  test("33. an egress named port resolves against the destination pod, not the source", () => {
    const w = egressOn([{ port: "web" }]);
    expect(check(w, client, server, 8080)).toEqual(outAllowed());
    expect(check(w, client, server, 9000)).toEqual(outDenied("9000/TCP"));
  });

  test("34. a named port needs the name and the protocol to match; an unknown name matches nothing", () => {
    expect(check(ingressOn([{ port: "dns" }]), client, server, 53, "UDP")).toEqual(inDenied("53/UDP"));
    expect(check(ingressOn([{ protocol: "UDP", port: "dns" }]), client, server, 53, "UDP")).toEqual(inAllowed);
    // dns-tcp is 53/TCP: a UDP entry naming it does not open 53/UDP.
    expect(check(ingressOn([{ protocol: "UDP", port: "dns-tcp" }]), client, server, 53, "UDP")).toEqual(
      inDenied("53/UDP"),
    );
    expect(check(ingressOn([{ port: "no-such-port" }]), client, server, 80)).toEqual(inDenied("80/TCP"));
  });

  test("35. a named port never matches an external address", () => {
    const w = egressOn([{ port: "web" }]);
    const outside = external("internet", "203.0.113.5");
    expect(check(w, client, outside, 8080)).toEqual(outDenied("8080/TCP", "external:internet"));
    expect(check(egressOn([{ port: 8080 }]), client, outside, 8080)).toEqual(outAllowed("external:internet"));
  });
});

describe("ipBlock", () => {
  const namespaces = [ns("a"), ns("b")];
  const server = pod("b/server", {}, { ip: "10.1.0.10" });
  const knownPod = pod("a/known", {}, { ip: "10.0.5.7" });
  const excludedPod = pod("a/excluded", {}, { ip: "10.0.1.7" });
  const anonymousPod = pod("a/anonymous");
  const v6Pod = pod("a/v6", {}, { ip: "2001:db8:1::7" });
  const all = [server, knownPod, excludedPod, anonymousPod, v6Pod];
  const fromBlocks = (...blocks: object[]) =>
    world(namespaces, all, [
      policy("b/cidr", { podSelector: {}, ingress: [{ from: blocks.map((ipBlock) => ({ ipBlock })) }] }),
    ]);
  const inAllowed = (from: string, withEgress = true) =>
    allow(`${withEgress ? `${OPEN_EGRESS(from)}; ` : ""}ingress to b/server allowed by b/cidr rule 1`);
  const inDenied = (from: string, withEgress = true) =>
    deny(
      `${withEgress ? `${OPEN_EGRESS(from)}; ` : ""}ingress to b/server denied: isolated by b/cidr, no ingress rule allows 80/TCP from ${from}`,
    );

  test("36. an ipBlock matches external addresses in its cidr and not in its except", () => {
    const w = fromBlocks({ cidr: "192.0.2.0/24", except: ["192.0.2.128/25"] });
    expect(check(w, external("office", "192.0.2.10"), server, 80)).toEqual(inAllowed("external:office", false));
    expect(check(w, external("guest", "192.0.2.200"), server, 80)).toEqual(inDenied("external:guest", false));
    expect(check(w, external("internet", "198.51.100.1"), server, 80)).toEqual(inDenied("external:internet", false));
  });

  test("37. an ipBlock matches pods by their address when it is known, never pods without one", () => {
    const w = fromBlocks({ cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] });
    expect(check(w, knownPod, server, 80)).toEqual(inAllowed("a/known"));
    expect(check(w, excludedPod, server, 80)).toEqual(inDenied("a/excluded"));
    expect(check(w, anonymousPod, server, 80)).toEqual(inDenied("a/anonymous"));
  });

  test("38. IPv6 cidrs and excepts; an IPv4 block never matches an IPv6 address", () => {
    const w = fromBlocks({ cidr: "2001:db8::/32", except: ["2001:db8:ffff::/48"] });
    expect(check(w, v6Pod, server, 80)).toEqual(inAllowed("a/v6"));
    expect(check(w, external("v6-out", "2001:db8:ffff::1"), server, 80)).toEqual(inDenied("external:v6-out", false));
    expect(check(w, knownPod, server, 80)).toEqual(inDenied("a/known"));
    expect(check(fromBlocks({ cidr: "0.0.0.0/0" }), v6Pod, server, 80)).toEqual(inDenied("a/v6"));
    expect(check(fromBlocks({ cidr: "::/0" }), external("v4", "203.0.113.1"), server, 80)).toEqual(
      inDenied("external:v4", false),
    );
  });

  test("39. egress to the internet but not to private ranges", () => {
    const w = world(namespaces, all, [
      policy("a/internet-only", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] }],
      }),
    ]);
    expect(check(w, knownPod, external("internet", "93.184.216.34"), 443)).toEqual(
      allow("egress from a/known allowed by a/internet-only rule 1"),
    );
    expect(check(w, knownPod, external("corp", "10.200.0.1"), 443)).toEqual(
      deny("egress from a/known denied: isolated by a/internet-only, no egress rule allows 443/TCP to external:corp"),
    );
    expect(check(w, knownPod, server, 80)).toEqual(
      deny(
        `egress from a/known denied: isolated by a/internet-only, no egress rule allows 80/TCP to b/server; ${OPEN_INGRESS("b/server")}`,
      ),
    );
  });
});
