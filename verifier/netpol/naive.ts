/**
 * The reference evaluator: every verdict checks every policy, with no index and no cache. It is
 * the benchmark's baseline and the fast engine's oracle, so it stays as plain as the semantics.
 */
import { matchesRule, policySelectsPod } from "./matching";
import {
  buildModel,
  ClusterModel,
  destinationSlots,
  endpointAddress,
  labelsOfNamespace,
  resolveEndpoint,
} from "./model";
import { EngineInput, Endpoint, PodInfo, Protocol, TableEntry, Verdict } from "./types";
import { assembleVerdict, isSelf, SideOutcome, tableEntry } from "./verdict";

function naiveSide(
  model: ClusterModel,
  direction: "ingress" | "egress",
  subject: PodInfo,
  peer: Endpoint,
  destination: PodInfo | null,
  port: number,
  protocol: Protocol,
): SideOutcome {
  const outcome: SideOutcome = { isolatedBy: [], allowedBy: null };
  const peerAddress = endpointAddress(peer);
  const namespaceLabels = (namespace: string) => labelsOfNamespace(model, namespace);
  for (const policy of model.policies) {
    const rules = direction === "ingress" ? policy.ingress : policy.egress;
    if (rules === null || !policySelectsPod(policy, subject)) continue;
    outcome.isolatedBy.push(policy.key);
    if (outcome.allowedBy) continue;
    const rule = rules.find((candidate) =>
      matchesRule(candidate, peer, peerAddress, destination, port, protocol, namespaceLabels),
    );
    if (rule) outcome.allowedBy = { policy: policy.key, rule: rule.number };
  }
  return outcome;
}

/** Judges one connection against every policy of the model. */
export function naiveJudge(
  model: ClusterModel,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol,
): Verdict {
  const source = resolveEndpoint(model, from);
  const target = resolveEndpoint(model, to);
  if (isSelf(source, target)) return assembleVerdict(source, target, port, protocol, null, null);
  const destination = target.kind === "pod" ? target.pod : null;
  const egress =
    source.kind === "pod" ? naiveSide(model, "egress", source.pod, target, destination, port, protocol) : null;
  const ingress = destination ? naiveSide(model, "ingress", destination, source, destination, port, protocol) : null;
  return assembleVerdict(source, target, port, protocol, egress, ingress);
}

/** The same table as NetworkPolicyEngine.truthTable, one naive verdict per cell. */
export function naiveTruthTable(input: EngineInput, sources: Endpoint[]): TableEntry[] {
  const model = buildModel(input);
  const entries: TableEntry[] = [];
  const slots = destinationSlots(model);
  for (const from of sources) {
    for (const slot of slots) {
      const pod = model.pods[slot.pod];
      entries.push(tableEntry(naiveJudge(model, from, { kind: "pod", pod }, slot.port, slot.protocol)));
    }
  }
  return entries;
}
