/**
 * YAML read as kubectl reads it. kubectl 1.34 decodes YAML with sigs.k8s.io/yaml v1.6.0 over go-yaml
 * v2 (go.yaml.in/yaml/v2 v2.4.2), and a plain scalar is what go-yaml v2's resolver makes of it, not
 * what YAML 1.1's regular expressions would: scalar.ts has its rules. `y`, `n`, `yes`, `no`, `on`,
 * `off`, `true`, `false` (lower, Capitalised or UPPER case) are booleans; `~`, `null` and the empty
 * scalar null; a scalar starting with a sign or a digit goes through Go's strconv, so `0777` is 511,
 * `0o17` 15, `0x1F` 31, `08` the float 8 and `1_000` 1000; a scalar starting with any other
 * character is a string, so `e10` and a pod-template-hash like `e0167131` stay strings;
 * timestamps and `1:20` are strings. `.nan` and `.inf` are floats JSON cannot carry: kubectl refuses
 * the whole file (`error converting YAML to JSON: json: unsupported value: NaN`), and so does the
 * verifier, in whatever field they are.
 *
 * Where the Kubernetes schema expects a string (schema.ts), a plain scalar that go-yaml resolves
 * to a boolean or a number is refused, naming the file, the line, the object and the field, and
 * what kubectl would do: the API server would refuse the object (`cannot unmarshal bool into Go
 * struct field ... of type string`), so the verifier must not judge it. Where the schema expects a
 * number or a boolean, the value is read as kubectl reads it (`0o120` is 80). Where a built-in
 * kind has an int32 or an int64 (an IntOrString's number is an int32), a number that Go type cannot
 * hold, a fraction or beyond its range, is refused in the API server's words (`json: cannot
 * unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of
 * type int32`), for the number kubectl sends: a uint64 as a float64 (`9223372036854776000`). In
 * the mappings whose fields the schema knows, a key is converted to JSON as sigs.k8s.io/yaml converts it (`on` is
 * "true", `1e6` "1e+06") and named where that changes it, or refused where sigs.k8s.io/yaml refuses
 * it (null, a uint64). Quoted values are strings as written.
 *
 * The text is parsed once, by js-yaml's event parser (a flat list of events that keep each
 * scalar's style and offsets), with those scalar rules; the values are constructed from the
 * events, and one walk over the events, guided by the schema beside the values, finds the fields
 * Kubernetes would refuse (a second walk, over the whole object, only in a file where a NaN or an
 * infinity was read). The yaml library's own parser reads a 46 MB `kubectl get -o yaml` dump
 * four times slower, in three times the memory (bench/end-to-end.ts); it still words syntax
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
import { parseAllDocuments } from "yaml";
import { describeObject, isRecord } from "./object";
import { FIRST_CHARS, fitsGoInt, jsonKey, jsonNumber, resolvePlain, sentNumber, type GoScalar } from "./scalar";
import {
  expectedTypes,
  goInt,
  goStruct,
  isBuiltIn,
  isConstraint,
  isMapSchema,
  itemSchema,
  objectSchema,
  parametersSchema,
  propertySchema,
  typeAccepts,
} from "./schema";
import type { JsonType, Schema } from "./json-schema";

// go-yaml v2's reading of the last plain scalar: js-yaml asks each tag that may match it in turn.
let lastSource = "";
let lastRead: GoScalar = resolvePlain("");

/** Values JSON cannot carry (NaN, infinities) constructed so far: a file with none needs no search for them. */
let nonFinite = 0;

/**
 * The YAML tag of each Go type go-yaml v2 resolves a plain scalar to; explicitly (`!!int 5`), a tag
 * takes what resolves to it, and `!!float` an integer too, as go-yaml's resolve does.
 */
function goTag(tag: "null" | "bool" | "int" | "float", firstChars: readonly string[]): ScalarTagDefinition {
  return defineScalarTag(`tag:yaml.org,2002:${tag}`, {
    implicit: true,
    implicitFirstChars: firstChars,
    resolve: (source, isExplicit) => {
      if (lastSource !== source) {
        lastSource = source;
        lastRead = resolvePlain(source);
      }
      const read = lastRead;
      if (read.tag !== tag && !(isExplicit && tag === "float" && read.tag === "int")) return NOT_RESOLVED;
      if (typeof read.value === "number" && !Number.isFinite(read.value)) nonFinite++;
      return read.value;
    },
    identify: () => false,
  });
}

const SCHEMA = new YamlSchema([
  strTag,
  seqTag,
  mapTag,
  goTag("null", FIRST_CHARS.null),
  goTag("bool", FIRST_CHARS.bool),
  goTag("int", FIRST_CHARS.number),
  goTag("float", FIRST_CHARS.number),
  mergeTag,
]);

/** Every document of a text, as kubectl reads it; throws js-yaml's YAMLException on bad YAML. */
export function loadKubeYaml(text: string): unknown[] {
  return constructFromEvents(parseEvents(text, {}), { source: text, schema: SCHEMA });
}

export interface KubeYamlFile {
  objects: Record<string, any>[];
  /** The 1-based line each of `objects` starts on. */
  lines: number[];
  /**
   * The line of a field of `objects[object]`, such as `["spec", "ingress", 0, "from", 1]`: of its
   * key (a mapping's field) or of the item (a list's); for a field the file does not write, the
   * line of the deepest part of the path that it does. For those who point a reader at the rule
   * or the selector they speak of.
   */
  lineOf(object: number, path: readonly (string | number)[]): number;
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

/** A number as go-yaml read it: exactly, from the plain scalar it comes from (`read`), if any. */
const numberRead = (value: number, read?: GoScalar): Extract<GoScalar, { tag: "int" | "float" }> =>
  read?.tag === "int" || read?.tag === "float" ? read : { tag: "float", value };

/** `read`: go-yaml's reading of the plain scalar the value comes from, for the exact number kubectl sends. */
function describeValue(value: unknown, read?: GoScalar): string {
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (typeof value === "number") return `the number ${jsonNumber(numberRead(value, read))}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return typeNames[Array.isArray(value) ? "array" : isRecord(value) ? "object" : "null"];
}

const expected = (types: JsonType[]) => types.map((t) => typeNames[t]).join(" or ");

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

const { DOCUMENT, SEQUENCE, MAPPING, SCALAR, ALIAS, POP } = EVENT_ID;

/**
 * Where the API server's JSON decoder is in a built-in kind, for its words: how it names the
 * object it cannot decode, the innermost Go struct, and the JSON names of the struct fields down to
 * here (encoding/json's error context, which names no list index and no map key).
 */
interface GoField {
  object: string;
  struct: string;
  fields: string;
}

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
    if (event.type === ALIAS) return event.anchorStart;
    return event.type === SCALAR ? event.valueStart : "start" in event ? event.start : 0;
  }

  /** In the mapping at `index`, the index of the value of `key` (a plain or quoted key), if any. */
  valueOf(index: number, key: string): number | undefined {
    return this.entry(index, key)?.value;
  }

  /** In the mapping at `index`, the indexes of `key`'s own event and of its value, if any. */
  entry(index: number, key: string): { key: number; value: number } | undefined {
    if (this.list[index]?.type !== MAPPING) return undefined;
    const saved = this.at;
    this.at = index + 1;
    try {
      while (this.current.type !== POP) {
        const keyAt = this.at;
        const keyEvent = this.current;
        this.skip();
        if (keyEvent.type === SCALAR && getScalarValue(this.text, keyEvent) === key)
          return { key: keyAt, value: this.at };
        this.skip();
      }
      return undefined;
    } finally {
      this.at = saved;
    }
  }

  /** In the sequence at `index`, the index of its item `n` (from 0), if any. */
  itemOf(index: number, n: number): number | undefined {
    if (this.list[index]?.type !== SEQUENCE) return undefined;
    const saved = this.at;
    this.at = index + 1;
    try {
      for (let i = 0; this.current.type !== POP; i++) {
        if (i === n) return this.at;
        this.skip();
      }
      return undefined;
    } finally {
      this.at = saved;
    }
  }

  /**
   * The line of a field inside the node at `index`: of its key for a mapping's field, of the item
   * for a sequence's; where the path leaves the file (a field not written, a default), the line of
   * the deepest part of it that is written.
   */
  lineAt(index: number, path: readonly (string | number)[]): number {
    let node = index;
    let line = this.line(this.offset(this.list[node]));
    for (const part of path) {
      if (this.list[node]?.type === ALIAS) {
        const saved = this.at;
        this.at = node;
        const target = this.aliased();
        this.at = saved;
        if (target === undefined) break;
        node = target;
      }
      if (typeof part === "number") {
        const item = this.itemOf(node, part);
        if (item === undefined) break;
        node = item;
        line = this.line(this.offset(this.list[item]));
      } else {
        const found = this.entry(node, part);
        if (found === undefined) break;
        node = found.value;
        line = this.line(this.offset(this.list[found.key]));
      }
    }
    return line;
  }
}

const isPlain = (event: ScalarEvent) => event.style === SCALAR_STYLE.PLAIN && event.tagStart < 0;

/** go-yaml's reading of a plain mapping key that it does not read as a string. */
function keyRead(keyEvent: ScalarEvent, source: string): GoScalar | undefined {
  if (!isPlain(keyEvent)) return undefined;
  const read = resolvePlain(source);
  return read.tag === "str" ? undefined : read;
}

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

  /** Checks the node at `index`; `go` where the API server decodes it into a Go struct. */
  check(index: number, schema: Schema, path: string, value: unknown, go?: GoField): void {
    const saved = this.events.at;
    this.events.at = index;
    this.walk(schema, path, value, go);
    this.events.at = saved;
  }

  private walk(schema: Schema | undefined, path: string, value: unknown, go: GoField | undefined): void {
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
        this.check(target, schema, path, value, go);
        this.onStack.delete(target);
      }
      return;
    }
    events.anchor();
    const types = expectedTypes(schema);
    if (event.type === SCALAR) {
      events.at++;
      this.scalar(event, schema, types, path, value, go);
    } else if (event.type === MAPPING) {
      if (types !== undefined && !types.includes("object")) {
        this.report(event, path, `expected ${expected(types)}, not a mapping`);
        events.skip();
      } else {
        events.at++;
        this.mapping(schema, path, value, go);
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
        this.walk(items, `${path}[${i}]`, Array.isArray(value) ? value[i] : undefined, go);
      }
      events.at++;
    } else {
      events.skip();
    }
  }

  /** `value` is what the scalar was constructed into: what kubectl would send. */
  private scalar(
    event: ScalarEvent,
    schema: Schema,
    types: JsonType[] | undefined,
    path: string,
    value: unknown,
    go: GoField | undefined,
  ): void {
    // null is an absent field to the API server.
    if (types === undefined || value === null || value === undefined) return;
    // NaN and the infinities are refused in any field, by checkJson.
    if (typeof value === "number" && !Number.isFinite(value)) return;
    const type = goInt(schema);
    if (go !== undefined && type !== undefined && typeof value === "number") {
      const source = getScalarValue(this.events.text, event);
      const sent = sentNumber(numberRead(value, isPlain(event) ? resolvePlain(source) : undefined));
      if (!fitsGoInt(sent, type)) {
        this.report(
          event,
          path,
          `kubectl sends \`${source}\` as ${sent}, which the API server refuses in an ${type} (${go.object}: json: cannot unmarshal number ${sent} into Go struct field ${go.struct}.${go.fields} of type ${type})`,
        );
      }
      return;
    }
    if (typeAccepts(types, value)) return;
    if (isPlain(event) && types.includes("string") && (typeof value === "boolean" || typeof value === "number")) {
      const source = getScalarValue(this.events.text, event);
      this.report(
        event,
        path,
        `kubectl reads \`${source}\` as ${describeValue(value, resolvePlain(source))}; quote it`,
      );
    } else {
      this.report(event, path, `expected ${expected(types)}, not ${describeValue(value)}`);
    }
  }

  /** The pairs of a mapping whose start event has been passed; leaves the cursor after its end. */
  private mapping(schema: Schema, path: string, value: unknown, go: GoField | undefined): void {
    const events = this.events;
    const isStringMap = isMapSchema(schema);
    const struct = goStruct(schema);
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
        this.merge(schema, path, value, go);
        continue;
      }
      const read = keyRead(keyEvent, source);
      const key = read === undefined ? source : String(read.value);
      if (read !== undefined && read.tag !== "str") this.reportKey(keyEvent, path, source, read);
      const child = propertySchema(schema, key, value);
      // An empty value in a map of strings (`labels: {tier: }`) is "" to kubectl, not absent.
      if (isStringMap && isRecord(value) && value[key] === null && expectedTypes(child)?.includes("string")) {
        value[key] = "";
      }
      const field = go && (isStringMap ? go : { ...go, struct: struct ?? go.struct, fields: join(go.fields, key) });
      this.walk(child, join(path, key), isRecord(value) ? value[key] : undefined, field);
    }
    events.at++;
  }

  /** sigs.k8s.io/yaml turns a key go-yaml reads as a boolean or number into its JSON text, and refuses null and uint64. */
  private reportKey(keyEvent: ScalarEvent, path: string, source: string, read: GoScalar): void {
    const json = jsonKey(read);
    if (json === undefined) {
      const [type, as] = read.tag === "int" ? ["uint64", `the uint64 ${read.text}`] : ["<nil>", "null"];
      this.report(
        keyEvent,
        path,
        `kubectl reads the key \`${source}\` as ${as}, which it cannot make a JSON key of (unsupported map key of type: ${type}); quote it`,
      );
    } else if (json !== source) {
      this.report(keyEvent, path, `kubectl reads the key \`${source}\` as ${JSON.stringify(json)}; quote it`);
    }
  }

  /**
   * Reports every value under the node at `index`, in any field, that JSON cannot carry (NaN, the
   * infinities): sigs.k8s.io/yaml's conversion to JSON fails, and kubectl refuses the whole file.
   */
  checkJson(index: number, path: string, value: unknown): void {
    const saved = this.events.at;
    this.events.at = index;
    this.json(path, value);
    this.events.at = saved;
  }

  private json(path: string, value: unknown): void {
    const events = this.events;
    const event = events.current;
    if (event.type === SCALAR || event.type === ALIAS) {
      events.at++;
      // An alias is checked too: its anchor may be a key, where a NaN is no error.
      if (typeof value === "number" && !Number.isFinite(value)) {
        const source =
          event.type === SCALAR
            ? getScalarValue(events.text, event)
            : `*${events.text.slice(event.anchorStart, event.anchorEnd)}`;
        const go = Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
        this.report(
          event,
          path,
          `kubectl reads \`${source}\` as ${go}, which JSON cannot carry (json: unsupported value: ${go}); quote it`,
        );
      }
    } else if (event.type === MAPPING) {
      events.at++;
      while (events.current.type !== POP) {
        const keyEvent = events.current;
        events.skip();
        if (keyEvent.type !== SCALAR) {
          events.skip();
          continue;
        }
        const source = getScalarValue(events.text, keyEvent);
        // The merged mappings are checked where they are written.
        if (isPlain(keyEvent) && source === "<<") {
          events.skip();
          continue;
        }
        const read = keyRead(keyEvent, source);
        const key = read === undefined ? source : String(read.value);
        this.json(join(path, key), isRecord(value) ? value[key] : undefined);
      }
      events.at++;
    } else if (event.type === SEQUENCE) {
      events.at++;
      for (let i = 0; events.current.type !== POP; i++) {
        this.json(`${path}[${i}]`, Array.isArray(value) ? value[i] : undefined);
      }
      events.at++;
    } else {
      events.skip();
    }
  }

  /** A YAML 1.1 merge (`<<: *defaults`): the merged mappings are checked as part of this one. */
  private merge(schema: Schema, path: string, value: unknown, go: GoField | undefined): void {
    const events = this.events;
    const event = events.current;
    if (event.type === ALIAS) {
      const target = events.aliased();
      events.at++;
      if (target !== undefined && this.events.list[target].type === MAPPING && !this.onStack.has(target)) {
        this.onStack.add(target);
        const saved = events.at;
        events.at = target + 1;
        this.mapping(schema, path, value, go);
        events.at = saved;
        this.onStack.delete(target);
      }
    } else if (event.type === MAPPING) {
      events.anchor();
      events.at++;
      this.mapping(schema, path, value, go);
    } else if (event.type === SEQUENCE) {
      events.at++;
      while (events.current.type !== POP) this.merge(schema, path, value, go);
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
  const lines: number[] = [];
  /** The event each object starts at (undefined for a List item read without one). */
  const starts: (number | undefined)[] = [];
  const problems: string[] = [];
  const pending: { kind: string; check: (schema: Schema, into: string[]) => void }[] = [];
  let events: Events;
  let documents: unknown[];
  const nonFiniteBefore = nonFinite;
  try {
    events = new Events(text, parseEvents(text, {}));
    documents = constructFromEvents(events.list, { source: text, schema: SCHEMA });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    return {
      objects,
      lines,
      lineOf: () => 0,
      problems: [syntaxProblem(file, text, error)],
      checkParameters: () => [],
    };
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
      starts.push(node);
      lines.push(node === undefined ? 0 : events.line(events.offset(events.list[node])));
      if (node === undefined) continue;
      const apiVersion = typeof item.apiVersion === "string" ? item.apiVersion : "";
      const checker = new ObjectChecker(events, objectWhere(file, events, node, item), problems);
      checker.check(node, objectSchema(apiVersion, item.kind), "", item, builtInField(apiVersion, item.kind));
      if (nonFinite > nonFiniteBefore) checker.checkJson(node, "", item);
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
    lines,
    lineOf: (object, path) => {
      const start = starts[object];
      return start === undefined ? (lines[object] ?? 0) : events.lineAt(start, path);
    },
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

/**
 * The root of a built-in kind for the API server's decoder, which names it as its create handler
 * does (transformDecodeError: the kind and version of the body, then the Go type's kind).
 */
function builtInField(apiVersion: string, kind: string): GoField | undefined {
  if (!isBuiltIn(apiVersion, kind)) return undefined;
  const version = apiVersion.slice(apiVersion.lastIndexOf("/") + 1);
  return {
    object: `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}`,
    struct: kind,
    fields: "",
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
