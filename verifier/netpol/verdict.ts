/** Assembles verdicts from the outcome at each end; shared by both evaluators. */
import * as reasons from "./reasons";
import { Endpoint, Protocol, RuleRef, SideVerdict, TableEntry, Verdict } from "./types";

/** What the policies at one end decided: who isolates it, and the first rule that allows. */
export interface SideOutcome {
  isolatedBy: string[];
  allowedBy: RuleRef | null;
}

export function isSelf(from: Endpoint, to: Endpoint): boolean {
  return (
    from.kind === "pod" && to.kind === "pod" && from.pod.namespace === to.pod.namespace && from.pod.name === to.pod.name
  );
}

function egressVerdict(source: string, destination: string, port: string, outcome: SideOutcome): SideVerdict {
  const { isolatedBy, allowedBy } = outcome;
  const reason =
    isolatedBy.length === 0
      ? reasons.egressNotIsolated(source)
      : allowedBy
        ? reasons.egressAllowedBy(source, allowedBy.policy, allowedBy.rule)
        : reasons.egressDeniedHead(source, isolatedBy) + reasons.destinationPhrase(port, destination);
  return {
    direction: "egress",
    endpoint: source,
    isolatedBy,
    allowedBy,
    allowed: isolatedBy.length === 0 || allowedBy !== null,
    reason,
  };
}

function ingressVerdict(source: string, destination: string, port: string, outcome: SideOutcome): SideVerdict {
  const { isolatedBy, allowedBy } = outcome;
  const reason =
    isolatedBy.length === 0
      ? reasons.ingressNotIsolated(destination)
      : allowedBy
        ? reasons.ingressAllowedBy(destination, allowedBy.policy, allowedBy.rule)
        : reasons.ingressDeniedHead(destination, isolatedBy) + port + reasons.sourcePhrase(source);
  return {
    direction: "ingress",
    endpoint: destination,
    isolatedBy,
    allowedBy,
    allowed: isolatedBy.length === 0 || allowedBy !== null,
    reason,
  };
}

/**
 * `egress` is null when the source is not a pod, `ingress` when the destination is not one.
 * Self traffic is decided before either end is looked at.
 */
export function assembleVerdict(
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol,
  egress: SideOutcome | null,
  ingress: SideOutcome | null,
): Verdict {
  const source = reasons.endpointName(from);
  const destination = reasons.endpointName(to);
  const base = { from: source, to: destination, port, protocol };
  if (isSelf(from, to)) {
    return {
      ...base,
      allowed: true,
      reason: reasons.selfReason(source),
      self: true,
      egress: null,
      ingress: null,
      repliesAllowed: true,
    };
  }
  const text = reasons.portText(port, protocol);
  const egressSide = egress ? egressVerdict(source, destination, text, egress) : null;
  const ingressSide = ingress ? ingressVerdict(source, destination, text, ingress) : null;
  const allowed = (egressSide?.allowed ?? true) && (ingressSide?.allowed ?? true);
  const parts = [egressSide?.reason, ingressSide?.reason].filter((part): part is string => part !== undefined);
  const reason = parts.length > 0 ? parts.join(reasons.SIDE_SEPARATOR) : reasons.noPodReason(source, destination);
  return { ...base, allowed, reason, self: false, egress: egressSide, ingress: ingressSide, repliesAllowed: allowed };
}

/** A verdict as a cell of a table: a pod to itself is marked, with no verdict. */
export function tableEntry(verdict: Verdict): TableEntry {
  const { from, to, port, protocol, allowed, reason } = verdict;
  return verdict.self
    ? { from, to, port, protocol, self: true, reason }
    : { from, to, port, protocol, allowed, reason };
}
