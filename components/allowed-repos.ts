import * as pulumi from "@pulumi/pulumi";
// The module itself, not apiextensions' index, which also loads CustomResourcePatch and the CRD
// kinds of apiextensions.k8s.io for nothing (npm run bench).
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Provider } from "@pulumi/kubernetes/provider";
import { ALLOWED_REPOS_KIND, allowedReposTemplate } from "../policies/k8sallowedrepos/template";
import { APP_NAMESPACE, DATA_NAMESPACE } from "./app";

/**
 * The constraint's kind exists only once Gatekeeper has processed the template; the Kubernetes
 * provider gives up on an unknown kind after about 30 seconds. So the template is only ready when
 * its status says the CRD was created (the provider's `pulumi.com/waitFor` annotation, v4.18+),
 * and the constraints depend on it.
 */
export const TEMPLATE_WAIT_FOR = "jsonpath={.status.created}=true";

/** The workloads whose pod templates Gatekeeper judges as Pods at admission. */
export const EXPANSIONS = [
  {
    name: "expand-workloads",
    applyTo: [
      { groups: ["apps"], kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"], versions: ["v1"] },
      { groups: ["batch"], kinds: ["Job"], versions: ["v1"] },
    ],
    templateSource: "spec.template",
  },
  {
    name: "expand-cronjobs",
    applyTo: [{ groups: ["batch"], kinds: ["CronJob"], versions: ["v1"] }],
    templateSource: "spec.jobTemplate.spec.template",
  },
] as const;

export interface AllowedReposArgs {
  provider: Provider;
  /** Gatekeeper's release: its CRDs and webhook must exist before any policy object. */
  gatekeeper: pulumi.Resource;
  /** Image prefixes admitted per namespace. */
  repos: { app: string[]; data: string[] };
  /**
   * The webhook's failure policy, given to the ValidatingAdmissionPolicy Gatekeeper generates
   * from the template, so that both enforcement points fail the same way.
   */
  failurePolicy: "Fail" | "Ignore";
}

/** One constraint: images of Pods in one namespace limited to a list of prefixes. */
export function allowedReposConstraint(name: string, namespace: string, repos: string[]) {
  return {
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind: ALLOWED_REPOS_KIND,
    metadata: { name },
    spec: {
      enforcementAction: "deny",
      match: {
        kinds: [{ apiGroups: [""], kinds: ["Pod"] }],
        // Matched by namespace name, as the article's constraint is.
        namespaces: [namespace],
      },
      parameters: { repos: [...repos] },
    },
  };
}

/**
 * The allowed-repositories admission policy: the `k8sallowedrepos` ConstraintTemplate built from
 * the files in policies/k8sallowedrepos, one constraint per lab namespace, and ExpansionTemplates.
 */
export class AllowedRepos extends pulumi.ComponentResource {
  readonly template: CustomResource;
  readonly constraints: CustomResource[];

  constructor(name: string, args: AllowedReposArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:AllowedRepos", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const template = allowedReposTemplate({ failurePolicy: args.failurePolicy });
    this.template = new CustomResource(
      `${name}-template`,
      {
        ...template,
        metadata: {
          ...template.metadata,
          annotations: { ...template.metadata.annotations, "pulumi.com/waitFor": TEMPLATE_WAIT_FOR },
        },
      },
      { ...childOpts, dependsOn: [args.gatekeeper] },
    );
    this.constraints = [
      { key: "app", namespace: APP_NAMESPACE, repos: args.repos.app },
      { key: "data", namespace: DATA_NAMESPACE, repos: args.repos.data },
    ].map(
      ({ key, namespace, repos }) =>
        new CustomResource(`${name}-${key}`, allowedReposConstraint(`allowed-repos-${namespace}`, namespace, repos), {
          ...childOpts,
          dependsOn: [this.template],
        }),
    );
    for (const expansion of EXPANSIONS) {
      new CustomResource(
        `${name}-${expansion.name}`,
        {
          apiVersion: "expansion.gatekeeper.sh/v1beta1",
          kind: "ExpansionTemplate",
          metadata: { name: expansion.name },
          spec: {
            applyTo: expansion.applyTo.map((rule) => ({
              ...rule,
              groups: [...rule.groups],
              kinds: [...rule.kinds],
              versions: [...rule.versions],
            })),
            templateSource: expansion.templateSource,
            generatedGVK: { group: "", version: "v1", kind: "Pod" },
          },
        },
        { ...childOpts, dependsOn: [args.gatekeeper] },
      );
    }
    this.registerOutputs({});
  }
}
