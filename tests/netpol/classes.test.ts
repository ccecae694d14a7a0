/**
 * Equivalence classes of pods: which pods share a class, and that the verdict of every pod pair
 * is its classes' verdict, checked against the naive evaluator and the per-pod engine on
 * generated clusters of replicated workloads.
 */
import {
  EngineInput,
  naiveTruthTable,
  NetworkPolicyEngine,
  NetworkPolicyObject,
  PodInfo,
  TableEntry,
} from "../../verifier/netpol";
import { partitionPods } from "../../verifier/netpol/classes";
import { clusterSources, generateCluster } from "../../bench/generate";
import { buildModel } from "../../verifier/netpol/model";

function pod(id: string, labels: Record<string, string>, extra: Partial<PodInfo> = {}): PodInfo {
  const [namespace, name] = id.split("/");
  return { namespace, name, labels, ports: [{ port: 8080, protocol: "TCP" }], ...extra };
}

function policy(id: string, spec: object): NetworkPolicyObject {
  const [namespace, name] = id.split("/");
  return { metadata: { namespace, name }, spec };
}

/** The classes as lists of pod names, in class order. */
function classesOf(input: Partial<EngineInput>): string[][] {
  const model = buildModel({ namespaces: [], pods: [], policies: [], ...input });
  return partitionPods(model).members.map((members) =>
    members.map((i) => `${model.pods[i].namespace}/${model.pods[i].name}`),
  );
}

describe("which pods share a class", () => {
  const onlyWeb = policy("shop/web-in", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: "api" } } }] }],
  });

  test("pods that differ only in a label no selector reads share a class", () => {
    expect(
      classesOf({
        pods: [
          pod("shop/web-1", { app: "web", "pod-template-hash": "7d9f" }),
          pod("shop/web-2", { app: "web", "pod-template-hash": "5c2a" }),
          pod("shop/web-3", { app: "web" }),
          pod("shop/api-1", { app: "api", "pod-template-hash": "7d9f" }),
        ],
        policies: [onlyWeb],
      }),
    ).toEqual([["shop/api-1"], ["shop/web-1", "shop/web-2", "shop/web-3"]]);
  });

  test("without any policy, the pods of a namespace are one class, and two namespaces are two", () => {
    expect(
      classesOf({
        pods: [pod("a/x", { app: "x" }), pod("a/y", { app: "y" }), pod("b/x", { app: "x" })],
      }),
    ).toEqual([["a/x", "a/y"], ["b/x"]]);
  });

  test("a label that a matchExpressions Exists reads splits them", () => {
    const canary = policy("shop/canary", {
      podSelector: { matchExpressions: [{ key: "canary", operator: "Exists" }] },
      policyTypes: ["Egress"],
    });
    const pods = [
      pod("shop/web-1", { app: "web" }),
      pod("shop/web-2", { app: "web", canary: "true" }),
      pod("shop/web-3", { app: "web", canary: "true" }),
    ];
    expect(classesOf({ pods })).toEqual([["shop/web-1", "shop/web-2", "shop/web-3"]]);
    expect(classesOf({ pods, policies: [canary] })).toEqual([["shop/web-1"], ["shop/web-2", "shop/web-3"]]);
  });

  test("a peer's podSelector splits only the namespaces its namespaceSelector reaches", () => {
    const fromTeamRed = policy("db/from-red-admins", {
      podSelector: {},
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { team: "red" } }, podSelector: { matchLabels: { role: "admin" } } },
          ],
        },
      ],
    });
    const pods = [
      pod("red/a", { role: "admin" }),
      pod("red/b", { role: "viewer" }),
      pod("blue/a", { role: "admin" }),
      pod("blue/b", { role: "viewer" }),
      pod("db/mysql", {}),
    ];
    const namespaces = [
      { name: "red", labels: { team: "red" } },
      { name: "blue", labels: { team: "blue" } },
    ];
    expect(classesOf({ namespaces, pods, policies: [fromTeamRed] })).toEqual([
      ["blue/a", "blue/b"],
      ["db/mysql"],
      ["red/a"],
      ["red/b"],
    ]);
  });

  test("a container port whose name a rule uses splits them; an unused name does not", () => {
    const byName = policy("shop/metrics", {
      podSelector: {},
      ingress: [{ ports: [{ port: "metrics" }] }],
    });
    const withPort = (id: string, port: number, name?: string) =>
      pod(id, { app: "web" }, { ports: [{ port, protocol: "TCP", ...(name ? { name } : {}) }] });
    expect(
      classesOf({
        pods: [
          withPort("shop/web-1", 9090, "metrics"),
          withPort("shop/web-2", 9090, "metrics"),
          withPort("shop/web-3", 9091, "metrics"),
          withPort("shop/web-4", 9090),
          withPort("shop/web-5", 9090, "prom"),
        ],
        policies: [byName],
      }),
    ).toEqual([["shop/web-1", "shop/web-2"], ["shop/web-3"], ["shop/web-4", "shop/web-5"]]);
  });

  test("an ipBlock's except range splits the pods whose address it holds", () => {
    const office = policy("db/office", {
      podSelector: {},
      ingress: [{ from: [{ ipBlock: { cidr: "10.1.0.0/16", except: ["10.1.2.0/24"] } }] }],
    });
    const at = (id: string, ip?: string) => pod(id, { app: "web" }, ip ? { ip } : {});
    expect(
      classesOf({
        pods: [
          at("web/a", "10.1.1.5"),
          at("web/b", "10.1.2.5"),
          at("web/c", "10.1.3.5"),
          at("web/d", "10.2.0.1"),
          at("web/e"),
          at("web/f", "10.1.2.200"),
        ],
        policies: [office],
      }),
    ).toEqual([
      ["web/a", "web/c"],
      ["web/b", "web/d", "web/e", "web/f"],
    ]);
  });
});

describe("the classes' verdicts are every pod's", () => {
  // Field by field, every field: a cell is flat, and 45,000 of them a seed made JSON.stringify the
  // file's main cost.
  const sameCell = (a: TableEntry, b: TableEntry) => {
    const keys = Object.keys(a) as (keyof TableEntry)[];
    return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
  };

  // Replicated workloads: six namespaces of 24 pods (addresses .0 to .23, which a /28 except cuts) in
  // workloads of up to five, 30 policies.
  test.each(Array.from({ length: 25 }, (_, i) => i + 1))(
    "seed %i: the table from classes equals the naive evaluator's and the per-pod engine's, cell for cell",
    (seed) => {
      const cluster = generateCluster({ seed, namespaces: 6, podsPerNamespace: 24, policies: 30, replicas: 5 });
      const sources = clusterSources(cluster);
      const engine = new NetworkPolicyEngine(cluster);
      const classes = engine.overview().classes.length;
      const table = engine.truthTable(sources);
      const perPod = new NetworkPolicyEngine(cluster, { perPod: true }).truthTable(sources);
      const naive = naiveTruthTable(cluster, sources);
      expect(table.length).toBe(naive.length);
      const firstDifference = table.findIndex((cell, i) => !sameCell(cell, naive[i]) || !sameCell(cell, perPod[i]));
      expect(
        firstDifference === -1
          ? null
          : { classes: table[firstDifference], naive: naive[firstDifference], perPod: perPod[firstDifference] },
      ).toBeNull();
      // The check means something only if pods do share classes, and verdicts vary.
      expect(classes).toBeLessThan(cluster.pods.length);
      expect(table.some((cell) => !cell.self && cell.allowed)).toBe(true);
      expect(table.some((cell) => !cell.self && !cell.allowed)).toBe(true);
    },
  );
});
