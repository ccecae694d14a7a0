/**
 * The compile-time checks that cel-go's type checker makes in Gatekeeper and that matter
 * for a template's author: every identifier is declared, every `variables.x` names a
 * variable defined before, every function exists. @bufbuild/cel parses but has no complete
 * checker, so without these an undeclared name would only surface when evaluated.
 * (Type mismatches such as `'a' + 1` are still found only at evaluation time, where they
 * fail closed like any evaluation error.)
 */
import type { parse } from "@bufbuild/cel";
import { isUnimplementedFunction, SUPPORTED_FUNCTIONS } from "./env";

type ParsedExpr = ReturnType<typeof parse>;
type Expr = ParsedExpr["expr"];

/** What an expression may refer to. */
export interface CheckScope {
  /** Top-level identifiers (object, oldObject, request, namespaceObject, variables, ...). */
  identifiers: ReadonlySet<string>;
  /** The fields of `variables` defined so far. */
  variables: ReadonlySet<string>;
}

/** Type names, which CEL resolves as identifiers (`type(x) == int`). */
const TYPE_IDENTIFIERS = new Set([
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "list",
  "map",
  "null_type",
  "type",
  "dyn",
]);

/** Macros that cel-go accepts with two iteration variables; @bufbuild/cel does not. */
const TWO_VARIABLE_MACROS = new Set(["all", "exists", "existsOne", "exists_one"]);

class CheckError extends Error {
  constructor(
    readonly exprId: bigint,
    message: string,
  ) {
    super(message);
  }
}

/** The first problem found, as "<input>:LINE:COLUMN: message", or undefined when none. */
export function checkParsed(parsed: ParsedExpr, source: string, scope: CheckScope): string | undefined {
  try {
    new Checker(scope).check(parsed.expr, new Set());
    return undefined;
  } catch (error) {
    if (!(error instanceof CheckError)) throw error;
    const offset = parsed.sourceInfo?.positions[Number(error.exprId)] ?? 0;
    return `${location(source, offset)}: ${error.message}`;
  }
}

function location(source: string, offset: number): string {
  const before = source.slice(0, offset).split("\n");
  return `<input>:${before.length}:${before[before.length - 1].length + 1}`;
}

class Checker {
  constructor(private readonly scope: CheckScope) {}

  check(expr: Expr | undefined, locals: ReadonlySet<string>): void {
    if (expr === undefined) return;
    const kind = expr.exprKind;
    switch (kind.case) {
      case "constExpr":
        return;
      case "identExpr":
        return this.checkIdent(expr.id, kind.value.name, locals);
      case "selectExpr":
        return this.checkSelect(expr.id, kind.value.operand, kind.value.field, locals);
      case "callExpr":
        return this.checkCall(expr.id, kind.value, locals);
      case "listExpr":
        return kind.value.elements.forEach((e) => this.check(e, locals));
      case "structExpr":
        if (kind.value.messageName !== "") {
          throw new CheckError(expr.id, `creating a message (${kind.value.messageName}) is not supported`);
        }
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === "mapKey") this.check(entry.keyKind.value, locals);
          this.check(entry.value, locals);
        }
        return;
      case "comprehensionExpr":
        return this.checkComprehension(kind.value, locals);
      default:
        throw new CheckError(expr.id, "unsupported expression");
    }
  }

  private checkIdent(id: bigint, name: string, locals: ReadonlySet<string>): void {
    if (!locals.has(name) && !this.scope.identifiers.has(name) && !TYPE_IDENTIFIERS.has(name)) {
      throw new CheckError(id, `undeclared reference to '${name}' (in container '')`);
    }
  }

  private checkSelect(id: bigint, operand: Expr | undefined, field: string, locals: ReadonlySet<string>): void {
    // `variables` is an object type whose fields are the variables compiled so far.
    if (isIdent(operand, "variables") && !locals.has("variables")) {
      if (!this.scope.variables.has(field)) throw new CheckError(id, `undefined field '${field}'`);
      return;
    }
    this.check(operand, locals);
  }

  private checkCall(
    id: bigint,
    call: Extract<Expr["exprKind"], { case: "callExpr" }>["value"],
    locals: ReadonlySet<string>,
  ): void {
    const name = call.function;
    if (name === "has" && call.target === undefined) throw new CheckError(id, "invalid argument to has() macro");
    if (TWO_VARIABLE_MACROS.has(name) && call.args.length === 3) {
      throw new CheckError(id, `the two-variable ${name}() macro is not implemented by this offline evaluator`);
    }
    call.args.forEach((arg) => this.check(arg, locals));
    if (call.target !== undefined) {
      // `strings.quote(x)` parses as a method call on an undeclared `strings`.
      const qualifier = qualifiedName(call.target);
      if (qualifier !== undefined && !this.isDeclaredRoot(qualifier, locals)) {
        return this.checkFunctionName(id, `${qualifier}.${name}`);
      }
      this.check(call.target, locals);
    }
    this.checkFunctionName(id, name);
  }

  private checkFunctionName(id: bigint, name: string): void {
    if (SUPPORTED_FUNCTIONS.has(name)) return;
    if (isUnimplementedFunction(name)) {
      throw new CheckError(
        id,
        `function '${name}' belongs to Gatekeeper's CEL environment, but this offline evaluator does not implement it`,
      );
    }
    throw new CheckError(id, `undeclared reference to '${name}' (in container '')`);
  }

  private checkComprehension(
    c: Extract<Expr["exprKind"], { case: "comprehensionExpr" }>["value"],
    locals: ReadonlySet<string>,
  ): void {
    this.check(c.iterRange, locals);
    this.check(c.accuInit, locals);
    const withAccu = new Set([...locals, c.accuVar]);
    const inLoop = new Set([...withAccu, c.iterVar, ...(c.iterVar2 !== "" ? [c.iterVar2] : [])]);
    this.check(c.loopCondition, inLoop);
    this.check(c.loopStep, inLoop);
    this.check(c.result, withAccu);
  }

  private isDeclaredRoot(qualifier: string, locals: ReadonlySet<string>): boolean {
    const root = qualifier.split(".")[0];
    return locals.has(root) || this.scope.identifiers.has(root);
  }
}

function isIdent(expr: Expr | undefined, name: string): boolean {
  return expr?.exprKind.case === "identExpr" && expr.exprKind.value.name === name;
}

/** "a.b.c" for an identifier or a chain of plain field selections, else undefined. */
function qualifiedName(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === "identExpr") return kind.value.name;
  if (kind.case === "selectExpr" && !kind.value.testOnly && kind.value.operand !== undefined) {
    const prefix = qualifiedName(kind.value.operand);
    return prefix === undefined ? undefined : `${prefix}.${kind.value.field}`;
  }
  return undefined;
}
