/** Endpoints as the fast engine handles them: the model's own pods by index and class, anything else by value. */
import { hasBit } from "./bitset";
import { IpAddress } from "./ip";
import { peerMatches, portsMatch } from "./matching";
import { ClusterModel, endpointAddress, labelsOfNamespace } from "./model";
import { podName } from "./reasons";
import { ClusterIndex } from "./precompute";
import { Endpoint, PodInfo, Protocol } from "./types";

export interface Located {
  endpoint: Endpoint;
  /** Index among the model's pods, -1 for externals and for pods the model does not have. */
  index: number;
  /** The pod's class (classes.ts), -1 when index is. */
  cls: number;
  address: IpAddress | undefined;
}

/** A pod named like one of the model's pods is that pod (see resolveEndpoint). */
export function locate(model: ClusterModel, index: ClusterIndex, endpoint: Endpoint): Located {
  const at = endpoint.kind === "pod" ? model.podIndex.get(podName(endpoint.pod)) : undefined;
  if (at === undefined) return { endpoint, index: -1, cls: -1, address: endpointAddress(endpoint) };
  return {
    endpoint: { kind: "pod", pod: model.pods[at] },
    index: at,
    cls: index.classes.of[at],
    address: model.podAddresses[at],
  };
}

/**
 * The first of the rules (ids in search order) that matches the peer and port, or -1. A model pod
 * is looked up, by its class, in the rule's precomputed peer set; other endpoints are matched
 * against the peers.
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
      peer.cls >= 0
        ? hasBit(peerPods, peer.cls)
        : rule.peers!.some((candidate) => peerMatches(candidate, peer.endpoint, peer.address, namespaceLabels));
    if (peerMatched) return id;
  }
  return -1;
}
