/** Small builders for the admission tests: objects as a cluster would receive them. */
import { allowedReposTemplate } from "../../policies/k8sallowedrepos/template";
import { AdmissionEngine, type AdmissionEngineInput } from "../../verifier/admission";

export const LAB_IMAGE = "docker.io/library/phpmyadmin:5.2.3";
export const LAB_REPOS = ["docker.io/library/phpmyadmin:"];

export type Obj = Record<string, unknown>;

export function namespace(name: string, labels: Record<string, string> = {}): Obj {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

/** The lab's namespaces, labelled as in LAB.md. */
export const LAB_NAMESPACES = [
  namespace("app", { tier: "app" }),
  namespace("data", { tier: "data" }),
  namespace("default"),
  namespace("kube-system"),
  namespace("gatekeeper-system"),
];

export interface ContainerSpec {
  name: string;
  image: string;
}

export function pod(
  ns: string,
  name: string,
  containers: ContainerSpec[],
  extra: { labels?: Record<string, string>; spec?: Obj } = {},
): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { containers, ...extra.spec },
  };
}

export function allowedRepos(name: string, repos: string[] | undefined, spec: Obj = {}): Obj {
  return {
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind: "K8sAllowedRepos",
    metadata: { name },
    spec: {
      match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] },
      ...(repos === undefined ? {} : { parameters: { repos } }),
      ...spec,
    },
  };
}

/** The lab's constraint for `app`, as in policies/k8sallowedrepos/samples/lab-app. */
export function labAppConstraint(spec: Obj = {}): Obj {
  return allowedRepos("allowed-repos-app", LAB_REPOS, {
    match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], namespaces: ["app"] },
    ...spec,
  });
}

export function engine(input: Partial<AdmissionEngineInput> = {}): AdmissionEngine {
  return new AdmissionEngine({
    templates: input.templates ?? [allowedReposTemplate()],
    constraints: input.constraints ?? [labAppConstraint()],
    expansionTemplates: input.expansionTemplates ?? [],
    namespaces: input.namespaces ?? LAB_NAMESPACES,
    ...(input.install ? { install: input.install } : {}),
  });
}

/** The message the lab's constraint gives for one bad container. */
export function badImage(container: string, image: string, repos: string[] = LAB_REPOS): string {
  return `container <${container}> has an invalid image repo <${image}>, allowed repos are [${repos.map((r) => `"${r}"`).join(", ")}]`;
}

/** A minimal CEL-only ConstraintTemplate for testing the engine itself. */
export function celTemplate(kind: string, source: Obj): Obj {
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind } } },
      targets: [{ target: "admission.k8s.gatekeeper.sh", code: [{ engine: "K8sNativeValidation", source }] }],
    },
  };
}

export function constraintOf(kind: string, name: string, spec: Obj = {}): Obj {
  return { apiVersion: "constraints.gatekeeper.sh/v1beta1", kind, metadata: { name }, spec };
}
