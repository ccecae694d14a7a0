/**
 * Where Gatekeeper's verdict is enforced, and what the API server and kubectl then say.
 *
 * Gatekeeper enforces a constraint at two points of the API server's admission chain:
 *
 * 1. A ValidatingAdmissionPolicy `gatekeeper-<template>`, which Gatekeeper generates from a
 *    template's K8sNativeValidation (CEL) code, with one binding per constraint. The API server
 *    evaluates it in-process, before any webhook (kube-apiserver's plugin order:
 *    ValidatingAdmissionPolicy, then ValidatingAdmissionWebhook), and the admission chain stops
 *    at the first denial. It judges only the request's own object: expansion is Gatekeeper's.
 * 2. Gatekeeper's validating webhook `validation.gatekeeper.sh`, which judges every constraint,
 *    and the Pods its ExpansionTemplates generate from a workload.
 *
 * What a client gets for a denial, the Status object whole, from the sources of k8s.io/apiserver
 * (the validating policy dispatcher, admission.NewForbidden, the webhook's ToStatusErr),
 * k8s.io/apimachinery (errors.NewForbidden) and Gatekeeper (pkg/webhook/policy.go,
 * pkg/expansion/aggregate.go); what kubectl prints for it follows by kubectl's rules
 * (verifier/kube/status.ts):
 *
 * - a ValidatingAdmissionPolicy's denial is NewForbidden's Status (message `pods "nginx" is
 *   forbidden: CAUSE`, details name, group and kind, the resource) with the reason made `Invalid`
 *   and the code 422 (Gatekeeper's CEL gives no `reason`), and one cause holding only the message
 *   `ValidatingAdmissionPolicy 'P' with binding 'B' denied request: MSG`; kubectl prints it from
 *   the details, `The pods "nginx" is invalid: : CAUSE` (the cause's empty field gives ": : "),
 *   for `kubectl run` and `create -f` alike;
 * - the webhook's denial is the Status Gatekeeper answers (403 `Forbidden`, its message
 *   `[CONSTRAINT] MSG`, one line per denying constraint, a generated Pod's as `[CONSTRAINT]
 *   [Implied by EXPANSION] MSG`), to which the API server adds `status: Failure` and the prefix
 *   `admission webhook "validation.gatekeeper.sh" denied the request: `; it has no details.
 *   kubectl prints `Error from server (Forbidden): ` before the message, and `kubectl create -f
 *   FILE` adds `error when creating "FILE": ` in between.
 */
import { createHash } from "crypto";
import { gvkOf, nameOf, namespaceOf } from "../kube/object";
import { failure, goQuote, kubectlPrints, type KubectlSource, type Status } from "../kube/status";
import type { AdmissionResult, Enforcement, EnforcementPoint, KubeObject, Violation } from "./types";

/** The webhook's name in Gatekeeper's chart (pkg/webhook/common.go). */
export const GATEKEEPER_WEBHOOK = "validation.gatekeeper.sh";

/** One rule of a ValidatingWebhookConfiguration. */
export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
  scope?: string;
}

/** How a Gatekeeper install enforces its constraints: what its chart values and version decide. */
export interface GatekeeperInstall {
  /** The chart (and Gatekeeper) version. */
  version: string;
  /** `--default-create-vap-for-templates`: a template without `generateVAP` gets a VAP. */
  vapForTemplates: boolean;
  /** `--default-create-vap-binding-for-constraints`: each constraint gets a binding. */
  vapBindings: boolean;
  /**
   * `--sync-vap-enforcement-scope`: the generated policies take the webhook's rules and
   * namespaceSelector. Without it they match every resource (not subresources) in every
   * namespace, and only the constraint's own match narrows them.
   */
  vapScope: boolean;
  /** The webhook's rules; the chart's default covers every resource on CREATE and UPDATE. */
  webhookRules: WebhookRule[];
  /** Namespaces the webhook's namespaceSelector leaves out. */
  exemptNamespaces: string[];
  /** Where these settings come from, said in the report. */
  source: string;
}

/**
 * The chart's default rule: every resource on CREATE and UPDATE, and the subresources it lists
 * (`*` names no subresource), as in its ValidatingWebhookConfiguration template from 3.21 on.
 */
const DEFAULT_WEBHOOK_RULES: WebhookRule[] = [
  {
    apiGroups: ["*"],
    apiVersions: ["*"],
    operations: ["CREATE", "UPDATE"],
    resources: [
      "*",
      ...["ephemeralcontainers", "exec", "log", "eviction", "portforward", "proxy", "attach", "binding", "resize"].map(
        (sub) => `pods/${sub}`,
      ),
      "deployments/scale",
      "replicasets/scale",
      "statefulsets/scale",
      "replicationcontrollers/scale",
      "services/proxy",
      "nodes/proxy",
      "services/status",
    ],
    scope: "*",
  },
];

/**
 * What a generated policy matches without the webhook's scope (Gatekeeper's
 * buildDefaultMatchConstraints): every resource, CREATE and UPDATE, no subresource.
 */
const UNSCOPED_VAP_RULES: WebhookRule[] = [
  { apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["*"] },
];

const RELEASE_NAMESPACE = "gatekeeper-system";

type Version = [number, number, number];
function parseVersion(version: string): Version {
  const [major, minor, patch] = version.split(".").map(Number);
  return [major || 0, minor || 0, patch || 0];
}
const atLeast = (version: string, than: string): boolean => {
  const [a, b] = [parseVersion(version), parseVersion(than)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

/**
 * The install a Gatekeeper chart of `version` makes with `values` (the Helm values), defaults
 * included: the two VAP flags default to true from 3.20.0 and the chart passes them only when
 * set; `--sync-vap-enforcement-scope` exists from 3.21.0 (the chart passes it from
 * `syncVAPEnforcementScope` when set) and defaults to true from 3.22.0; the webhook's
 * namespaceSelector always leaves out the release's own namespace.
 */
export function installFromChart(version: string, values: Record<string, any>, source: string): GatekeeperInstall {
  const defaultVap = atLeast(version, "3.20.0");
  const scopeFlag = atLeast(version, "3.21.0");
  const exemptLabels = values.validatingWebhookExemptNamespacesLabels?.["kubernetes.io/metadata.name"];
  const exempt = Array.isArray(exemptLabels) ? exemptLabels.filter((n): n is string => typeof n === "string") : [];
  const rules = values.validatingWebhookCustomRules;
  return {
    version,
    vapForTemplates:
      typeof values.defaultCreateVAPForTemplates === "boolean" ? values.defaultCreateVAPForTemplates : defaultVap,
    vapBindings:
      typeof values.defaultCreateVAPBindingForConstraints === "boolean"
        ? values.defaultCreateVAPBindingForConstraints
        : defaultVap,
    vapScope:
      scopeFlag && typeof values.syncVAPEnforcementScope === "boolean"
        ? values.syncVAPEnforcementScope
        : atLeast(version, "3.22.0"),
    webhookRules: Array.isArray(rules) && rules.length > 0 ? (rules as WebhookRule[]) : DEFAULT_WEBHOOK_RULES,
    exemptNamespaces: [...new Set([...exempt, RELEASE_NAMESPACE])],
    source,
  };
}

/**
 * The binding Gatekeeper generates for a constraint: `gatekeeper-<constraint>` up to 3.22.0,
 * `gatekeeper-<kind in lower case>-<constraint>` from 3.22.1 (so that constraints of two kinds
 * may share a name), shortened with a hash past 253 characters.
 */
export function vapBindingName(version: string, kind: string, constraint: string): string {
  if (!atLeast(version, "3.22.1")) return `gatekeeper-${constraint}`;
  const name = `gatekeeper-${kind.toLowerCase()}-${constraint}`;
  if (name.length <= 253) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 253 - hash.length - 1).replace(/[-.]+$/, "")}-${hash}`;
}

/** The built-in kinds admission reviews, with their group's resource names. */
const RESOURCES: Record<string, { group: string; resource: string }> = {
  Pod: { group: "", resource: "pods" },
  Deployment: { group: "apps", resource: "deployments" },
  StatefulSet: { group: "apps", resource: "statefulsets" },
  DaemonSet: { group: "apps", resource: "daemonsets" },
  ReplicaSet: { group: "apps", resource: "replicasets" },
  Job: { group: "batch", resource: "jobs" },
  CronJob: { group: "batch", resource: "cronjobs" },
};

/** The request, as admission rules see it. */
export interface Request {
  operation: string;
  /** "" for the object itself, or a subresource such as "ephemeralcontainers". */
  subresource: string;
}

function covered(rules: WebhookRule[], object: KubeObject, request: Request): boolean {
  const gvk = gvkOf(object);
  const base = RESOURCES[gvk.kind]?.resource;
  if (base === undefined) return false;
  const operation = request.operation;
  const scope = namespaceOf(object) === "" ? "Cluster" : "Namespaced";
  const any = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === "*" || v === value);
  // As the API server's rule matcher reads `resources`: `*` is every resource but no
  // subresource, `*/*` every resource and subresource, `pods/*` every subresource of pods.
  const resourceMatches = (entry: string) => {
    const slash = entry.indexOf("/");
    const [res, sub] = slash < 0 ? [entry, ""] : [entry.slice(0, slash), entry.slice(slash + 1)];
    return (res === "*" || res === base) && (sub === "*" || sub === request.subresource);
  };
  return rules.some(
    (rule) =>
      any(rule.apiGroups, gvk.group) &&
      any(rule.apiVersions, gvk.version) &&
      any(rule.operations, operation) &&
      (rule.resources ?? []).some(resourceMatches) &&
      (rule.scope === undefined || rule.scope === "*" || rule.scope === scope),
  );
}

/** What the engine knows of each constraint that judged the object. */
export interface JudgingConstraint {
  kind: string;
  name: string;
  template: string;
  /** The template has CEL, and a VAP is generated from it. */
  hasVap: boolean;
}

/**
 * How a client sends the request, for the kubectl text: a command kubectl prints the API
 * server's error for as it stands (`kubectl run`, `kubectl debug`), or `kubectl create -f FILE`,
 * which names the file.
 */
export type KubectlCommand = { command: "imperative"; text: string } | { command: "create"; file: string };

const constraintName = (v: Violation) => v.constraint.slice(v.constraint.indexOf("/") + 1);

/**
 * The enforcement of a reviewed object: which points judge it, which refuses it first, and what
 * the API server and kubectl say. `matched` are the constraints that selected the object itself
 * (not a resource generated from it).
 */
export function enforce(
  result: AdmissionResult,
  object: KubeObject,
  request: Request,
  matched: JudgingConstraint[],
  install: GatekeeperInstall,
  kubectl: KubectlCommand,
): Enforcement {
  const namespace = namespaceOf(object);
  const exempt = namespace !== "" && install.exemptNamespaces.includes(namespace);
  const webhook = !exempt && covered(install.webhookRules, object, request);
  // With the webhook's scope the policies see what the webhook sees; without it, every resource
  // in every namespace, and the constraint's own match decides.
  const vapSees = install.vapScope ? webhook : covered(UNSCOPED_VAP_RULES, object, request);
  const bindings: Extract<EnforcementPoint, { kind: "ValidatingAdmissionPolicy" }>[] =
    vapSees && install.vapBindings
      ? matched
          .filter((c) => c.hasVap)
          .map((c) => ({
            kind: "ValidatingAdmissionPolicy" as const,
            policy: `gatekeeper-${c.template}`,
            binding: vapBindingName(install.version, c.kind, c.name),
            constraint: `${c.kind}/${c.name}`,
          }))
      : [];
  const points: EnforcementPoint[] = [
    ...bindings,
    ...(webhook ? [{ kind: "webhook" as const, name: GATEKEEPER_WEBHOOK }] : []),
  ];
  const denying = result.violations.filter((v) => v.enforcementAction === "deny");
  const enforcement: Enforcement = { points };
  if (denying.length === 0) return enforcement;

  const resource = RESOURCES[gvkOf(object).kind];
  const name = nameOf(object);
  const vapDenial = bindings.find((b) =>
    denying.some((v) => v.impliedBy === undefined && v.constraint === b.constraint),
  );
  const source: KubectlSource | undefined =
    kubectl.command === "create" ? { verb: "creating", file: kubectl.file } : undefined;
  const printed = (status: Status) => ({
    command: commandLine(kubectl),
    output: kubectlPrints(status, source).replace(/\n$/, ""),
  });
  if (vapDenial !== undefined && resource !== undefined) {
    const message = denying.find((v) => v.impliedBy === undefined && v.constraint === vapDenial.constraint)!.message;
    const cause = `ValidatingAdmissionPolicy '${vapDenial.policy}' with binding '${vapDenial.binding}' denied request: ${message}`;
    const qualified = resource.group === "" ? resource.resource : `${resource.resource}.${resource.group}`;
    // NewForbidden's Status, made Invalid by the dispatcher, with the denial as its one cause.
    const status = failure(422, "Invalid", `${qualified} ${goQuote(name)} is forbidden: ${cause}`, {
      name,
      group: resource.group,
      kind: resource.resource,
      causes: [{ message: cause }],
    });
    return { points, deniedBy: vapDenial, status, kubectl: printed(status) };
  }
  if (webhook) {
    // Gatekeeper writes the constraint's name, then the message (which carries "[Implied by …]").
    const lines = denying.map((v) => `[${constraintName(v)}] ${v.message}`);
    const message = `admission webhook ${goQuote(GATEKEEPER_WEBHOOK)} denied the request: ${lines.join("\n")}`;
    const status = failure(403, "Forbidden", message);
    return { points, deniedBy: { kind: "webhook", name: GATEKEEPER_WEBHOOK }, status, kubectl: printed(status) };
  }
  return enforcement;
}

function commandLine(kubectl: KubectlCommand): string {
  return kubectl.command === "imperative"
    ? kubectl.text
    : `kubectl create -f ${kubectl.file === "STDIN" ? "-" : kubectl.file}`;
}

/**
 * The command a trainee would type: `kubectl run NAME -n NS --image=IMAGE` when it creates
 * exactly this Pod (one container named as the Pod, labelled run=NAME, nothing else: the
 * article's test); `kubectl debug` for an ephemeral container added through its subresource;
 * otherwise `kubectl create -f FILE`.
 */
export function kubectlCommandFor(object: KubeObject, file: string, subresource = ""): KubectlCommand {
  if (subresource === "ephemeralcontainers") {
    const spec = object.spec as Record<string, unknown> | undefined;
    const added = Array.isArray(spec?.ephemeralContainers)
      ? (spec.ephemeralContainers as Record<string, unknown>[])
      : [];
    const last = added[added.length - 1] ?? {};
    // --profile=baseline adds nothing to the container, as the default (legacy) profile does not
    // either, but the default makes kubectl print a deprecation line before any error.
    return {
      command: "imperative",
      text: `kubectl debug ${nameOf(object)} -n ${namespaceOf(object)} --image=${String(last.image)} --container=${String(last.name)} --profile=baseline`,
    };
  }
  const spec = object.spec as Record<string, unknown> | undefined;
  const containers = Array.isArray(spec?.containers) ? (spec.containers as Record<string, unknown>[]) : [];
  const metadata = object.metadata as Record<string, unknown>;
  const name = nameOf(object);
  const runnable =
    gvkOf(object).kind === "Pod" &&
    Object.keys(spec ?? {}).join() === "containers" &&
    containers.length === 1 &&
    Object.keys(containers[0]).sort().join() === "image,name" &&
    containers[0].name === name &&
    JSON.stringify(metadata.labels) === JSON.stringify({ run: name }) &&
    namespaceOf(object) !== "";
  return runnable
    ? {
        command: "imperative",
        text: `kubectl run ${name} -n ${namespaceOf(object)} --image=${String(containers[0].image)}`,
      }
    : { command: "create", file };
}
