/**
 * The engine as a whole: the fast table against the naive one on generated clusters, judge()
 * against table cells, the table's order, and endpoints the engine was not built with.
 */
import { Endpoint, naiveTruthTable, NetworkPolicyEngine, PodInfo, TableEntry, tableEntry } from "../../verifier/netpol";
import { clusterSources, generateCluster } from "../../bench/generate";

describe("fast engine against the naive evaluator", () => {
  test.each([1, 2, 3])("generated cluster (seed %i): identical tables, every cell", (seed) => {
    const cluster = generateCluster({ seed, namespaces: 8, podsPerNamespace: 8, policies: 48 });
    const sources = clusterSources(cluster);
    const fast = new NetworkPolicyEngine(cluster).truthTable(sources);
    const naive = naiveTruthTable(cluster, sources);
    expect(fast.length).toBe(naive.length);
    // A first differing cell reads better than a diff of thousands of rows.
    const firstDifference = fast.findIndex((cell, i) => JSON.stringify(cell) !== JSON.stringify(naive[i]));
    expect(firstDifference === -1 ? null : { fast: fast[firstDifference], naive: naive[firstDifference] }).toBeNull();
    // The comparison means something only if the cluster exercises every kind of verdict.
    const seen = (fragment: string) => fast.some((cell) => cell.reason.includes(fragment));
    for (const fragment of [
      "no egress rule allows",
      "no ingress rule allows",
      "not isolated for egress",
      "not isolated for ingress",
      "to itself: left to the network plugin",
    ]) {
      expect([fragment, seen(fragment)]).toEqual([fragment, true]);
    }
    expect(fast.some((cell) => / allowed by \S+ rule 2/.test(cell.reason))).toBe(true);
    expect(fast.some((cell) => cell.from.startsWith("external:") && !cell.self && cell.allowed)).toBe(true);
    expect(fast.some((cell) => cell.from.startsWith("external:") && !cell.self && !cell.allowed)).toBe(true);
  });

  test("judge() gives the table's verdict for sampled cells", () => {
    const cluster = generateCluster({ seed: 7, namespaces: 6, podsPerNamespace: 6, policies: 30 });
    const sources = clusterSources(cluster);
    const engine = new NetworkPolicyEngine(cluster);
    const table = engine.truthTable(sources);
    const pods = new Map(cluster.pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
    const byName = new Map(
      sources.map((s) => [s.kind === "pod" ? `${s.pod.namespace}/${s.pod.name}` : `external:${s.external.name}`, s]),
    );
    for (let i = 0; i < table.length; i += 7) {
      const cell = table[i];
      const verdict = engine.judge(
        byName.get(cell.from)!,
        { kind: "pod", pod: pods.get(cell.to)! },
        cell.port,
        cell.protocol,
      );
      expect(tableEntry(verdict)).toEqual(cell);
    }
  });
});

describe("truth table shape", () => {
  const pod = (namespace: string, name: string, ports: PodInfo["ports"]): PodInfo => ({
    namespace,
    name,
    labels: { app: name },
    ports,
  });
  const web = pod("b", "web", [
    { port: 80, protocol: "TCP" },
    { name: "http", port: 80, protocol: "TCP" },
    { port: 80, protocol: "UDP" },
  ]);
  const db = pod("a", "db", [{ port: 5432, protocol: "TCP" }]);
  const idle = pod("a", "idle", []);
  const denyB = { metadata: { namespace: "b", name: "deny" }, spec: { podSelector: {} } };
  const cells = (table: TableEntry[]) =>
    table.map((e) => `${e.from} ${e.to} ${e.port}/${e.protocol} ${e.self ? "self" : e.allowed ? "A" : "D"}`);

  test("sources in the given order, then pods by namespace/name, then each distinct declared port", () => {
    const engine = new NetworkPolicyEngine({ namespaces: [], pods: [web, idle, db], policies: [denyB] });
    const internet: Endpoint = { kind: "external", external: { name: "internet", ip: "203.0.113.1" } };
    expect(cells(engine.truthTable([{ kind: "pod", pod: web }, internet]))).toEqual([
      "b/web a/db 5432/TCP A",
      "b/web b/web 80/TCP self",
      "b/web b/web 80/UDP self",
      "external:internet a/db 5432/TCP A",
      "external:internet b/web 80/TCP D",
      "external:internet b/web 80/UDP D",
    ]);
  });

  test("the input order of pods and policies does not change the table", () => {
    const sources: Endpoint[] = [db, web, idle].map((p) => ({ kind: "pod", pod: p }));
    const allowDb = {
      metadata: { namespace: "b", name: "allow-db" },
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] },
    };
    const one = new NetworkPolicyEngine({
      namespaces: [],
      pods: [web, idle, db],
      policies: [denyB, allowDb],
    }).truthTable(sources);
    const two = new NetworkPolicyEngine({
      namespaces: [],
      pods: [db, web, idle],
      policies: [allowDb, denyB],
    }).truthTable(sources);
    expect(two).toEqual(one);
    expect(one[1].reason).toBe(
      "egress from a/db allowed: not isolated for egress; ingress to b/web allowed by b/allow-db rule 1",
    );
  });

  test("a source pod the engine does not know is judged by its own labels; one it knows, by the engine's", () => {
    const allowApi = {
      metadata: { namespace: "b", name: "allow-api" },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "api" } } }] }],
      },
    };
    const engine = new NetworkPolicyEngine({ namespaces: [], pods: [web, db], policies: [allowApi] });
    const stranger: Endpoint = { kind: "pod", pod: pod("c", "api", []) };
    // Same name as a/db, other labels: the engine's a/db (app=db) is judged.
    const impostor: Endpoint = { kind: "pod", pod: { ...db, labels: { app: "api" } } };
    expect(engine.judge(stranger, { kind: "pod", pod: web }, 80, "TCP").reason).toBe(
      "egress from c/api allowed: not isolated for egress; ingress to b/web allowed by b/allow-api rule 1",
    );
    expect(engine.judge(impostor, { kind: "pod", pod: web }, 80, "TCP").reason).toBe(
      "egress from a/db allowed: not isolated for egress; ingress to b/web denied: isolated by b/allow-api, no ingress rule allows 80/TCP from a/db",
    );
    expect(cells(engine.truthTable([stranger, impostor]))).toEqual([
      "c/api a/db 5432/TCP A",
      "c/api b/web 80/TCP A",
      "c/api b/web 80/UDP A",
      "a/db a/db 5432/TCP self",
      "a/db b/web 80/TCP D",
      "a/db b/web 80/UDP D",
    ]);
    expect(naiveTruthTable({ namespaces: [], pods: [web, db], policies: [allowApi] }, [stranger, impostor])).toEqual(
      engine.truthTable([stranger, impostor]),
    );
  });

  test("an external with an invalid address is refused", () => {
    const engine = new NetworkPolicyEngine({ namespaces: [], pods: [web], policies: [] });
    expect(() =>
      engine.judge(
        { kind: "external", external: { name: "bad", ip: "300.1.1.1" } },
        { kind: "pod", pod: web },
        80,
        "TCP",
      ),
    ).toThrow(
      new Error(
        'invalid network policy input (1 problem):\n- external bad: ip "300.1.1.1" is not an IPv4 or IPv6 address',
      ),
    );
  });

  test("two externals: no pod, no policy", () => {
    const engine = new NetworkPolicyEngine({ namespaces: [], pods: [], policies: [] });
    const a: Endpoint = { kind: "external", external: { name: "a", ip: "192.0.2.1" } };
    const b: Endpoint = { kind: "external", external: { name: "b", ip: "192.0.2.2" } };
    expect(engine.judge(a, b, 443, "TCP")).toMatchObject({
      allowed: true,
      reason: "external:a to external:b: no pod at either end, no policy applies",
      egress: null,
      ingress: null,
    });
  });
});
