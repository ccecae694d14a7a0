/**
 * kubernetes-models, as CommonJS code can read it: the package generates two forms of the
 * Kubernetes OpenAPI schema, and ships both as ESM.
 * - Its TypeScript declarations, read with the TypeScript checker: every field and its JSON type,
 *   but a number is `number` there, whether the schema says `type: number` or `type: integer`.
 * - Its validators (`_schemas/*.js`, ajv's standalone code), read with the TypeScript parser, not
 *   run: they keep `type: integer` and the format (int32, int64). Running one would tell an int64
 *   only by a value its format refuses, and ajv's int64 refuses none.
 * Used by scripts/gen-kube-schemas.ts, which derives the verifier's field types from them, and by
 * tests/schema.test.ts, which checks the lab's objects for unknown fields with the declarations.
 */
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";

export const ROOT = path.join(__dirname, "..");

export interface DeclaredModule {
  /** How the caller finds the type again. */
  key: string;
  /** The exported interface, such as IPod. */
  name: string;
  /** Its module, such as kubernetes-models/v1/Pod. */
  module: string;
}

export interface Declarations {
  checker: ts.TypeChecker;
  types: Map<string, ts.Type>;
}

const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  // "bundler" reads the packages' `exports`, which is how their declarations are found.
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

/** One TypeScript program over a virtual module that imports each interface; it is never written to disk. */
export function readDeclarations(imports: DeclaredModule[]): Declarations {
  const root = path.join(ROOT, "scripts", "__kubernetes_models__.ts");
  const source = imports
    .map((i, n) => `import type { ${i.name} as T${n} } from "${i.module}";\nexport declare const t${n}: T${n};`)
    .join("\n");
  const options = OPTIONS;
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    file === root ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, ...rest);
  host.fileExists = (file) => file === root || fileExists(file);
  const program = ts.createProgram([root], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (problems.length > 0) throw new Error(`kubernetes-models declarations:\n${problems.join("\n")}`);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(root)!)!;
  const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
  const types = new Map<string, ts.Type>();
  imports.forEach((i, n) => types.set(i.key, checker.getTypeOfSymbol(exported.get(`t${n}`)!)));
  return { checker, types };
}

export const OBJECT_META: DeclaredModule = {
  key: "ObjectMeta",
  name: "IObjectMeta",
  module: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta",
};

/** The declaration of a built-in kind, e.g. apps/v1 Deployment. */
export function kindModule(apiVersion: string, kind: string): DeclaredModule {
  return { key: `${apiVersion}/${kind}`, name: `I${kind}`, module: `kubernetes-models/${apiVersion}/${kind}` };
}

/** A function of a validator module: `validate` itself or one of the functions it calls. */
export interface Validator {
  file: string;
  name: string;
}

/** What a validator hands a value to: `data.key` or `data["key"]`, or an item or map value `data[i0]`. */
export const ITEM = Symbol("item");

interface ValidatorModule {
  functions: Map<string, ts.FunctionDeclaration>;
  /** Local name of each imported `validate`, to its module's file. */
  imports: Map<string, string>;
  /** The function exported as `validate`. */
  root: string;
}

/** The `.js` file of a module an import names, found through its declarations as the checker finds them. */
function moduleFile(specifier: string, from: string): string {
  const resolved = ts.resolveModuleName(specifier, from, OPTIONS, ts.sys).resolvedModule?.resolvedFileName;
  if (resolved === undefined) throw new Error(`${from}: cannot resolve ${specifier}`);
  return resolved.replace(/\.d\.ts$/, ".js");
}

/** kubernetes-models' validators, each module parsed once. */
export class Validators {
  private readonly modules = new Map<string, ValidatorModule>();

  /** The validator of the model a declaration file declares (v1/Pod.d.ts: _schemas/IoK8sApiCoreV1Pod.js). */
  ofModel(declarationFile: string): Validator {
    const file = declarationFile.replace(/\.d\.ts$/, ".js");
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const specifier = statement.moduleSpecifier.text;
      if (specifier.includes("/_schemas/")) return this.exported(moduleFile(specifier, file));
    }
    throw new Error(`${file}: no validator imported`);
  }

  /** The validator of a field of the object `validator` checks, or of its items or map values. */
  child(validator: Validator, key: string | typeof ITEM): Validator | undefined {
    for (const { callee, argument } of this.calls(validator)) {
      if (isData(argument)) {
        const found = this.child(callee, key);
        if (found !== undefined) return found;
      } else if (ts.isPropertyAccessExpression(argument) && isData(argument.expression)) {
        if (argument.name.text === key) return callee;
      } else if (ts.isElementAccessExpression(argument) && isData(argument.expression)) {
        const index = argument.argumentExpression;
        if (ts.isStringLiteral(index) ? index.text === key : key === ITEM) return callee;
      }
    }
    return undefined;
  }

  /**
   * The `type` and `format` keywords a scalar's validator checks, with those of the validators it
   * hands the whole value to (a oneOf's branches, a nullable wrapper).
   */
  keywords(validator: Validator): { types: Set<string>; formats: Set<string> } {
    const found = { types: new Set<string>(), formats: new Set<string>() };
    this.collect(validator, found);
    return found;
  }

  private collect(validator: Validator, into: { types: Set<string>; formats: Set<string> }): void {
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === "params") {
        if (ts.isObjectLiteralExpression(node.initializer)) {
          for (const param of node.initializer.properties) {
            if (!ts.isPropertyAssignment(param) || !ts.isIdentifier(param.name)) continue;
            if (!ts.isStringLiteral(param.initializer)) continue;
            if (param.name.text === "type") into.types.add(param.initializer.text);
            if (param.name.text === "format") into.formats.add(param.initializer.text);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.function(validator));
    for (const { callee, argument } of this.calls(validator)) if (isData(argument)) this.collect(callee, into);
  }

  private module(file: string): ValidatorModule {
    const known = this.modules.get(file);
    if (known !== undefined) return known;
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
    const parsed: ValidatorModule = { functions: new Map(), imports: new Map(), root: "" };
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name !== undefined) {
        parsed.functions.set(statement.name.text, statement);
      } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        const bindings = statement.importClause?.namedBindings;
        for (const element of bindings !== undefined && ts.isNamedImports(bindings) ? bindings.elements : []) {
          if ((element.propertyName ?? element.name).text !== "validate") continue;
          parsed.imports.set(element.name.text, moduleFile(statement.moduleSpecifier.text, file));
        }
      } else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          const { name, initializer } = declaration;
          if (ts.isIdentifier(name) && name.text === "validate" && initializer && ts.isIdentifier(initializer)) {
            parsed.root = initializer.text;
          }
        }
      }
    }
    if (parsed.root === "") throw new Error(`${file}: no exported validate`);
    this.modules.set(file, parsed);
    return parsed;
  }

  private exported(file: string): Validator {
    return { file, name: this.module(file).root };
  }

  private function(validator: Validator): ts.FunctionDeclaration {
    const found = this.module(validator.file).functions.get(validator.name);
    if (found === undefined) throw new Error(`${validator.file}: no function ${validator.name}`);
    return found;
  }

  /** The validators a validator calls, each with the value it hands over. */
  private calls(validator: Validator): { callee: Validator; argument: ts.Expression }[] {
    const { functions, imports } = this.module(validator.file);
    const found: { callee: Validator; argument: ts.Expression }[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.arguments.length > 0) {
        const name = node.expression.text;
        const imported = imports.get(name);
        if (functions.has(name)) found.push({ callee: { file: validator.file, name }, argument: node.arguments[0] });
        else if (imported !== undefined) found.push({ callee: this.exported(imported), argument: node.arguments[0] });
      }
      ts.forEachChild(node, visit);
    };
    visit(this.function(validator));
    return found;
  }
}

const isData = (node: ts.Expression) => ts.isIdentifier(node) && node.text === "data";
