/**
 * Writes verifier/kube/schemas.generated.json: the field types of the built-in kinds the verifier
 * reads, from the Kubernetes OpenAPI schema as kubernetes-models ships it (its TypeScript
 * declarations for the fields, its validators for which numbers are integers and their format;
 * see scripts/kubernetes-models.ts). The manifest reader uses them to know where Kubernetes
 * expects a string, so that `y` or `1.0` there is refused as kubectl refuses it, and where an
 * int32 or an int64, so that `1.5` or 2^31 there is refused as the API server refuses it.
 *
 *   npx tsx scripts/gen-kube-schemas.ts          write the file
 *   npx tsx scripts/gen-kube-schemas.ts --check  exit 1 when the file is stale
 *
 * tests/kube/yaml.test.ts runs the same check, so a kubernetes-models upgrade that changes a
 * type fails CI until the file is regenerated.
 */
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import type { Schema } from "../verifier/kube/json-schema";
import { ITEM, kindModule, OBJECT_META, readDeclarations, ROOT, type Validator, Validators } from "./kubernetes-models";

export const SCHEMAS_FILE = path.join(ROOT, "verifier", "kube", "schemas.generated.json");

/** The built-in kinds the verifier reads (verifier/model.ts); any other kind has its metadata checked only. */
export const BUILT_IN_KINDS: { apiVersion: string; kind: string }[] = [
  { apiVersion: "v1", kind: "Namespace" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "apps/v1", kind: "DaemonSet" },
  { apiVersion: "apps/v1", kind: "ReplicaSet" },
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "batch/v1", kind: "CronJob" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
];

export interface GeneratedSchemas {
  /** `apiVersion/kind` to the name of its definition. */
  kinds: Record<string, string>;
  definitions: Record<string, Schema>;
}

/** Renders the file's text from the declarations. */
export function renderSchemas(): string {
  const { checker, types } = readDeclarations([
    ...BUILT_IN_KINDS.map((k) => kindModule(k.apiVersion, k.kind)),
    OBJECT_META,
  ]);
  const definitions = new Map<string, Schema>();
  const modules = path.join(ROOT, "node_modules");
  const validators = new Validators();

  /** The file that declares an interface. */
  const fileOf = (type: ts.Type): string =>
    (type.aliasSymbol ?? type.getSymbol())!.declarations![0].getSourceFile().fileName;

  /** A declared interface's name: its module path, so that two groups' types of one name stay apart. */
  const nameOf = (type: ts.Type): string => {
    const file = path.relative(modules, fileOf(type)).replace(/\.d\.ts$/, "");
    return file.replace(/^kubernetes-models\//, "").replace(/^@kubernetes-models\/apimachinery\//, "apimachinery/");
  };

  /** `where`: the field, for errors; `validator`: the validator of the value, for the numbers. */
  const schemaOf = (declared: ts.Type, where: string, validator: Validator | undefined): Schema => {
    const type = checker.getNonNullableType(declared);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    const members = type.isUnion() ? type.types : [type];
    const scalars = new Set<string>();
    let others = 0;
    for (const member of members) {
      if (member.flags & ts.TypeFlags.StringLike) scalars.add("string");
      else if (member.flags & ts.TypeFlags.NumberLike) scalars.add("number");
      else if (member.flags & ts.TypeFlags.BooleanLike) scalars.add("boolean");
      else others++;
    }
    if (others === 0) {
      let format: string | undefined;
      if (scalars.has("number")) {
        // The declarations type every number `number`; the schema says which are integers.
        const checked = validator === undefined ? undefined : validators.keywords(validator);
        if (checked === undefined || checked.types.has("integer") === checked.types.has("number")) {
          throw new Error(`${where}: no validator says whether this number is an integer`);
        }
        if (checked.types.has("integer")) {
          scalars.delete("number");
          scalars.add("integer");
          // The Go type the API server decodes into; other formats (a Quantity's) are for strings.
          format = [...checked.formats].find((f) => f === "int32" || f === "int64");
        }
      }
      const list = [...scalars].sort();
      return {
        type: list.length === 1 ? (list[0] as Schema["type"]) : (list as Schema["type"]),
        ...(format === undefined ? {} : { format }),
      };
    }
    if (members.length > 1) throw new Error(`unexpected union ${checker.typeToString(type)}`);
    const item = () => (validator === undefined ? undefined : validators.child(validator, ITEM));
    if (checker.isArrayType(type)) {
      return {
        type: "array",
        items: schemaOf(checker.getTypeArguments(type as ts.TypeReference)[0], `${where}[]`, item()),
      };
    }
    const properties = checker.getPropertiesOfType(type);
    const map = checker.getIndexInfoOfType(type, ts.IndexKind.String);
    if (properties.length === 0) {
      return map
        ? { type: "object", additionalProperties: schemaOf(map.type, `${where}{}`, item()) }
        : { type: "object" };
    }
    const name = nameOf(type);
    if (!definitions.has(name)) {
      const definition: Schema = { type: "object", properties: {} };
      definitions.set(name, definition); // set first: a type may refer to itself
      const own = validators.ofModel(fileOf(type));
      for (const property of properties) {
        definition.properties![property.name] = schemaOf(
          checker.getTypeOfSymbol(property),
          `${name}.${property.name}`,
          validators.child(own, property.name),
        );
      }
    }
    return { $ref: name };
  };

  const kinds: Record<string, string> = {};
  for (const { apiVersion, kind } of BUILT_IN_KINDS) {
    const ref = schemaOf(types.get(`${apiVersion}/${kind}`)!, kind, undefined).$ref!;
    kinds[`${apiVersion}/${kind}`] = ref;
  }
  kinds.ObjectMeta = schemaOf(types.get(OBJECT_META.key)!, "ObjectMeta", undefined).$ref!;
  // One definition a line, sorted, so that an upgrade's diff reads type by type.
  const lines = [...definitions.keys()]
    .sort()
    .map((name) => `    ${JSON.stringify(name)}: ${JSON.stringify(definitions.get(name))}`);
  return `{\n  "kinds": ${JSON.stringify(kinds)},\n  "definitions": {\n${lines.join(",\n")}\n  }\n}\n`;
}

/** True when the file on disk is what renderSchemas() gives. */
export function schemasAreCurrent(): boolean {
  return fs.existsSync(SCHEMAS_FILE) && fs.readFileSync(SCHEMAS_FILE, "utf8") === renderSchemas();
}

function main(argv: string[]): number {
  if (argv.includes("--check")) {
    if (schemasAreCurrent()) return 0;
    console.error(`stale: ${path.relative(process.cwd(), SCHEMAS_FILE)}\nrun: npx tsx scripts/gen-kube-schemas.ts`);
    return 1;
  }
  fs.writeFileSync(SCHEMAS_FILE, renderSchemas());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMAS_FILE)}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
