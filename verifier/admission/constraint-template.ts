/**
 * A ConstraintTemplate as the evaluator uses it: its name, the constraint kind it defines,
 * and its K8sNativeValidation code compiled. When a template carries CEL, Gatekeeper
 * evaluates the CEL (even if Rego is present too); a Rego-only template cannot be evaluated
 * here and is reported as such by the engine.
 * https://open-policy-agent.github.io/gatekeeper/website/docs/validating-admission-policy
 */
import { NativeValidation } from "./cel/native-validation";
import { AdmissionInputError } from "./errors";
import { isRecord } from "../kube/object";

export interface CompiledTemplate {
  name: string;
  /** The constraint kind, e.g. K8sAllowedRepos. */
  kind: string;
  /** Undefined for a template that has only Rego. */
  cel?: NativeValidation;
  /** The CEL source's `generateVAP`, when it says; the install's default otherwise. */
  generateVAP?: boolean;
}

const TARGET = "admission.k8s.gatekeeper.sh";
const CEL_ENGINE = "K8sNativeValidation";

/** `where` names the template in problems when it has no usable name (e.g. "templates[2]"). */
export function compileTemplate(raw: unknown, where: string): CompiledTemplate {
  const problems: string[] = [];
  const template = isRecord(raw) ? raw : {};
  const metadata = isRecord(template.metadata) ? template.metadata : {};
  const name = typeof metadata.name === "string" && metadata.name !== "" ? metadata.name : "";
  const owner = name === "" ? where : `ConstraintTemplate ${name}`;
  if (name === "") problems.push(`${where}: metadata.name must be set`);
  if (typeof template.apiVersion !== "string" || !template.apiVersion.startsWith("templates.gatekeeper.sh/")) {
    problems.push(`${owner}: apiVersion must be templates.gatekeeper.sh/v1 (or v1beta1)`);
  }
  if (template.kind !== "ConstraintTemplate") problems.push(`${owner}: kind must be ConstraintTemplate`);
  const spec = isRecord(template.spec) ? template.spec : {};
  const kind = crdKind(spec);
  if (kind === "") problems.push(`${owner}: spec.crd.spec.names.kind must be set`);
  // Gatekeeper refuses a template whose name is not its kind in lower case.
  if (kind !== "" && name !== "" && name !== kind.toLowerCase()) {
    problems.push(`${owner}: metadata.name must be ${kind.toLowerCase()}, the lower-case kind`);
  }
  const target = singleTarget(spec, owner, problems);
  const code = Array.isArray(target?.code) ? target.code.filter(isRecord) : [];
  const celCode = code.find((c) => c.engine === CEL_ENGINE);
  const hasRego = typeof target?.rego === "string" || code.some((c) => c.engine === "Rego");
  if (target !== undefined && celCode === undefined && !hasRego) {
    problems.push(`${owner}: the target has neither rego nor ${CEL_ENGINE} code`);
  }
  let cel: NativeValidation | undefined;
  if (celCode !== undefined && name !== "") {
    try {
      cel = NativeValidation.compile(name, celCode.source);
    } catch (error) {
      if (!(error instanceof AdmissionInputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new AdmissionInputError(problems);
  const generateVAP = isRecord(celCode?.source) ? celCode.source.generateVAP : undefined;
  return { name, kind, cel, ...(typeof generateVAP === "boolean" ? { generateVAP } : {}) };
}

function crdKind(spec: Record<string, unknown>): string {
  const crd = isRecord(spec.crd) ? spec.crd : {};
  const crdSpec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(crdSpec.names) ? crdSpec.names : {};
  return typeof names.kind === "string" ? names.kind : "";
}

function singleTarget(
  spec: Record<string, unknown>,
  owner: string,
  problems: string[],
): Record<string, unknown> | undefined {
  const targets = spec.targets;
  if (!Array.isArray(targets) || targets.length !== 1 || !isRecord(targets[0])) {
    problems.push(`${owner}: spec.targets must hold exactly one target`);
    return undefined;
  }
  if (targets[0].target !== TARGET) {
    problems.push(`${owner}: spec.targets[0].target must be ${TARGET}`);
    return undefined;
  }
  return targets[0];
}
