/**
 * The cluster the verifier reasons about, built from Kubernetes objects: the lab's own (captured
 * from the Pulumi program) or a folder of manifests. One builder serves both, so the two modes
 * cannot disagree on what a Deployment's pods or a namespace's labels are.
 */
import { DEFAULT_GATEKEEPER_VERSION } from "../config/keys";
import { installFromChart, type GatekeeperInstall } from "./admission/enforcement";
import type { ContainerPortInfo, ExternalPeer, NamespaceInfo, NetworkPolicyObject, PodInfo, Protocol } from "./netpol";
import { validateObjectMeta } from "./kube/names";
import { describeObject } from "./kube/object";
import { PROTOCOLS, validateNetworkPolicy } from "./netpol";

export type KubeObject = Record<string, any>;

/** Where the lab's own objects come from (lab mode), in messages and as their SourcedObject.source. */
export const LAB_SOURCE = "the lab program";

/** Bad input: every problem, each naming where it was found and the object and field. */
export class VerifyInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "VerifyInputError";
  }
}

export interface ClusterModel {
  /** Namespaces with their labels (declared, or referenced with only their name label). */
  namespaces: NamespaceInfo[];
  /** The same namespaces as Namespace objects, for Gatekeeper's namespaceSelector. */
  namespaceObjects: KubeObject[];
  /** One pod per Pod and per workload (named after the workload). */
  pods: PodInfo[];
  externals: ExternalPeer[];
  policies: NetworkPolicyObject[];
  /** The Pods and workloads themselves, as admission reviews them. */
  admissionObjects: KubeObject[];
  templates: KubeObject[];
  constraints: KubeObject[];
  expansionTemplates: KubeObject[];
  /** Where each object came from (a file, or the lab program), for messages. */
  sources: Map<KubeObject, string>;
  /** The Gatekeeper that enforces the constraints: where, and what a denial says. */
  gatekeeper: GatekeeperInstall;
}

/**
 * Manifests carry no Gatekeeper install: they are judged as the lab's default chart with its
 * default values would enforce them (a ValidatingAdmissionPolicy per CEL template and a binding
 * per constraint, the webhook on every resource).
 */
export const DEFAULT_GATEKEEPER = installFromChart(
  DEFAULT_GATEKEEPER_VERSION,
  {},
  `Gatekeeper ${DEFAULT_GATEKEEPER_VERSION} with its chart's default values`,
);

/** Where a workload kind keeps its pod template. */
export const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** An object with where it came from, for messages. */
export interface SourcedObject {
  object: KubeObject;
  /** A file path, or "the lab" for captured objects. */
  source: string;
}

const isRecord = (value: unknown): value is KubeObject =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function at(object: KubeObject, path: string[]): unknown {
  return path.reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), object);
}

function containerPorts(spec: unknown, where: string, problems: string[]): ContainerPortInfo[] {
  const ports: ContainerPortInfo[] = [];
  const containers = isRecord(spec) && Array.isArray(spec.containers) ? spec.containers : [];
  containers.forEach((container: unknown, c: number) => {
    if (!isRecord(container) || !Array.isArray(container.ports)) return;
    container.ports.forEach((port: unknown, p: number) => {
      const field = `containers[${c}].ports[${p}]`;
      if (
        !isRecord(port) ||
        !Number.isInteger(port.containerPort) ||
        port.containerPort < 1 ||
        port.containerPort > 65535
      ) {
        problems.push(`${where}: ${field}.containerPort: expected an integer from 1 to 65535`);
        return;
      }
      const protocol = (port.protocol ?? "TCP") as Protocol;
      if (!PROTOCOLS.includes(protocol)) {
        problems.push(
          `${where}: ${field}.protocol: ${JSON.stringify(port.protocol)} is not one of ${PROTOCOLS.join(", ")}`,
        );
        return;
      }
      ports.push({ ...(typeof port.name === "string" ? { name: port.name } : {}), port: port.containerPort, protocol });
    });
  });
  return ports;
}

/** The kinds Gatekeeper's constraints have: any kind of the constraints.gatekeeper.sh group. */
const isConstraint = (object: KubeObject) =>
  typeof object.apiVersion === "string" && object.apiVersion.startsWith("constraints.gatekeeper.sh/");

/**
 * Builds the model from objects. Every malformed object is reported (file, object and field), all
 * at once, as a VerifyInputError.
 */
export function buildModel(
  objects: SourcedObject[],
  externals: ExternalPeer[] = [],
  gatekeeper: GatekeeperInstall = DEFAULT_GATEKEEPER,
): ClusterModel {
  const problems: string[] = [];
  const namespaces = new Map<string, NamespaceInfo>();
  const namespaceObjects = new Map<string, KubeObject>();
  const referenced = new Set<string>();
  const model: ClusterModel = {
    namespaces: [],
    namespaceObjects: [],
    pods: [],
    externals,
    policies: [],
    admissionObjects: [],
    templates: [],
    constraints: [],
    expansionTemplates: [],
    sources: new Map(),
    gatekeeper,
  };

  for (const { object, source } of objects) {
    model.sources.set(object, source);
    const where = `${source}: ${describeObject(object)}`;
    if (!isRecord(object.metadata) || typeof object.metadata.name !== "string" || object.metadata.name === "") {
      problems.push(`${source}: ${object.kind ?? "object"}: metadata.name: missing`);
      continue;
    }
    if (object.kind !== "NetworkPolicy") {
      // A NetworkPolicy's metadata is checked with the rest of it, by validateNetworkPolicy.
      const before = problems.length;
      validateObjectMeta(object, (path, problem) => problems.push(`${where}: ${path}: ${problem}`));
      if (problems.length > before) continue;
    }
    const name: string = object.metadata.name;
    const namespace: string | undefined = object.metadata.namespace;
    const labels: Record<string, string> = isRecord(object.metadata.labels) ? object.metadata.labels : {};
    if (object.kind === "Namespace" && object.apiVersion === "v1") {
      namespaces.set(name, { name, labels });
      namespaceObjects.set(name, object);
      continue;
    }
    const namespaced = ["Pod", "NetworkPolicy", ...Object.keys(POD_TEMPLATE_PATHS)].includes(object.kind);
    if (namespaced && !namespace) {
      // kubectl would put it in the context's namespace; the verifier refuses to guess which.
      problems.push(`${where}: metadata.namespace: missing`);
      continue;
    }
    if (namespace) referenced.add(namespace);
    if (object.kind === "Pod") {
      const ip = at(object, ["status", "podIP"]);
      model.pods.push({
        namespace: namespace!,
        name,
        labels,
        ...(typeof ip === "string" ? { ip } : {}),
        ports: containerPorts(object.spec, where, problems),
      });
      model.admissionObjects.push(object);
    } else if (POD_TEMPLATE_PATHS[object.kind]) {
      const template = at(object, POD_TEMPLATE_PATHS[object.kind]);
      if (!isRecord(template)) {
        problems.push(`${where}: ${POD_TEMPLATE_PATHS[object.kind].join(".")}: missing`);
        continue;
      }
      const templateLabels =
        isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
      model.pods.push({
        namespace: namespace!,
        name,
        labels: templateLabels,
        ports: containerPorts(template.spec, where, problems),
      });
      model.admissionObjects.push(object);
    } else if (object.kind === "NetworkPolicy") {
      const invalid = validateNetworkPolicy(object);
      if (invalid.length > 0) problems.push(...invalid.map((problem) => `${source}: ${problem}`));
      else model.policies.push(object as NetworkPolicyObject);
    } else if (object.kind === "ConstraintTemplate") {
      model.templates.push(object);
    } else if (object.kind === "ExpansionTemplate") {
      model.expansionTemplates.push(object);
    } else if (isConstraint(object)) {
      model.constraints.push(object);
    }
  }
  if (problems.length > 0) throw new VerifyInputError(problems);

  // A namespace that is referenced but not declared exists with only its name label.
  for (const name of referenced) {
    if (!namespaces.has(name)) {
      namespaces.set(name, { name, labels: {} });
      namespaceObjects.set(name, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    }
  }
  model.namespaces = [...namespaces.values()];
  model.namespaceObjects = [...namespaceObjects.values()].map((ns) => ({
    ...ns,
    // The API server sets this label on every namespace; Gatekeeper's namespaceSelector sees it.
    metadata: {
      ...ns.metadata,
      labels: { ...(ns.metadata.labels ?? {}), "kubernetes.io/metadata.name": ns.metadata.name },
    },
  }));
  return model;
}
