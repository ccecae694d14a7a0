/**
 * Turns validated NetworkPolicy objects into the shape both evaluators work on, settling the API's
 * defaults once: policyTypes, absent or empty peer and port lists, protocol TCP.
 */
import { canonicalCidr, Cidr, cidrContains, IpAddress, parseCidr } from "./ip";
import { compileLabelSelector, type LabelSelector, type RawLabelSelector } from "../kube/selector";
import { NetworkPolicyObject, Protocol } from "./types";

export type CompiledPort =
  | { kind: "any"; protocol: Protocol }
  | { kind: "range"; protocol: Protocol; from: number; to: number }
  | { kind: "named"; protocol: Protocol; name: string };

export type CompiledPeer =
  | {
      kind: "selector";
      /** The policy's own namespace when namespaceSelector is absent, else null. */
      ownNamespace: string | null;
      namespaceSelector: LabelSelector | null;
      podSelector: LabelSelector | null;
    }
  | { kind: "ipBlock"; cidr: Cidr; except: Cidr[] };

export interface CompiledRule {
  /** 1-based position in the policy's ingress or egress list, as reasons quote it. */
  number: number;
  /** null: every peer (`from`/`to` absent or []). */
  peers: CompiledPeer[] | null;
  /** null: every port of every protocol (`ports` absent or []). */
  ports: CompiledPort[] | null;
}

export interface CompiledPolicy {
  /** `namespace/name`, the policy's name in reasons and its sort key. */
  key: string;
  namespace: string;
  podSelector: LabelSelector;
  /** null when the policy does not isolate for ingress; [] isolates and allows nothing. */
  ingress: CompiledRule[] | null;
  egress: CompiledRule[] | null;
}

// The raw spec has been validated, so its shape is known; `any` keeps the walk readable.
type Raw = any;

function nonEmpty(list: Raw): Raw[] | null {
  return Array.isArray(list) && list.length > 0 ? list : null;
}

/**
 * The directions a policy isolates. policyTypes absent (or empty, which the API server defaults
 * the same way) means Ingress, plus Egress when the policy has egress rules.
 */
export function effectivePolicyTypes(spec: Raw): { ingress: boolean; egress: boolean } {
  const declared = nonEmpty(spec.policyTypes);
  if (declared) return { ingress: declared.includes("Ingress"), egress: declared.includes("Egress") };
  return { ingress: true, egress: nonEmpty(spec.egress) !== null };
}

function compilePeer(peer: Raw, policyNamespace: string): CompiledPeer {
  if (peer.ipBlock) {
    return {
      kind: "ipBlock",
      cidr: parseCidr(peer.ipBlock.cidr) as Cidr,
      except: ((peer.ipBlock.except ?? []) as string[]).map((text) => parseCidr(text) as Cidr),
    };
  }
  const namespaceSelector = peer.namespaceSelector
    ? compileLabelSelector(peer.namespaceSelector as RawLabelSelector)
    : null;
  return {
    kind: "selector",
    ownNamespace: namespaceSelector ? null : policyNamespace,
    namespaceSelector,
    podSelector: peer.podSelector ? compileLabelSelector(peer.podSelector as RawLabelSelector) : null,
  };
}

function compilePort(entry: Raw): CompiledPort {
  const protocol: Protocol = entry.protocol ?? "TCP";
  if (entry.port === undefined || entry.port === null) return { kind: "any", protocol };
  if (typeof entry.port === "string") return { kind: "named", protocol, name: entry.port };
  return { kind: "range", protocol, from: entry.port, to: entry.endPort ?? entry.port };
}

function compileRules(rules: Raw, peerField: "from" | "to", namespace: string): CompiledRule[] {
  return ((rules ?? []) as Raw[]).map((rule, i) => ({
    number: i + 1,
    peers: nonEmpty(rule[peerField])?.map((peer) => compilePeer(peer, namespace)) ?? null,
    ports: nonEmpty(rule.ports)?.map(compilePort) ?? null,
  }));
}

/** Compiles a policy that validateNetworkPolicy accepted. */
export function compilePolicy(policy: NetworkPolicyObject): CompiledPolicy {
  const { namespace, name } = policy.metadata;
  const spec = policy.spec;
  const types = effectivePolicyTypes(spec);
  return {
    key: `${namespace}/${name}`,
    namespace,
    podSelector: compileLabelSelector(spec.podSelector as RawLabelSelector),
    ingress: types.ingress ? compileRules(spec.ingress, "from", namespace) : null,
    egress: types.egress ? compileRules(spec.egress, "to", namespace) : null,
  };
}

export function ipBlockMatches(peer: { cidr: Cidr; except: Cidr[] }, address: IpAddress): boolean {
  return cidrContains(peer.cidr, address) && !peer.except.some((except) => cidrContains(except, address));
}

/** An ipBlock as a reader writes it, `CIDR` or `CIDR except A, B`, networks in canonical form. */
export function ipBlockText(peer: { cidr: Cidr; except: Cidr[] }): string {
  const except = peer.except.length > 0 ? ` except ${peer.except.map(canonicalCidr).join(", ")}` : "";
  return canonicalCidr(peer.cidr) + except;
}
