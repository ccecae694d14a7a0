/**
 * The fast truth table. Instead of searching policies per cell it derives, once per distinct
 * situation, an array of "first allowing rule" codes:
 *  - ingress: per destination port, over source pods (shared between ports whose matching rules are equal);
 *  - egress: per egress isolation (pods selected by the same policies share it), over destination ports.
 * A cell is then two array reads. Reasons are assembled from cached pieces: a handful of strings
 * per pod, rule and port, joined per cell (V8 joins long strings as ropes, without copying).
 */
import { Bitset, forEachBit } from "./bitset";
import { ClusterModel, destinationSlots } from "./model";
import { portsMatch } from "./matching";
import { ClusterIndex, Isolation, isolatingPolicies } from "./precompute";
import * as reasons from "./reasons";
import { Endpoint, Protocol, TableEntry } from "./types";
import { firstMatchingRule, locate, Located } from "./locate";

/** Destination ports in table order; a pod's ports are contiguous, from start[pod] to start[pod + 1]. */
interface Slots {
  pod: Int32Array;
  port: Int32Array;
  protocol: Protocol[];
  start: Int32Array;
}

function buildSlots(model: ClusterModel): Slots {
  const list = destinationSlots(model);
  const slots: Slots = {
    pod: Int32Array.from(list, (slot) => slot.pod),
    port: Int32Array.from(list, (slot) => slot.port),
    protocol: list.map((slot) => slot.protocol),
    start: new Int32Array(model.pods.length + 1),
  };
  let s = 0;
  for (let pod = 0; pod <= model.pods.length; pod++) {
    while (s < list.length && list[s].pod < pod) s++;
    slots.start[pod] = s;
  }
  return slots;
}

/** Per destination port: the rules that isolate it and match the port, and the resulting codes over source pods. */
function ingressCodes(
  model: ClusterModel,
  index: ClusterIndex,
  slots: Slots,
): { rules: number[][]; codes: (Int32Array | null)[] } {
  const shared = new Map<string, Int32Array>();
  const rules: number[][] = [];
  const codes: (Int32Array | null)[] = [];
  for (let s = 0; s < slots.pod.length; s++) {
    const pod = model.pods[slots.pod[s]];
    const isolation = index.ingress[slots.pod[s]];
    const matching = isolation.rules.filter((id) =>
      portsMatch(index.rules[id].rule.ports, slots.port[s], slots.protocol[s], pod),
    );
    rules.push(matching);
    if (isolation.policies.length === 0) {
      codes.push(null);
      continue;
    }
    const key = matching.join(",");
    let table = shared.get(key);
    if (!table) {
      table = new Int32Array(model.pods.length);
      // Later rules first, so that the earliest allowing rule is the one left in each cell.
      for (let k = matching.length - 1; k >= 0; k--)
        fillCodes(table, index.rules[matching[k]].peerPods, matching[k] + 1);
      shared.set(key, table);
    }
    codes.push(table);
  }
  return { rules, codes };
}

function fillCodes(table: Int32Array, members: Bitset | null, code: number): void {
  if (members === null) table.fill(code);
  else forEachBit(members, (i) => (table[i] = code));
}

/** Egress codes over destination ports for one isolation; a rule's port match per slot is computed once. */
class EgressCodes {
  private readonly byIsolation = new Map<string, Int32Array>();
  private readonly portMasks = new Map<number, Uint8Array>();
  constructor(
    private readonly model: ClusterModel,
    private readonly index: ClusterIndex,
    private readonly slots: Slots,
  ) {}

  get(isolation: Isolation): Int32Array {
    let table = this.byIsolation.get(isolation.key);
    if (table) return table;
    table = new Int32Array(this.slots.pod.length);
    for (let k = isolation.rules.length - 1; k >= 0; k--) this.apply(table, isolation.rules[k]);
    this.byIsolation.set(isolation.key, table);
    return table;
  }

  private apply(table: Int32Array, id: number): void {
    const mask = this.portMask(id);
    const { peerPods } = this.index.rules[id];
    const { start } = this.slots;
    const setRange = (from: number, to: number) => {
      for (let s = from; s < to; s++) if (mask[s] === 1) table[s] = id + 1;
    };
    if (peerPods === null) setRange(0, table.length);
    else forEachBit(peerPods, (pod) => setRange(start[pod], start[pod + 1]));
  }

  private portMask(id: number): Uint8Array {
    let mask = this.portMasks.get(id);
    if (!mask) {
      const { ports } = this.index.rules[id].rule;
      const { pod, port, protocol } = this.slots;
      mask = Uint8Array.from(pod, (p, s) => (portsMatch(ports, port[s], protocol[s], this.model.pods[p]) ? 1 : 0));
      this.portMasks.set(id, mask);
    }
    return mask;
  }
}

/** Reason pieces per destination pod, built on first use. */
class DestinationTexts {
  private readonly names: string[];
  private readonly open: (string | undefined)[] = [];
  private readonly heads: (string | undefined)[] = [];
  private readonly allowed = new Map<number, string>();
  constructor(
    private readonly model: ClusterModel,
    private readonly index: ClusterIndex,
  ) {
    this.names = model.pods.map(reasons.podName);
  }

  name(pod: number): string {
    return this.names[pod];
  }

  notIsolated(pod: number): string {
    return (this.open[pod] ??= reasons.ingressNotIsolated(this.names[pod]));
  }

  deniedHead(pod: number): string {
    return (this.heads[pod] ??= reasons.ingressDeniedHead(
      this.names[pod],
      this.index.ingress[pod].policies.map((p) => this.model.policies[p].key),
    ));
  }

  allowedBy(pod: number, id: number): string {
    const key = pod * this.index.rules.length + id;
    let text = this.allowed.get(key);
    if (text === undefined) {
      const { policy, rule } = this.index.rules[id];
      text = reasons.ingressAllowedBy(this.names[pod], this.model.policies[policy].key, rule.number);
      this.allowed.set(key, text);
    }
    return text;
  }
}

/**
 * Everything about one source that does not depend on the destination. Egress texts carry the
 * separator that follows them in a pod-to-pod reason, saving a join per cell.
 */
interface SourceRow {
  name: string;
  located: Located;
  /** null: not a pod, no egress side. */
  egress: {
    /** null: not isolated for egress. */
    codes: Int32Array | null;
    openThenSeparator: string;
    deniedHead: string;
    allowedThenSeparator: Map<number, string>;
  } | null;
  fromPhrase: string;
}

function sourceRow(model: ClusterModel, index: ClusterIndex, egressCodes: EgressCodes, endpoint: Endpoint): SourceRow {
  const located = locate(model, endpoint);
  const name = reasons.endpointName(located.endpoint);
  const row: SourceRow = { name, located, egress: null, fromPhrase: reasons.sourcePhrase(name) };
  if (located.endpoint.kind === "pod") {
    const isolation =
      located.index >= 0
        ? index.egress[located.index]
        : index.isolations.get(isolatingPolicies(model, located.endpoint.pod, "egress"), "egress");
    const isolated = isolation.policies.length > 0;
    row.egress = {
      codes: isolated ? egressCodes.get(isolation) : null,
      openThenSeparator: reasons.egressNotIsolated(name) + reasons.SIDE_SEPARATOR,
      deniedHead: isolated
        ? reasons.egressDeniedHead(
            name,
            isolation.policies.map((p) => model.policies[p].key),
          )
        : "",
      allowedThenSeparator: new Map(),
    };
  }
  return row;
}

function egressAllowedText(model: ClusterModel, index: ClusterIndex, row: SourceRow, id: number): string {
  const cache = row.egress!.allowedThenSeparator;
  let text = cache.get(id);
  if (text === undefined) {
    const { policy, rule } = index.rules[id];
    text = reasons.egressAllowedBy(row.name, model.policies[policy].key, rule.number) + reasons.SIDE_SEPARATOR;
    cache.set(id, text);
  }
  return text;
}

/** The full table: every source, every pod of the model, every port that pod declares. */
export function fastTruthTable(model: ClusterModel, index: ClusterIndex, sources: Endpoint[]): TableEntry[] {
  const slots = buildSlots(model);
  const slotCount = slots.pod.length;
  const ingress = ingressCodes(model, index, slots);
  const egressCodes = new EgressCodes(model, index, slots);
  const destinations = new DestinationTexts(model, index);
  const portTexts = slots.protocol.map((protocol, s) => reasons.portText(slots.port[s], protocol));
  const egressDeniedTails = portTexts.map(
    (text, s) => reasons.destinationPhrase(text, destinations.name(slots.pod[s])) + reasons.SIDE_SEPARATOR,
  );
  const ingressDeniedHeads: (string | undefined)[] = [];
  // Sized up front: growing a two-million-element array copies it several times.
  const entries: TableEntry[] = new Array(sources.length * slotCount);
  let n = 0;
  for (const source of sources) {
    const row = sourceRow(model, index, egressCodes, source);
    const sourceIndex = row.located.index;
    const self = reasons.selfReason(row.name);
    // Consecutive ports of one destination are often allowed by the same rules: reuse the reason.
    // Codes, not strings, are compared: comparing fresh joined strings would flatten them.
    let lastPod = -1;
    let lastEgressCode = 0;
    let lastIngressCode = 0;
    let lastReason = "";
    for (let s = 0; s < slotCount; s++) {
      const pod = slots.pod[s];
      const port = slots.port[s];
      const protocol = slots.protocol[s];
      const to = destinations.name(pod);
      if (pod === sourceIndex) {
        entries[n++] = { from: row.name, to, port, protocol, allowed: true, reason: self };
        continue;
      }
      // Codes: -1 not isolated, 0 denied, id + 1 allowed by rule id.
      const egressCode = row.egress === null || row.egress.codes === null ? -1 : row.egress.codes[s];
      const table = ingress.codes[s];
      const ingressCode =
        table === null
          ? -1
          : sourceIndex >= 0
            ? table[sourceIndex]
            : firstMatchingRule(model, index, ingress.rules[s], row.located, model.pods[pod], port, protocol) + 1;
      const allowed = egressCode !== 0 && ingressCode !== 0;
      if (!allowed || pod !== lastPod || egressCode !== lastEgressCode || ingressCode !== lastIngressCode) {
        let egressText = "";
        if (row.egress) {
          if (egressCode < 0) egressText = row.egress.openThenSeparator;
          else if (egressCode > 0) egressText = egressAllowedText(model, index, row, egressCode - 1);
          else egressText = row.egress.deniedHead + egressDeniedTails[s];
        }
        const ingressText =
          ingressCode < 0
            ? destinations.notIsolated(pod)
            : ingressCode > 0
              ? destinations.allowedBy(pod, ingressCode - 1)
              : (ingressDeniedHeads[s] ??= destinations.deniedHead(pod) + portTexts[s]) + row.fromPhrase;
        lastReason = egressText + ingressText;
        lastPod = pod;
        lastEgressCode = egressCode;
        lastIngressCode = ingressCode;
      }
      entries[n++] = { from: row.name, to, port, protocol, allowed, reason: lastReason };
    }
  }
  return entries;
}
