/**
 * ExpansionTemplates (`expansion.gatekeeper.sh`): a workload such as a Deployment is also
 * judged as the resource it will generate (a Pod), built from its pod template, so that a
 * constraint on Pods refuses the Deployment at its own admission.
 * https://open-policy-agent.github.io/gatekeeper/website/docs/expansion
 *
 * The resultant follows Gatekeeper's pkg/expansion: the content at `templateSource`
 * (metadata included), with apiVersion/kind from `generatedGVK`, the workload's namespace,
 * the name "<workload name>-<kind>" in lower case, and an ownerReference to the workload.
 * Resultants are expanded again (a CronJob gives a Job, which gives a Pod), at most 30 deep.
 */
import { AdmissionInputError } from "./errors";
import { apiVersionOf, gvkOf, isRecord, nameOf, namespaceOf, objectKey, type GroupVersionKind } from "../kube/object";
import { parseAction } from "./constraint";
import type { EnforcementAction, KubeObject } from "./types";

export interface ApplyTo {
  groups: string[];
  kinds: string[];
  versions: string[];
}

export interface ExpansionTemplate {
  name: string;
  applyTo: ApplyTo[];
  /** A dotted path such as spec.template or spec.jobTemplate.spec.template. */
  templateSource: string;
  generatedGVK: GroupVersionKind;
  /** When set, replaces the enforcementAction of every violation of the resultant. */
  enforcementAction?: EnforcementAction;
}

export interface Resultant {
  object: KubeObject;
  templateName: string;
  enforcementAction?: EnforcementAction;
}

const MAX_DEPTH = 30;

/** Parses one ExpansionTemplate, adding a problem for each of Gatekeeper's validation rules. */
export function parseExpansionTemplate(raw: unknown, where: string, problems: string[]): ExpansionTemplate | undefined {
  const template = isRecord(raw) ? raw : {};
  const name = nameOf(template);
  const owner = name === "" ? where : `ExpansionTemplate ${name}`;
  const before = problems.length;
  if (name === "") problems.push(`${where}: metadata.name must be set`);
  if (name.length >= 64) problems.push(`${owner}: metadata.name must be shorter than 64 characters`);
  if (typeof template.apiVersion !== "string" || !template.apiVersion.startsWith("expansion.gatekeeper.sh/")) {
    problems.push(`${owner}: apiVersion must be expansion.gatekeeper.sh/v1beta1`);
  }
  const spec = isRecord(template.spec) ? template.spec : {};
  const templateSource = typeof spec.templateSource === "string" ? spec.templateSource : "";
  if (templateSource === "") problems.push(`${owner}: spec.templateSource must be set`);
  const generatedGVK = parseGeneratedGVK(spec.generatedGVK, owner, problems);
  const applyTo = parseApplyTo(spec.applyTo, owner, problems);
  if (applyTo.some((a) => applies(a, generatedGVK))) {
    problems.push(`${owner}: it generates ${describe(generatedGVK)} but also applies to it`);
  }
  const enforcementAction =
    spec.enforcementAction === undefined
      ? undefined
      : parseAction(spec.enforcementAction, `${owner}: spec.enforcementAction`, problems);
  if (problems.length > before) return undefined;
  return { name, applyTo, templateSource, generatedGVK, enforcementAction };
}

/** A template whose output is, through others, expanded back into its input never ends. */
export function findExpansionCycles(templates: ExpansionTemplate[]): string[] {
  const successors = (t: ExpansionTemplate): ExpansionTemplate[] =>
    templates.filter((u) => u.applyTo.some((a) => applies(a, t.generatedGVK)));
  const reachesItself = (start: ExpansionTemplate): boolean => {
    const seen = new Set<ExpansionTemplate>();
    const stack = successors(start);
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t === start) return true;
      if (!seen.has(t)) {
        seen.add(t);
        stack.push(...successors(t));
      }
    }
    return false;
  };
  return templates
    .filter(reachesItself)
    .map((t) => `ExpansionTemplate ${t.name}: its output is expanded back into its input (a cycle)`);
}

/** Every resultant of `obj`, deepest first, as Gatekeeper orders them. */
export function expandObject(obj: KubeObject, templates: ExpansionTemplate[]): Resultant[] {
  const resultants: Resultant[] = [];
  expandInto(obj, templates, resultants, 0);
  return resultants;
}

function expandInto(obj: KubeObject, templates: ExpansionTemplate[], out: Resultant[], depth: number): void {
  if (depth >= MAX_DEPTH)
    throw new AdmissionInputError(`${objectKey(obj)}: expansion is more than ${MAX_DEPTH} levels deep`);
  const gvk = gvkOf(obj);
  const direct = templates
    .filter((t) => t.applyTo.some((a) => applies(a, gvk)))
    .map((t) => ({ object: resultantOf(obj, t), templateName: t.name, enforcementAction: t.enforcementAction }));
  for (const r of direct) expandInto(r.object, templates, out, depth + 1);
  out.push(...direct);
}

function resultantOf(parent: KubeObject, template: ExpansionTemplate): KubeObject {
  const source = nestedRecord(parent, template.templateSource.split("."));
  if (source === undefined) {
    throw new AdmissionInputError(
      `ExpansionTemplate ${template.name}: could not find source field "${template.templateSource}" in ${objectKey(parent)}`,
    );
  }
  const resource: KubeObject = structuredClone(source);
  resource.apiVersion = apiVersionOf(template.generatedGVK);
  resource.kind = template.generatedGVK.kind;
  const metadata = isRecord(resource.metadata) ? resource.metadata : {};
  resource.metadata = metadata;
  if (namespaceOf(parent) !== "") metadata.namespace = namespaceOf(parent);
  metadata.name = `${nameOf(parent)}-${template.generatedGVK.kind}`.toLowerCase();
  const owner = { apiVersion: parent.apiVersion, kind: parent.kind, name: nameOf(parent) };
  const refs = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isRecord) : [];
  if (!refs.some((r) => r.apiVersion === owner.apiVersion && r.kind === owner.kind && r.name === owner.name)) {
    metadata.ownerReferences = [...refs, owner];
  }
  return resource;
}

function nestedRecord(obj: KubeObject, path: string[]): Record<string, unknown> | undefined {
  let current: unknown = obj;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

/** Exact membership: ExpansionTemplate applyTo lists take no globs. */
function applies(applyTo: ApplyTo, gvk: GroupVersionKind): boolean {
  return (
    applyTo.groups.includes(gvk.group) && applyTo.versions.includes(gvk.version) && applyTo.kinds.includes(gvk.kind)
  );
}

function describe(gvk: GroupVersionKind): string {
  return `${apiVersionOf(gvk)} ${gvk.kind}`;
}

function parseGeneratedGVK(raw: unknown, owner: string, problems: string[]): GroupVersionKind {
  const gvk = isRecord(raw) ? raw : {};
  const field = (key: string): string => (typeof gvk[key] === "string" ? gvk[key] : "");
  const parsed = { group: field("group"), version: field("version"), kind: field("kind") };
  if (parsed.kind === "" || parsed.version === "") {
    problems.push(`${owner}: spec.generatedGVK needs a version and a kind (group "" is the core group)`);
  }
  return parsed;
}

function parseApplyTo(raw: unknown, owner: string, problems: string[]): ApplyTo[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push(`${owner}: spec.applyTo must list at least one {groups, kinds, versions}`);
    return [];
  }
  return raw.map((entry: unknown, i: number) => {
    const where = `${owner}: spec.applyTo[${i}]`;
    const record = isRecord(entry) ? entry : {};
    const list = (key: string): string[] => {
      const value = record[key];
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) {
        problems.push(`${where}.${key} must be a non-empty list of strings`);
        return [];
      }
      return value;
    };
    return { groups: list("groups"), kinds: list("kinds"), versions: list("versions") };
  });
}
