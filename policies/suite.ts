/**
 * Reads a policy folder's `suite.yaml` and the sample files it names, in the layout of
 * gatekeeper-library (one folder per policy, `samples/<scenario>/`). The same cases drive
 * every engine: the CEL test reviews them with the offline AdmissionEngine, and the Rego
 * unit tests read them from the module that scripts/gen-policy-data.ts renders.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

/** One sample object and what the policy must say about it. */
export interface SuiteCase {
  /** `<test name>/<case name>`, unique in the suite. */
  id: string;
  test: string;
  name: string;
  /** Path of the constraint file, relative to the policy folder. */
  constraintFile: string;
  constraint: Record<string, unknown>;
  /** Path of the object file, relative to the policy folder. */
  objectFile: string;
  object: Record<string, unknown>;
  /** The exact violation messages expected; empty when the object must be allowed. */
  violations: string[];
}

export interface PolicySuite {
  policy: string;
  dir: string;
  cases: SuiteCase[];
}

/** Loads `<dir>/suite.yaml`; throws once, listing every problem, when it is malformed. */
export function loadPolicySuite(dir: string): PolicySuite {
  const problems: string[] = [];
  const raw = readYamlFile(dir, "suite.yaml", problems);
  const policy = typeof raw?.policy === "string" ? raw.policy : "";
  if (policy === "") problems.push("suite.yaml: policy must be a non-empty string");
  const tests = Array.isArray(raw?.tests) ? raw.tests : [];
  if (tests.length === 0) problems.push("suite.yaml: tests must be a non-empty list");

  const cases: SuiteCase[] = [];
  tests.forEach((test: unknown, i: number) => cases.push(...readTest(dir, test, `tests[${i}]`, problems)));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) problems.push(`suite.yaml: case ${c.id} appears twice`);
    seen.add(c.id);
  }
  if (problems.length > 0) throw new Error(`${path.join(dir, "suite.yaml")}:\n${problems.join("\n")}`);
  return { policy, dir, cases };
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

function readTest(dir: string, test: unknown, where: string, problems: string[]): SuiteCase[] {
  if (!isRecord(test) || typeof test.name !== "string" || typeof test.constraint !== "string") {
    problems.push(`suite.yaml: ${where} needs a name and a constraint file`);
    return [];
  }
  const testName = test.name;
  const constraintFile = test.constraint;
  const constraint = readYamlFile(dir, constraintFile, problems) ?? {};
  const rawCases = Array.isArray(test.cases) ? test.cases : [];
  if (rawCases.length === 0) problems.push(`suite.yaml: ${where} (${testName}) has no cases`);
  const cases: SuiteCase[] = [];
  rawCases.forEach((c: unknown, j: number) => {
    const read = readCase(dir, c, `${where}.cases[${j}]`, problems);
    if (read !== undefined) {
      cases.push({ id: `${testName}/${read.name}`, test: testName, constraintFile, constraint, ...read });
    }
  });
  return cases;
}

function readCase(
  dir: string,
  c: unknown,
  where: string,
  problems: string[],
): Pick<SuiteCase, "name" | "objectFile" | "object" | "violations"> | undefined {
  if (!isRecord(c) || typeof c.name !== "string" || typeof c.object !== "string") {
    problems.push(`suite.yaml: ${where} needs a name and an object file`);
    return undefined;
  }
  const allowed = c.allowed === true;
  const violations = c.violations;
  const validViolations =
    Array.isArray(violations) && violations.length > 0 && violations.every((v) => typeof v === "string");
  // Exactly one of the two, so that a case can never pass by saying nothing.
  if (allowed === validViolations || (c.allowed !== undefined && c.allowed !== true)) {
    problems.push(`suite.yaml: ${where} (${c.name}) must say either "allowed: true" or a non-empty "violations" list`);
    return undefined;
  }
  const object = readYamlFile(dir, c.object, problems) ?? {};
  return { name: c.name, objectFile: c.object, object, violations: allowed ? [] : (violations as string[]) };
}

function readYamlFile(dir: string, rel: string, problems: string[]): Record<string, unknown> | undefined {
  const file = path.join(dir, rel);
  if (!fs.existsSync(file)) {
    problems.push(`${rel}: no such file`);
    return undefined;
  }
  const parsed: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  if (!isRecord(parsed)) {
    problems.push(`${rel}: not a YAML mapping`);
    return undefined;
  }
  return parsed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
