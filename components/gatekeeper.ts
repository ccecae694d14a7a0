import * as pulumi from "@pulumi/pulumi";
// The module itself, not helm/v3's index: the index also loads the Chart machinery (and its
// dependencies), which costs a trainer's every preview some 60 ms for nothing.
import { Release } from "@pulumi/kubernetes/helm/v3/release";
import { Provider } from "@pulumi/kubernetes/provider";

/** The namespace Gatekeeper runs in. */
export const GATEKEEPER_NAMESPACE = "gatekeeper-system";
export const GATEKEEPER_CHART_REPO = "https://open-policy-agent.github.io/gatekeeper/charts";

/**
 * Namespaces the admission webhook never sees. With `failurePolicy: Fail` a Gatekeeper outage
 * would otherwise block the very pods (DNS, Calico, konnectivity) the cluster needs to heal.
 */
export const WEBHOOK_EXEMPT_NAMESPACES = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "calico-system",
  "tigera-operator",
] as const;

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
export function gatekeeperValues(args: Pick<GatekeeperArgs, "replicas" | "webhookFailurePolicy">) {
  return {
    replicas: args.replicas,
    validatingWebhookFailurePolicy: args.webhookFailurePolicy,
    // The webhook's namespaceSelector skips these, and the controller treats them as exempt too
    // (Gatekeeper refuses exemptions it was not told about).
    validatingWebhookExemptNamespacesLabels: { "kubernetes.io/metadata.name": [...WEBHOOK_EXEMPT_NAMESPACES] },
    controllerManager: { exemptNamespaces: [...WEBHOOK_EXEMPT_NAMESPACES] },
    // Judge the pod templates of workloads at admission (ExpansionTemplates), so a Deployment
    // with a forbidden image fails the `pulumi up` that brings it. On by default; said here
    // because the lab depends on it.
    enableGeneratorResourceExpansion: true,
    enableK8sNativeValidation: true,
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
