/**
 * The NetworkPolicy engine: validates and indexes a cluster once, then judges connections and
 * computes truth tables from the indexes. The class is a thin shell over plain functions.
 */
import { firstMatchingRule, locate, Located } from "./locate";
import { buildModel, ClusterModel } from "./model";
import { buildIndex, ClusterIndex, Direction, isolatingPolicies } from "./precompute";
import { fastTruthTable } from "./table";
import { EngineInput, Endpoint, PodInfo, Protocol, TableEntry, Verdict } from "./types";
import { assembleVerdict, isSelf, SideOutcome } from "./verdict";

export class NetworkPolicyEngine {
  private readonly model: ClusterModel;
  private readonly index: ClusterIndex;

  /**
   * Throws an InvalidInputError listing every problem when a policy (or a pod) is invalid. A pod or
   * policy whose namespace is not listed gets a namespace with only its name label.
   */
  constructor(input: EngineInput) {
    this.model = buildModel(input);
    this.index = buildIndex(this.model);
  }

  /**
   * Judges a connection opened by `from` to `to` on `port`/`protocol`. An external source has no
   * egress to check, an external destination no ingress. Replies are not judged: see Verdict.
   */
  judge(from: Endpoint, to: Endpoint, port: number, protocol: Protocol): Verdict {
    const source = locate(this.model, from);
    const target = locate(this.model, to);
    if (isSelf(source.endpoint, target.endpoint))
      return assembleVerdict(source.endpoint, target.endpoint, port, protocol, null, null);
    const destination = target.endpoint.kind === "pod" ? target.endpoint.pod : null;
    const egress =
      source.endpoint.kind === "pod"
        ? this.side(source, source.endpoint.pod, "egress", target, destination, port, protocol)
        : null;
    const ingress = destination ? this.side(target, destination, "ingress", source, destination, port, protocol) : null;
    return assembleVerdict(source.endpoint, target.endpoint, port, protocol, egress, ingress);
  }

  /**
   * Every source × every pod of the engine × every port that pod declares (with its protocol), in
   * the order of `sources`, then pods by namespace/name, then ports as declared.
   */
  truthTable(sources: Endpoint[]): TableEntry[] {
    return fastTruthTable(this.model, this.index, sources);
  }

  private side(
    subject: Located,
    pod: PodInfo,
    direction: Direction,
    peer: Located,
    destination: PodInfo | null,
    port: number,
    protocol: Protocol,
  ): SideOutcome {
    const isolation =
      subject.index >= 0
        ? this.index[direction][subject.index]
        : this.index.isolations.get(isolatingPolicies(this.model, pod, direction), direction);
    const isolatedBy = isolation.policies.map((p) => this.model.policies[p].key);
    const id = firstMatchingRule(this.model, this.index, isolation.rules, peer, destination, port, protocol);
    if (id < 0) return { isolatedBy, allowedBy: null };
    const { policy, rule } = this.index.rules[id];
    return { isolatedBy, allowedBy: { policy: this.model.policies[policy].key, rule: rule.number } };
  }
}
