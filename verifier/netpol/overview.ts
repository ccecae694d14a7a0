/**
 * What the policies of a cluster do, over every pod pair and every port the destination declares,
 * counted per class pair (a pair of classes of m and n pods stands for m × n pod pairs) so that
 * the cost follows the classes, not the pods:
 * - pod pairs: pairs of two different pods only (a pod's traffic to its own address, which
 *   Kubernetes leaves to the network plugin, is in no count); a pair (A, B) is open when A can
 *   open a connection to every port B declares, isolated when to none of them, partly open
 *   otherwise; unjudged when B declares none;
 * - cells: one per pod pair and destination port, allowed or denied;
 * - per class, the share of its pods' cells that are allowed, as source and as destination;
 * - per external, how many pod ports it can reach;
 * - per policy, the cells it decides: an allowed cell is decided by the policies whose rules
 *   allow it (the rule the reason names, at each end), a denied cell by the policies isolating the
 *   end that denies it. Policies are ranked by the cells they decide; one that decides none selects
 *   no pod, or is overruled at every cell by policies listed before it.
 */
import { ClusterModel } from "./model";
import { Located, locate } from "./locate";
import { ClusterIndex, Isolation } from "./precompute";
import { podName } from "./reasons";
import { ClassTable, DENIED, NOT_ISOLATED } from "./table";
import { ExternalPeer } from "./types";

/** A count of cells, of which some are allowed. */
export interface Share {
  allowed: number;
  total: number;
}

export interface ClassInfo {
  /** `c1`, `c2`, … in the order of their first pod (by namespace, then name). */
  id: string;
  namespace: string;
  /** The values of the label keys that selectors able to reach the namespace read; keys the pods lack are left out. */
  labels: Record<string, string>;
  /** Container ports whose name a rule uses, as NAME/PORT/PROTOCOL. */
  namedPorts: string[];
  /** The policies' ipBlocks (less their except ranges) that hold the pods' addresses. */
  ipBlocks: string[];
  pods: number;
  /** The first pods of the class, at most three, as namespace/name. */
  examples: string[];
  ingressIsolatedBy: string[];
  egressIsolatedBy: string[];
  /** Cells from its pods to the ports of every other pod. */
  outgoing: Share;
  /** Cells from every other pod to its pods' ports. */
  incoming: Share;
}

export interface PolicyWeight {
  policy: string;
  /** Cells one of its rules allows (at either end). */
  allowed: number;
  /** Denied cells at whose denying end it is one of the isolating policies. */
  denied: number;
}

export interface ConnectivityOverview {
  pods: number;
  classes: ClassInfo[];
  podPairs: { total: number; open: number; partlyOpen: number; isolated: number; unjudged: number };
  cells: { allowed: number; denied: number };
  externals: ({ name: string } & Share)[];
  /** Every policy, those deciding the most cells first (ties by name). */
  policies: PolicyWeight[];
}

const EXAMPLES = 3;

/**
 * Per class, its pods grouped by the ports they declare (as slots of the table), flat: group g
 * has `pods[g]` pods of class `cls[g]`, declaring slots `slots[start[g]]` to `slots[start[g + 1] - 1]`.
 */
interface PortGroups {
  cls: Int32Array;
  pods: Float64Array;
  start: Int32Array;
  slots: Int32Array;
}

function portGroups(model: ClusterModel, index: ClusterIndex, table: ClassTable): PortGroups {
  const cls: number[] = [];
  const pods: number[] = [];
  const start: number[] = [];
  const slots: number[] = [];
  index.classes.members.forEach((members, c) => {
    const groups = new Map<string, { pods: number; slots: number[] }>();
    for (const pod of members) {
      const own = [...new Set(model.pods[pod].ports.map((p) => table.ports.find(c, p.port, p.protocol)))].sort(
        (a, b) => a - b,
      );
      const key = own.join(",");
      const group = groups.get(key);
      if (group) group.pods++;
      else groups.set(key, { pods: 1, slots: own });
    }
    for (const group of groups.values()) {
      cls.push(c);
      pods.push(group.pods);
      start.push(slots.length);
      slots.push(...group.slots);
    }
  });
  start.push(slots.length);
  return {
    cls: Int32Array.from(cls),
    pods: Float64Array.from(pods),
    start: Int32Array.from(start),
    slots: Int32Array.from(slots),
  };
}

export function overview(
  model: ClusterModel,
  index: ClusterIndex,
  table: ClassTable,
  externals: ExternalPeer[],
): ConnectivityOverview {
  // Module exports are getters once compiled to CommonJS: local copies keep them out of the loop.
  const notIsolated = NOT_ISOLATED;
  const denied = DENIED;
  const { members } = index.classes;
  const classCount = members.length;
  const groups = portGroups(model, index, table);
  const groupCount = groups.cls.length;
  const outgoing = members.map((): Share => ({ allowed: 0, total: 0 }));
  const incoming = members.map((): Share => ({ allowed: 0, total: 0 }));
  const podPairs = { total: 0, open: 0, partlyOpen: 0, isolated: 0, unjudged: 0 };
  const cells = { allowed: 0, denied: 0 };
  const allowedByRule = new Float64Array(index.rules.length);
  const deniedByIsolation = new Float64Array(index.isolations.size);
  const ingressIsolation = Int32Array.from(index.ingress, (isolation) => isolation.id);
  // The ingress codes of one source class on every slot, read once per source class.
  const ingressRow = new Int32Array(table.ports.size);
  for (let a = 0; a < classCount; a++) {
    const sourcePods = members[a].length;
    const egressIsolation = index.egress[a].id;
    const egress = table.egressCodes(index.egress[a]);
    for (let s = 0; s < ingressRow.length; s++) {
      const codes = table.ingressCodes[s];
      ingressRow[s] = codes === null ? notIsolated : codes[a];
    }
    for (let g = 0; g < groupCount; g++) {
      const b = groups.cls[g];
      const pairs = sourcePods * groups.pods[g] - (a === b ? groups.pods[g] : 0);
      if (pairs === 0) continue;
      podPairs.total += pairs;
      const from = groups.start[g];
      const to = groups.start[g + 1];
      if (from === to) {
        podPairs.unjudged += pairs;
        continue;
      }
      let open = 0;
      for (let k = from; k < to; k++) {
        const s = groups.slots[k];
        const egressCode = egress === null ? notIsolated : egress[s];
        const ingressCode = ingressRow[s];
        if (egressCode !== denied && ingressCode !== denied) {
          open++;
          if (egressCode > 0) allowedByRule[egressCode - 1] += pairs;
          if (ingressCode > 0) allowedByRule[ingressCode - 1] += pairs;
        } else {
          if (egressCode === denied) deniedByIsolation[egressIsolation] += pairs;
          if (ingressCode === denied) deniedByIsolation[ingressIsolation[b]] += pairs;
        }
      }
      const cellCount = pairs * (to - from);
      const allowedCells = pairs * open;
      cells.allowed += allowedCells;
      cells.denied += cellCount - allowedCells;
      outgoing[a].allowed += allowedCells;
      outgoing[a].total += cellCount;
      incoming[b].allowed += allowedCells;
      incoming[b].total += cellCount;
      if (open === to - from) podPairs.open += pairs;
      else if (open === 0) podPairs.isolated += pairs;
      else podPairs.partlyOpen += pairs;
    }
  }
  return {
    pods: model.pods.length,
    classes: members.map((pods, c) => describeClass(model, index, c, pods, outgoing[c], incoming[c])),
    podPairs,
    cells,
    externals: externals.map((external) => externalShare(model, index, table, groups, external)),
    policies: policyWeights(model, index, allowedByRule, deniedByIsolation),
  };
}

function describeClass(
  model: ClusterModel,
  index: ClusterIndex,
  c: number,
  pods: number[],
  outgoing: Share,
  incoming: Share,
): ClassInfo {
  const first = model.pods[pods[0]];
  const traits = index.classes.traits[c];
  const labels: Record<string, string> = {};
  for (const key of traits.readKeys)
    if (Object.prototype.hasOwnProperty.call(first.labels, key)) labels[key] = first.labels[key];
  const keys = (isolation: Isolation) => isolation.policies.map((p) => model.policies[p].key);
  return {
    id: `c${c + 1}`,
    namespace: first.namespace,
    labels,
    namedPorts: traits.namedPorts,
    ipBlocks: traits.ipBlocks,
    pods: pods.length,
    examples: pods.slice(0, EXAMPLES).map((p) => podName(model.pods[p])),
    ingressIsolatedBy: keys(index.ingress[c]),
    egressIsolatedBy: keys(index.egress[c]),
    outgoing,
    incoming,
  };
}

function externalShare(
  model: ClusterModel,
  index: ClusterIndex,
  table: ClassTable,
  groups: PortGroups,
  external: ExternalPeer,
): { name: string } & Share {
  const located: Located = locate(model, index, { kind: "external", external });
  const codes = new Map<number, number>();
  const share = { name: external.name, allowed: 0, total: 0 };
  for (let g = 0; g < groups.cls.length; g++) {
    for (let k = groups.start[g]; k < groups.start[g + 1]; k++) {
      const s = groups.slots[k];
      let code = codes.get(s);
      if (code === undefined) codes.set(s, (code = table.ingressCodeFor(located, s)));
      share.total += groups.pods[g];
      if (code !== DENIED) share.allowed += groups.pods[g];
    }
  }
  return share;
}

function policyWeights(
  model: ClusterModel,
  index: ClusterIndex,
  allowedByRule: Float64Array,
  deniedByIsolation: Float64Array,
): PolicyWeight[] {
  const weights = model.policies.map((policy): PolicyWeight => ({ policy: policy.key, allowed: 0, denied: 0 }));
  allowedByRule.forEach((cells, id) => (weights[index.rules[id].policy].allowed += cells));
  const isolations = new Map<number, Isolation>();
  for (const isolation of [...index.ingress, ...index.egress]) isolations.set(isolation.id, isolation);
  for (const [id, isolation] of isolations) {
    for (const p of isolation.policies) weights[p].denied += deniedByIsolation[id];
  }
  // Policies are sorted by key already, and the sort is stable: ties keep that order.
  return weights.sort((x, y) => y.allowed + y.denied - (x.allowed + x.denied));
}
