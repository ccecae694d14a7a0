/**
 * Label selectors (metav1.LabelSelector), for both engines: a NetworkPolicy's podSelector and
 * namespaceSelector, and a Gatekeeper constraint's match.labelSelector and
 * match.namespaceSelector. matchLabels and matchExpressions are ANDed; `{}` selects everything.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 *
 * What an absent (or null) selector means is the API's, not the selector's, so it is left to the
 * caller: in a NetworkPolicy peer, no namespaceSelector means the policy's own namespace and no
 * podSelector every pod of the selected namespaces; in Gatekeeper's match, a missing selector
 * matches everything. (metav1.LabelSelectorAsSelector itself turns nil into "nothing", which no
 * caller here wants.)
 */
import { isLabelKey, isLabelValue, notLabelKey, notLabelValue, type Report } from "./names";
import { isRecord } from "./object";

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";
export const SELECTOR_OPERATORS: readonly SelectorOperator[] = ["In", "NotIn", "Exists", "DoesNotExist"];

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: ReadonlySet<string>;
}

export interface LabelSelector {
  /** matchLabels turned into `In` requirements, so matching has one loop. */
  requirements: SelectorRequirement[];
}

/** A selector as written in YAML, once validateLabelSelector has accepted it. */
export interface RawLabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: SelectorOperator; values?: string[] | null }[] | null;
}

/** The label every namespace carries, set by the API server to the namespace's name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

const SELECTOR_FIELDS = ["matchLabels", "matchExpressions"];
const EXPRESSION_FIELDS = ["key", "operator", "values"];

/** YAML writes an empty key (`matchLabels:`) as null; the API server reads null as absent. */
const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null;

const quote = (value: unknown): string => JSON.stringify(value) ?? String(value);

/**
 * Reports every problem of the selector written at `path`, with the API server's rules: label
 * keys and values, operators, and values required by In and NotIn and refused by Exists and
 * DoesNotExist. Unknown fields are reported too, since a misspelt `matchLabel` would otherwise
 * select everything.
 */
export function validateLabelSelector(selector: unknown, path: string, report: Report): void {
  if (!isRecord(selector)) {
    report(path, "must be an object");
    return;
  }
  for (const key of Object.keys(selector)) {
    if (!SELECTOR_FIELDS.includes(key)) report(`${path}.${key}`, "unknown field");
  }
  const { matchLabels, matchExpressions } = selector;
  if (!isAbsent(matchLabels)) {
    if (!isRecord(matchLabels)) report(`${path}.matchLabels`, "must be an object");
    else {
      for (const [key, value] of Object.entries(matchLabels)) {
        if (!isLabelKey(key)) report(`${path}.matchLabels`, notLabelKey(key));
        if (typeof value !== "string") report(`${path}.matchLabels.${key}`, "must be a string");
        else if (!isLabelValue(value)) report(`${path}.matchLabels.${key}`, notLabelValue(value));
      }
    }
  }
  if (isAbsent(matchExpressions)) return;
  if (!Array.isArray(matchExpressions)) {
    report(`${path}.matchExpressions`, "must be a list");
    return;
  }
  matchExpressions.forEach((expression: unknown, i) => {
    const where = `${path}.matchExpressions[${i}]`;
    if (isRecord(expression)) validateExpression(expression, where, report);
    else report(where, "must be an object");
  });
}

function validateExpression(expression: Record<string, unknown>, path: string, report: Report): void {
  for (const key of Object.keys(expression)) {
    if (!EXPRESSION_FIELDS.includes(key)) report(`${path}.${key}`, "unknown field");
  }
  const { key, operator, values } = expression;
  if (isAbsent(key) || key === "") report(`${path}.key`, "required");
  else if (typeof key !== "string") report(`${path}.key`, "must be a string");
  else if (!isLabelKey(key)) report(`${path}.key`, notLabelKey(key));
  if (isAbsent(operator)) report(`${path}.operator`, "required");
  else if (!SELECTOR_OPERATORS.includes(operator as SelectorOperator)) {
    report(`${path}.operator`, `${quote(operator)} is not one of ${SELECTOR_OPERATORS.join(", ")}`);
  }
  if (!isAbsent(values) && !Array.isArray(values)) {
    report(`${path}.values`, "must be a list");
    return;
  }
  const list: unknown[] = values ?? [];
  if ((operator === "In" || operator === "NotIn") && list.length === 0) {
    report(`${path}.values`, `must be non-empty for operator ${operator}`);
  }
  if ((operator === "Exists" || operator === "DoesNotExist") && list.length > 0) {
    report(`${path}.values`, `must be empty for operator ${operator}`);
  }
  list.forEach((value, i) => {
    if (typeof value !== "string") report(`${path}.values[${i}]`, "must be a string");
    else if (!isLabelValue(value)) report(`${path}.values[${i}]`, notLabelValue(value));
  });
}

/** Compiles a selector that validateLabelSelector accepted. */
export function compileLabelSelector(raw: RawLabelSelector): LabelSelector {
  const requirements: SelectorRequirement[] = [];
  for (const [key, value] of Object.entries(raw.matchLabels ?? {})) {
    requirements.push({ key, operator: "In", values: new Set([value]) });
  }
  for (const expression of raw.matchExpressions ?? []) {
    requirements.push({ key: expression.key, operator: expression.operator, values: new Set(expression.values ?? []) });
  }
  return { requirements };
}

/** Validates and compiles; undefined when the selector has a problem (reported). */
export function parseLabelSelector(raw: unknown, path: string, report: Report): LabelSelector | undefined {
  let valid = true;
  validateLabelSelector(raw, path, (where, problem) => {
    valid = false;
    report(where, problem);
  });
  return valid ? compileLabelSelector(raw as RawLabelSelector) : undefined;
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const requirement of selector.requirements) {
    const present = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    switch (requirement.operator) {
      case "In":
        if (!present || !requirement.values.has(labels[requirement.key])) return false;
        break;
      // NotIn and DoesNotExist hold for objects that lack the key altogether.
      case "NotIn":
        if (present && requirement.values.has(labels[requirement.key])) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
    }
  }
  return true;
}
