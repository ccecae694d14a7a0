/**
 * The class roster (`class.yaml`): who the trainees are and how each one's lab is configured.
 *
 * It is validated as a whole before anything is written or run, and every problem carries the
 * roster's line. Each trainee's configuration goes through the lab program's own validation
 * (`parseLabConfig`), merged with what the trainee's stack file already holds, exactly as the
 * program will see it; the roster adds only what is its own: the shape of the file, names that
 * make valid and distinct stacks and Azure names, and no secret in plain text.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, isSeq, LineCounter, Node, parseDocument, YAMLMap } from "yaml";
import { parseLabConfig } from "../config";
import { CONFIG_KEYS, CONFIG_KEY_NAMES, PROJECT } from "../config/keys";
import { dnsPrefixFor } from "../components/cluster";
import { holdsSecure, rawConfigValue, readStackConfig } from "../verifier/lab/stack";
import { VerifyInputError } from "../verifier/model";
import packageJson from "../package.json";
import { CourseEnd, parseInstant } from "./course";
import { STACK_NAME, stackFileName } from "./names";

/** A configuration value as a stack file holds it: a string, or a list or mapping for structured keys. */
export type ConfigValue = string | unknown[] | Record<string, unknown>;

export interface RosterTrainee {
  /** The stack name. */
  name: string;
  /** The roster line of the trainee's entry. */
  line: number;
  /** Full keys (`namespace:key`) to the values the roster gives this trainee: the defaults, then its own. */
  config: Record<string, ConfigValue>;
  /** For each key of `config`, the line that sets it and whether it is a default. */
  origin: Record<string, { line: number; from: "defaults" | "trainee" }>;
}

export interface Roster {
  file: string;
  trainees: RosterTrainee[];
  endsAt?: CourseEnd;
}

export interface RosterResult {
  roster?: Roster;
  /** `file:line: what is wrong`, every one of them. */
  problems: string[];
  warnings: string[];
  /**
   * With `deferExercises`: the problems of trainees' exercise folders, worded as `problems` are,
   * left out of them. A folder is the trainee's answer, not the trainer's roster: one trainee's
   * unfinished answer must not stop the class's commands for everyone else.
   */
  deferred?: { trainee: string; problem: string }[];
}

export interface RosterOptions {
  /** Report the problems of exercise folders apart (RosterResult.deferred) instead of refusing the roster. */
  deferExercises?: boolean;
}

/** The keys a plain-text roster may not hold: the lab's secrets, as config/keys.ts marks them. */
export const SECRET_KEYS: string[] = CONFIG_KEY_NAMES.filter(
  (key) => (CONFIG_KEYS[key] as { secret?: boolean }).secret,
);

/**
 * Provider keys that hold credentials by name (azure-native's clientSecret, oidcToken,
 * clientCertificatePassword, ...): as secret as the lab's own, so refused in plain text too.
 */
const SECRET_LOOKING = /secret|password|token/i;

/**
 * The namespaces a roster key may have: the lab's, Pulumi's own, and each provider the program
 * depends on (package.json's `@pulumi/*` packages), so that `azure-natve:location` is caught.
 */
export const CONFIG_NAMESPACES: string[] = [
  PROJECT,
  "pulumi",
  ...Object.keys(packageJson.dependencies)
    .filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/pulumi")
    .map((name) => name.slice("@pulumi/".length)),
];

const TOP_LEVEL = ["defaults", "trainees", "endsAt"];

/** The configuration key of a trainee's exercise folder (issue 15), in full. */
export const EXERCISE_KEY = `${PROJECT}:exercise`;

/**
 * Reads and validates the roster; the stack files beside `projectDir` complete each trainee's
 * configuration. `shown` names the file in messages (as the trainer typed it).
 */
export function readRoster(file: string, projectDir: string, shown = file, options: RosterOptions = {}): RosterResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return {
      problems: [
        `${shown}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); expected a roster such as class.yaml (see the README, "Running a class")`,
      ],
      warnings: [],
    };
  }
  return parseRoster(text, shown, projectDir, options);
}

/** Validates a roster's text; `file` names it in messages. */
export function parseRoster(text: string, file: string, projectDir: string, options: RosterOptions = {}): RosterResult {
  const { trainees, endsAt, problems } = readEntries(text);
  const warnings: string[] = [];
  const deferred: (Problem & { trainee: string })[] = [];
  const problem = (line: number, message: string) => problems.push({ line, text: message });
  if (trainees) {
    checkNames(trainees, problem);
    for (const p of checkLabConfigs(trainees, projectDir, warnings)) {
      if (options.deferExercises && p.key === EXERCISE_KEY) {
        for (const trainee of p.who) deferred.push({ line: p.line, text: p.text, trainee });
      } else problem(p.line, p.text);
    }
  }
  return {
    roster: problems.length === 0 && trainees ? { file, trainees, endsAt } : undefined,
    problems: numbered(problems, file),
    warnings,
    ...(options.deferExercises
      ? {
          deferred: deferred
            .sort((a, b) => a.line - b.line)
            .map((d) => ({ trainee: d.trainee, problem: `${file}:${d.line}: ${d.text}` })),
        }
      : {}),
  };
}

/**
 * The roster's entries as written, each trainee's configuration merged with the defaults, without
 * the checks that need the project (names, the lab's validation): how `class affected` reads the
 * roster of an earlier commit, whose trainees the stack files of today need not fit.
 */
export function rosterEntries(
  text: string,
  file: string,
): { trainees?: RosterTrainee[]; endsAt?: CourseEnd; problems: string[] } {
  const { trainees, endsAt, problems } = readEntries(text);
  return { trainees: problems.length === 0 ? trainees : undefined, endsAt, problems: numbered(problems, file) };
}

type Problem = { line: number; text: string };

function numbered(problems: Problem[], file: string): string[] {
  return problems.sort((a, b) => a.line - b.line).map((p) => `${file}:${p.line}: ${p.text}`);
}

/** The shape of the roster: its keys, the trainees with their merged configuration, endsAt. */
function readEntries(text: string): { trainees?: RosterTrainee[]; endsAt?: CourseEnd; problems: Problem[] } {
  const problems: Problem[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const lineOf = (node: Node | null | undefined, fallback = 1) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  const problem = (line: number, message: string) => problems.push({ line, text: message });
  const done = (trainees?: RosterTrainee[], endsAt?: CourseEnd) => ({ trainees, endsAt, problems });

  if (doc.errors.length > 0) {
    const lines = text.split("\n");
    for (const error of doc.errors) {
      const line = error.linePos?.[0].line ?? 1;
      let message = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      // The parser does not name the key; the line does.
      const key = /^\s*(?:-\s+)?([^:#]+?):/.exec(lines[line - 1] ?? "")?.[1];
      if (error.code === "DUPLICATE_KEY" && key) message = `${key} is set twice in the same mapping`;
      problem(line, `invalid YAML: ${message}`);
    }
    return done();
  }
  const top = doc.contents;
  if (!isMap(top)) {
    problem(lineOf(top), "expected a mapping with `defaults` (optional), `trainees` and `endsAt` (optional)");
    return done();
  }
  for (const pair of top.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!TOP_LEVEL.includes(key)) {
      problem(lineOf(pair.key), `${key}: unknown key; a roster has defaults, trainees and endsAt`);
    }
  }

  let endsAt: CourseEnd | undefined;
  const endsAtNode = top.get("endsAt", true) as Node | undefined;
  if (endsAtNode !== undefined) {
    const line = lineOf(endsAtNode, lineOf(top));
    const text = isScalar(endsAtNode) && typeof endsAtNode.value === "string" ? endsAtNode.value : undefined;
    const read = text === undefined ? { problem: "expected" } : parseInstant(text);
    if ("at" in read) endsAt = { text: text!, at: read.at, line };
    else {
      const shown = text === undefined ? "" : ` ${JSON.stringify(text)}`;
      problem(
        line,
        `endsAt:${shown} ${read.problem} an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)`,
      );
    }
  }

  const defaultsNode = top.get("defaults", true) as Node | undefined;
  let defaults: Entries = new Map();
  if (defaultsNode !== undefined && !(isScalar(defaultsNode) && defaultsNode.value === null)) {
    if (!isMap(defaultsNode)) problem(lineOf(defaultsNode), "defaults: expected a mapping of configuration keys");
    else defaults = configEntries(defaultsNode, "defaults", lineOf, problem);
  }

  const traineesNode = top.get("trainees", true) as Node | undefined;
  if (!isSeq(traineesNode) || traineesNode.items.length === 0) {
    problem(
      lineOf(traineesNode ?? top),
      "trainees: expected a list of trainees, each with a name (- name: alice), and at least one",
    );
    return done(undefined, endsAt);
  }

  const trainees: RosterTrainee[] = [];
  traineesNode.items.forEach((item, i) => {
    const where = `trainees[${i}]`;
    const line = lineOf(item as Node);
    if (!isMap(item)) {
      problem(line, `${where}: expected a mapping with a name, such as - name: alice`);
      return;
    }
    const nameNode = item.get("name", true) as Node | undefined;
    if (nameNode === undefined || (isScalar(nameNode) && nameNode.value === null)) {
      problem(line, `${where}: has no name; expected name: followed by the trainee's stack name, such as alice`);
      return;
    }
    if (!isScalar(nameNode) || typeof nameNode.value !== "string") {
      const scalar = isScalar(nameNode) ? nameNode : undefined;
      const source = scalar ? (scalar.source ?? String(scalar.value)) : undefined;
      problem(
        lineOf(nameNode, line),
        scalar === undefined
          ? `${where}.name: expected a stack name, such as alice`
          : `${where}.name: ${source} reads as ${typeof scalar.value === "number" ? "a number" : "a non-string"} (${String(scalar.value)}); quote it: name: "${source}"`,
      );
      return;
    }
    const name = nameNode.value;
    if (!STACK_NAME.test(name)) {
      problem(
        lineOf(nameNode, line),
        `${where}.name: ${JSON.stringify(name)} is not a valid stack name; expected 1 to 100 letters, digits, "-", "_" or ".", such as alice`,
      );
      return;
    }
    const own = configEntries(item, name, lineOf, problem, name);
    const config: RosterTrainee["config"] = {};
    const origin: RosterTrainee["origin"] = {};
    for (const [key, entry] of defaults) {
      config[key] = entry.value;
      origin[key] = { line: entry.line, from: "defaults" };
    }
    for (const [key, entry] of own) {
      config[key] = entry.value;
      origin[key] = { line: entry.line, from: "trainee" };
    }
    trainees.push({ name, line: lineOf(nameNode, line), config, origin });
  });
  return done(trainees, endsAt);
}

type Entries = Map<string, { value: ConfigValue; line: number }>;

/**
 * The configuration keys of a mapping (the defaults or one trainee), with full keys and stack-file
 * values; shape problems are reported here, value problems by the lab's validation later.
 */
function configEntries(
  map: YAMLMap,
  where: string,
  lineOf: (node: Node | null | undefined, fallback?: number) => number,
  problem: (line: number, text: string) => void,
  /** The trainee's stack; undefined for the defaults. */
  stack?: string,
): Entries {
  const entries: Entries = new Map();
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const line = lineOf(keyNode);
    if (!isScalar(keyNode) || typeof keyNode.value !== "string") {
      problem(
        line,
        `${where}: ${JSON.stringify(String(keyNode))}: not a configuration key; expected a lab key such as stage, or namespace:key`,
      );
      continue;
    }
    const key = keyNode.value;
    if (stack !== undefined && key === "name") continue;
    const parts = key.split(":");
    const full = parts.length === 1 ? `${PROJECT}:${key}` : key;
    const [namespace, name] = full.split(":");
    if (parts.length > 2 || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name ?? "")) {
      problem(line, `${where}: ${key}: not a configuration key; expected a lab key such as stage, or namespace:key`);
      continue;
    }
    if (!CONFIG_NAMESPACES.includes(namespace)) {
      problem(
        line,
        `${where}: ${key}: ${JSON.stringify(namespace)} is not a namespace this program reads; expected a lab key (${PROJECT}) or one of ${CONFIG_NAMESPACES.filter((n) => n !== PROJECT).join(", ")}`,
      );
      continue;
    }
    if (entries.has(full)) {
      problem(line, `${where}: ${key}: set twice (as ${full} and as ${name}); keep one`);
      continue;
    }
    const secret = namespace === PROJECT ? SECRET_KEYS.includes(name) : SECRET_LOOKING.test(name);
    if (secret) {
      const short = namespace === PROJECT ? name : full;
      problem(
        line,
        `${where}: ${key}: a secret cannot be in the roster, which is plain text; set it in the stack file with \`pulumi config set --secret ${short} ... --stack ${stack ?? "NAME"}\``,
      );
      continue;
    }
    const valueNode = pair.value as Node | null;
    const value = toConfigValue(valueNode);
    if (value === undefined) {
      problem(
        lineOf(valueNode, line),
        `${where}: ${key}: has no value; give one, or leave the key out to use the ${parts.length === 1 || namespace === PROJECT ? "lab's default" : "provider's default"}`,
      );
      continue;
    }
    if (holdsSecure(value)) {
      problem(
        lineOf(valueNode, line),
        `${where}: ${key}: an encrypted value belongs to one stack (its salt), not to the roster; set it with \`pulumi config set --secret\` in each stack`,
      );
      continue;
    }
    entries.set(full, { value, line });
  }
  return entries;
}

/** A YAML value as a stack file holds it: scalars as strings (as `pulumi config set` writes them). */
function toConfigValue(node: Node | null): ConfigValue | undefined {
  if (node === null || (isScalar(node) && node.value === null)) return undefined;
  if (isScalar(node)) return String(node.value);
  return node.toJSON() as ConfigValue;
}

/**
 * Names must make distinct stacks and distinct Azure names. The only Azure name the program
 * derives from the stack is the AKS DNS prefix (`dnsPrefixFor`, used by components/cluster.ts;
 * the resource group and the cluster are auto-named with a random suffix), which folds case and
 * punctuation and is cut at 54 characters: `Alice` and `alice`, or `a.b` and `a_b`, would share it.
 */
function checkNames(trainees: RosterTrainee[], problem: (line: number, text: string) => void): void {
  const byName = new Map<string, RosterTrainee>();
  const byPrefix = new Map<string, RosterTrainee>();
  for (const trainee of trainees) {
    const first = byName.get(trainee.name);
    if (first) {
      problem(
        trainee.line,
        `name ${JSON.stringify(trainee.name)} is already taken at line ${first.line}; each trainee needs their own stack`,
      );
      continue;
    }
    byName.set(trainee.name, trainee);
    const prefix = dnsPrefixFor(trainee.name);
    const same = byPrefix.get(prefix);
    if (same) {
      problem(
        trainee.line,
        `name ${JSON.stringify(trainee.name)} makes the AKS DNS prefix ${prefix}, as ${JSON.stringify(same.name)} at line ${same.line} does; names must differ in more than case and punctuation${trainee.name.length > 50 || same.name.length > 50 ? ", within their first 50 characters" : ""}`,
      );
      continue;
    }
    byPrefix.set(prefix, trainee);
  }
}

/**
 * Each trainee's configuration as the program will see it (what the stack file already holds,
 * then what the roster sets), through the program's own validation. A problem is placed on the
 * line that sets the key it names; one that a default causes for every trainee who inherits it
 * is reported once.
 */
function checkLabConfigs(
  trainees: RosterTrainee[],
  projectDir: string,
  warnings: string[],
): { line: number; text: string; key: string; who: string[] }[] {
  type From = "defaults" | "trainee" | "file";
  const found = new Map<string, { line: number; text: string; from: From; key: string; who: string[] }>();
  const add = (line: number, text: string, from: From, key: string, who: string) => {
    const id = `${line}\u0000${from}\u0000${text}`;
    const entry = found.get(id) ?? { line, text, from, key, who: [] };
    entry.who.push(who);
    found.set(id, entry);
  };
  for (const trainee of trainees) {
    let existing: { values: Record<string, string>; secretKeys: string[] } = { values: {}, secretKeys: [] };
    if (fs.existsSync(path.join(projectDir, stackFileName(trainee.name)))) {
      try {
        existing = readStackConfig(projectDir, trainee.name);
      } catch (error) {
        if (!(error instanceof VerifyInputError)) throw error;
        for (const text of error.problems) add(trainee.line, text, "trainee", "", trainee.name);
        continue;
      }
    }
    const values = { ...existing.values };
    const secretKeys = new Set(existing.secretKeys);
    for (const [key, value] of Object.entries(trainee.config)) {
      values[key] = rawConfigValue(value);
      secretKeys.delete(key);
    }
    const result = parseLabConfig({ values, secretKeys, projectDir });
    for (const text of result.problems) {
      // Every message of parseLabConfig starts with the full key it is about.
      const key = /^([^\s:]+:[^\s:[]+)/.exec(text)?.[1] ?? "";
      const origin = trainee.origin[key];
      if (origin) add(origin.line, text, origin.from, key, trainee.name);
      else add(trainee.line, text, existing.values[key] !== undefined ? "file" : "trainee", key, trainee.name);
    }
    for (const warning of result.warnings) warnings.push(`${trainee.name}: ${warning}`);
  }
  return [...found.values()].map((entry) => {
    if (entry.from === "defaults") {
      const inheriting = trainees.filter((t) => t.origin[entry.key]?.from === "defaults").map((t) => t.name);
      const all = inheriting.every((name) => entry.who.includes(name));
      return {
        line: entry.line,
        text: `defaults${all ? "" : ` (for ${entry.who.join(", ")})`}: ${entry.text}`,
        key: entry.key,
        who: entry.who,
      };
    }
    const [who] = entry.who;
    const where = entry.from === "file" ? `${who}: ${stackFileName(who)} (a value the roster does not set)` : who;
    return { line: entry.line, text: `${where}: ${entry.text}`, key: entry.key, who: entry.who };
  });
}
