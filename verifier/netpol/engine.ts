/**
 * The NetworkPolicy engine: validates the cluster, groups its pods into classes that no policy
 * can tell apart (classes.ts) and indexes the classes once, then judges connections, lists the
 * cells asked for and summarises the cluster from the indexes. The class is a thin shell over
 * plain functions.
 */
import { partitionPods, singletonClasses } from "./classes";
import { firstMatchingRule, locate, Located } from "./locate";
import { buildModel, ClusterModel } from "./model";
import { ConnectivityOverview, overview } from "./overview";
import { buildIndex, ClusterIndex, Direction, isolatingPolicies } from "./precompute";
import { podName } from "./reasons";
import { CellRows, ClassPorts, ClassTable, PortSpec } from "./table";
import { EngineInput, Endpoint, ExternalPeer, PodInfo, Protocol, TableEntry, Verdict } from "./types";
import { assembleVerdict, isSelf, SideOutcome, tableEntry } from "./verdict";

export interface EngineOptions {
  /**
   * Give every pod a class of its own instead of grouping the pods no policy can tell apart: the
   * per-pod engine, kept as the reference the classes are checked against. Defaults to false.
   */
  perPod?: boolean;
}

export class NetworkPolicyEngine {
  private readonly model: ClusterModel;
  private readonly index: ClusterIndex;
  /** The table on the ports the pods declare, built on first use. */
  private declared: ClassTable | undefined;

  /**
   * Throws an InvalidInputError listing every problem when a policy (or a pod) is invalid. A pod or
   * policy whose namespace is not listed gets a namespace with only its name label.
   */
  constructor(input: EngineInput, options: EngineOptions = {}) {
    this.model = buildModel(input);
    this.index = buildIndex(this.model, options.perPod ? singletonClasses(this.model) : partitionPods(this.model));
  }

  /**
   * Judges a connection opened by `from` to `to` on `port`/`protocol`. An external source has no
   * egress to check, an external destination no ingress. Replies are not judged: see Verdict.
   */
  judge(from: Endpoint, to: Endpoint, port: number, protocol: Protocol): Verdict {
    const source = locate(this.model, this.index, from);
    const target = locate(this.model, this.index, to);
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
    const entries: TableEntry[] = [];
    for (const entry of this.cells(sources, this.pods())) entries.push(entry);
    return entries;
  }

  /** The engine's pods by namespace/name: the destinations of a truth table. */
  pods(): Endpoint[] {
    return this.model.pods.map((pod) => ({ kind: "pod", pod }));
  }

  /**
   * The cells from each source to each destination, computed as they are taken, so that a caller
   * writing them out holds none: per source in the order given, the engine's pods among the
   * destinations (in the order given), then the other destinations. A pod is judged on each port it
   * declares, or on `ports` when given; any other destination on `ports`, which it then needs.
   */
  *cells(sources: Endpoint[], destinations: Endpoint[], ports?: readonly PortSpec[]): Generator<TableEntry> {
    const { pods, others } = this.split(destinations);
    if (others.length > 0 && ports === undefined)
      throw new Error("cells(): destinations other than the engine's pods need ports");
    const rows = new CellRows(this.model, this.index, this.table(ports), pods, ports);
    for (const source of sources) {
      yield* rows.row(source);
      for (const other of others) {
        for (const { port, protocol } of ports!) {
          yield tableEntry(this.judge(source, other, port, protocol));
        }
      }
    }
  }

  /** How many cells cells() gives for the same arguments, counted without judging any. */
  countCells(sources: Endpoint[], destinations: Endpoint[], ports?: readonly PortSpec[]): number {
    const { pods, others } = this.split(destinations);
    const perSource = ports
      ? (pods.length + others.length) * new Set(ports.map((p) => `${p.port}/${p.protocol}`)).size
      : pods.reduce((sum, p) => sum + new Set(this.model.pods[p].ports.map((q) => `${q.port}/${q.protocol}`)).size, 0);
    return sources.length * perSource;
  }

  /** The classes of pods and what their policies do, over every pod pair and declared port. */
  overview(externals: ExternalPeer[] = []): ConnectivityOverview {
    return overview(this.model, this.index, this.table(undefined), externals);
  }

  private split(destinations: Endpoint[]): { pods: number[]; others: Endpoint[] } {
    const pods: number[] = [];
    const others: Endpoint[] = [];
    for (const destination of destinations) {
      const at = destination.kind === "pod" ? this.model.podIndex.get(podName(destination.pod)) : undefined;
      if (at === undefined) others.push(destination);
      else pods.push(at);
    }
    return { pods, others };
  }

  private table(ports: readonly PortSpec[] | undefined): ClassTable {
    if (ports) return new ClassTable(this.model, this.index, new ClassPorts(this.model, this.index, ports));
    return (this.declared ??= new ClassTable(this.model, this.index, new ClassPorts(this.model, this.index)));
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
      subject.cls >= 0
        ? this.index[direction][subject.cls]
        : this.index.isolations.get(isolatingPolicies(this.model, pod, direction), direction);
    const isolatedBy = isolation.policies.map((p) => this.model.policies[p].key);
    const id = firstMatchingRule(this.model, this.index, isolation.rules, peer, destination, port, protocol);
    if (id < 0) return { isolatedBy, allowedBy: null };
    const { policy, rule } = this.index.rules[id];
    return { isolatedBy, allowedBy: { policy: this.model.policies[policy].key, rule: rule.number } };
  }
}
