/**
 * The cluster as both evaluators see it: validated and compiled policies, namespaces with their
 * automatic name label, pods in a fixed order. Building it is where every input problem is found.
 */
import { CompiledPolicy, compilePolicy } from "./compile";
import { IpAddress, parseIp } from "./ip";
import { NAMESPACE_NAME_LABEL } from "../kube/selector";
import { podName } from "./reasons";
import { EngineInput, Endpoint, PodInfo, PROTOCOLS } from "./types";
import { policyLabel, validateNetworkPolicy } from "./validate";

export interface ClusterModel {
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Sorted by namespace, then name: the order of truth tables. */
  pods: PodInfo[];
  podIndex: ReadonlyMap<string, number>;
  podAddresses: (IpAddress | undefined)[];
  /** Sorted by namespace/name: the order in which rules are searched and isolations listed. */
  policies: CompiledPolicy[];
  policiesByNamespace: ReadonlyMap<string, number[]>;
}

/** Thrown for invalid input; `problems` holds every message, the error's text lists them. */
export class InvalidInputError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid network policy input (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n- ${problems.join("\n- ")}`,
    );
    this.name = "InvalidInputError";
  }
}

/** Code-point order, so tables do not depend on the machine's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePods(a: PodInfo, b: PodInfo): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}

function addressOf(what: string, ip: string, problems: string[]): IpAddress | undefined {
  const address = parseIp(ip);
  if (!address) problems.push(`${what}: ip ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  return address;
}

/** The address of an endpoint, undefined for a pod whose address is unknown; throws for a bad one. */
export function endpointAddress(endpoint: Endpoint): IpAddress | undefined {
  const problems: string[] = [];
  const address =
    endpoint.kind === "external"
      ? addressOf(`external ${endpoint.external.name}`, endpoint.external.ip, problems)
      : endpoint.pod.ip === undefined
        ? undefined
        : addressOf(`pod ${podName(endpoint.pod)}`, endpoint.pod.ip, problems);
  if (problems.length > 0) throw new InvalidInputError(problems);
  return address;
}

function checkPod(pod: PodInfo, problems: string[]): void {
  for (const [i, containerPort] of pod.ports.entries()) {
    const what = `pod ${podName(pod)}: ports[${i}]`;
    if (!Number.isInteger(containerPort.port) || containerPort.port < 1 || containerPort.port > 65535) {
      problems.push(`${what}.port: ${containerPort.port} is not in 1-65535`);
    }
    if (!PROTOCOLS.includes(containerPort.protocol)) {
      problems.push(`${what}.protocol: ${JSON.stringify(containerPort.protocol)} is not one of TCP, UDP, SCTP`);
    }
  }
}

function namespaceLabelsOf(input: EngineInput, problems: string[]): Map<string, Readonly<Record<string, string>>> {
  const labels = new Map<string, Readonly<Record<string, string>>>();
  for (const namespace of input.namespaces) {
    if (labels.has(namespace.name)) problems.push(`namespace ${namespace.name}: listed twice`);
    // The API server sets this label on every namespace and overwrites any other value.
    labels.set(namespace.name, { ...namespace.labels, [NAMESPACE_NAME_LABEL]: namespace.name });
  }
  const mentioned = [
    ...input.pods.map((pod) => pod.namespace),
    ...input.policies.map((policy) => policy.metadata?.namespace),
  ];
  for (const name of mentioned) {
    if (typeof name === "string" && !labels.has(name)) labels.set(name, { [NAMESPACE_NAME_LABEL]: name });
  }
  return labels;
}

/** Validates and compiles the input; throws an InvalidInputError listing every problem. */
export function buildModel(input: EngineInput): ClusterModel {
  const problems: string[] = [];
  const namespaceLabels = namespaceLabelsOf(input, problems);
  const pods = [...input.pods].sort(comparePods);
  const podIndex = new Map<string, number>();
  const podAddresses = pods.map((pod, i) => {
    if (podIndex.has(podName(pod))) problems.push(`pod ${podName(pod)}: listed twice`);
    podIndex.set(podName(pod), i);
    checkPod(pod, problems);
    return pod.ip === undefined ? undefined : addressOf(`pod ${podName(pod)}`, pod.ip, problems);
  });
  const seenPolicies = new Set<string>();
  for (const policy of input.policies) {
    const found = validateNetworkPolicy(policy);
    problems.push(...found);
    const label = policyLabel(policy);
    if (found.length === 0 && seenPolicies.has(label)) problems.push(`NetworkPolicy ${label}: listed twice`);
    seenPolicies.add(label);
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  const policies = input.policies.map(compilePolicy).sort((a, b) => compareText(a.key, b.key));
  const policiesByNamespace = new Map<string, number[]>();
  policies.forEach((policy, i) => {
    const list = policiesByNamespace.get(policy.namespace) ?? [];
    list.push(i);
    policiesByNamespace.set(policy.namespace, list);
  });
  return { namespaceLabels, pods, podIndex, podAddresses, policies, policiesByNamespace };
}

/**
 * A pod named like one of the model's pods is that pod: the model's labels and ports count, so
 * judge() and truth tables agree however the caller built the endpoint.
 */
export function resolveEndpoint(model: ClusterModel, endpoint: Endpoint): Endpoint {
  if (endpoint.kind !== "pod") return endpoint;
  const index = model.podIndex.get(podName(endpoint.pod));
  return index === undefined ? endpoint : { kind: "pod", pod: model.pods[index] };
}

export function labelsOfNamespace(model: ClusterModel, namespace: string): Readonly<Record<string, string>> {
  return model.namespaceLabels.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
}

/** A destination port of a truth table: one per distinct port and protocol a pod declares. */
export interface DestinationSlot {
  pod: number;
  port: number;
  protocol: PodInfo["ports"][number]["protocol"];
}

/** The destination cells of a truth table, in table order: pods in model order, ports as declared. */
export function destinationSlots(model: ClusterModel): DestinationSlot[] {
  const slots: DestinationSlot[] = [];
  model.pods.forEach((pod, i) => {
    const seen = new Set<string>();
    for (const { port, protocol } of pod.ports) {
      if (seen.has(`${port}/${protocol}`)) continue;
      seen.add(`${port}/${protocol}`);
      slots.push({ pod: i, port, protocol });
    }
  });
  return slots;
}
