/**
 * A policy folder's `suite.yaml`: a Suite of Gatekeeper's `gator verify`
 * (`apiVersion: test.gatekeeper.sh/v1alpha1`, `kind: Suite`), read and checked as gator reads and
 * checks it (pkg/gator/verify in Gatekeeper's source: suite.go, assertion.go, runner.go), so that
 * one file drives every engine: `gator verify policies/...` in CI, the project's own runner here
 * with the offline CEL engine or a real Rego engine, and the Rego unit tests through the module
 * scripts/gen-policy-data.ts renders from it.
 *
 * Messages are regular expressions in gator (Go's RE2). The runner compiles them as JavaScript
 * regular expressions and refuses the constructs RE2 lacks (look-around, back-references), so a
 * pattern it accepts reads the same in both; the suite itself uses only `^literal$` patterns.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

/** A gator assertion: how many violations match `message` (all of them when it is absent). */
export interface SuiteAssertion {
  /** An exact count, "yes" (at least one) or "no" (none). gator's default is "yes". */
  violations: number | "yes" | "no";
  /** A regular expression a violation's message must match (unanchored, as Go's MatchString). */
  message?: string;
}

/** One object reviewed against a test's template and constraint, and what must be true of it. */
export interface SuiteCase {
  /** `<test name>/<case name>`, unique in the suite. */
  id: string;
  test: string;
  name: string;
  /** Paths relative to the policy folder, as the suite names them. */
  templateFile: string;
  template: Record<string, unknown>;
  constraintFile: string;
  constraint: Record<string, unknown>;
  objectFile: string;
  object: Record<string, unknown>;
  assertions: SuiteAssertion[];
  /**
   * The exact messages, in any order, when the assertions pin them down: "no" alone (none), or a
   * total count beside one anchored literal message per expected text whose counts add up to it.
   * Undefined when the assertions leave room (a pattern, "yes", a count left open).
   */
  exactMessages?: string[];
}

export interface PolicySuite {
  /** The Suite's metadata.name. */
  name: string;
  dir: string;
  cases: SuiteCase[];
}

const API_VERSION = "test.gatekeeper.sh/v1alpha1";

/** Loads `<dir>/suite.yaml` and the files it names; throws once, listing every problem. */
export function loadPolicySuite(dir: string): PolicySuite {
  const problems: string[] = [];
  const raw = readYamlFile(dir, "suite.yaml", problems);
  if (raw !== undefined && (raw.apiVersion !== API_VERSION || raw.kind !== "Suite")) {
    // gator skips such a file without a word, so a suite in another format would pass unrun.
    problems.push(
      `suite.yaml: apiVersion ${JSON.stringify(raw.apiVersion)}, kind ${JSON.stringify(raw.kind)} is not a gator Suite (apiVersion ${API_VERSION}, kind Suite)`,
    );
  }
  const metadata = isRecord(raw?.metadata) ? raw.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  if (name === "") problems.push("suite.yaml: metadata.name must be a non-empty string");
  const tests = Array.isArray(raw?.tests) ? raw.tests : [];
  if (tests.length === 0) problems.push("suite.yaml: tests must be a non-empty list");

  const cases: SuiteCase[] = [];
  const files = new Map<string, Record<string, unknown> | undefined>();
  const read = (rel: string) => {
    if (!files.has(rel)) files.set(rel, readYamlFile(dir, rel, problems));
    return files.get(rel) ?? {};
  };
  tests.forEach((test: unknown, i: number) => cases.push(...readTest(test, `tests[${i}]`, read, problems)));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) problems.push(`suite.yaml: case ${c.id} appears twice`);
    seen.add(c.id);
  }
  if (problems.length > 0) throw new Error(`${path.join(dir, "suite.yaml")}:\n${problems.join("\n")}`);
  return { name, dir, cases };
}

/** Every file under `<dir>/samples`, relative to `dir`, sorted (to find unreferenced ones). */
export function listSampleFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else found.push(child);
    }
  };
  walk("samples");
  return found.sort();
}

/**
 * Why the messages of one review fail the assertions, in gator's words (its first failing
 * assertion, as `gator verify` prints it under the case); undefined when they all hold.
 */
export function assertionFailure(assertions: SuiteAssertion[], messages: string[]): string | undefined {
  for (const assertion of assertions) {
    const pattern = assertion.message === undefined ? undefined : new RegExp(assertion.message);
    const matching = messages.filter((m) => pattern === undefined || pattern.test(m)).length;
    const containing = assertion.message === undefined ? "" : ` containing ${goQuote(assertion.message)}`;
    const want = assertion.violations;
    let problem: string | undefined;
    if (typeof want === "number" && matching !== want) {
      problem = `got ${matching} violations${containing} but want exactly ${want}`;
    } else if (want === "yes" && matching === 0) {
      problem = `got 0 violations${containing} but want at least 1`;
    } else if (want === "no" && matching > 0) {
      problem = `got ${matching} violations${containing} but want none`;
    }
    // Go's %v of a []string: the elements between brackets, separated by spaces.
    if (problem !== undefined)
      return `unexpected number of violations: ${problem}: got messages [${messages.join(" ")}]`;
  }
  return undefined;
}

/** The result of one case: passed, failed with gator's reason, or not judged (and why). */
export type CaseOutcome =
  | { id: string; outcome: "pass" }
  | { id: string; outcome: "fail"; reason: string }
  | { id: string; outcome: "not judged"; reason: string };

/**
 * Runs every case: `judge` returns the messages of the case's review (the violations of its
 * constraint on its object, with its template), or a string saying why it could not judge it.
 */
export async function runPolicySuite(
  suite: PolicySuite,
  judge: (c: SuiteCase) => Promise<string[] | string> | string[] | string,
): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const c of suite.cases) {
    const messages = await judge(c);
    if (typeof messages === "string") {
      outcomes.push({ id: c.id, outcome: "not judged", reason: messages });
      continue;
    }
    const reason = assertionFailure(c.assertions, messages);
    outcomes.push(reason === undefined ? { id: c.id, outcome: "pass" } : { id: c.id, outcome: "fail", reason });
  }
  return outcomes;
}

/** The text a pattern `^…$` matches exactly, when it is an escaped literal; undefined otherwise. */
export function anchoredLiteral(pattern: string): string | undefined {
  const inner = /^\^(.*)\$$/s.exec(pattern)?.[1];
  if (inner === undefined) return undefined;
  let literal = "";
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === "\\") {
      const next = inner[i + 1];
      if (next === undefined || !META.includes(next)) return undefined;
      literal += next;
      i++;
    } else if (META.includes(ch)) {
      return undefined;
    } else {
      literal += ch;
    }
  }
  return literal;
}

/** The pattern that matches exactly `text`: the inverse of anchoredLiteral. */
export function literalPattern(text: string): string {
  return `^${[...text].map((ch) => (META.includes(ch) ? `\\${ch}` : ch)).join("")}$`;
}

/** RE2's metacharacters: escaped, each stands for itself. */
const META = "\\.+*?()|[]{}^$";

function readTest(
  test: unknown,
  where: string,
  read: (rel: string) => Record<string, unknown>,
  problems: string[],
): SuiteCase[] {
  const ok =
    isRecord(test) &&
    typeof test.name === "string" &&
    typeof test.template === "string" &&
    typeof test.constraint === "string";
  if (!ok) {
    problems.push(`suite.yaml: ${where} needs a name, a template file and a constraint file`);
    return [];
  }
  const { name: testName, template: templateFile, constraint: constraintFile } = test as Record<string, string>;
  const template = read(templateFile);
  const constraint = read(constraintFile);
  const rawCases = Array.isArray(test.cases) ? test.cases : [];
  if (rawCases.length === 0) problems.push(`suite.yaml: ${where} (${testName}) has no cases`);
  const cases: SuiteCase[] = [];
  rawCases.forEach((c: unknown, j: number) => {
    const at = `${where}.cases[${j}]`;
    if (!isRecord(c) || typeof c.name !== "string" || typeof c.object !== "string") {
      problems.push(`suite.yaml: ${at} needs a name and an object file`);
      return;
    }
    const assertions = readAssertions(c.assertions, `${at} (${c.name})`, problems);
    const exactMessages = exactMessagesOf(assertions);
    cases.push({
      id: `${testName}/${c.name}`,
      test: testName,
      name: c.name,
      templateFile,
      template,
      constraintFile,
      constraint,
      objectFile: c.object,
      object: read(c.object),
      assertions,
      ...(exactMessages === undefined ? {} : { exactMessages }),
    });
  });
  return cases;
}

function readAssertions(raw: unknown, where: string, problems: string[]): SuiteAssertion[] {
  // gator refuses a case without assertions ("assertions must be non-empty").
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push(`suite.yaml: ${where}: assertions must be a non-empty list`);
    return [];
  }
  return raw.flatMap((a: unknown, k: number) => {
    const at = `suite.yaml: ${where}.assertions[${k}]`;
    if (!isRecord(a)) {
      problems.push(`${at} must be a mapping`);
      return [];
    }
    const violations = a.violations ?? "yes";
    const countOk = typeof violations === "number" && Number.isInteger(violations) && violations >= 0;
    if (!countOk && violations !== "yes" && violations !== "no") {
      // An unquoted `no` is the boolean false to gator's YAML 1.1 reader, which then refuses it.
      problems.push(`${at}.violations is ${JSON.stringify(violations)}; accepted: a count ≥ 0, "yes" or "no"`);
      return [];
    }
    if (a.message !== undefined) {
      const problem = typeof a.message === "string" ? patternProblem(a.message) : "must be a string";
      if (problem !== undefined) {
        problems.push(`${at}.message ${problem}`);
        return [];
      }
    }
    return [{ violations, ...(a.message === undefined ? {} : { message: a.message }) } as SuiteAssertion];
  });
}

/** Why a message pattern would not read the same to RE2 and to JavaScript; undefined if it would. */
function patternProblem(pattern: string): string | undefined {
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(pattern)) {
    return `${JSON.stringify(pattern)} uses look-around or a back-reference, which gator's RE2 refuses`;
  }
  try {
    new RegExp(pattern);
  } catch (error) {
    return `${JSON.stringify(pattern)} is not a regular expression: ${(error as Error).message}`;
  }
  return undefined;
}

function exactMessagesOf(assertions: SuiteAssertion[]): string[] | undefined {
  if (assertions.length === 1 && assertions[0].violations === "no" && assertions[0].message === undefined) return [];
  const totals = assertions.filter((a) => a.message === undefined);
  const total = totals[0]?.violations;
  if (totals.length !== 1 || typeof total !== "number") return undefined;
  const messages: string[] = [];
  for (const a of assertions.filter((x) => x.message !== undefined)) {
    const literal = anchoredLiteral(a.message!);
    if (literal === undefined || typeof a.violations !== "number") return undefined;
    messages.push(...Array<string>(a.violations).fill(literal));
  }
  return messages.length === total ? messages : undefined;
}

/** Go's %q of a string that JSON can quote the same way (the suite's patterns are printable). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

function readYamlFile(dir: string, rel: string, problems: string[]): Record<string, unknown> | undefined {
  const file = path.join(dir, rel);
  if (!fs.existsSync(file)) {
    problems.push(`${rel}: no such file`);
    return undefined;
  }
  // YAML 1.1, as gator reads it (go-yaml): an unquoted `no` is a boolean there.
  const parsed: unknown = parseYaml(fs.readFileSync(file, "utf8"), { version: "1.1" });
  if (!isRecord(parsed)) {
    problems.push(`${rel}: not a YAML mapping`);
    return undefined;
  }
  return parsed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
