/**
 * Equivalence classes of pods: pods that no policy of the model can tell apart. A policy looks at a
 * pod through four things only, so two pods agreeing on all four get the same verdict in every
 * cell, as source and as destination, with the same policies and rules named in the reason:
 * - its namespace (a policy selects pods of its own namespace; a peer's namespaceSelector reads the
 *   namespace's labels), so pods of two namespaces are never in one class;
 * - the values of the label keys that the selectors able to reach its namespace read: the
 *   podSelectors of the namespace's policies and of every peer whose namespace scope includes it
 *   (a key no such selector mentions cannot change a match, `pod-template-hash` typically);
 * - its container ports whose name a rule uses (a named port resolves against them);
 * - whether each ipBlock of the policies, `except` ranges taken out, contains its address.
 * The engine computes verdicts per class and per port and hands each pod its class's.
 */
import { CompiledPeer, ipBlockMatches, ipBlockText } from "./compile";
import { type LabelSelector, selectorMatches } from "../kube/selector";
import { ClusterModel, compareText, labelsOfNamespace } from "./model";

export interface PodClasses {
  /** The class of each of the model's pods. */
  of: Int32Array;
  /** Per class, its pods (model indexes) in model order; the first one stands for the class. */
  members: number[][];
  /** Per class, what tells its pods apart from others of their namespace. */
  traits: ClassTraits[];
}

/** What a class's pods have in common that a policy can see, besides their namespace. */
export interface ClassTraits {
  /** The label keys that selectors able to reach the namespace read, sorted; shared per namespace. */
  readKeys: readonly string[];
  /** The container ports whose name a rule uses, as NAME/PORT/PROTOCOL, sorted. */
  namedPorts: string[];
  /** The ipBlocks whose range (less its except ranges) holds the pods' addresses, as ipBlockText writes them. */
  ipBlocks: string[];
}

function selectorKeys(selector: LabelSelector | null, into: Set<string>): void {
  for (const requirement of selector?.requirements ?? []) into.add(requirement.key);
}

/** Per namespace of the model's pods, the pod label keys that a selector able to reach it reads. */
export function labelKeysByNamespace(model: ClusterModel): Map<string, string[]> {
  const keys = new Map<string, Set<string>>();
  for (const pod of model.pods) if (!keys.has(pod.namespace)) keys.set(pod.namespace, new Set());
  for (const policy of model.policies) {
    const own = keys.get(policy.namespace);
    if (own) selectorKeys(policy.podSelector, own);
    for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) {
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== "selector" || peer.podSelector === null || peer.podSelector.requirements.length === 0)
          continue;
        for (const [namespace, set] of keys) {
          const inScope = peer.namespaceSelector
            ? selectorMatches(peer.namespaceSelector, labelsOfNamespace(model, namespace))
            : namespace === peer.ownNamespace;
          if (inScope) selectorKeys(peer.podSelector, set);
        }
      }
    }
  }
  return new Map([...keys].map(([namespace, set]) => [namespace, [...set].sort(compareText)]));
}

/** The port names any rule uses, which resolve against a destination's container ports. */
function namedPortsUsed(model: ClusterModel): Set<string> {
  const names = new Set<string>();
  for (const policy of model.policies) {
    for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) {
      for (const port of rule.ports ?? []) if (port.kind === "named") names.add(port.name);
    }
  }
  return names;
}

type IpBlockPeer = Extract<CompiledPeer, { kind: "ipBlock" }>;

/** The ipBlock peers of the model, each once, with their text (`CIDR` or `CIDR except A, B`). */
function distinctIpBlocks(model: ClusterModel): { peer: IpBlockPeer; text: string }[] {
  const blocks = new Map<string, IpBlockPeer>();
  for (const policy of model.policies) {
    for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) {
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== "ipBlock") continue;
        const text = ipBlockText(peer);
        if (!blocks.has(text)) blocks.set(text, peer);
      }
    }
  }
  return [...blocks].map(([text, peer]) => ({ peer, text }));
}

/** Each pod's class key (equal keys: same class) and traits. */
function describePods(model: ClusterModel): { key: string; traits: ClassTraits }[] {
  const keysByNamespace = labelKeysByNamespace(model);
  const names = namedPortsUsed(model);
  const blocks = distinctIpBlocks(model);
  return model.pods.map((pod, i) => {
    const readKeys = keysByNamespace.get(pod.namespace)!;
    const namedPorts = pod.ports
      .filter((port) => port.name !== undefined && names.has(port.name))
      .map((port) => `${port.name}/${port.port}/${port.protocol}`)
      .sort(compareText);
    const address = model.podAddresses[i];
    const inside = address === undefined ? [] : blocks.filter(({ peer }) => ipBlockMatches(peer, address));
    const ipBlocks = inside.map(({ text }) => text);
    // JSON keeps a missing label apart from an empty value, and every value apart from the separators.
    const values = readKeys.map((key) =>
      Object.prototype.hasOwnProperty.call(pod.labels, key) ? pod.labels[key] : null,
    );
    const key = JSON.stringify([pod.namespace, values, namedPorts, ipBlocks]);
    return { key, traits: { readKeys, namedPorts, ipBlocks } };
  });
}

/** Groups the model's pods into classes; classes are numbered in the order of their first pod. */
export function partitionPods(model: ClusterModel): PodClasses {
  const ids = new Map<string, number>();
  const of = new Int32Array(model.pods.length);
  const members: number[][] = [];
  const traits: ClassTraits[] = [];
  describePods(model).forEach((pod, i) => {
    let id = ids.get(pod.key);
    if (id === undefined) {
      id = members.length;
      ids.set(pod.key, id);
      members.push([]);
      traits.push(pod.traits);
    }
    of[i] = id;
    members[id].push(i);
  });
  return { of, members, traits };
}

/** Every pod its own class: the per-pod engine, kept as the reference the classes are checked against. */
export function singletonClasses(model: ClusterModel): PodClasses {
  return {
    of: Int32Array.from(model.pods, (_, i) => i),
    members: model.pods.map((_, i) => [i]),
    traits: describePods(model).map((pod) => pod.traits),
  };
}
