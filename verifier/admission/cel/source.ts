/**
 * Reads and compiles the K8sNativeValidation `source` of a ConstraintTemplate (its fields
 * are Gatekeeper's: pkg/drivers/k8scel/schema), collecting every problem before throwing
 * one AdmissionInputError. A compile error reads:
 *   ConstraintTemplate NAME: variables[2].expression "EXPR" does not compile: CEL ERROR
 */
import { AdmissionInputError } from "../errors";
import { isRecord } from "../../kube/object";
import type { CheckScope } from "./check";
import { CelCompileError, compileExpression, type CompiledExpression } from "./compile";

export interface CompiledValidation {
  expression: CompiledExpression;
  messageExpression?: CompiledExpression;
  message?: string;
}

export interface CompiledSource {
  variables: { name: string; expression: CompiledExpression }[];
  matchConditions: { name: string; expression: CompiledExpression }[];
  validations: CompiledValidation[];
  failurePolicy: "Fail" | "Ignore";
}

/** Names Gatekeeper binds itself; a template may not define them. */
const RESERVED_VARIABLES = ["params", "anyObject"];
const RESERVED_PREFIX = "gatekeeper_internal_";
/** `matchCondition` (singular) is the key Gatekeeper reads. */
const SOURCE_FIELDS = ["variables", "validations", "matchCondition", "failurePolicy", "generateVAP"];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Top-level names of Gatekeeper's validation environment (no `params`, no `authorizer`). */
const VALIDATION_IDENTIFIERS = new Set(["object", "oldObject", "request", "namespaceObject", "variables"]);
/** Variables are compiled with the constraint bound as `params`, as Gatekeeper does. */
const VARIABLE_IDENTIFIERS = new Set([...VALIDATION_IDENTIFIERS, "params"]);

/** `owner` prefixes every problem, e.g. "ConstraintTemplate k8sallowedrepos". */
export function compileSource(owner: string, source: unknown): CompiledSource {
  return new SourceCompiler(owner).compile(source);
}

class SourceCompiler {
  private readonly problems: string[] = [];

  constructor(private readonly owner: string) {}

  compile(source: unknown): CompiledSource {
    if (!isRecord(source))
      throw new AdmissionInputError(`${this.owner}: the K8sNativeValidation source must be a mapping`);
    for (const key of Object.keys(source)) {
      if (!SOURCE_FIELDS.includes(key)) {
        this.problems.push(
          `${this.owner}: the K8sNativeValidation source has an unknown field ${key} (Gatekeeper reads ${SOURCE_FIELDS.join(", ")})`,
        );
      }
    }
    const variables = this.compileVariables(source.variables);
    const scope = {
      identifiers: VALIDATION_IDENTIFIERS,
      variables: new Set(["params", "anyObject", ...variables.map((v) => v.name)]),
    };
    const matchConditions = this.list(source.matchCondition, "matchCondition").map((raw, i) => ({
      name: this.text(raw.name, `matchCondition[${i}].name`) ?? "",
      expression: this.expression(raw.expression, `matchCondition[${i}].expression`, scope),
    }));
    const validations = this.list(source.validations, "validations").map((raw, i) =>
      this.validation(raw, `validations[${i}]`, scope),
    );
    const failurePolicy = this.failurePolicy(source.failurePolicy);
    if (this.problems.length > 0) throw new AdmissionInputError(this.problems);
    // No problem means every expression compiled.
    return {
      variables: variables.map((v) => ({ name: v.name, expression: v.expression! })),
      matchConditions: matchConditions.map((m) => ({ name: m.name, expression: m.expression! })),
      validations,
      failurePolicy,
    };
  }

  private compileVariables(raw: unknown): { name: string; expression?: CompiledExpression }[] {
    const defined = ["params", "anyObject"];
    return this.list(raw, "variables").map((v, i) => {
      const name = this.text(v.name, `variables[${i}].name`) ?? "";
      if (RESERVED_VARIABLES.includes(name) || name.startsWith(RESERVED_PREFIX)) {
        this.problems.push(`${this.owner}: variables[${i}].name ${name} is reserved by Gatekeeper`);
      } else if (name !== "" && !IDENTIFIER.test(name)) {
        this.problems.push(`${this.owner}: variables[${i}].name ${JSON.stringify(name)} is not a CEL identifier`);
      } else if (defined.includes(name)) {
        this.problems.push(`${this.owner}: variables[${i}].name ${name} is defined twice`);
      }
      const scope = { identifiers: VARIABLE_IDENTIFIERS, variables: new Set(defined) };
      const expression = this.expression(v.expression, `variables[${i}].expression`, scope);
      defined.push(name);
      return { name, expression };
    });
  }

  private validation(raw: Record<string, unknown>, where: string, scope: CheckScope): CompiledValidation {
    const validation: CompiledValidation = {
      expression: this.expression(raw.expression, `${where}.expression`, scope)!,
    };
    if (raw.messageExpression !== undefined) {
      validation.messageExpression = this.expression(raw.messageExpression, `${where}.messageExpression`, scope);
    }
    if (raw.message !== undefined) validation.message = this.text(raw.message, `${where}.message`);
    return validation;
  }

  private expression(raw: unknown, where: string, scope: CheckScope): CompiledExpression | undefined {
    const text = this.text(raw, where);
    if (text === undefined) return undefined;
    try {
      return compileExpression(text, scope);
    } catch (error) {
      if (!(error instanceof CelCompileError)) throw error;
      this.problems.push(`${this.owner}: ${where} ${JSON.stringify(text)} does not compile: ${error.message}`);
      return undefined;
    }
  }

  private failurePolicy(raw: unknown): "Fail" | "Ignore" {
    if (raw === undefined) return "Fail";
    if (raw === "Fail" || raw === "Ignore") return raw;
    this.problems.push(`${this.owner}: failurePolicy is ${JSON.stringify(raw)}; accepted: Fail, Ignore`);
    return "Fail";
  }

  private list(raw: unknown, where: string): Record<string, unknown>[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw) || !raw.every(isRecord)) {
      this.problems.push(`${this.owner}: ${where} must be a list of mappings`);
      return [];
    }
    return raw;
  }

  private text(raw: unknown, where: string): string | undefined {
    if (typeof raw !== "string" || raw.trim() === "") {
      this.problems.push(`${this.owner}: ${where} must be a non-empty string`);
      return undefined;
    }
    return raw;
  }
}
