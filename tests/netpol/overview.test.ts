/**
 * The overview counts per class pair; here every figure is recounted pod by pod from the naive
 * evaluator's verdicts on generated clusters, and a small cluster is checked by hand.
 */
import { Endpoint, NetworkPolicyEngine, PodInfo } from "../../verifier/netpol";
import { partitionPods } from "../../verifier/netpol/classes";
import { generateCluster } from "../../bench/generate";
import { buildModel } from "../../verifier/netpol/model";
import { naiveJudge } from "../../verifier/netpol/naive";

const distinctPorts = (pod: PodInfo) => [
  ...new Map(pod.ports.map((p) => [`${p.port}/${p.protocol}`, { port: p.port, protocol: p.protocol }])).values(),
];
const id = (pod: PodInfo) => `${pod.namespace}/${pod.name}`;

describe("overview against a pod-by-pod recount", () => {
  test.each([3, 11, 19])("seed %i", (seed) => {
    const cluster = generateCluster({ seed, namespaces: 5, podsPerNamespace: 20, policies: 25, replicas: 4 });
    const model = buildModel(cluster);
    const classOf = new Map<string, number>();
    partitionPods(model).members.forEach((members, c) => members.forEach((i) => classOf.set(id(model.pods[i]), c)));
    const classes = new Set(classOf.values()).size;
    const pairs = { total: 0, open: 0, partlyOpen: 0, isolated: 0, unjudged: 0 };
    const cells = { allowed: 0, denied: 0 };
    const outgoing = Array.from({ length: classes }, () => ({ allowed: 0, total: 0 }));
    const incoming = Array.from({ length: classes }, () => ({ allowed: 0, total: 0 }));
    const decided = new Map(model.policies.map((p) => [p.key, { allowed: 0, denied: 0 }]));
    for (const from of model.pods) {
      for (const to of model.pods) {
        if (from === to) continue;
        pairs.total++;
        const ports = distinctPorts(to);
        if (ports.length === 0) {
          pairs.unjudged++;
          continue;
        }
        let open = 0;
        for (const { port, protocol } of ports) {
          const verdict = naiveJudge(model, { kind: "pod", pod: from }, { kind: "pod", pod: to }, port, protocol);
          const share = (list: typeof outgoing, pod: PodInfo) => {
            list[classOf.get(id(pod))!].total++;
            if (verdict.allowed) list[classOf.get(id(pod))!].allowed++;
          };
          share(outgoing, from);
          share(incoming, to);
          if (verdict.allowed) {
            open++;
            cells.allowed++;
            for (const side of [verdict.egress, verdict.ingress]) {
              if (side?.allowedBy) decided.get(side.allowedBy.policy)!.allowed++;
            }
          } else {
            cells.denied++;
            for (const side of [verdict.egress, verdict.ingress]) {
              if (side && !side.allowed) for (const p of side.isolatedBy) decided.get(p)!.denied++;
            }
          }
        }
        if (open === ports.length) pairs.open++;
        else if (open === 0) pairs.isolated++;
        else pairs.partlyOpen++;
      }
    }
    const externals = cluster.externals.map((external) => {
      const source: Endpoint = { kind: "external", external };
      let allowed = 0;
      let total = 0;
      for (const to of model.pods) {
        for (const { port, protocol } of distinctPorts(to)) {
          total++;
          if (naiveJudge(model, source, { kind: "pod", pod: to }, port, protocol).allowed) allowed++;
        }
      }
      return { name: external.name, allowed, total };
    });

    const overview = new NetworkPolicyEngine(cluster).overview(cluster.externals);
    expect(overview.classes).toHaveLength(classes);
    expect(overview.podPairs).toEqual(pairs);
    expect(overview.cells).toEqual(cells);
    expect(overview.classes.map((c) => c.outgoing)).toEqual(outgoing);
    expect(overview.classes.map((c) => c.incoming)).toEqual(incoming);
    expect(overview.externals).toEqual(externals);
    const expectedPolicies = [...decided]
      .map(([policy, d]) => ({ policy, ...d }))
      .sort((x, y) => y.allowed + y.denied - (x.allowed + x.denied) || (x.policy < y.policy ? -1 : 1));
    expect(overview.policies).toEqual(expectedPolicies);
    // Meaningful only if there are classes of several pods and every kind of pair.
    expect(classes).toBeLessThan(model.pods.length);
    expect(pairs.open * pairs.isolated * pairs.partlyOpen).toBeGreaterThan(0);
  });
});

describe("overview of a small cluster, by hand", () => {
  test("three replicas, a database and a stray pod", () => {
    const web = (name: string, ip: string): PodInfo => ({
      namespace: "shop",
      name,
      labels: { app: "web", "pod-template-hash": "7d9f" },
      ip,
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    });
    const engine = new NetworkPolicyEngine({
      namespaces: [{ name: "shop", labels: {} }],
      pods: [
        web("web-1", "10.0.0.1"),
        web("web-2", "10.0.0.2"),
        web("web-3", "10.0.0.3"),
        {
          namespace: "shop",
          name: "db",
          labels: { app: "db" },
          ports: [
            { name: "mysql", port: 3306, protocol: "TCP" },
            { port: 33060, protocol: "TCP" },
          ],
        },
        { namespace: "shop", name: "debug", labels: { app: "debug" }, ports: [] },
      ],
      policies: [
        {
          metadata: { namespace: "shop", name: "db-from-web" },
          spec: {
            podSelector: { matchLabels: { app: "db" } },
            ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: "mysql" }] }],
          },
        },
      ],
    });
    const overview = engine.overview([{ name: "internet", ip: "203.0.113.9" }]);
    // Classes in the order of their first pod: db, debug, web-1.
    expect(overview.classes).toEqual([
      {
        id: "c1",
        namespace: "shop",
        labels: { app: "db" },
        // The rule names "mysql"; web's "http" is named by no rule.
        namedPorts: ["mysql/3306/TCP"],
        ipBlocks: [],
        pods: 1,
        examples: ["shop/db"],
        ingressIsolatedBy: ["shop/db-from-web"],
        egressIsolatedBy: [],
        // db to the 3 web pods' 8080: allowed (web is not isolated).
        outgoing: { allowed: 3, total: 3 },
        // From web ×3 and debug to 3306 and 33060: only web to 3306.
        incoming: { allowed: 3, total: 8 },
      },
      {
        id: "c2",
        namespace: "shop",
        labels: { app: "debug" },
        namedPorts: [],
        ipBlocks: [],
        pods: 1,
        examples: ["shop/debug"],
        ingressIsolatedBy: [],
        egressIsolatedBy: [],
        // To db's two ports (denied) and the web pods' 8080 (allowed).
        outgoing: { allowed: 3, total: 5 },
        incoming: { allowed: 0, total: 0 },
      },
      {
        id: "c3",
        namespace: "shop",
        labels: { app: "web" },
        namedPorts: [],
        ipBlocks: [],
        pods: 3,
        examples: ["shop/web-1", "shop/web-2", "shop/web-3"],
        ingressIsolatedBy: [],
        egressIsolatedBy: [],
        // Each web pod: to db 3306 (allowed) and 33060 (denied), to the two other web pods' 8080.
        outgoing: { allowed: 9, total: 12 },
        // From db, debug and the two other web pods, to each web pod.
        incoming: { allowed: 12, total: 12 },
      },
    ]);
    // 5 pods: 20 ordered pairs; the 4 towards debug are not judged (it declares no port).
    // To db: web ×3 partly open (3306 only), debug isolated. To web: 4 sources × 3, all open.
    expect(overview.podPairs).toEqual({ total: 20, open: 12, partlyOpen: 3, isolated: 1, unjudged: 4 });
    expect(overview.cells).toEqual({ allowed: 15, denied: 5 });
    expect(overview.externals).toEqual([{ name: "internet", allowed: 3, total: 5 }]);
    expect(overview.policies).toEqual([{ policy: "shop/db-from-web", allowed: 3, denied: 5 }]);
  });
});
