/**
 * Seeded synthetic clusters for the benchmark and for checking the fast engine against the naive
 * one. The policies mix every form the API offers (selectors alone and combined, every
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
} from "./types";

export interface GenerateOptions {
  seed: number;
  namespaces: number;
  podsPerNamespace: number;
  policies: number;
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

function makePod(pick: Picker, n: number, i: number): PodInfo {
  const labels: Record<string, string> = { app: pick.one(APPS), tier: pick.one(TIERS) };
  if (pick.chance(0.6)) labels.version = pick.one(["v1", "v2", "v3"]);
  if (pick.chance(0.1)) labels.role = "admin";
  const pod: PodInfo = {
    namespace: namespaceName(n),
    name: `pod-${i}`,
    labels,
    ports: pick.some(PORT_CATALOGUE, 1 + pick.int(3)),
  };
  const addressing = pick.random();
  if (addressing < 0.8) pod.ip = `10.${n}.${i >> 8}.${i & 255}`;
  else if (addressing < 0.9) pod.ip = `fd00:${n.toString(16)}::${i.toString(16)}`;
  return pod;
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
  const pods = namespaces.flatMap((_, n) =>
    Array.from({ length: options.podsPerNamespace }, (__, i) => makePod(pick, n, i)),
  );
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
