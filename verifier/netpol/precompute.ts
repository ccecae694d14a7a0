/**
 * The indexes that make a verdict cost O(1) amortised instead of O(policies): which policies
 * isolate each class of pods in each direction, and, for each rule, the set of classes its peers
 * match. Classes (classes.ts) stand for their pods: the first pod of a class is asked on its
 * behalf. Everything here is computed once per engine.
 */
import { addBit, Bitset, createBitset } from "./bitset";
import { PodClasses } from "./classes";
import { CompiledPeer, CompiledRule, ipBlockMatches, ipBlockText } from "./compile";
import { type LabelSelector, selectorMatches } from "../kube/selector";
import { policySelectsPod } from "./matching";
import { ClusterModel, labelsOfNamespace } from "./model";

export type Direction = "ingress" | "egress";

export interface IndexedRule {
  /** Index into model.policies. */
  policy: number;
  rule: CompiledRule;
  /** The classes that one of the rule's peers matches; null when the rule names no peers (all match). */
  peerPods: Bitset | null;
}

/** The policies isolating a pod in one direction and their rules, in search order. Shared between pods. */
export interface Isolation {
  /** Identifies the list, so pods with the same policies share derived tables. */
  key: string;
  /** Numbers the isolations of an engine from 0, for tables indexed by isolation. */
  id: number;
  policies: number[];
  rules: number[];
}

export interface ClusterIndex {
  rules: IndexedRule[];
  /** Per policy, its ingress and egress rule ids. */
  policyRules: { ingress: number[]; egress: number[] }[];
  classes: PodClasses;
  /** Per class. */
  ingress: Isolation[];
  egress: Isolation[];
  /** Also interns the isolations of pods the engine was not built with, as judge() meets them. */
  isolations: IsolationTable;
}

/**
 * The classes each peer matches, as bitsets. Policies repeat the same few selectors and ipBlocks,
 * so each distinct namespaceSelector, podSelector and ipBlock is evaluated once over the classes,
 * and a peer is the intersection of its namespace scope and its podSelector.
 */
class PeerSets {
  private readonly known = new Map<string, Bitset>();
  private readonly byNamespace = new Map<string, number[]>();

  constructor(
    private readonly model: ClusterModel,
    private readonly classes: PodClasses,
  ) {
    classes.members.forEach((pods, c) => {
      const namespace = model.pods[pods[0]].namespace;
      const list = this.byNamespace.get(namespace) ?? [];
      list.push(c);
      this.byNamespace.set(namespace, list);
    });
  }

  /** Adds the classes the peer matches to `into`. */
  add(peer: CompiledPeer, into: Bitset): void {
    if (peer.kind === "ipBlock") {
      const set = this.memo(`ip ${ipBlockText(peer)}`, (c) => {
        const address = this.model.podAddresses[this.classes.members[c][0]];
        return address !== undefined && ipBlockMatches(peer, address);
      });
      for (let w = 0; w < into.length; w++) into[w] |= set[w];
      return;
    }
    const { namespaceSelector, podSelector } = peer;
    const scope = namespaceSelector
      ? this.memo(`ns ${selectorText(namespaceSelector)}`, (c) =>
          selectorMatches(namespaceSelector, labelsOfNamespace(this.model, this.namespaceOf(c))),
        )
      : this.memo(`own ${peer.ownNamespace}`, (c) => this.namespaceOf(c) === peer.ownNamespace);
    if (podSelector === null) {
      for (let w = 0; w < into.length; w++) into[w] |= scope[w];
      return;
    }
    const pods = this.memo(`pod ${selectorText(podSelector)}`, (c) =>
      selectorMatches(podSelector, this.model.pods[this.classes.members[c][0]].labels),
    );
    for (let w = 0; w < into.length; w++) into[w] |= scope[w] & pods[w];
  }

  private namespaceOf(c: number): string {
    return this.model.pods[this.classes.members[c][0]].namespace;
  }

  private memo(key: string, matches: (c: number) => boolean): Bitset {
    let set = this.known.get(key);
    if (!set) {
      set = createBitset(this.classes.members.length);
      for (let c = 0; c < this.classes.members.length; c++) if (matches(c)) addBit(set, c);
      this.known.set(key, set);
    }
    return set;
  }
}

/** A selector as text, equal for equal selectors written alike. */
function selectorText(selector: LabelSelector): string {
  return JSON.stringify(selector.requirements.map((r) => [r.key, r.operator, [...r.values].sort()]));
}

function indexRules(model: ClusterModel, classes: PodClasses): Pick<ClusterIndex, "rules" | "policyRules"> {
  const peers = new PeerSets(model, classes);
  const rules: IndexedRule[] = [];
  const policyRules = model.policies.map((policy, p) => {
    const ids = (list: CompiledRule[] | null): number[] =>
      (list ?? []).map((rule) => {
        let peerPods: Bitset | null = null;
        if (rule.peers !== null) {
          peerPods = createBitset(classes.members.length);
          for (const peer of rule.peers) peers.add(peer, peerPods);
        }
        rules.push({ policy: p, rule, peerPods });
        return rules.length - 1;
      });
    return { ingress: ids(policy.ingress), egress: ids(policy.egress) };
  });
  return { rules, policyRules };
}

/** Interns isolations by their policy list, so equal lists are one object. */
export class IsolationTable {
  private readonly known = new Map<string, Isolation>();
  constructor(private readonly policyRules: ClusterIndex["policyRules"]) {}

  get(policies: number[], direction: Direction): Isolation {
    const key = `${direction}:${policies.join(",")}`;
    let isolation = this.known.get(key);
    if (!isolation) {
      isolation = {
        key,
        id: this.known.size,
        policies,
        rules: policies.flatMap((p) => this.policyRules[p][direction]),
      };
      this.known.set(key, isolation);
    }
    return isolation;
  }

  /** How many isolations have been interned so far: the bound of their ids. */
  get size(): number {
    return this.known.size;
  }
}

/** The policies (in model order) that select the pod and isolate it in the direction. */
export function isolatingPolicies(
  model: ClusterModel,
  pod: ClusterModel["pods"][number],
  direction: Direction,
): number[] {
  return (model.policiesByNamespace.get(pod.namespace) ?? []).filter(
    (p) => model.policies[p][direction] !== null && policySelectsPod(model.policies[p], pod),
  );
}

export function buildIndex(model: ClusterModel, classes: PodClasses): ClusterIndex {
  const { rules, policyRules } = indexRules(model, classes);
  const isolations = new IsolationTable(policyRules);
  const representatives = classes.members.map((pods) => model.pods[pods[0]]);
  const ingress = representatives.map((pod) => isolations.get(isolatingPolicies(model, pod, "ingress"), "ingress"));
  const egress = representatives.map((pod) => isolations.get(isolatingPolicies(model, pod, "egress"), "egress"));
  return { rules, policyRules, classes, ingress, egress, isolations };
}
