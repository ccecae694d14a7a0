/**
 * kubernetes-models' TypeScript declarations, read with the TypeScript checker. The package
 * generates them from the Kubernetes OpenAPI schema, and they are the one form of that schema it
 * ships that CommonJS code can read (its validators are ESM-only compiled code). Used by
 * scripts/gen-kube-schemas.ts, which derives the verifier's field types from them, and by
 * tests/schema.test.ts, which checks the lab's objects for unknown fields with them.
 */
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

/** One TypeScript program over a virtual module that imports each interface; it is never written to disk. */
export function readDeclarations(imports: DeclaredModule[]): Declarations {
  const root = path.join(ROOT, "scripts", "__kubernetes_models__.ts");
  const source = imports
    .map((i, n) => `import type { ${i.name} as T${n} } from "${i.module}";\nexport declare const t${n}: T${n};`)
    .join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    // "bundler" reads the packages' `exports`, which is how their declarations are found.
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
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
