/**
 * What Kubernetes expects at each field of an object, for the manifest reader: a JSON Schema
 * subset (type, properties, additionalProperties, items, $ref, enum, const, allOf with if/then,
 * an integer's format, and OpenAPI's x-kubernetes-int-or-string), read from three sources that are
 * all the real schema rather than a list kept by hand:
 * - built-in kinds: schemas.generated.json, derived from kubernetes-models' declarations and
 *   validators of the Kubernetes OpenAPI schema by scripts/gen-kube-schemas.ts (checked for drift
 *   by a test); a definition is named after its Go struct (v1/ContainerPort), and an integer's
 *   format is its Go type (int32, int64);
 * - Gatekeeper's kinds: gatekeeper-schemas.ts, written from Gatekeeper's CRDs and also used by
 *   tests/schema.test.ts;
 * - a constraint's parameters: its ConstraintTemplate's openAPIV3Schema.
 * Keywords outside the subset (pattern, required, minItems, ...) are ignored: the reader checks
 * types, not values.
 */
import generated from "./schemas.generated.json";
import { CONSTRAINT_TEMPLATE_SCHEMA, constraintSchema, EXPANSION_TEMPLATE_SCHEMA } from "./gatekeeper-schemas";
import type { JsonType, Schema } from "./json-schema";
import { isRecord } from "./object";
import type { GoInt } from "./scalar";

const definitions = generated.definitions as Record<string, Schema>;
const kinds = generated.kinds as Record<string, string>;

function resolve(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  while (current?.$ref !== undefined) current = definitions[current.$ref];
  return current;
}

const jsonTypeOf = (value: unknown): JsonType =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "array"
      : typeof value === "object"
        ? "object"
        : (typeof value as JsonType);

/** The JSON types a schema accepts; undefined when it says nothing (any value). */
export function expectedTypes(raw: Schema | undefined): JsonType[] | undefined {
  const schema = resolve(raw);
  if (schema === undefined) return undefined;
  if (schema["x-kubernetes-int-or-string"] === true) return ["integer", "string"];
  if (schema.type !== undefined) return Array.isArray(schema.type) ? schema.type : [schema.type];
  const values = schema.enum ?? (schema.const !== undefined ? [schema.const] : undefined);
  if (values !== undefined) return [...new Set(values.map(jsonTypeOf))];
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return ["object"];
  if (schema.items !== undefined) return ["array"];
  return undefined;
}

/** Whether `value` is of one of the types; an integer is a number without a fraction. */
export function typeAccepts(types: JsonType[], value: unknown): boolean {
  const type = jsonTypeOf(value);
  return types.includes(type) || (type === "number" && types.includes("integer") && Number.isInteger(value));
}

/** The Go integer type of a field of a built-in kind (an IntOrString's is int32), or undefined. */
export function goInt(raw: Schema | undefined): GoInt | undefined {
  const format = resolve(raw)?.format;
  return format === "int32" || format === "int64" ? format : undefined;
}

/** The Go struct a built-in kind's definition stands for (v1/ContainerPort: ContainerPort), or undefined. */
export function goStruct(raw: Schema | undefined): string | undefined {
  const ref = raw?.$ref;
  return ref === undefined ? undefined : ref.slice(ref.lastIndexOf("/") + 1);
}

/** Whether the kind is one of the built-in kinds of schemas.generated.json, which the API server decodes into Go structs. */
export const isBuiltIn = (apiVersion: string, kind: string) => kinds[`${apiVersion}/${kind}`] !== undefined;

/** Whether an `if` holds on a value, for the form Gatekeeper's schemas use: constant properties. */
function holds(condition: Schema, value: unknown): boolean {
  if (!isRecord(value)) return false;
  return Object.entries(condition.properties ?? {}).every(
    ([key, property]) => property.const === undefined || value[key] === property.const,
  );
}

/**
 * The schema of a mapping's field; `value` is the mapping itself, for the schemas whose fields
 * depend on it (a ConstraintTemplate's code source depends on its engine).
 */
export function propertySchema(raw: Schema | undefined, key: string, value: unknown): Schema | undefined {
  const schema = resolve(raw);
  if (schema === undefined) return undefined;
  for (const part of schema.allOf ?? []) {
    const branch = part.if === undefined ? part : holds(part.if, value) ? part.then : undefined;
    const found = branch && propertySchema(branch, key, value);
    if (found !== undefined) return found;
  }
  const property = schema.properties?.[key];
  if (property !== undefined) return property;
  return typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
}

/** Whether the mapping is a map (labels, annotations) rather than a struct with named fields. */
export function isMapSchema(raw: Schema | undefined): boolean {
  const schema = resolve(raw);
  return schema?.properties === undefined && typeof schema?.additionalProperties === "object";
}

export function itemSchema(raw: Schema | undefined): Schema | undefined {
  return resolve(raw)?.items;
}

export const OBJECT_META_SCHEMA: Schema = { $ref: kinds.ObjectMeta };

const isConstraint = (apiVersion: string) => apiVersion.startsWith("constraints.gatekeeper.sh/");

/**
 * The schema of an object of this apiVersion and kind; an unknown kind gets its metadata checked
 * only (every Kubernetes object has ObjectMeta). A constraint's parameters are typed by its
 * template, which the caller may not have read yet: they are left open here, and checked by
 * KubeYamlFile.checkParameters (yaml.ts) once the templates are known.
 */
export function objectSchema(apiVersion: string, kind: string): Schema {
  const builtIn = kinds[`${apiVersion}/${kind}`];
  const schema: Schema =
    builtIn !== undefined
      ? { $ref: builtIn }
      : kind === "ConstraintTemplate" && apiVersion.startsWith("templates.gatekeeper.sh/")
        ? CONSTRAINT_TEMPLATE_SCHEMA
        : kind === "ExpansionTemplate" && apiVersion.startsWith("expansion.gatekeeper.sh/")
          ? EXPANSION_TEMPLATE_SCHEMA
          : isConstraint(apiVersion)
            ? constraintSchema(kind, {})
            : { type: "object" };
  // Gatekeeper's schemas leave metadata open, and so does an unknown kind; it is ObjectMeta in all.
  return { ...resolve(schema), properties: { ...resolve(schema)?.properties, metadata: OBJECT_META_SCHEMA } };
}

/** The schema of a constraint's spec.parameters, from its template. */
export function parametersSchema(template: Record<string, unknown>): Schema | undefined {
  const spec: any = template.spec;
  const schema: unknown = spec?.crd?.spec?.validation?.openAPIV3Schema;
  return isRecord(schema) ? schema : undefined;
}

export { isConstraint };
