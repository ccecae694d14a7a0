/**
 * Gatekeeper's rules for the Rego of a ConstraintTemplate, as its docs state them and its Rego
 * driver enforces them (frameworks' constraint/pkg/client/drivers/rego and regorewriter;
 * https://open-policy-agent.github.io/gatekeeper/website/docs/constrainttemplates):
 *
 * - Rego goes either in the legacy `spec.targets[].rego` field, always read as Rego v0, or in a
 *   `code` block `{engine: Rego, source: {rego, libs?, version?}}`; only `version: "v1"`
 *   (Gatekeeper 3.19 and later) selects Rego v1, any other value silently means v0. The legacy
 *   field overrides a Rego code block.
 * - A template may import only `data.lib.*` and `future.*`: `import rego.v1` is refused with
 *   `invalid import: bad import: "rego.v1"`, `import input…` with `cannot import input`.
 * - It must define `violation`; outside `data.lib` it may read `data.inventory` only (referential
 *   rules, on by default).
 * - Gatekeeper disables `http.send`.
 *
 * OPA itself (`opa test`) accepts what these rules refuse, so they are checked here. The check
 * reads the text after removing comments and string literals; it does not parse Rego, so it
 * judges only the rules above, never the policy's logic.
 */
import { isRecord } from "../../verifier/kube/object";

/** The Rego Gatekeeper's Rego engine would compile for a template, and how it would read it. */
export interface RegoInTemplate {
  /** Where it comes from, for messages. */
  field: string;
  rego: string;
  /** The Rego version Gatekeeper reads it as. */
  version: "v0" | "v1";
}

/** The Rego of a template's (only) target, as Gatekeeper's conversion picks it; undefined if none. */
export function regoOf(template: unknown): RegoInTemplate | undefined {
  const spec = isRecord(template) && isRecord(template.spec) ? template.spec : {};
  const target = Array.isArray(spec.targets) && isRecord(spec.targets[0]) ? spec.targets[0] : {};
  // The legacy field wins: Gatekeeper converts it into the Rego code block, overwriting one.
  if (typeof target.rego === "string") return { field: "spec.targets[0].rego", rego: target.rego, version: "v0" };
  const code = Array.isArray(target.code) ? target.code : [];
  const index = code.findIndex((c) => isRecord(c) && c.engine === "Rego");
  if (index < 0) return undefined;
  const source = isRecord(code[index].source) ? code[index].source : {};
  return {
    field: `spec.targets[0].code[${index}].source`,
    rego: typeof source.rego === "string" ? source.rego : "",
    version: source.version === "v1" ? "v1" : "v0",
  };
}

/** The Rego with comments and string literals blanked out, so that only code is searched. */
function codeOnly(rego: string): string {
  return rego.replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*/g, (match) => (match.startsWith("#") ? "" : '""'));
}

/**
 * Why Gatekeeper's Rego engine would refuse this template's Rego, in its own words where it has
 * them; empty when it would accept it. Each problem names the template and the field.
 */
export function regoProblems(template: unknown): string[] {
  const rego = regoOf(template);
  if (rego === undefined) return [];
  const name = isRecord(template) && isRecord(template.metadata) ? String(template.metadata.name) : "?";
  const at = `ConstraintTemplate ${name} ${rego.field}`;
  const problems: string[] = [];
  const spec = isRecord(template) && isRecord(template.spec) ? template.spec : {};
  const target = Array.isArray(spec.targets) && isRecord(spec.targets[0]) ? spec.targets[0] : {};
  const code = Array.isArray(target.code) ? target.code : [];
  if (rego.field === "spec.targets[0].rego" && code.some((c) => isRecord(c) && c.engine === "Rego")) {
    problems.push(`${at}: overrides the Rego code block, and is read as Rego v0; keep the Rego in one place`);
  }
  const source = code.find((c) => isRecord(c) && c.engine === "Rego");
  const version = isRecord(source) && isRecord(source.source) ? source.source.version : undefined;
  if (rego.field !== "spec.targets[0].rego" && version !== undefined && version !== "v1" && version !== "v0") {
    problems.push(`${at}.version: ${JSON.stringify(version)} is read as Rego v0; Gatekeeper knows "v0" and "v1"`);
  }
  const text = codeOnly(rego.rego);
  if (!/^\s*package\s+\S+/m.test(text)) problems.push(`${at}: has no package line (OPA: package expected)`);
  for (const match of text.matchAll(/^\s*import\s+([^\s]+)/gm)) {
    const ref = match[1];
    if (ref === "input" || ref.startsWith("input.") || ref.startsWith("input[")) {
      problems.push(`${at}: invalid import: cannot import input: ${JSON.stringify(ref)}`);
    } else if (!(ref === "data.lib" || ref.startsWith("data.lib.") || ref === "future" || ref.startsWith("future."))) {
      problems.push(
        `${at}: invalid import: bad import: ${JSON.stringify(ref)} (a template imports only data.lib.* and future.*)`,
      );
    }
  }
  if (rego.version === "v0") {
    // Rego v0 knows these keywords only when imported from future.keywords; written without the
    // import, as v1 allows, they fail to parse (rego_parse_error).
    const imported = (keyword: string) =>
      new RegExp(`^\\s*import\\s+future\\.keywords(\\.${keyword})?\\s*$`, "m").test(text);
    const used = [
      /\bif\s*\{/.test(text) && "if",
      /\bcontains\s*[{["\w]/.test(text) && "contains",
      /\bsome\s+\w+(\s*,\s*\w+)?\s+in\b/.test(text) && "in",
      /\bevery\s+\w+/.test(text) && "every",
    ].filter((k): k is string => k !== false && !imported(k));
    if (used.length > 0) {
      problems.push(
        `${at}: is read as Rego v0, where ${used.map((k) => `"${k}"`).join(", ")} need import future.keywords (rego_parse_error); ship Rego v1 in a code block with version "v1"`,
      );
    }
  }
  if (!/^\s*violation\b/m.test(text)) {
    problems.push(`${at}: invalid rego: invalid module: missing required rules: [violation]`);
  }
  const refs = new Set([...text.matchAll(/\bdata\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  for (const ref of [...refs].filter((r) => r !== "lib" && r !== "inventory").sort()) {
    problems.push(`${at}: invalid data references: disallowed ref data.${ref} (only data.lib and data.inventory)`);
  }
  if (/\bhttp\.send\s*\(/.test(text)) {
    problems.push(`${at}: calls http.send, which Gatekeeper disables (undefined function http.send)`);
  }
  return problems;
}
