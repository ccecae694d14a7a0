/**
 * The K8sNativeValidation `source` of a ConstraintTemplate, compiled once and evaluated the
 * way Gatekeeper's k8scel driver does (pkg/drivers/k8scel): Gatekeeper first binds
 * `variables.anyObject` (object, or oldObject when object is null) and `variables.params`
 * (the constraint's spec.parameters, null when absent), then the template's variables in
 * order, each able to use the ones before it. Each validation that is not true yields one
 * message; a validation that fails to evaluate denies (failurePolicy Fail, the default).
 * https://open-policy-agent.github.io/gatekeeper/website/docs/validating-admission-policy
 */
import { isCelError } from "@bufbuild/cel";
import { isRecord, type GroupVersionKind } from "../../kube/object";
import type { KubeObject } from "../types";
import { toCelInput } from "./convert";
import { compileSource, type CompiledSource, type CompiledValidation } from "./source";

/** What one evaluation sees. */
export interface NativeValidationInput {
  object: KubeObject | null;
  oldObject: KubeObject | null;
  /** The whole constraint (variables may read it as `params`, as in Gatekeeper). */
  constraint: KubeObject;
  namespaceObject: KubeObject | null;
  request: { operation: string; kind: GroupVersionKind; name: string; namespace: string };
}

export interface NativeValidationOutcome {
  /** One message per validation that did not hold. */
  messages: string[];
  /** Evaluation errors that failurePolicy Ignore let pass. */
  notes: string[];
}

/** Kubernetes drops a messageExpression result longer than this (celconfig). */
const MAX_MESSAGE_BYTES = 5 * 1024;

export class NativeValidation {
  private constructor(private readonly source: CompiledSource) {}

  /** Compiles every expression; throws one AdmissionInputError listing every problem. */
  static compile(templateName: string, source: unknown): NativeValidation {
    return new NativeValidation(compileSource(`ConstraintTemplate ${templateName}`, source));
  }

  evaluate(input: NativeValidationInput): NativeValidationOutcome {
    const bindings = this.bindings(input);
    const outcome: NativeValidationOutcome = { messages: [], notes: [] };
    for (const [i, condition] of this.source.matchConditions.entries()) {
      const result = condition.expression.evaluate(bindings);
      if (isCelError(result)) {
        const problem = `matchCondition '${condition.name}' resulted in error: ${result.message}`;
        this.failed(outcome, `matchCondition[${i}]`, problem);
        return outcome;
      }
      if (result !== true) return outcome;
    }
    this.source.validations.forEach((validation, i) => {
      const result = validation.expression.evaluate(bindings);
      if (isCelError(result)) {
        const problem = `expression '${validation.expression.expression}' resulted in error: ${result.message}`;
        this.failed(outcome, `validations[${i}]`, problem);
      } else if (result !== true) {
        outcome.messages.push(messageFor(validation, bindings));
      }
    });
    return outcome;
  }

  private failed(outcome: NativeValidationOutcome, where: string, problem: string): void {
    if (this.source.failurePolicy === "Ignore") {
      outcome.notes.push(
        `${where} could not be evaluated and the template's failurePolicy Ignore admits it: ${problem}`,
      );
    } else {
      outcome.messages.push(problem);
    }
  }

  /**
   * The activation: plain names plus one lazy, memoised getter per variable, bound both as
   * `variables.<name>` (so an error in a variable surfaces, as in Kubernetes, only where it
   * is used) and inside the `variables` map (for `has(variables.x)`).
   */
  private bindings(input: NativeValidationInput): Record<string, unknown> {
    const object = toCelInput(input.object);
    const oldObject = toCelInput(input.oldObject);
    const spec = input.constraint.spec;
    const parameters = isRecord(spec) && spec.parameters !== undefined ? spec.parameters : null;
    const bindings: Record<string, unknown> = {
      object,
      oldObject,
      namespaceObject: toCelInput(input.namespaceObject),
      request: toCelInput({ ...input.request, dryRun: false }),
      params: toCelInput(input.constraint),
    };
    const cache = new Map<string, unknown>();
    const definitions = new Map<string, () => unknown>([
      ["anyObject", () => (object === null ? oldObject : object)],
      ["params", () => toCelInput(parameters)],
      ...this.source.variables.map((v): [string, () => unknown] => [v.name, () => v.expression.evaluate(bindings)]),
    ]);
    const resolve = (name: string): unknown => {
      if (!cache.has(name)) cache.set(name, definitions.get(name)!());
      return cache.get(name)!;
    };
    for (const name of definitions.keys()) {
      Object.defineProperty(bindings, `variables.${name}`, { enumerable: true, get: () => resolve(name) });
    }
    bindings.variables = new LazyVariables(definitions.keys(), resolve);
    return bindings;
  }
}

/** The `variables` map, computing each value on first access. */
class LazyVariables extends Map<string, unknown> {
  constructor(
    names: Iterable<string>,
    private readonly resolve: (name: string) => unknown,
  ) {
    super(Array.from(names, (name): [string, unknown] => [name, null]));
  }

  override get(name: string): unknown {
    if (!super.has(name)) return undefined;
    const value = this.resolve(name);
    return isCelError(value) ? undefined : value;
  }
}

/**
 * Kubernetes' rule: the messageExpression result, trimmed, unless it failed, is not a
 * string, is empty, spans lines or exceeds 5 KiB; then `message`; then the expression.
 */
function messageFor(validation: CompiledValidation, bindings: Record<string, unknown>): string {
  let message = "";
  const evaluated = validation.messageExpression?.evaluate(bindings);
  if (typeof evaluated === "string") {
    const trimmed = evaluated.trim();
    if (Buffer.byteLength(trimmed) <= MAX_MESSAGE_BYTES && !trimmed.includes("\n")) message = trimmed;
  }
  if (message === "") message = validation.message?.trim() ?? "";
  if (message === "") message = `failed expression: ${validation.expression.expression.trim()}`;
  return message;
}
