/**
 * A NetworkPolicy evaluator with the semantics of networking.k8s.io/v1
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
 *
 * Connections are judged for their initiator: a connection from A to B needs A's egress and B's
 * ingress to allow it, and its replies then flow back whatever the policies say about traffic
 * B would initiate (Verdict.repliesAllowed). A pod's traffic to itself is always allowed.
 */
export type {
  ContainerPortInfo,
  Endpoint,
  EngineInput,
  ExternalPeer,
  NamespaceInfo,
  NetworkPolicyObject,
  PodInfo,
  Protocol,
  RuleRef,
  SideVerdict,
  TableEntry,
  Verdict,
} from "./types";
export { PROTOCOLS } from "./types";
export { validateNetworkPolicy } from "./validate";
export { InvalidInputError } from "./model";
export { NetworkPolicyEngine } from "./engine";
export { naiveTruthTable } from "./naive";
