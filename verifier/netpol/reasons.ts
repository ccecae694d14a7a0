/**
 * The wording of verdicts. Both evaluators build their reasons from these functions only, so a
 * fast and a naive table agree to the character. The fast one caches the pieces (heads per
 * endpoint, phrases per port), which is why denials are split into a head and a tail.
 *
 *   egress from app/web allowed: not isolated for egress
 *   egress from app/web allowed by app/allow-dns rule 1
 *   egress from data/mysql denied: isolated by data/default-deny-all, no egress rule allows 53/UDP to kube-system/kube-dns
 *   ingress to data/mysql allowed: not isolated for ingress
 *   ingress to data/mysql allowed by data/allow-from-phpmyadmin-ingress rule 1
 *   ingress to data/mysql denied: isolated by data/default-deny-all, no ingress rule allows 3306/TCP from app/intruder
 *
 * A pod-to-pod reason is the egress part, "; ", then the ingress part. An external source has no
 * egress part and an external destination no ingress part (policies belong to pods only).
 */
import { Endpoint, PodInfo, Protocol } from "./types";

export function podName(pod: PodInfo): string {
  return `${pod.namespace}/${pod.name}`;
}

export function endpointName(endpoint: Endpoint): string {
  return endpoint.kind === "pod" ? podName(endpoint.pod) : `external:${endpoint.external.name}`;
}

export function portText(port: number, protocol: Protocol): string {
  return `${port}/${protocol}`;
}

export function egressNotIsolated(source: string): string {
  return `egress from ${source} allowed: not isolated for egress`;
}

export function egressAllowedBy(source: string, policy: string, rule: number): string {
  return `egress from ${source} allowed by ${policy} rule ${rule}`;
}

export function egressDeniedHead(source: string, isolatedBy: readonly string[]): string {
  return `egress from ${source} denied: isolated by ${isolatedBy.join(", ")}, no egress rule allows `;
}

/** The tail of an egress denial: `53/UDP to kube-system/kube-dns`. */
export function destinationPhrase(port: string, destination: string): string {
  return `${port} to ${destination}`;
}

export function ingressNotIsolated(destination: string): string {
  return `ingress to ${destination} allowed: not isolated for ingress`;
}

export function ingressAllowedBy(destination: string, policy: string, rule: number): string {
  return `ingress to ${destination} allowed by ${policy} rule ${rule}`;
}

export function ingressDeniedHead(destination: string, isolatedBy: readonly string[]): string {
  return `ingress to ${destination} denied: isolated by ${isolatedBy.join(", ")}, no ingress rule allows `;
}

/** The tail of an ingress denial after the port: ` from app/intruder`. */
export function sourcePhrase(source: string): string {
  return ` from ${source}`;
}

export function selfReason(pod: string): string {
  return `${pod} to itself: left to the network plugin (Kubernetes does not say whether NetworkPolicies apply to a pod's traffic to its own address)`;
}

export function noPodReason(source: string, destination: string): string {
  return `${source} to ${destination}: no pod at either end, no policy applies`;
}

export const SIDE_SEPARATOR = "; ";
