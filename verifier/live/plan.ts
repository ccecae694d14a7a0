/**
 * How the claims' peers are stood for on a live cluster, and the probe pods the run creates.
 *
 * - The lab's own workloads (phpMyAdmin, MySQL) are probed in place, through `exec`, in a pod the
 *   API server selects by the workload's pod-template labels. Nothing of the lab is changed.
 * - The peers the specification adds and the lab does not run (the intruder in `app`, the outsider
 *   in a namespace without `tier=app`) are pods the run creates, from an image the stage admits,
 *   labelled as probes, and deletes at the end; a later run removes any it left.
 * - The outsider's `default` namespace is replaced by a namespace the run creates and deletes,
 *   PROBE_NAMESPACE: like `default`, it has no `tier` label, and the run creates nothing in a
 *   namespace it does not own (but the intruder, which must be in `app`).
 * - Cluster DNS is probed by resolving a name; the internet by connecting to a public address,
 *   after a control from the outsider (which no NetworkPolicy selects) proves it answers.
 * - A client on the internet reaching the load balancer cannot be placed inside the cluster.
 *
 * The probe labels use keys no selector of the lab uses (tests/live/plan.test.ts holds them to
 * it), so a probe pod is selected by the lab's NetworkPolicies exactly as the peer it stands for.
 */
import { IMAGES } from "../../config/images";
import { POD_TEMPLATE_PATHS, type ClusterModel, type KubeObject } from "../model";
import type { AdmissionEngine } from "../admission";

/** The label every object the run creates carries, and by which a later run finds leftovers. */
export const PROBE_LABEL = "k8s-hardening-lab/verify-probe";
export const PROBE_SELECTOR = `${PROBE_LABEL}=true`;

/** The namespace the run creates for peers outside the lab's namespaces. */
export const PROBE_NAMESPACE = "lab-verify-probes";

/** The namespaces the lab creates; a synthetic peer elsewhere moves to PROBE_NAMESPACE. */
function labNamespaces(model: ClusterModel): string[] {
  return model.admissionObjects.map((o) => String(o.metadata.namespace));
}

export type Peer =
  /** A pod of the lab's own workload, found by its pod-template labels. */
  | { kind: "lab"; ref: string; namespace: string; workload: string; labels: Record<string, string>; container: string }
  /** A pod the run creates. */
  | { kind: "probe"; ref: string; namespace: string; name: string; labels: Record<string, string> }
  | { kind: "dns"; ref: string }
  | { kind: "internet"; ref: string }
  | { kind: "outside"; ref: string; why: string };

/** How a claim's `NS/NAME` or `external:NAME` is stood for on the cluster. */
export function peerFor(ref: string, model: ClusterModel): Peer {
  if (ref === "kube-system/kube-dns") return { kind: "dns", ref };
  if (ref === "external:internet") return { kind: "internet", ref };
  if (ref.startsWith("external:")) {
    return {
      kind: "outside",
      ref,
      why: "a client on the internet reaching the load balancer cannot be placed inside the cluster (a pod's traffic would not come from that source address); check it by hand from an address inside and one outside allowedSourceRanges",
    };
  }
  const [namespace, name] = ref.split("/");
  const workload = model.admissionObjects.find((o) => o.metadata.namespace === namespace && o.metadata.name === name);
  if (workload !== undefined) {
    const template = POD_TEMPLATE_PATHS[workload.kind]?.reduce<any>((at, key) => at?.[key], workload);
    const container = template?.spec?.containers?.[0]?.name ?? name;
    return {
      kind: "lab",
      ref,
      namespace,
      workload: `${workload.kind}/${namespace}/${name}`,
      labels: { ...(template?.metadata?.labels ?? {}) },
      container,
    };
  }
  const pod = model.pods.find((p) => p.namespace === namespace && p.name === name);
  if (pod === undefined) throw new Error(`no peer ${ref} in the lab's model`);
  return {
    kind: "probe",
    ref,
    namespace: labNamespaces(model).includes(namespace) ? namespace : PROBE_NAMESPACE,
    name,
    labels: { ...pod.labels },
  };
}

/** `k=v,k=v`: how the API server's labelSelector parameter spells matchLabels. */
export function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/**
 * The image probe pods run: phpMyAdmin's, which the lab admits in `app` at every stage, and which
 * has bash, coreutils and getent.
 */
export const PROBE_IMAGE = IMAGES.phpmyadmin;

/** The Namespace the run creates for the outsider. */
export function probeNamespace(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: PROBE_NAMESPACE, labels: { [PROBE_LABEL]: "true" } },
  };
}

/**
 * A probe pod: the image's own shell and nothing else running (`sleep`), as restricted as the
 * Pod Security Standards' `restricted` level asks (it runs in `app`, which enforces `baseline`),
 * and stopping by itself after `lifetimeSeconds` should the run be killed before it deletes it.
 */
export function probePod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  container: { name: string; image: string },
  lifetimeSeconds: number,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { ...labels, [PROBE_LABEL]: "true" } },
    spec: {
      automountServiceAccountToken: false,
      restartPolicy: "Never",
      activeDeadlineSeconds: lifetimeSeconds,
      terminationGracePeriodSeconds: 0,
      securityContext: {
        runAsNonRoot: true,
        // www-data in phpMyAdmin's Debian image: bash and /dev/tcp need no privilege.
        runAsUser: 33,
        runAsGroup: 33,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: container.name,
          image: container.image,
          command: ["sleep", String(lifetimeSeconds)],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
        },
      ],
    },
  };
}

/**
 * Why the stage would refuse a probe pod, or undefined when it admits it: the run creates a pod
 * only when the prediction admits it, so a probe never fails on, or slips past, the policy it
 * is there to observe.
 */
export function probeRefusal(engine: AdmissionEngine, pod: KubeObject): string | undefined {
  const result = engine.review(pod, "CREATE");
  if (result.allowed) return undefined;
  const denials = result.violations
    .filter((v) => v.enforcementAction === "deny")
    .map((v) => `[${v.constraint}] ${v.message}`);
  return `the stage would refuse the probe pod ${result.object}: ${denials.join("; ")}`;
}
