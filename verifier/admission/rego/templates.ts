/** The Rego-only ConstraintTemplates of a grading run, and the constraints they judge. */
import { regoOf } from "../rego-rules";
import { isRecord } from "../../kube/object";
import type { KubeObject } from "../types";

export interface RegoTemplate {
  /** The template object as given. */
  object: KubeObject;
  name: string;
  /** The constraint kind it defines. */
  kind: string;
  rego: string;
  /** How Gatekeeper reads it: the legacy `rego` field and any version but "v1" are Rego v0. */
  version: "v0" | "v1";
  /** Its `libs`: Rego modules under `data.lib`, read in the same version. */
  libs: string[];
  /** The package of `rego`, as a data reference (`data.k8sallowedrepos`); undefined if none. */
  packageRef?: string;
}

export interface RegoConstraint {
  /** "KIND/NAME", as the admission engine names constraints. */
  id: string;
  kind: string;
  name: string;
  object: KubeObject;
}

/**
 * The templates whose only engine is Rego, and the constraints of their kinds. A template with a
 * K8sNativeValidation block is left to the CEL engine: Gatekeeper evaluates the CEL then, never
 * the Rego beside it.
 */
export function regoOnly(
  templates: object[],
  constraints: object[],
): { templates: RegoTemplate[]; constraints: RegoConstraint[] } {
  const found: RegoTemplate[] = [];
  for (const raw of templates) {
    if (!isRecord(raw)) continue;
    const target = firstTarget(raw);
    const code = Array.isArray(target.code) ? target.code : [];
    if (code.some((c) => isRecord(c) && c.engine === "K8sNativeValidation")) continue;
    const rego = regoOf(raw);
    if (rego === undefined) continue;
    const metadata = isRecord(raw.metadata) ? raw.metadata : {};
    const crd = isRecord(raw.spec) && isRecord(raw.spec.crd) && isRecord(raw.spec.crd.spec) ? raw.spec.crd.spec : {};
    const names = isRecord(crd.names) ? crd.names : {};
    const pkg = /^\s*package\s+([^\s#]+)/m.exec(rego.rego)?.[1];
    found.push({
      object: raw,
      name: typeof metadata.name === "string" ? metadata.name : "",
      kind: typeof names.kind === "string" ? names.kind : "",
      rego: rego.rego,
      version: rego.version,
      libs: libsOf(target, rego.field),
      ...(pkg === undefined ? {} : { packageRef: `data.${pkg}` }),
    });
  }
  const kinds = new Set(found.map((t) => t.kind));
  const judged = constraints.filter(isRecord).flatMap((raw): RegoConstraint[] => {
    const kind = typeof raw.kind === "string" ? raw.kind : "";
    const metadata = isRecord(raw.metadata) ? raw.metadata : {};
    const name = typeof metadata.name === "string" ? metadata.name : "";
    return kinds.has(kind) && name !== "" ? [{ id: `${kind}/${name}`, kind, name, object: raw }] : [];
  });
  return { templates: found, constraints: judged };
}

function firstTarget(template: KubeObject): Record<string, unknown> {
  const spec = isRecord(template.spec) ? template.spec : {};
  return Array.isArray(spec.targets) && isRecord(spec.targets[0]) ? spec.targets[0] : {};
}

/** The libs beside the Rego Gatekeeper picks: the legacy field's, or the code block's source's. */
function libsOf(target: Record<string, unknown>, field: string): string[] {
  const code = Array.isArray(target.code) ? target.code : [];
  const block = code.find((c) => isRecord(c) && c.engine === "Rego");
  const holder =
    field === "spec.targets[0].rego" ? target : isRecord(block) && isRecord(block.source) ? block.source : {};
  return Array.isArray(holder.libs) ? holder.libs.filter((l): l is string => typeof l === "string") : [];
}
