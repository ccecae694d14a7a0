/**
 * The lab at stage allowed-repos, as a stand-in cluster: its namespaces, its two pods and their
 * workloads, Gatekeeper's admission (the ValidatingAdmissionPolicy for Pods, the webhook for the
 * workloads it expands), and the network the stage's NetworkPolicies make: `data` admits only
 * phpMyAdmin on 3306 and sends nothing out; `app` is open.
 *
 * The denials are written here from the sources enforcement.ts cites, not taken from the verifier:
 * they are what the verifier's prediction is checked against. A ValidatingAdmissionPolicy's is
 * apimachinery's NewForbidden (details: name, group, kind) made Invalid and 422 by the apiserver's
 * validating dispatcher, which appends the denial as a cause with only a message; the webhook's is
 * what Gatekeeper answers (403 Forbidden, no details), given `status: Failure` and the prefix
 * naming the webhook by the apiserver's ToStatusErr.
 */
import { IMAGES } from "../../config/images";
import { status, type AdmissionRequest, type KubeObject, type StandInOptions } from "./stand-in";

const ALLOWED: Record<string, string> = {
  app: "docker.io/library/phpmyadmin:",
  data: "docker.io/library/mysql:",
};

export const PHPMYADMIN_POD = "phpmyadmin-6c9d7b8f5-x2x5z";
export const PHPMYADMIN_IP = "10.244.0.10";
export const MYSQL_IP = "10.244.0.11";
export const BINDINGS = [
  "gatekeeper-k8sallowedrepos-allowed-repos-app",
  "gatekeeper-k8sallowedrepos-allowed-repos-data",
];

/** Gatekeeper 3.23's answers for the lab's constraints, with these bindings in place. */
export function gatekeeper(bindings: string[]) {
  return (request: AdmissionRequest): KubeObject | undefined => {
    const prefix = ALLOWED[request.namespace];
    if (prefix === undefined) return undefined;
    const spec =
      request.resource === "pods"
        ? request.object.spec
        : request.resource === "cronjobs"
          ? request.object.spec.jobTemplate.spec.template.spec
          : request.object.spec.template.spec;
    const containers: KubeObject[] = [
      ...(spec.initContainers ?? []),
      ...(spec.containers ?? []),
      ...(spec.ephemeralContainers ?? []),
    ];
    const bad = containers.find((c) => !String(c.image).startsWith(prefix));
    if (bad === undefined) return undefined;
    const text = `container <${bad.name}> has an invalid image repo <${bad.image}>, allowed repos are ["${prefix}"]`;
    const constraint = `allowed-repos-${request.namespace}`;
    const binding = `gatekeeper-k8sallowedrepos-${constraint}`;
    if (request.resource === "pods" && bindings.includes(binding)) {
      const name = request.object.metadata.name;
      const cause = `ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding '${binding}' denied request: ${text}`;
      // The core group is "", which encoding/json leaves out of the details.
      return status(422, "Invalid", `pods "${name}" is forbidden: ${cause}`, {
        name,
        kind: "pods",
        causes: [{ message: cause }],
      });
    }
    const implied = request.resource === "pods" ? "" : "[Implied by expand-workloads] ";
    return status(
      403,
      "Forbidden",
      `admission webhook "validation.gatekeeper.sh" denied the request: [${constraint}] ${implied}${text}`,
    );
  };
}

const labPod = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  container: string,
  image: string,
  ip: string,
): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, labels, uid: `uid-${name}` },
  spec: { containers: [{ name: container, image }] },
  status: {
    phase: "Running",
    podIP: ip,
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [{ name: container, ready: true, state: { running: { startedAt: "2026-01-01T00:00:00Z" } } }],
  },
});

/** The lab's cluster at allowed-repos; `overrides` changes what a test needs changed. */
export function labCluster(overrides: Partial<StandInOptions> = {}): StandInOptions {
  return {
    namespaces: {
      app: { tier: "app", "pod-security.kubernetes.io/enforce": "baseline" },
      data: { tier: "data", "pod-security.kubernetes.io/enforce": "restricted" },
      default: {},
      "kube-system": {},
    },
    objects: [
      labPod(
        "app",
        PHPMYADMIN_POD,
        { app: "phpmyadmin", tier: "app", "pod-template-hash": "6c9d7b8f5" },
        "phpmyadmin",
        IMAGES.phpmyadmin,
        PHPMYADMIN_IP,
      ),
      labPod(
        "data",
        "mysql-0",
        { app: "mysql", tier: "data", "apps.kubernetes.io/pod-index": "0" },
        "mysql",
        IMAGES.mysql,
        MYSQL_IP,
      ),
      // The workloads themselves, so that a dry-run create of them finds them there.
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "phpmyadmin", namespace: "app" } },
      { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "mysql", namespace: "data" } },
    ],
    admit: gatekeeper(BINDINGS),
    network(from, to, host, port) {
      const fromNamespace = from.metadata.namespace;
      if (fromNamespace === "data") return "drop"; // default-deny-all: no egress from data
      if (host === "1.1.1.1") return port === 443 ? "connect" : "drop";
      if (to === undefined) return "drop";
      if (to.metadata.namespace === "data") {
        // allow-from-phpmyadmin-ingress: TCP 3306 from app=phpmyadmin in a namespace tier=app
        const phpmyadmin = from.metadata.labels?.app === "phpmyadmin" && fromNamespace === "app";
        return phpmyadmin && port === 3306 ? "connect" : "drop";
      }
      return to.metadata.name === PHPMYADMIN_POD && port === 80 ? "connect" : "refuse";
    },
    dns: (from) => (from.metadata.namespace === "data" ? "drop" : "answer"),
    listens: { [PHPMYADMIN_POD]: [80], "mysql-0": [3306] },
    bindings: BINDINGS,
    ...overrides,
  };
}

/**
 * The lab at stage app with a trainee's default deny in data (exercises/example), as a stand-in:
 * no Gatekeeper policy (every request admitted, no binding), and the network either enforcing the
 * default deny (nothing into data, nothing out of it) or run by a plugin that enforces no
 * NetworkPolicy at all.
 */
export function defaultDenyExercise(enforced: boolean): StandInOptions {
  return labCluster({
    admit: () => undefined,
    bindings: [],
    network(from, to, host, port) {
      if (enforced && from.metadata.namespace === "data") return "drop";
      if (host === "1.1.1.1") return port === 443 ? "connect" : "drop";
      if (to === undefined) return "drop";
      if (enforced && to.metadata.namespace === "data") return "drop";
      const listens = to.metadata.name === PHPMYADMIN_POD ? port === 80 : port === 3306;
      return listens ? "connect" : "refuse";
    },
    dns: (from) => (enforced && from.metadata.namespace === "data" ? "drop" : "answer"),
  });
}
