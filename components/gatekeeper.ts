import * as pulumi from "@pulumi/pulumi";
// The module itself, not helm/v3's index: the index also loads the Chart machinery (and its
// dependencies), which costs a trainer's every preview some 60 ms for nothing.
import { Release } from "@pulumi/kubernetes/helm/v3/release";
import { Provider } from "@pulumi/kubernetes/provider";

/** The namespace Gatekeeper runs in. */
export const GATEKEEPER_NAMESPACE = "gatekeeper-system";
export const GATEKEEPER_CHART_REPO = "https://open-policy-agent.github.io/gatekeeper/charts";

/**
 * Namespaces the admission webhook is never called for (its namespaceSelector leaves them out;
 * the chart adds gatekeeper-system itself). With `failurePolicy: Fail` a Gatekeeper outage would
 * otherwise block the very pods (DNS, Calico, konnectivity) the cluster needs to heal. The
 * ValidatingAdmissionPolicies Gatekeeper generates take the same namespaceSelector (and the
 * webhook's rules) with `--sync-vap-enforcement-scope`: on by default from 3.22.0, set by the lab
 * on 3.21.x (see gatekeeperValues).
 */
export const WEBHOOK_EXEMPT_NAMESPACES = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "calico-system",
  "tigera-operator",
] as const;

const WRITE = ["CREATE", "UPDATE"];

/**
 * What the validating webhook is called for: what the lab's policies judge, nothing more. The
 * chart's default covers every resource, cluster-scoped ones included (Nodes, CSRs, CRDs,
 * ClusterRoles), which no namespaceSelector can exempt: with `failurePolicy: Fail` an outage of
 * Gatekeeper would then block the cluster's own repairs (Gatekeeper's "failing closed" docs warn
 * of exactly this). So: Pods (and the ephemeral containers `kubectl debug` adds, a subresource),
 * the workloads the ExpansionTemplates expand into Pods, and Gatekeeper's own templates,
 * constraints and ExpansionTemplates, which its webhook checks on admission so that a malformed
 * one fails the `pulumi up` that brings it. Gatekeeper also derives the generated
 * ValidatingAdmissionPolicies' resource rules from these.
 */
export const WEBHOOK_RULES = [
  {
    apiGroups: [""],
    apiVersions: ["v1"],
    operations: WRITE,
    resources: ["pods", "pods/ephemeralcontainers"],
    scope: "Namespaced",
  },
  {
    apiGroups: ["apps"],
    apiVersions: ["v1"],
    operations: WRITE,
    resources: ["deployments", "statefulsets", "daemonsets", "replicasets"],
    scope: "Namespaced",
  },
  {
    apiGroups: ["batch"],
    apiVersions: ["v1"],
    operations: WRITE,
    resources: ["jobs", "cronjobs"],
    scope: "Namespaced",
  },
  {
    apiGroups: ["templates.gatekeeper.sh", "constraints.gatekeeper.sh", "expansion.gatekeeper.sh"],
    apiVersions: ["*"],
    operations: WRITE,
    resources: ["*"],
    scope: "Cluster",
  },
];

export interface GatekeeperArgs {
  provider: Provider;
  /** Chart version, pinned. */
  version: string;
  /** Replicas of the controller manager (the webhook). */
  replicas: number;
  /** What the API server does when the webhook cannot answer. */
  webhookFailurePolicy: "Fail" | "Ignore";
}

/** The Helm values the lab gives the Gatekeeper chart. */
export function gatekeeperValues(args: Pick<GatekeeperArgs, "version" | "replicas" | "webhookFailurePolicy">) {
  const minor = Number(args.version.split(".")[1]);
  return {
    replicas: args.replicas,
    // One pod may be evicted at a time, so a node drain (an AKS upgrade) moves the webhook pod by
    // pod. With a single replica the budget would forbid every eviction and stall the drain, so
    // then it allows them, and the webhook is down while its pod moves (the config warns).
    pdb: { controllerManager: { minAvailable: args.replicas > 1 ? 1 : 0 } },
    controllerManager: {
      // Replicas on different nodes where there are several: a node lost takes one webhook pod,
      // not all. On a one-node lab both run on that node (one topology domain), and an AKS
      // upgrade's surge node takes each in turn. Tainted (cordoned) nodes do not count.
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "DoNotSchedule",
          nodeTaintsPolicy: "Honor",
          labelSelector: { matchLabels: { "gatekeeper.sh/operation": "webhook" } },
        },
      ],
      // `--exempt-namespace` does not keep the webhook away from these namespaces (the
      // namespaceSelector below does). It allows them to carry the label
      // admission.gatekeeper.sh/ignore, which the check-ignore-label webhook refuses elsewhere,
      // and it scopes the ValidatingAdmissionPolicies Gatekeeper generates.
      exemptNamespaces: [...WEBHOOK_EXEMPT_NAMESPACES],
    },
    validatingWebhookFailurePolicy: args.webhookFailurePolicy,
    validatingWebhookCustomRules: WEBHOOK_RULES,
    // The webhook's namespaceSelector skips these namespaces.
    validatingWebhookExemptNamespacesLabels: { "kubernetes.io/metadata.name": [...WEBHOOK_EXEMPT_NAMESPACES] },
    // The webhook that keeps other namespaces from labelling themselves
    // admission.gatekeeper.sh/ignore fails the same way as the main one: failing open would let a
    // namespace labelled during an outage escape every policy for good.
    validatingWebhookCheckIgnoreFailurePolicy: args.webhookFailurePolicy,
    // Said, not left to defaults: Gatekeeper generates a ValidatingAdmissionPolicy
    // `gatekeeper-<template>` for a template with CEL and a binding per constraint, and the API
    // server evaluates those in-process, before the webhook, so a Pod is judged even while the
    // webhook is down. These default to true only from 3.20 (beta), and the chart passes them only
    // when set. Workloads stay the webhook's: expansion is Gatekeeper's alone. The generation
    // runs in the audit pod (the chart's default), which the lab keeps.
    defaultCreateVAPForTemplates: true,
    defaultCreateVAPBindingForConstraints: true,
    // The policies and bindings take the webhook's scope (its rules, so the ephemeral containers
    // `kubectl debug` adds; its namespaceSelector and --exempt-namespace list, so not the system
    // namespaces) only with --sync-vap-enforcement-scope. 3.21 has it as an alpha flag, off, which
    // the chart passes to the audit pod (the one that generates) from this value; 3.22.0 turns it
    // on, and from 3.23.0 setting it at all logs a deprecation error (the flag goes in 3.24), so
    // the lab says it only where it is needed. Older charts are refused by the configuration.
    ...(minor < 22 ? { syncVAPEnforcementScope: true } : {}),
    // Judge the pod templates of workloads at admission (ExpansionTemplates), so a Deployment
    // with a forbidden image fails the `pulumi up` that brings it. On by default; said here
    // because the lab depends on it.
    enableGeneratorResourceExpansion: true,
    enableK8sNativeValidation: true,
    // The chart's default is the one string "{http.send}", braces included, which is passed to
    // --disable-opa-builtin as written and names no builtin. The lab's Rego needs no network.
    disabledBuiltins: ["http.send"],
    // The lab does not mutate; one webhook less to reason about.
    disableMutation: true,
  };
}

/**
 * OPA Gatekeeper from its Helm chart. `helm.v3.Release` runs the chart's hooks (the namespace
 * labelling and webhook probe jobs), which the v4 Chart resource does not.
 */
export class Gatekeeper extends pulumi.ComponentResource {
  readonly release: Release;

  constructor(name: string, args: GatekeeperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:Gatekeeper", name, {}, opts);
    this.release = new Release(
      `${name}-release`,
      {
        // A fixed release name: autonaming would give every preview a different one.
        name: "gatekeeper",
        chart: "gatekeeper",
        version: args.version,
        repositoryOpts: { repo: GATEKEEPER_CHART_REPO },
        namespace: GATEKEEPER_NAMESPACE,
        createNamespace: true,
        // Wait for the webhook and CRDs to be ready: the policy objects depend on this release.
        skipAwait: false,
        timeout: 600,
        cleanupOnFail: true,
        values: gatekeeperValues(args),
      },
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({ release: this.release.status });
  }
}
