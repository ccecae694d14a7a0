/** Endpoints as the fast engine handles them: the model's own pods by index, anything else by value. */
import { hasBit } from "./bitset";
import { IpAddress } from "./ip";
import { peerMatches, portsMatch } from "./matching";
import { ClusterModel, endpointAddress, labelsOfNamespace, resolveEndpoint } from "./model";
import { ClusterIndex } from "./precompute";
import { Endpoint, PodInfo, Protocol } from "./types";

export interface Located {
  endpoint: Endpoint;
  /** Index among the model's pods, -1 for externals and for pods the model does not have. */
  index: number;
  address: IpAddress | undefined;
}

export function locate(model: ClusterModel, endpoint: Endpoint): Located {
  const resolved = resolveEndpoint(model, endpoint);
  const index = resolved.kind === "pod" ? (model.podIndex.get(`${resolved.pod.namespace}/${resolved.pod.name}`) ?? -1) : -1;
  return { endpoint: resolved, index, address: index >= 0 ? model.podAddresses[index] : endpointAddress(resolved) };
}

/**
 * The first of the rules (ids in search order) that matches the peer and port, or -1. A model pod
 * is looked up in the rule's precomputed peer set; other endpoints are matched against the peers.
 */
export function firstMatchingRule(
  model: ClusterModel,
  index: ClusterIndex,
  ruleIds: readonly number[],
  peer: Located,
  destination: PodInfo | null,
  port: number,
  protocol: Protocol,
): number {
  const namespaceLabels = (namespace: string) => labelsOfNamespace(model, namespace);
  for (const id of ruleIds) {
    const { rule, peerPods } = index.rules[id];
    if (!portsMatch(rule.ports, port, protocol, destination)) continue;
    if (peerPods === null) return id;
    const peerMatched =
      peer.index >= 0
        ? hasBit(peerPods, peer.index)
        : rule.peers!.some((candidate) => peerMatches(candidate, peer.endpoint, peer.address, namespaceLabels));
    if (peerMatched) return id;
  }
  return -1;
}
