/**
 * The public shapes of the NetworkPolicy evaluator. Inputs are plain data so that callers can feed
 * objects parsed from YAML or built by the Pulumi program alike.
 */

export type Protocol = "TCP" | "UDP" | "SCTP";

/** The protocols networking.k8s.io/v1 accepts, in the order error messages list them. */
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

/** A namespace and its labels. The engine adds `kubernetes.io/metadata.name` itself, as the API server does. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
}

export interface ContainerPortInfo {
  /** The container port's name, which named ports in policies resolve against. */
  name?: string;
  port: number;
  protocol: Protocol;
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** The pod's address when known; only then can an ipBlock peer match the pod. */
  ip?: string;
  ports: ContainerPortInfo[];
}

/** An address outside the cluster (the internet, a client behind a load balancer). */
export interface ExternalPeer {
  name: string;
  ip: string;
}

export type Endpoint = { kind: "pod"; pod: PodInfo } | { kind: "external"; external: ExternalPeer };

/** A NetworkPolicy as parsed from YAML; `spec` is checked by validateNetworkPolicy, not by the type. */
export interface NetworkPolicyObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string };
  spec: any;
}

export interface EngineInput {
  namespaces: NamespaceInfo[];
  pods: PodInfo[];
  policies: NetworkPolicyObject[];
}

/** The rule that let a connection through: the policy as `namespace/name` and the rule's 1-based position. */
export interface RuleRef {
  policy: string;
  rule: number;
}

/** One end of a connection: the source's egress or the destination's ingress. */
export interface SideVerdict {
  direction: "egress" | "ingress";
  /** The endpoint whose policies were applied, as `namespace/name`. */
  endpoint: string;
  /** The policies isolating this endpoint for this direction, sorted; empty when it is not isolated. */
  isolatedBy: string[];
  allowed: boolean;
  /** The first rule (policies sorted by namespace/name, rules in order) that allows the connection. */
  allowedBy: RuleRef | null;
  reason: string;
}

/**
 * The judgement of one connection, made for its initiator: `from` opens a connection to `to`.
 * NetworkPolicies are stateful, so replies of an allowed connection always flow back, whatever
 * the policies say about traffic initiated in the other direction; `repliesAllowed` says so
 * explicitly. A connection is allowed when the source's egress and the destination's ingress
 * both allow it.
 */
export interface Verdict {
  allowed: boolean;
  reason: string;
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  /**
   * A pod reaching its own address: Kubernetes leaves whether its policies apply to the network
   * plugin (the upstream conformance tests skip these cells), so no table gives it a verdict.
   * `allowed` is then true, the connection being judged by neither end.
   */
  self: boolean;
  /** The source's egress; null when the source is external (only pods have policies) or for self traffic. */
  egress: SideVerdict | null;
  /** The destination's ingress; null when the destination is external or for self traffic. */
  ingress: SideVerdict | null;
  /** True exactly when the connection is allowed: replies are never judged on their own. */
  repliesAllowed: boolean;
}

interface Cell {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  reason: string;
}

/** A cell NetworkPolicy semantics decide: allowed or denied. */
export interface JudgedCell extends Cell {
  allowed: boolean;
  self?: never;
}

/**
 * A pod to its own address, which Kubernetes leaves to the network plugin: marked, with no
 * verdict, and kept out of every count, class, summary and claim.
 */
export interface SelfCell extends Cell {
  self: true;
}

/**
 * One cell of a truth table. `from` is `NS/NAME` for pods, `external:NAME` for externals; `to` is
 * `NS/NAME`. A cell has `allowed`, or `self: true`, never both: read `self` first.
 */
export type TableEntry = JudgedCell | SelfCell;
