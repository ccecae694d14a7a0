/**
 * The lab's configuration keys: their types, defaults and descriptions.
 *
 * This table is the single source of the defaults the program applies. `Pulumi.yaml` declares the
 * same keys as a typed project-config schema so that `pulumi config` and the Pulumi Cloud console
 * can show them; `tests/config-schema.test.ts` fails when the two disagree.
 */

/** The project name, which is also the config namespace of every key below. */
export const PROJECT = "k8s-hardening-lab";

/** The stages of the lab, in order; each contains everything of the stages before it. */
export const STAGES = ["app", "default-deny", "allow-phpmyadmin", "allowed-repos", "zero-trust"] as const;
export type Stage = (typeof STAGES)[number];

/** The lab's two namespaces: phpMyAdmin's and MySQL's, the only ones a trainee's policies may go in. */
export const APP_NAMESPACE = "app";
export const DATA_NAMESPACE = "data";

/** A stage given as a name or a number (1 to 5); undefined when it is neither. */
export function stageFrom(text: string): Stage | undefined {
  if ((STAGES as readonly string[]).includes(text)) return text as Stage;
  return /^[1-5]$/.test(text) ? STAGES[Number(text) - 1] : undefined;
}

/** The Gatekeeper chart installed unless `gatekeeperVersion` says otherwise: the newest stable 3.x. */
export const DEFAULT_GATEKEEPER_VERSION = "3.23.0";

/**
 * The oldest chart accepted: the oldest for which every claim of docs/lab.md holds. Gatekeeper
 * gives the ValidatingAdmissionPolicies it generates the webhook's scope (its rules, its
 * namespaceSelector, the `--exempt-namespace` list) only with `--sync-vap-enforcement-scope`,
 * which 3.21.0 brings (alpha, off by default, set through the chart value
 * `syncVAPEnforcementScope`, which the lab sets on 3.21.x) and 3.22.0 turns on. Without it a
 * policy matches every resource in every namespace, so it never sees the ephemeral containers
 * `kubectl debug` adds (a subresource, which the webhook's rules name and `*` does not cover) and
 * judges in the namespaces the webhook leaves out. 3.17.0 to 3.20.x have no such flag (and
 * 3.17.0's chart fails `helm lint` whatever the values: its PodDisruptionBudget template trims
 * its `---` onto `apiVersion`). The template's Rego twin, in a `code` block with
 * `version: "v1"`, is read as Rego v1 from 3.19 on.
 */
export const MIN_GATEKEEPER_VERSION = "3.21.0";

export type KeyType = "string" | "integer" | "array";

export interface KeySpec {
  type: KeyType;
  /** The default, as Pulumi.yaml declares it. An empty string means "unset". */
  default: string | number | string[];
  /** Set with `pulumi config set --secret`; a plaintext value is rejected. */
  secret?: boolean;
  description: string;
}

/**
 * Every key the lab reads. A key in the `k8s-hardening-lab` namespace that is not here is
 * rejected as a likely typo.
 */
export const CONFIG_KEYS = {
  stage: {
    type: "string",
    default: "zero-trust",
    description:
      "How far the lab goes: app, default-deny, allow-phpmyadmin, allowed-repos or zero-trust (or 1 to 5). Each stage contains all the stages before it.",
  },
  exercise: {
    type: "string",
    default: "",
    description:
      "A folder of the trainee's own NetworkPolicies and Gatekeeper policies (YAML), relative to the project root or absolute. When set, the lab is deployed as at stage app with the trainee's objects instead of the lab's own policies, and stage names the claims they are graded against (npm run verify). Empty: the lab's own policies.",
  },
  kubeconfig: {
    type: "string",
    default: "",
    secret: true,
    description:
      "Bring your own cluster: a kubeconfig (set with --secret) of a cluster with a NetworkPolicy engine such as Calico. When set, no Azure resource is created. Empty: create an AKS cluster.",
  },
  nodeCount: {
    type: "integer",
    default: 2,
    description: "Nodes in the AKS system node pool (1 to 100).",
  },
  nodeVmSize: {
    type: "string",
    default: "Standard_D2s_v5",
    description: "Azure VM size of the AKS nodes; the default is a 2-vCPU general-purpose size.",
  },
  kubernetesVersion: {
    type: "string",
    default: "",
    description: "AKS Kubernetes version such as 1.33 or 1.33.2. Empty: the region's default version.",
  },
  gatekeeperVersion: {
    type: "string",
    default: DEFAULT_GATEKEEPER_VERSION,
    description: `Version of the OPA Gatekeeper Helm chart (${MIN_GATEKEEPER_VERSION} or later 3.x, the first whose generated ValidatingAdmissionPolicies can take the webhook's scope).`,
  },
  gatekeeperReplicas: {
    type: "integer",
    default: 2,
    description:
      "Replicas of the Gatekeeper controller manager, which serves the admission webhook (1 to 10). At least 2, spread over nodes, so that draining a node (AKS upgrades do) never leaves the webhook without a pod.",
  },
  webhookFailurePolicy: {
    type: "string",
    default: "Fail",
    description:
      "What the API server does when Gatekeeper's webhook cannot answer: Fail (reject; the default, a hardening lab does not fail open) or Ignore.",
  },
  allowedReposApp: {
    type: "array",
    default: ["docker.io/library/phpmyadmin:"],
    description:
      "Image prefixes admitted in the app namespace from the stage allowed-repos on. End each with /, : or @ so that no look-alike repository is admitted.",
  },
  allowedReposData: {
    type: "array",
    default: ["docker.io/library/mysql:"],
    description:
      "Image prefixes admitted in the data namespace from the stage allowed-repos on. End each with /, : or @ so that no look-alike repository is admitted.",
  },
  phpMyAdminExposure: {
    type: "string",
    default: "port-forward",
    description:
      "How trainees reach phpMyAdmin: port-forward (a ClusterIP Service and kubectl port-forward) or loadbalancer (a public load balancer limited to allowedSourceRanges).",
  },
  allowedSourceRanges: {
    type: "array",
    default: [],
    description: "CIDRs allowed to reach phpMyAdmin's load balancer; required with phpMyAdminExposure=loadbalancer.",
  },
  mysqlRootPassword: {
    type: "string",
    default: "",
    secret: true,
    description:
      "MySQL root password (set with --secret). Empty: a random password is generated and kept secret in state.",
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
export const CONFIG_KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[];
