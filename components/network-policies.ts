import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import type * as inputs from "@pulumi/kubernetes/types/input";
import { Stage, STAGES } from "../config/keys";
import { APP_NAMESPACE, DATA_NAMESPACE, Exposure, MYSQL_LABELS, PHPMYADMIN_LABELS } from "./app";

/** A NetworkPolicy of the lab, as plain data: what the component creates and the tests read. */
export interface LabNetworkPolicy {
  namespace: string;
  name: string;
  spec: inputs.networking.v1.NetworkPolicySpec;
}

const atLeast = (stage: Stage, from: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(from);

/**
 * The NetworkPolicies of a stage, exactly as docs/lab.md lists them. Stages 2 and 3 are the
 * article's two policies, field for field; stage 5 carries out its advice to deny by default in
 * every lab namespace and allow only what the app needs.
 */
export function labNetworkPolicies(stage: Stage, exposure: Exposure): LabNetworkPolicy[] {
  const policies: LabNetworkPolicy[] = [];
  if (atLeast(stage, "default-deny")) {
    policies.push({
      namespace: DATA_NAMESPACE,
      name: "default-deny-all",
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
  }
  if (atLeast(stage, "allow-phpmyadmin")) {
    policies.push({
      namespace: DATA_NAMESPACE,
      name: "allow-from-phpmyadmin-ingress",
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            // One peer holding both selectors: pods labelled app=phpmyadmin AND in a namespace
            // labelled tier=app. Two peers would admit either.
            from: [
              {
                namespaceSelector: { matchLabels: { tier: "app" } },
                podSelector: { matchLabels: { app: "phpmyadmin" } },
              },
            ],
            ports: [{ protocol: "TCP", port: 3306 }],
          },
        ],
      },
    });
  }
  if (atLeast(stage, "zero-trust")) {
    policies.push(
      {
        namespace: APP_NAMESPACE,
        name: "default-deny-all",
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      {
        namespace: APP_NAMESPACE,
        name: "allow-dns-egress",
        spec: {
          podSelector: { matchLabels: { app: PHPMYADMIN_LABELS.app } },
          policyTypes: ["Egress"],
          egress: [
            {
              // Cluster DNS, named by the label Kubernetes sets on every namespace, so that no
              // namespace can claim to be kube-system by labelling itself.
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                },
              ],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
          ],
        },
      },
      {
        namespace: APP_NAMESPACE,
        name: "allow-mysql-egress",
        spec: {
          podSelector: { matchLabels: { app: PHPMYADMIN_LABELS.app } },
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": DATA_NAMESPACE } },
                  podSelector: { matchLabels: { app: MYSQL_LABELS.app } },
                },
              ],
              ports: [{ protocol: "TCP", port: 3306 }],
            },
          ],
        },
      },
    );
    if (exposure.mode === "loadbalancer") {
      policies.push({
        namespace: APP_NAMESPACE,
        name: "allow-from-allowed-sources",
        spec: {
          // The article's "allow from home", limited to phpMyAdmin's port.
          podSelector: { matchLabels: { app: PHPMYADMIN_LABELS.app } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: exposure.allowedSourceRanges.map((cidr) => ({ ipBlock: { cidr } })),
              ports: [{ protocol: "TCP", port: 80 }],
            },
          ],
        },
      });
    }
  }
  return policies;
}

export interface LabNetworkPoliciesArgs {
  provider: Provider;
  stage: Stage;
  exposure: Exposure;
  /** The namespaces' names as outputs, so that each policy waits for its namespace. */
  namespaces: Record<string, pulumi.Output<string>>;
}

/** The lab's NetworkPolicies for the stage. */
export class LabNetworkPolicies extends pulumi.ComponentResource {
  readonly policies: NetworkPolicy[];

  constructor(name: string, args: LabNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:NetworkPolicies", name, {}, opts);
    this.policies = labNetworkPolicies(args.stage, args.exposure).map(
      (policy) =>
        new NetworkPolicy(
          // Named by namespace and policy name, never by position: a stage change then adds or
          // removes policies without replacing the others.
          `${name}-${policy.namespace}-${policy.name}`,
          {
            metadata: { name: policy.name, namespace: args.namespaces[policy.namespace] ?? policy.namespace },
            spec: policy.spec,
          },
          { parent: this, provider: args.provider },
        ),
    );
    this.registerOutputs({});
  }
}
