/** One CEL expression, parsed, checked and planned once, then evaluated per review. */
import { celError, isCelError, parse, plan, type CelInput, type CelResult } from "@bufbuild/cel";
import { checkParsed, type CheckScope } from "./check";
import { CEL_ENV } from "./env";

export interface CompiledExpression {
  readonly expression: string;
  /** Never throws: an evaluation error comes back as a CelError. */
  evaluate(bindings: Record<string, unknown>): CelResult;
}

/** Thrown when an expression does not compile; the message is the CEL error. */
export class CelCompileError extends Error {}

export function compileExpression(expression: string, scope: CheckScope): CompiledExpression {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    throw new CelCompileError(firstLine(error));
  }
  const problem = checkParsed(parsed, expression, scope);
  if (problem !== undefined) throw new CelCompileError(problem);
  let program: ReturnType<typeof plan>;
  try {
    program = plan(CEL_ENV, parsed);
  } catch (error) {
    throw new CelCompileError(firstLine(error));
  }
  return {
    expression,
    evaluate(bindings) {
      try {
        // The bindings object may hold lazy getters (variables); the planner reads
        // properties by name, so it need not be a plain record of CelInput values.
        return program(bindings as Record<string, CelInput>);
      } catch (error) {
        return isCelError(error) ? error : celError(error);
      }
    },
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}
