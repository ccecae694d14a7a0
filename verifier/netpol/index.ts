/**
 * A NetworkPolicy evaluator with the semantics of networking.k8s.io/v1
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
 *
 * Choices the documentation leaves open, or that are easy to get wrong, and what this module does:
 * - Connections are judged for their initiator: A → B needs A's egress and B's ingress to allow it;
 *   its replies then flow back whatever B's own egress says (Verdict.repliesAllowed).
 * - A pod's traffic to its own address is left by Kubernetes to the network plugin (the upstream
 *   conformance tests skip it): a table marks those cells `self`, with no verdict.
 * - policyTypes absent (or []) means Ingress, plus Egress when `egress` has at least one rule, as
 *   the API server defaults it; `egress: []` alone therefore isolates nothing.
 * - A named port resolves against the destination pod's container ports (name and protocol), for
 *   egress rules too; it never matches an external address.
 * - An ipBlock matches externals, and pods whose address is known (PodInfo.ip); selectors never
 *   match externals.
 * - Externals have no policies: from an external only the destination's ingress counts, to an
 *   external only the source's egress.
 * - When several rules allow, the verdict names the first: policies by namespace/name, rules in
 *   order, numbered from 1. Isolating policies are listed in the same order.
 * - Verdicts are computed per class of pods that no policy can tell apart (classes.ts) and handed
 *   to each pod of the class, with its own name in the reason.
 * Reason formats are described in reasons.ts; validation messages in validate.ts.
 */
export type {
  ContainerPortInfo,
  Endpoint,
  EngineInput,
  ExternalPeer,
  JudgedCell,
  NamespaceInfo,
  NetworkPolicyObject,
  PodInfo,
  Protocol,
  RuleRef,
  SelfCell,
  SideVerdict,
  TableEntry,
  Verdict,
} from "./types";
export { PROTOCOLS } from "./types";
export { validateNetworkPolicy } from "./validate";
export { InvalidInputError } from "./model";
export { NetworkPolicyEngine } from "./engine";
export type { EngineOptions } from "./engine";
export type { ClassInfo, ConnectivityOverview, PolicyWeight, Share } from "./overview";
export type { PortSpec } from "./table";
export { naiveTruthTable } from "./naive";
export { tableEntry } from "./verdict";
