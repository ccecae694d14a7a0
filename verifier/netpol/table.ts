/**
 * The fast tables. Verdicts are computed per class of pods (classes.ts) and per destination port,
 * once per distinct situation, as arrays of "first allowing rule" codes:
 *  - ingress: per class port, over source classes (shared between class ports whose matching rules are equal);
 *  - egress: per egress isolation (classes selected by the same policies share it), over class ports.
 * The cell of any pod pair is then two array reads at the pods' classes. Reasons are assembled
 * from cached pieces: a handful of strings per pod, rule and port, joined per cell (V8 joins long
 * strings as ropes, without copying). Cells are produced one source row at a time, so a caller
 * that writes them out holds none of them.
 */
import { Bitset, forEachBit } from "./bitset";
import { ClusterModel } from "./model";
import { portsMatch } from "./matching";
import { ClusterIndex, Isolation, isolatingPolicies } from "./precompute";
import * as reasons from "./reasons";
import { Endpoint, Protocol, TableEntry } from "./types";
import { firstMatchingRule, locate, Located } from "./locate";

/** A destination port, as `--port` gives it. */
export interface PortSpec {
  port: number;
  protocol: Protocol;
}

/** Codes: -1 not isolated, 0 denied, id + 1 allowed by rule id. */
export const NOT_ISOLATED = -1;
export const DENIED = 0;

/**
 * The destination ports of each class, contiguous: class c has slots start[c] to start[c + 1].
 * Either the ports its pods declare (each distinct port/protocol once, in the order its pods
 * declare them), or the same given list for every class.
 */
export class ClassPorts {
  readonly cls: Int32Array;
  readonly port: Int32Array;
  readonly protocol: Protocol[];
  readonly start: Int32Array;
  /** The distinct ports and protocols among the slots, and each slot's index among them. */
  readonly distinct: PortSpec[] = [];
  readonly kind: Int32Array;
  private readonly kinds = new Map<string, number>();
  private readonly slotOf: Map<number, number>[];

  constructor(model: ClusterModel, index: ClusterIndex, given?: readonly PortSpec[]) {
    const { members } = index.classes;
    const cls: number[] = [];
    const kind: number[] = [];
    this.start = new Int32Array(members.length + 1);
    this.slotOf = members.map((pods, c) => {
      this.start[c] = cls.length;
      const slots = new Map<number, number>();
      const add = (spec: PortSpec) => {
        const k = this.kindOf(spec.port, spec.protocol, true);
        if (slots.has(k)) return;
        slots.set(k, cls.length);
        cls.push(c);
        kind.push(k);
      };
      if (given) given.forEach(add);
      else for (const pod of pods) model.pods[pod].ports.forEach(add);
      return slots;
    });
    this.start[members.length] = cls.length;
    this.cls = Int32Array.from(cls);
    this.kind = Int32Array.from(kind);
    this.port = Int32Array.from(kind, (k) => this.distinct[k].port);
    this.protocol = kind.map((k) => this.distinct[k].protocol);
  }

  get size(): number {
    return this.cls.length;
  }

  /** The slot of a port of a class; -1 when the class has no such slot. */
  find(c: number, port: number, protocol: Protocol): number {
    return this.slotOf[c].get(this.kindOf(port, protocol, false)) ?? -1;
  }

  private kindOf(port: number, protocol: Protocol, add: boolean): number {
    const key = reasons.portText(port, protocol);
    let k = this.kinds.get(key);
    if (k === undefined) {
      if (!add) return -1;
      k = this.distinct.length;
      this.kinds.set(key, k);
      this.distinct.push({ port, protocol });
    }
    return k;
  }
}

/** The verdict codes of every class pair on every class port. */
export class ClassTable {
  /** Per slot: the rules isolating its class for ingress that match its port, in search order. */
  readonly ingressRules: number[][] = [];
  /** Per slot: codes over source classes; null when its class is not isolated for ingress. */
  readonly ingressCodes: (Int32Array | null)[] = [];
  private readonly egressByIsolation = new Map<number, Int32Array>();
  private readonly portMasks = new Map<number, Uint8Array>();
  private namedGroups: { of: Int32Array; count: number } | undefined;

  constructor(
    private readonly model: ClusterModel,
    private readonly index: ClusterIndex,
    readonly ports: ClassPorts,
  ) {
    const shared = new Map<string, Int32Array>();
    const classCount = index.classes.members.length;
    for (let s = 0; s < ports.size; s++) {
      const c = ports.cls[s];
      const isolation = index.ingress[c];
      const destination = this.representative(c);
      const matching = isolation.rules.filter((id) =>
        portsMatch(index.rules[id].rule.ports, ports.port[s], ports.protocol[s], destination),
      );
      this.ingressRules.push(matching);
      if (isolation.policies.length === 0) {
        this.ingressCodes.push(null);
        continue;
      }
      const key = matching.join(",");
      let table = shared.get(key);
      if (!table) {
        table = new Int32Array(classCount);
        // Later rules first, so that the earliest allowing rule is the one left in each cell.
        for (let k = matching.length - 1; k >= 0; k--)
          fillCodes(table, index.rules[matching[k]].peerPods, matching[k] + 1);
        shared.set(key, table);
      }
      this.ingressCodes.push(table);
    }
  }

  /** The pod a class is asked about: its first. */
  representative(c: number) {
    return this.model.pods[this.index.classes.members[c][0]];
  }

  /** Egress codes over slots for one isolation; null when it isolates nothing. */
  egressCodes(isolation: Isolation): Int32Array | null {
    if (isolation.policies.length === 0) return null;
    let table = this.egressByIsolation.get(isolation.id);
    if (table) return table;
    table = new Int32Array(this.ports.size);
    for (let k = isolation.rules.length - 1; k >= 0; k--) this.applyEgressRule(table, isolation.rules[k]);
    this.egressByIsolation.set(isolation.id, table);
    return table;
  }

  /** The ingress code at a slot for a source that is not one of the model's pods. */
  ingressCodeFor(source: Located, slot: number): number {
    if (this.ingressCodes[slot] === null) return NOT_ISOLATED;
    const c = this.ports.cls[slot];
    const destination = this.representative(c);
    const id = firstMatchingRule(
      this.model,
      this.index,
      this.ingressRules[slot],
      source,
      destination,
      this.ports.port[slot],
      this.ports.protocol[slot],
    );
    return id + 1;
  }

  private applyEgressRule(table: Int32Array, id: number): void {
    const mask = this.portMask(id);
    const { peerPods } = this.index.rules[id];
    const { start } = this.ports;
    const code = id + 1;
    if (peerPods === null) {
      for (let s = 0; s < table.length; s++) if (mask[s] === 1) table[s] = code;
      return;
    }
    forEachBit(peerPods, (c) => {
      for (let s = start[c]; s < start[c + 1]; s++) if (mask[s] === 1) table[s] = code;
    });
  }

  private portMask(id: number): Uint8Array {
    let mask = this.portMasks.get(id);
    if (mask) return mask;
    const { ports } = this.index.rules[id].rule;
    const { cls, port, protocol, distinct, kind } = this.ports;
    mask = new Uint8Array(cls.length);
    // The answer depends on the port and protocol, and for a named port on the class's named
    // ports too: a few distinct cases, each asked once.
    const named = ports !== null && ports.some((entry) => entry.kind === "named");
    const groups = named ? this.namedPortGroups() : null;
    const width = groups ? groups.count : 1;
    const answers = new Int8Array(distinct.length * width).fill(-1);
    for (let s = 0; s < cls.length; s++) {
      const at = kind[s] * width + (groups ? groups.of[cls[s]] : 0);
      if (answers[at] < 0)
        answers[at] = portsMatch(ports, port[s], protocol[s], groups ? this.representative(cls[s]) : null) ? 1 : 0;
      mask[s] = answers[at];
    }
    this.portMasks.set(id, mask);
    return mask;
  }

  /** Classes numbered by their named ports: classes naming the same ports get the same number. */
  private namedPortGroups(): { of: Int32Array; count: number } {
    if (!this.namedGroups) {
      const numbers = new Map<string, number>();
      const of = Int32Array.from(this.index.classes.traits, (traits) => {
        const key = traits.namedPorts.join(",");
        let n = numbers.get(key);
        if (n === undefined) numbers.set(key, (n = numbers.size));
        return n;
      });
      this.namedGroups = { of, count: numbers.size };
    }
    return this.namedGroups;
  }
}

function fillCodes(table: Int32Array, members: Bitset | null, code: number): void {
  if (members === null) table.fill(code);
  else forEachBit(members, (i) => (table[i] = code));
}

/** The egress side of a source: its isolation, or null for a source that is not a pod. */
export function sourceEgress(model: ClusterModel, index: ClusterIndex, located: Located): Isolation | null {
  if (located.endpoint.kind !== "pod") return null;
  return located.cls >= 0
    ? index.egress[located.cls]
    : index.isolations.get(isolatingPolicies(model, located.endpoint.pod, "egress"), "egress");
}

/** The destination cells of a row: pods in the order given, each on its ports, as slots of a ClassTable. */
interface DestinationCells {
  pod: Int32Array;
  slot: Int32Array;
}

function destinationCells(
  model: ClusterModel,
  index: ClusterIndex,
  table: ClassTable,
  pods: number[],
  given?: readonly PortSpec[],
): DestinationCells {
  const pod: number[] = [];
  const slot: number[] = [];
  for (const p of pods) {
    const c = index.classes.of[p];
    const specs = given ?? model.pods[p].ports;
    const seen = new Set<number>();
    for (const spec of specs) {
      const s = table.ports.find(c, spec.port, spec.protocol);
      if (seen.has(s)) continue;
      seen.add(s);
      pod.push(p);
      slot.push(s);
    }
  }
  return { pod: Int32Array.from(pod), slot: Int32Array.from(slot) };
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
      this.index.ingress[this.index.classes.of[pod]].policies.map((p) => this.model.policies[p].key),
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
  /** Ingress codes per slot for a source the classes do not cover, filled as met (-2: not yet). */
  ingressCodes: Int32Array | null;
  fromPhrase: string;
}

/**
 * The cells from any source to a fixed list of pods, each on its declared ports or on the given
 * ones, in that order: pods as listed, ports as declared (each distinct port/protocol once) or as
 * given.
 */
export class CellRows {
  private readonly destinations: DestinationCells;
  private readonly texts: DestinationTexts;
  private readonly portTexts: string[];
  private readonly egressDeniedTails: string[];
  private readonly ingressDeniedHeads: (string | undefined)[] = [];

  constructor(
    private readonly model: ClusterModel,
    private readonly index: ClusterIndex,
    private readonly table: ClassTable,
    pods: number[],
    given?: readonly PortSpec[],
  ) {
    this.destinations = destinationCells(model, index, table, pods, given);
    this.texts = new DestinationTexts(model, index);
    const { port, protocol } = table.ports;
    this.portTexts = Array.from(this.destinations.slot, (s) => reasons.portText(port[s], protocol[s]));
    this.egressDeniedTails = this.portTexts.map(
      (text, d) => reasons.destinationPhrase(text, this.texts.name(this.destinations.pod[d])) + reasons.SIDE_SEPARATOR,
    );
  }

  /** How many cells one source row has. */
  get width(): number {
    return this.destinations.pod.length;
  }

  private sourceRow(endpoint: Endpoint): SourceRow {
    const located = locate(this.model, this.index, endpoint);
    const name = reasons.endpointName(located.endpoint);
    const row: SourceRow = {
      name,
      located,
      egress: null,
      ingressCodes: located.cls >= 0 ? null : new Int32Array(this.table.ports.size).fill(-2),
      fromPhrase: reasons.sourcePhrase(name),
    };
    const isolation = sourceEgress(this.model, this.index, located);
    if (isolation) {
      row.egress = {
        codes: this.table.egressCodes(isolation),
        openThenSeparator: reasons.egressNotIsolated(name) + reasons.SIDE_SEPARATOR,
        deniedHead:
          isolation.policies.length > 0
            ? reasons.egressDeniedHead(
                name,
                isolation.policies.map((p) => this.model.policies[p].key),
              )
            : "",
        allowedThenSeparator: new Map(),
      };
    }
    return row;
  }

  private egressAllowedText(row: SourceRow, id: number): string {
    const cache = row.egress!.allowedThenSeparator;
    let text = cache.get(id);
    if (text === undefined) {
      const { policy, rule } = this.index.rules[id];
      text = reasons.egressAllowedBy(row.name, this.model.policies[policy].key, rule.number) + reasons.SIDE_SEPARATOR;
      cache.set(id, text);
    }
    return text;
  }

  /** The cells of one source, computed as they are taken. */
  *row(source: Endpoint): Generator<TableEntry> {
    // Module exports are getters once compiled to CommonJS: local copies keep them out of the loop.
    const notIsolated = NOT_ISOLATED;
    const denied = DENIED;
    const { pod: pods, slot: slots } = this.destinations;
    const { port: ports, protocol: protocols } = this.table.ports;
    const row = this.sourceRow(source);
    const sourceIndex = row.located.index;
    const sourceClass = row.located.cls;
    const self = reasons.selfReason(row.name);
    // Consecutive ports of one destination are often allowed by the same rules: reuse the reason.
    // Codes, not strings, are compared: comparing fresh joined strings would flatten them.
    let lastPod = -1;
    let lastEgressCode = 0;
    let lastIngressCode = 0;
    let lastReason = "";
    for (let d = 0; d < pods.length; d++) {
      const pod = pods[d];
      const s = slots[d];
      const port = ports[s];
      const protocol = protocols[s];
      const to = this.texts.name(pod);
      if (pod === sourceIndex) {
        yield { from: row.name, to, port, protocol, self: true, reason: self };
        continue;
      }
      const egressCode = row.egress === null || row.egress.codes === null ? notIsolated : row.egress.codes[s];
      let ingressCode: number;
      if (sourceClass >= 0) {
        const codes = this.table.ingressCodes[s];
        ingressCode = codes === null ? notIsolated : codes[sourceClass];
      } else {
        ingressCode = row.ingressCodes![s];
        if (ingressCode === -2) ingressCode = row.ingressCodes![s] = this.table.ingressCodeFor(row.located, s);
      }
      const allowed = egressCode !== denied && ingressCode !== denied;
      if (!allowed || pod !== lastPod || egressCode !== lastEgressCode || ingressCode !== lastIngressCode) {
        let egressText = "";
        if (row.egress) {
          if (egressCode < 0) egressText = row.egress.openThenSeparator;
          else if (egressCode > 0) egressText = this.egressAllowedText(row, egressCode - 1);
          else egressText = row.egress.deniedHead + this.egressDeniedTails[d];
        }
        const ingressText =
          ingressCode < 0
            ? this.texts.notIsolated(pod)
            : ingressCode > 0
              ? this.texts.allowedBy(pod, ingressCode - 1)
              : (this.ingressDeniedHeads[d] ??= this.texts.deniedHead(pod) + this.portTexts[d]) + row.fromPhrase;
        lastReason = egressText + ingressText;
        lastPod = pod;
        lastEgressCode = egressCode;
        lastIngressCode = ingressCode;
      }
      yield { from: row.name, to, port, protocol, allowed, reason: lastReason };
    }
  }
}
