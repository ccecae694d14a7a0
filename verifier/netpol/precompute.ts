/**
 * The indexes that make a verdict cost O(1) amortised instead of O(policies): which policies
 * isolate each pod in each direction, and, for each rule, the set of pods its peers match.
 * Everything here is computed once per engine.
 */
import { addBit, Bitset, createBitset } from "./bitset";
import { CompiledPeer, CompiledRule, ipBlockMatches } from "./compile";
import { selectorMatches } from "../kube/selector";
import { policySelectsPod } from "./matching";
import { ClusterModel, labelsOfNamespace } from "./model";

export type Direction = "ingress" | "egress";

export interface IndexedRule {
  /** Index into model.policies. */
  policy: number;
  rule: CompiledRule;
  /** The model's pods that one of the rule's peers matches; null when the rule names no peers (all match). */
  peerPods: Bitset | null;
}

/** The policies isolating a pod in one direction and their rules, in search order. Shared between pods. */
export interface Isolation {
  /** Identifies the list, so pods with the same policies share derived tables. */
  key: string;
  policies: number[];
  rules: number[];
}

export interface ClusterIndex {
  rules: IndexedRule[];
  /** Per policy, its ingress and egress rule ids. */
  policyRules: { ingress: number[]; egress: number[] }[];
  /** Per pod of the model. */
  ingress: Isolation[];
  egress: Isolation[];
  /** Also interns the isolations of pods the engine was not built with, as judge() meets them. */
  isolations: IsolationTable;
}

function podsByNamespace(model: ClusterModel): Map<string, number[]> {
  const byNamespace = new Map<string, number[]>();
  model.pods.forEach((pod, i) => {
    const list = byNamespace.get(pod.namespace) ?? [];
    list.push(i);
    byNamespace.set(pod.namespace, list);
  });
  return byNamespace;
}

function addPeerPods(model: ClusterModel, peer: CompiledPeer, byNamespace: Map<string, number[]>, into: Bitset): void {
  if (peer.kind === "ipBlock") {
    model.podAddresses.forEach((address, i) => {
      if (address !== undefined && ipBlockMatches(peer, address)) addBit(into, i);
    });
    return;
  }
  const { namespaceSelector, podSelector } = peer;
  for (const [namespace, pods] of byNamespace) {
    const inScope = namespaceSelector
      ? selectorMatches(namespaceSelector, labelsOfNamespace(model, namespace))
      : namespace === peer.ownNamespace;
    if (!inScope) continue;
    for (const i of pods) {
      if (podSelector === null || selectorMatches(podSelector, model.pods[i].labels)) addBit(into, i);
    }
  }
}

function indexRules(
  model: ClusterModel,
  byNamespace: Map<string, number[]>,
): Pick<ClusterIndex, "rules" | "policyRules"> {
  const rules: IndexedRule[] = [];
  const policyRules = model.policies.map((policy, p) => {
    const ids = (list: CompiledRule[] | null): number[] =>
      (list ?? []).map((rule) => {
        let peerPods: Bitset | null = null;
        if (rule.peers !== null) {
          peerPods = createBitset(model.pods.length);
          for (const peer of rule.peers) addPeerPods(model, peer, byNamespace, peerPods);
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
      isolation = { key, policies, rules: policies.flatMap((p) => this.policyRules[p][direction]) };
      this.known.set(key, isolation);
    }
    return isolation;
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

export function buildIndex(model: ClusterModel): ClusterIndex {
  const byNamespace = podsByNamespace(model);
  const { rules, policyRules } = indexRules(model, byNamespace);
  const isolations = new IsolationTable(policyRules);
  const ingress = model.pods.map((pod) => isolations.get(isolatingPolicies(model, pod, "ingress"), "ingress"));
  const egress = model.pods.map((pod) => isolations.get(isolatingPolicies(model, pod, "egress"), "egress"));
  return { rules, policyRules, ingress, egress, isolations };
}
