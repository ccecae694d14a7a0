/**
 * Whether one rule's peers and ports match one endpoint and port, evaluated from scratch. The
 * naive evaluator uses nothing else; the fast one uses it for endpoints it has not indexed.
 */
import { CompiledPeer, CompiledPolicy, CompiledPort, CompiledRule, ipBlockMatches } from "./compile";
import { IpAddress } from "./ip";
import { selectorMatches } from "../kube/selector";
import { Endpoint, PodInfo, Protocol } from "./types";

export type NamespaceLabelsOf = (namespace: string) => Readonly<Record<string, string>>;

/** A policy applies to the pods of its own namespace that its podSelector matches. */
export function policySelectsPod(policy: CompiledPolicy, pod: PodInfo): boolean {
  return policy.namespace === pod.namespace && selectorMatches(policy.podSelector, pod.labels);
}

/**
 * Selector peers match pods only; an ipBlock matches externals, and pods whose address is known
 * (the API leaves pod addresses to the implementation; Calico matches them).
 */
export function peerMatches(
  peer: CompiledPeer,
  endpoint: Endpoint,
  address: IpAddress | undefined,
  namespaceLabelsOf: NamespaceLabelsOf,
): boolean {
  if (peer.kind === "ipBlock") return address !== undefined && ipBlockMatches(peer, address);
  if (endpoint.kind !== "pod") return false;
  const pod = endpoint.pod;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, namespaceLabelsOf(pod.namespace))) return false;
  } else if (pod.namespace !== peer.ownNamespace) {
    return false;
  }
  return peer.podSelector === null || selectorMatches(peer.podSelector, pod.labels);
}

/**
 * A named port means the destination pod's container port of that name and protocol, for ingress
 * and egress rules alike; it never matches an external destination or an unknown name.
 */
export function portEntryMatches(
  entry: CompiledPort,
  port: number,
  protocol: Protocol,
  destination: PodInfo | null,
): boolean {
  if (entry.protocol !== protocol) return false;
  switch (entry.kind) {
    case "any":
      return true;
    case "range":
      return entry.from <= port && port <= entry.to;
    case "named":
      return (
        destination !== null &&
        destination.ports.some((p) => p.name === entry.name && p.protocol === protocol && p.port === port)
      );
  }
}

export function portsMatch(
  ports: CompiledPort[] | null,
  port: number,
  protocol: Protocol,
  destination: PodInfo | null,
): boolean {
  return ports === null || ports.some((entry) => portEntryMatches(entry, port, protocol, destination));
}

/** A rule matches when one of its peers is the endpoint and one of its ports is the port. */
export function matchesRule(
  rule: CompiledRule,
  peer: Endpoint,
  peerAddress: IpAddress | undefined,
  destination: PodInfo | null,
  port: number,
  protocol: Protocol,
  namespaceLabelsOf: NamespaceLabelsOf,
): boolean {
  return (
    portsMatch(rule.ports, port, protocol, destination) &&
    (rule.peers === null ||
      rule.peers.some((candidate) => peerMatches(candidate, peer, peerAddress, namespaceLabelsOf)))
  );
}
