/**
 * Seeded synthetic clusters for the benchmarks and for the tests that check the fast engine against
 * the naive one (no product code uses them, so they live here, beside the benchmarks). The policies mix every form the API offers (selectors alone and combined, every
 * matchExpressions operator, ipBlocks with except in both families, named, numeric, ranged and
 * protocol-only ports, omitted policyTypes) so that agreement on them means something.
 */
import {
  ContainerPortInfo,
  Endpoint,
  EngineInput,
  ExternalPeer,
  NamespaceInfo,
  NetworkPolicyObject,
  PodInfo,
} from "../verifier/netpol/types";

export interface GenerateOptions {
  seed: number;
  namespaces: number;
  podsPerNamespace: number;
  policies: number;
  /**
   * Pods come in workloads of 1 to `replicas` pods (the last one of a namespace may be cut short):
   * the same labels and ports, plus a `pod-template-hash` label per workload that no policy reads,
   * and an address each, as a Deployment's replicas have. Defaults to 1: every pod drawn on its
   * own, the clusters earlier versions generated for the same seed.
   */
  replicas?: number;
}

export interface GeneratedCluster extends EngineInput {
  externals: ExternalPeer[];
}

/** mulberry32: tiny, fast and good enough to make varied but reproducible clusters. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPS = ["web", "api", "db", "cache", "queue", "auth", "metrics", "dns"];
const TIERS = ["front", "back", "data"];
const TEAMS = ["red", "blue", "green", "gold"];
const ENVS = ["prod", "staging", "dev"];
const PORT_CATALOGUE: ContainerPortInfo[] = [
  { name: "http", port: 80, protocol: "TCP" },
  { name: "https", port: 443, protocol: "TCP" },
  { name: "metrics", port: 9090, protocol: "TCP" },
  { name: "dns", port: 53, protocol: "UDP" },
  { name: "dns-tcp", port: 53, protocol: "TCP" },
  { name: "grpc", port: 50051, protocol: "TCP" },
  { name: "diameter", port: 3868, protocol: "SCTP" },
  { name: "mysql", port: 3306, protocol: "TCP" },
  { name: "syslog", port: 514, protocol: "UDP" },
  { port: 8080, protocol: "TCP" },
];

class Picker {
  constructor(readonly random: () => number) {}
  int(below: number): number {
    return Math.floor(this.random() * below);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  one<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  some<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(this.int(pool.length), 1)[0]);
    return chosen;
  }
}

const namespaceName = (n: number) => `ns-${String(n).padStart(2, "0")}`;

function makeNamespace(pick: Picker, n: number): NamespaceInfo {
  const labels: Record<string, string> = { team: pick.one(TEAMS) };
  if (pick.chance(0.8)) labels.env = pick.one(ENVS);
  if (pick.chance(0.2)) labels.pci = "true";
  return { name: namespaceName(n), labels };
}

/** A pod's labels and ports, shared by the replicas of a workload; its address family is drawn too. */
interface PodTemplate {
  labels: Record<string, string>;
  ports: ContainerPortInfo[];
  family: "ipv4" | "ipv6" | "none";
}

function makeTemplate(pick: Picker): PodTemplate {
  const labels: Record<string, string> = { app: pick.one(APPS), tier: pick.one(TIERS) };
  if (pick.chance(0.6)) labels.version = pick.one(["v1", "v2", "v3"]);
  if (pick.chance(0.1)) labels.role = "admin";
  const ports = pick.some(PORT_CATALOGUE, 1 + pick.int(3));
  const addressing = pick.random();
  return { labels, ports, family: addressing < 0.8 ? "ipv4" : addressing < 0.9 ? "ipv6" : "none" };
}

function makePod(template: PodTemplate, n: number, i: number, extraLabels: Record<string, string> = {}): PodInfo {
  const pod: PodInfo = {
    namespace: namespaceName(n),
    name: `pod-${i}`,
    labels: { ...template.labels, ...extraLabels },
    ports: template.ports,
  };
  if (template.family === "ipv4") pod.ip = `10.${n}.${i >> 8}.${i & 255}`;
  else if (template.family === "ipv6") pod.ip = `fd00:${n.toString(16)}::${i.toString(16)}`;
  return pod;
}

/**
 * The pods of namespace n, drawn one workload at a time. Replicas get their addresses in a
 * shuffled order (so that an ipBlock's except range cuts through workloads, as addresses handed
 * out over time do), and one in six declares one more port than its template (a rolling update
 * half done), which splits its class only when a rule names that port.
 */
function makePods(pick: Picker, n: number, count: number, replicas: number): PodInfo[] {
  const pods: PodInfo[] = [];
  const addresses = Array.from({ length: count }, (_, i) => i);
  if (replicas > 1) {
    for (let i = count - 1; i > 0; i--) {
      const j = pick.int(i + 1);
      [addresses[i], addresses[j]] = [addresses[j], addresses[i]];
    }
  }
  let template: PodTemplate | undefined;
  let left = 0;
  let workload = 0;
  for (let i = 0; i < count; i++) {
    if (left === 0) {
      template = makeTemplate(pick);
      // Only drawn for replicated clusters, so that `replicas: 1` keeps the earlier sequence.
      left = replicas > 1 ? 1 + pick.int(replicas) : 1;
      workload++;
    }
    if (replicas === 1) {
      pods.push(makePod(template!, n, i));
    } else {
      const extra = pick.chance(1 / 6) ? pick.one(PORT_CATALOGUE) : undefined;
      const ports =
        extra && !template!.ports.some((p) => p.port === extra.port && p.protocol === extra.protocol)
          ? [...template!.ports, extra]
          : template!.ports;
      const pod = makePod({ ...template!, ports }, n, addresses[i], { "pod-template-hash": `w${workload}` });
      pods.push({ ...pod, name: `pod-${i}` });
    }
    left--;
  }
  return pods;
}

function podSelector(pick: Picker): object {
  switch (pick.int(7)) {
    case 0:
      return {};
    case 1:
      return { matchLabels: { app: pick.one(APPS) } };
    case 2:
      return { matchLabels: { tier: pick.one(TIERS) }, matchExpressions: [{ key: "version", operator: "Exists" }] };
    case 3:
      return { matchExpressions: [{ key: "app", operator: "In", values: pick.some(APPS, 2) }] };
    case 4:
      return { matchExpressions: [{ key: "app", operator: "NotIn", values: pick.some(APPS, 3) }] };
    case 5:
      return { matchExpressions: [{ key: "version", operator: "DoesNotExist" }] };
    default:
      return { matchLabels: { role: "admin" } };
  }
}

function namespaceSelector(pick: Picker, namespaces: number): object {
  switch (pick.int(6)) {
    case 0:
      return {};
    case 1:
      return { matchLabels: { team: pick.one(TEAMS) } };
    case 2:
      return {
        matchExpressions: [
          {
            key: "kubernetes.io/metadata.name",
            operator: "In",
            values: [namespaceName(pick.int(namespaces)), namespaceName(pick.int(namespaces))],
          },
        ],
      };
    case 3:
      return { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] };
    case 4:
      return { matchExpressions: [{ key: "pci", operator: "DoesNotExist" }] };
    default:
      return { matchLabels: { env: pick.one(ENVS) }, matchExpressions: [{ key: "team", operator: "Exists" }] };
  }
}

function ipBlock(pick: Picker, namespaces: number): object {
  const n = pick.int(namespaces);
  switch (pick.int(4)) {
    case 0:
      return { ipBlock: { cidr: `10.${n}.0.0/16`, except: [`10.${n}.0.0/28`] } };
    case 1:
      return { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "192.168.0.0/16"] } };
    case 2:
      return { ipBlock: { cidr: `fd00:${n.toString(16)}::/32`, except: [`fd00:${n.toString(16)}::/124`] } };
    default:
      return { ipBlock: { cidr: `10.${n}.0.0/24` } };
  }
}

function peer(pick: Picker, namespaces: number): object {
  switch (pick.int(5)) {
    case 0:
      return { podSelector: podSelector(pick) };
    case 1:
      return { namespaceSelector: namespaceSelector(pick, namespaces) };
    case 2:
      return { namespaceSelector: namespaceSelector(pick, namespaces), podSelector: podSelector(pick) };
    case 3:
      return ipBlock(pick, namespaces);
    default:
      return pick.chance(0.5) ? { podSelector: {} } : { namespaceSelector: {} };
  }
}

function portEntry(pick: Picker): object {
  switch (pick.int(7)) {
    case 0:
      return { port: pick.one([80, 443, 3306, 8080]) };
    case 1:
      return { protocol: "TCP", port: pick.one(["http", "https", "metrics", "mysql", "no-such-port"]) };
    case 2:
      return { protocol: "UDP", port: pick.one(["dns", "syslog"]) };
    case 3:
      return { port: 8000, endPort: 9100 };
    case 4:
      return { protocol: pick.one(["UDP", "SCTP"] as const) };
    case 5:
      return { protocol: "SCTP", port: 3868 };
    default:
      return { protocol: "TCP", port: 1, endPort: 1024 };
  }
}

function rule(pick: Picker, peerField: "from" | "to", namespaces: number): object {
  const result: Record<string, unknown> = {};
  const peers = pick.int(4);
  if (peers > 0) result[peerField] = Array.from({ length: peers }, () => peer(pick, namespaces));
  else if (pick.chance(0.3)) result[peerField] = [];
  const ports = pick.int(3);
  if (ports > 0) result.ports = Array.from({ length: ports }, () => portEntry(pick));
  else if (pick.chance(0.3)) result.ports = [];
  return result;
}

function rules(pick: Picker, peerField: "from" | "to", namespaces: number): object[] {
  const shape = pick.random();
  if (shape < 0.1) return [];
  if (shape < 0.15) return [{}];
  return Array.from({ length: 1 + pick.int(3) }, () => rule(pick, peerField, namespaces));
}

function makePolicy(pick: Picker, k: number, namespaces: number): NetworkPolicyObject {
  // The last fifth of the namespaces gets no policy, so that some pods are not isolated at all.
  const namespace = namespaceName(k % Math.max(1, Math.floor(namespaces * 0.8)));
  const spec: Record<string, unknown> = { podSelector: pick.chance(0.25) ? {} : podSelector(pick) };
  switch (pick.int(5)) {
    case 0: // policyTypes omitted, ingress only
      spec.ingress = rules(pick, "from", namespaces);
      break;
    case 1: // policyTypes omitted, egress present: both directions
      spec.ingress = rules(pick, "from", namespaces);
      spec.egress = rules(pick, "to", namespaces);
      break;
    case 2:
      spec.policyTypes = ["Ingress"];
      if (pick.chance(0.8)) spec.ingress = rules(pick, "from", namespaces);
      break;
    case 3:
      spec.policyTypes = ["Egress"];
      if (pick.chance(0.8)) spec.egress = rules(pick, "to", namespaces);
      break;
    default:
      spec.policyTypes = ["Ingress", "Egress"];
      if (pick.chance(0.8)) spec.ingress = rules(pick, "from", namespaces);
      if (pick.chance(0.8)) spec.egress = rules(pick, "to", namespaces);
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { namespace, name: `policy-${k}` },
    spec,
  };
}

export function generateCluster(options: GenerateOptions): GeneratedCluster {
  const pick = new Picker(seededRandom(options.seed));
  const namespaces = Array.from({ length: options.namespaces }, (_, n) => makeNamespace(pick, n));
  const pods = namespaces.flatMap((_, n) => makePods(pick, n, options.podsPerNamespace, options.replicas ?? 1));
  const policies = Array.from({ length: options.policies }, (_, k) => makePolicy(pick, k, options.namespaces));
  const externals: ExternalPeer[] = [
    { name: "internet", ip: "203.0.113.7" },
    { name: "corp-vpn", ip: "10.3.0.9" },
    { name: "v6-client", ip: "fd00:1::ff" },
  ];
  return { namespaces, pods, policies, externals };
}

/** The pods of a generated cluster, then its externals: the sources of a full truth table. */
export function clusterSources(cluster: GeneratedCluster): Endpoint[] {
  return [
    ...cluster.pods.map((pod): Endpoint => ({ kind: "pod", pod })),
    ...cluster.externals.map((external): Endpoint => ({ kind: "external", external })),
  ];
}
