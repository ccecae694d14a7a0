/**
 * YAML read as kubectl reads it. kubectl and the API machinery decode YAML with sigs.k8s.io/yaml
 * over go-yaml v2, that is with YAML 1.1's scalars: `y`, `n`, `yes`, `no`, `on`, `off` (lower,
 * Capitalised or UPPER case), `true` and `false` are booleans, `1.0`, `0777`, `0x1F` and `1e3`
 * numbers, `~` and `null` null. The yaml library's own YAML 1.1 schema has exactly these rules; two
 * of its tags are dropped because go-yaml v2 hands them to sigs.k8s.io/yaml as strings:
 * timestamps (decoded into interface{}, go-yaml keeps `2024-01-01` a string) and sexagesimal
 * numbers (`1:20`, which go-yaml never had).
 *
 * Where the Kubernetes schema expects a string (schema.ts), a plain scalar that YAML 1.1 resolves
 * to a boolean or a number is refused, naming the file, the line, the object and the field, and
 * what kubectl would do: the API server would refuse the object (`cannot unmarshal bool into Go
 * struct field ... of type string`), so the verifier must not judge it. Where the schema expects a
 * number or a boolean, the value is read as kubectl reads it (`0777` is 511). Quoted values are
 * strings as written.
 *
 * One parse and one walk per document: the walk follows the schema over the yaml library's nodes
 * (which know a scalar's quoting, source text and position) beside the plain value, and stops
 * where the schema says nothing.
 */
import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  type DocumentOptions,
  type Node,
  type ParseOptions,
  type SchemaOptions,
  type YAMLMap,
} from "yaml";
import { describeObject, isRecord } from "./object";
import {
  expectedTypes,
  isConstraint,
  isMapSchema,
  itemSchema,
  objectSchema,
  parametersSchema,
  propertySchema,
  typeAccepts,
  type JsonType,
  type Schema,
} from "./schema";

/** The yaml library's YAML 1.1 schema, less what go-yaml v2 leaves a string (see above). */
export const KUBE_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: (tags) =>
    tags.filter(
      (tag) => typeof tag === "string" || !(tag.tag === "tag:yaml.org,2002:timestamp" || tag.format === "TIME"),
    ),
};

/** One object of a file, and the line it starts on. */
export interface ReadObject {
  object: Record<string, any>;
  line: number;
}

export interface KubeYamlFile {
  objects: ReadObject[];
  problems: string[];
  /**
   * The problems of the constraints' parameters, whose types their ConstraintTemplate gives: the
   * caller calls this once it has every template (which may be in another file, or the lab's own).
   */
  checkParameters(templateFor: (kind: string) => Record<string, unknown> | undefined): string[];
}

const typeNames: Record<JsonType, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  object: "a mapping",
  array: "a list",
  null: "null",
};

function describeValue(value: unknown): string {
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return typeNames[Array.isArray(value) ? "array" : isRecord(value) ? "object" : "null"];
}

const expected = (types: JsonType[]) => types.map((t) => typeNames[t]).join(" or ");

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

const isMergeKey = (key: unknown): boolean =>
  isScalar(key) &&
  (key.type === undefined || key.type === Scalar.PLAIN) &&
  (key.value === "<<" || (typeof key.value === "symbol" && key.value.description === "<<"));

/** Walks one object's nodes beside its value, reporting every field whose type Kubernetes refuses. */
class ObjectChecker {
  private readonly onStack = new Set<Node>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly where: (line: number) => string,
    private readonly problems: string[],
  ) {}

  private report(node: Node, path: string, problem: string): void {
    const line = node.range ? this.lines.linePos(node.range[0]).line : 0;
    this.problems.push(`${this.where(line)}: ${path}: ${problem}`);
  }

  walk(node: unknown, schema: Schema | undefined, path: string, value: unknown): void {
    if (schema === undefined) return;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      // An anchor may hold an alias to itself; the value is then what it is, with nothing new to check.
      if (target === undefined || this.onStack.has(target)) return;
      this.onStack.add(target);
      this.walk(target, schema, path, value);
      this.onStack.delete(target);
      return;
    }
    const types = expectedTypes(schema);
    if (isScalar(node)) this.scalar(node, types, path);
    else if (isMap(node)) {
      if (types !== undefined && !types.includes("object"))
        this.report(node, path, `expected ${expected(types)}, not a mapping`);
      else this.map(node, schema, path, value);
    } else if (isSeq(node)) {
      if (types !== undefined && !types.includes("array"))
        this.report(node, path, `expected ${expected(types)}, not a list`);
      else
        node.items.forEach((item, i) =>
          this.walk(item, itemSchema(schema), `${path}[${i}]`, Array.isArray(value) ? value[i] : undefined),
        );
    }
  }

  private scalar(node: Scalar, types: JsonType[] | undefined, path: string): void {
    const value = node.value;
    // null is an absent field to the API server.
    if (types === undefined || value === null || typeAccepts(types, value)) return;
    const plain = node.type === Scalar.PLAIN && node.tag === undefined;
    if (plain && types.includes("string") && (typeof value === "boolean" || typeof value === "number")) {
      this.report(node, path, `kubectl reads \`${node.source}\` as ${describeValue(value)}; quote it`);
    } else {
      this.report(node, path, `expected ${expected(types)}, not ${describeValue(value)}`);
    }
  }

  private map(node: YAMLMap, schema: Schema, path: string, value: unknown): void {
    const isStringMap = isMapSchema(schema);
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) {
        this.merge(pair.value, schema, path, value);
        continue;
      }
      if (!isScalar(pair.key)) continue;
      const keyNode = pair.key;
      const key = String(keyNode.value);
      // sigs.k8s.io/yaml turns a key that YAML 1.1 reads as a boolean or number into its JSON text.
      if (keyNode.type === Scalar.PLAIN && keyNode.value !== null && typeof keyNode.value !== "string") {
        if (key !== keyNode.source)
          this.report(keyNode, path, `kubectl reads the key \`${keyNode.source}\` as ${JSON.stringify(key)}; quote it`);
      }
      const child = propertySchema(schema, key, value);
      // An empty value in a map of strings (`labels: {tier: }`) is "" to kubectl, not absent.
      if (isStringMap && isRecord(value) && value[key] === null && expectedTypes(child)?.includes("string")) {
        value[key] = "";
      }
      this.walk(pair.value, child, join(path, key), isRecord(value) ? value[key] : undefined);
    }
  }

  /** A YAML 1.1 merge (`<<: *defaults`): the merged mappings are checked as part of this one. */
  private merge(source: unknown, schema: Schema, path: string, value: unknown): void {
    const target = isAlias(source) ? source.resolve(this.doc) : source;
    if (isMap(target)) this.map(target, schema, path, value);
    else if (isSeq(target)) for (const item of target.items) this.merge(item, schema, path, value);
  }
}

/** The object's name for messages: its kind, namespace and name as written, even when they are not strings. */
function objectWhere(file: string, node: unknown, object: Record<string, any>): (line: number) => string {
  const written = (field: string): string | undefined => {
    const value: unknown = object.metadata?.[field];
    if (typeof value === "string") return value;
    const scalar = isMap(node) ? node.getIn(["metadata", field], true) : undefined;
    // A name that is not a scalar (a list, a mapping) is no name at all.
    return isScalar(scalar) && scalar.source ? scalar.source : undefined;
  };
  const identity = describeObject({
    kind: object.kind,
    metadata: { name: written("name"), namespace: written("namespace") },
  });
  return (line) => `${file}:${line}: ${identity}`;
}

/**
 * Every object of a YAML text (multi-document; `List` objects unwrapped), with every problem: a
 * syntax error names the file and its line; a document that is no Kubernetes object, and a field
 * of a type Kubernetes refuses, name the file, the line, the object and the field.
 */
export function readKubeYaml(text: string, file: string): KubeYamlFile {
  const lines = new LineCounter();
  const objects: ReadObject[] = [];
  const problems: string[] = [];
  const pending: { kind: string; check: (schema: Schema, into: string[]) => void }[] = [];
  parseAllDocuments(text, { ...KUBE_YAML_OPTIONS, lineCounter: lines }).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const error = doc.errors[0];
      const line = error.linePos?.[0]?.line;
      problems.push(
        `${file}: invalid YAML${line ? ` at line ${line}` : ""} (document ${index + 1}): ${error.message.split("\n")[0].replace(/:$/, "")}`,
      );
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (error) {
      // Aliases are resolved here: one to an anchor that is not in this document fails.
      problems.push(`${file}: invalid YAML (document ${index + 1}): ${(error as Error).message}`);
      return;
    }
    if (value === null || value === undefined) return; // an empty document, as between two `---`
    let nodes: [unknown, unknown][] = [[doc.contents, value]];
    if (isRecord(value) && value.kind === "List" && Array.isArray(value.items)) {
      const listed = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
      const items = isAlias(listed) ? listed.resolve(doc) : listed;
      nodes = value.items.map((item, i): [unknown, unknown] => [isSeq(items) ? items.items[i] : undefined, item]);
    }
    for (const [node, item] of nodes) {
      if (!isRecord(item) || typeof item.kind !== "string") {
        problems.push(`${file}: document ${index + 1} is not a Kubernetes object (no kind)`);
        continue;
      }
      const line = isMap(node) && node.range ? lines.linePos(node.range[0]).line : 0;
      objects.push({ object: item, line });
      const apiVersion = typeof item.apiVersion === "string" ? item.apiVersion : "";
      const where = objectWhere(file, node, item);
      new ObjectChecker(doc, lines, where, problems).walk(node, objectSchema(apiVersion, item.kind), "", item);
      if (isConstraint(apiVersion) && isMap(node)) {
        const parameters = node.getIn(["spec", "parameters"], true);
        pending.push({
          kind: item.kind,
          check: (schema, into) =>
            new ObjectChecker(doc, lines, where, into).walk(
              parameters,
              schema,
              "spec.parameters",
              (item.spec as any)?.parameters,
            ),
        });
      }
    }
  });
  return {
    objects,
    problems,
    checkParameters(templateFor) {
      const found: string[] = [];
      for (const { kind, check } of pending) {
        const template = templateFor(kind);
        const schema = template && parametersSchema(template);
        if (schema) check(schema, found);
      }
      return found;
    },
  };
}
