/**
 * YAML read as kubectl reads it. kubectl and the API machinery decode YAML with sigs.k8s.io/yaml
 * over go-yaml v2, that is with YAML 1.1's scalars: `y`, `n`, `yes`, `no`, `on`, `off` (lower,
 * Capitalised or UPPER case), `true` and `false` are booleans, `1.0`, `0777`, `0x1F` and `1e3`
 * numbers, `~` and `null` null. The yaml library's own YAML 1.1 schema has exactly these rules, and
 * they are taken from it (KUBE_SCALAR_TAGS); two of its tags are dropped because go-yaml v2 hands
 * them to sigs.k8s.io/yaml as strings: timestamps (decoded into interface{}, go-yaml keeps
 * `2024-01-01` a string) and sexagesimal numbers (`1:20`, which go-yaml never had).
 *
 * Where the Kubernetes schema expects a string (schema.ts), a plain scalar that YAML 1.1 resolves
 * to a boolean or a number is refused, naming the file, the line, the object and the field, and
 * what kubectl would do: the API server would refuse the object (`cannot unmarshal bool into Go
 * struct field ... of type string`), so the verifier must not judge it. Where the schema expects a
 * number or a boolean, the value is read as kubectl reads it (`0777` is 511). Quoted values are
 * strings as written.
 *
 * The text is parsed once, by js-yaml's event parser (a flat list of events that keep each
 * scalar's style and offsets), with those scalar rules; the values are constructed from the
 * events, and one walk over the events, guided by the schema beside the values, finds the fields
 * Kubernetes would refuse. The yaml library's own parser reads a 46 MB `kubectl get -o yaml` dump
 * four times slower, in three times the memory (bench/read-manifests.ts); it still words syntax
 * errors, which it explains better.
 */
import {
  constructFromEvents,
  defineScalarTag,
  EVENT_ID,
  getScalarValue,
  mapTag,
  mergeTag,
  NOT_RESOLVED,
  parseEvents,
  SCALAR_STYLE,
  Schema as YamlSchema,
  seqTag,
  strTag,
  YAMLException,
  type Event,
  type ScalarEvent,
  type ScalarTagDefinition,
} from "js-yaml";
import { Document, isScalar, parseAllDocuments, type ScalarTag } from "yaml";
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
} from "./schema";
import type { JsonType, Schema } from "./json-schema";

/** The yaml library's YAML 1.1 scalar tags (null, bool, int, float), less what go-yaml v2 leaves a string. */
export const KUBE_SCALAR_TAGS: ScalarTag[] = new Document(null, { version: "1.1" }).schema.tags.filter(
  (tag): tag is ScalarTag =>
    "test" in tag &&
    tag.test !== undefined &&
    tag.default === true &&
    !["tag:yaml.org,2002:str", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:timestamp"].includes(tag.tag) &&
    tag.format !== "TIME",
);

const refuse = (message: string) => {
  throw new Error(message);
};

/** One js-yaml tag per YAML tag, trying the yaml library's forms of it in the library's order. */
function scalarTags(): ScalarTagDefinition[] {
  const byName = new Map<string, ScalarTag[]>();
  for (const tag of KUBE_SCALAR_TAGS) byName.set(tag.tag, [...(byName.get(tag.tag) ?? []), tag]);
  return [...byName].map(([name, forms]) =>
    defineScalarTag(name, {
      implicit: true,
      implicitFirstChars: null,
      resolve: (source) => {
        for (const form of forms) {
          if (form.test!.test(source)) {
            const value = form.resolve(source, refuse, {});
            return isScalar(value) ? value.value : value;
          }
        }
        return NOT_RESOLVED;
      },
      identify: () => false,
    }),
  );
}

const SCALAR_TAGS = scalarTags();
const SCHEMA = new YamlSchema([strTag, seqTag, mapTag, ...SCALAR_TAGS, mergeTag]);

/** Resolves a plain scalar's text as kubectl does: true, 511, null, or the text itself. */
function resolvePlain(source: string): unknown {
  for (const tag of SCALAR_TAGS) {
    const value: unknown = tag.resolve(source, false, tag.tagName);
    if (value !== NOT_RESOLVED) return value;
  }
  return source;
}

/** Every document of a text, as kubectl reads it; throws js-yaml's YAMLException on bad YAML. */
export function loadKubeYaml(text: string): unknown[] {
  return constructFromEvents(parseEvents(text, {}), { source: text, schema: SCHEMA });
}

export interface KubeYamlFile {
  objects: Record<string, any>[];
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

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS, POP } = EVENT_ID;

/** A file's events, walked with a cursor; each walk reads a node and leaves the cursor after it. */
class Events {
  /** Event index of each anchored node seen so far, for aliases. */
  private readonly anchors = new Map<string, number>();
  private newlines: number[] | undefined;
  at = 0;

  constructor(
    readonly text: string,
    readonly list: Event[],
  ) {}

  get current(): Event {
    return this.list[this.at];
  }

  /** Notes the anchor of the node at the cursor. */
  anchor(): void {
    const event = this.current;
    if ("anchorStart" in event && event.anchorStart >= 0 && event.type !== ALIAS) {
      this.anchors.set(this.text.slice(event.anchorStart, event.anchorEnd), this.at);
    }
  }

  /** The node an alias at the cursor names, or undefined. */
  aliased(): number | undefined {
    const event = this.current;
    return event.type === ALIAS ? this.anchors.get(this.text.slice(event.anchorStart, event.anchorEnd)) : undefined;
  }

  /** Moves past the node at the cursor, noting its anchors. */
  skip(): void {
    let depth = 0;
    do {
      this.anchor();
      const type = this.current.type;
      if (type === MAPPING || type === SEQUENCE) depth++;
      else if (type === POP) depth--;
      this.at++;
    } while (depth > 0);
  }

  /** The 1-based line of an offset. */
  line(offset: number): number {
    if (this.newlines === undefined) {
      this.newlines = [];
      for (let i = this.text.indexOf("\n"); i >= 0; i = this.text.indexOf("\n", i + 1)) this.newlines.push(i);
    }
    let low = 0;
    let high = this.newlines.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.newlines[mid] < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  }

  offset(event: Event): number {
    return event.type === SCALAR ? event.valueStart : "start" in event ? event.start : 0;
  }

  /** In the mapping at `index`, the index of the value of `key` (a plain or quoted key), if any. */
  valueOf(index: number, key: string): number | undefined {
    if (this.list[index]?.type !== MAPPING) return undefined;
    const saved = this.at;
    this.at = index + 1;
    try {
      while (this.current.type !== POP) {
        const keyEvent = this.current;
        this.skip();
        if (keyEvent.type === SCALAR && getScalarValue(this.text, keyEvent) === key) return this.at;
        this.skip();
      }
      return undefined;
    } finally {
      this.at = saved;
    }
  }
}

const isPlain = (event: ScalarEvent) => event.style === SCALAR_STYLE.PLAIN && event.tagStart < 0;

/** Walks one object's events beside its value, reporting every field whose type Kubernetes refuses. */
class ObjectChecker {
  private readonly onStack = new Set<number>();

  constructor(
    private readonly events: Events,
    private readonly where: (line: number) => string,
    private readonly problems: string[],
  ) {}

  private report(event: Event, path: string, problem: string): void {
    this.problems.push(`${this.where(this.events.line(this.events.offset(event)))}: ${path}: ${problem}`);
  }

  /** Checks the node at `index`. */
  check(index: number, schema: Schema, path: string, value: unknown): void {
    const saved = this.events.at;
    this.events.at = index;
    this.walk(schema, path, value);
    this.events.at = saved;
  }

  private walk(schema: Schema | undefined, path: string, value: unknown): void {
    const events = this.events;
    if (schema === undefined) {
      events.skip();
      return;
    }
    const event = events.current;
    if (event.type === ALIAS) {
      const target = events.aliased();
      events.at++;
      // An anchor may hold an alias to itself; the value is then what it is, with nothing new to check.
      if (target !== undefined && !this.onStack.has(target)) {
        this.onStack.add(target);
        this.check(target, schema, path, value);
        this.onStack.delete(target);
      }
      return;
    }
    events.anchor();
    const types = expectedTypes(schema);
    if (event.type === SCALAR) {
      events.at++;
      this.scalar(event, types, path, value);
    } else if (event.type === MAPPING) {
      if (types !== undefined && !types.includes("object")) {
        this.report(event, path, `expected ${expected(types)}, not a mapping`);
        events.skip();
      } else {
        events.at++;
        this.mapping(schema, path, value);
      }
    } else if (event.type === SEQUENCE) {
      if (types !== undefined && !types.includes("array")) {
        this.report(event, path, `expected ${expected(types)}, not a list`);
        events.skip();
        return;
      }
      events.at++;
      const items = itemSchema(schema);
      for (let i = 0; events.current.type !== POP; i++) {
        this.walk(items, `${path}[${i}]`, Array.isArray(value) ? value[i] : undefined);
      }
      events.at++;
    } else {
      events.skip();
    }
  }

  /** `value` is what the scalar was constructed into: what kubectl would send. */
  private scalar(event: ScalarEvent, types: JsonType[] | undefined, path: string, value: unknown): void {
    // null is an absent field to the API server.
    if (types === undefined || value === null || value === undefined || typeAccepts(types, value)) return;
    if (isPlain(event) && types.includes("string") && (typeof value === "boolean" || typeof value === "number")) {
      const source = getScalarValue(this.events.text, event);
      this.report(event, path, `kubectl reads \`${source}\` as ${describeValue(value)}; quote it`);
    } else {
      this.report(event, path, `expected ${expected(types)}, not ${describeValue(value)}`);
    }
  }

  /** The pairs of a mapping whose start event has been passed; leaves the cursor after its end. */
  private mapping(schema: Schema, path: string, value: unknown): void {
    const events = this.events;
    const isStringMap = isMapSchema(schema);
    while (events.current.type !== POP) {
      const keyEvent = events.current;
      if (keyEvent.type !== SCALAR) {
        events.skip(); // a complex key: nothing Kubernetes has
        events.skip();
        continue;
      }
      events.at++;
      const source = getScalarValue(events.text, keyEvent);
      if (isPlain(keyEvent) && source === "<<") {
        this.merge(schema, path, value);
        continue;
      }
      // Most keys are read as written; only the others are resolved again, to name them.
      const asWritten = !isPlain(keyEvent) || (isRecord(value) && Object.prototype.hasOwnProperty.call(value, source));
      const resolved = asWritten ? source : resolvePlain(source);
      const key = String(resolved);
      // sigs.k8s.io/yaml turns a key that YAML 1.1 reads as a boolean or number into its JSON text.
      if (resolved !== null && typeof resolved !== "string" && key !== source) {
        this.report(keyEvent, path, `kubectl reads the key \`${source}\` as ${JSON.stringify(key)}; quote it`);
      }
      const child = propertySchema(schema, key, value);
      // An empty value in a map of strings (`labels: {tier: }`) is "" to kubectl, not absent.
      if (isStringMap && isRecord(value) && value[key] === null && expectedTypes(child)?.includes("string")) {
        value[key] = "";
      }
      this.walk(child, join(path, key), isRecord(value) ? value[key] : undefined);
    }
    events.at++;
  }

  /** A YAML 1.1 merge (`<<: *defaults`): the merged mappings are checked as part of this one. */
  private merge(schema: Schema, path: string, value: unknown): void {
    const events = this.events;
    const event = events.current;
    if (event.type === ALIAS) {
      const target = events.aliased();
      events.at++;
      if (target !== undefined && this.events.list[target].type === MAPPING && !this.onStack.has(target)) {
        this.onStack.add(target);
        const saved = events.at;
        events.at = target + 1;
        this.mapping(schema, path, value);
        events.at = saved;
        this.onStack.delete(target);
      }
    } else if (event.type === MAPPING) {
      events.anchor();
      events.at++;
      this.mapping(schema, path, value);
    } else if (event.type === SEQUENCE) {
      events.at++;
      while (events.current.type !== POP) this.merge(schema, path, value);
      events.at++;
    } else {
      events.skip();
    }
  }
}

/** The object's name for messages: its kind, namespace and name as written, even when they are not strings. */
function objectWhere(
  file: string,
  events: Events,
  index: number,
  object: Record<string, any>,
): (line: number) => string {
  let identity: string | undefined;
  const written = (field: string): string | undefined => {
    const value: unknown = object.metadata?.[field];
    if (typeof value === "string") return value;
    const metadata = events.valueOf(index, "metadata");
    const at = metadata === undefined ? undefined : events.valueOf(metadata, field);
    const event = at === undefined ? undefined : events.list[at];
    // A name that is not a scalar (a list, a mapping) is no name at all.
    return event?.type === SCALAR ? getScalarValue(events.text, event) : undefined;
  };
  return (line) => {
    identity ??= describeObject({
      kind: object.kind,
      metadata: { name: written("name"), namespace: written("namespace") },
    });
    return `${file}:${line}: ${identity}`;
  };
}

/** The first syntax error of a text, in the yaml library's words when it sees one, else in js-yaml's. */
function syntaxProblem(file: string, text: string, error: YAMLException): string {
  const documents = parseAllDocuments(text);
  for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
    const found = document.errors[0];
    if (found === undefined) continue;
    const line = found.linePos?.[0]?.line;
    return `${file}: invalid YAML${line ? ` at line ${line}` : ""} (document ${index + 1}): ${found.message.split("\n")[0].replace(/:$/, "")}`;
  }
  return `${file}: invalid YAML${error.mark ? ` at line ${error.mark.line + 1}` : ""}: ${error.reason}`;
}

/**
 * Every object of a YAML text (multi-document; `List` objects unwrapped), with every problem: a
 * syntax error names the file and its line; a document that is no Kubernetes object, and a field
 * of a type Kubernetes refuses, name the file, the line, the object and the field.
 */
export function readKubeYaml(text: string, file: string): KubeYamlFile {
  const objects: Record<string, any>[] = [];
  const problems: string[] = [];
  const pending: { kind: string; check: (schema: Schema, into: string[]) => void }[] = [];
  let events: Events;
  let documents: unknown[];
  try {
    events = new Events(text, parseEvents(text, {}));
    documents = constructFromEvents(events.list, { source: text, schema: SCHEMA });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    return { objects, problems: [syntaxProblem(file, text, error)], checkParameters: () => [] };
  }
  let index = -1;
  while (events.at < events.list.length) {
    if (events.current.type !== DOCUMENT) {
      events.at++;
      continue;
    }
    index++;
    const value = documents[index];
    events.at++;
    const root = events.at;
    if (events.list[root].type === POP) continue; // an empty document
    if (value === null || value === undefined) {
      events.skip();
      continue;
    }
    let nodes: [number | undefined, unknown][] = [[root, value]];
    if (isRecord(value) && value.kind === "List" && Array.isArray(value.items)) {
      nodes = listItems(events, root, value.items);
    }
    for (const [node, item] of nodes) {
      if (!isRecord(item) || typeof item.kind !== "string") {
        problems.push(`${file}: document ${index + 1} is not a Kubernetes object (no kind)`);
        continue;
      }
      objects.push(item);
      if (node === undefined) continue;
      const apiVersion = typeof item.apiVersion === "string" ? item.apiVersion : "";
      const checker = new ObjectChecker(events, objectWhere(file, events, node, item), problems);
      checker.check(node, objectSchema(apiVersion, item.kind), "", item);
      const spec = isConstraint(apiVersion) ? events.valueOf(node, "spec") : undefined;
      const parameters = spec === undefined ? undefined : events.valueOf(spec, "parameters");
      if (parameters !== undefined) {
        const found = (into: string[]) => new ObjectChecker(events, objectWhere(file, events, node, item), into);
        pending.push({
          kind: item.kind,
          check: (schema, into) =>
            found(into).check(parameters, schema, "spec.parameters", (item.spec as any)?.parameters),
        });
      }
    }
    events.at = root;
    events.skip();
  }
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

/** The event index of each item of a List whose mapping starts at `root`, beside the item's value. */
function listItems(events: Events, root: number, items: unknown[]): [number | undefined, unknown][] {
  const list = events.valueOf(root, "items");
  const indexes: number[] = [];
  if (list !== undefined && events.list[list].type === SEQUENCE) {
    const saved = events.at;
    events.at = list + 1;
    while (events.current.type !== POP) {
      indexes.push(events.at);
      events.skip();
    }
    events.at = saved;
  }
  return items.map((item, i) => [indexes[i], item]);
}
