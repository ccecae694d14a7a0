/**
 * Kubernetes label selectors (`matchLabels` AND `matchExpressions`), as used by a
 * constraint's `match.labelSelector` and `match.namespaceSelector`.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 */
import { isRecord } from "./object";

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
}

const OPERATORS: readonly SelectorOperator[] = ["In", "NotIn", "Exists", "DoesNotExist"];

/** Parses a selector, adding a problem (prefixed with `path`) for each malformed part. */
export function parseLabelSelector(raw: unknown, path: string, problems: string[]): LabelSelector {
  const selector: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  if (!isRecord(raw)) {
    problems.push(`${path} must be a mapping with matchLabels and/or matchExpressions`);
    return selector;
  }
  for (const key of Object.keys(raw)) {
    if (key !== "matchLabels" && key !== "matchExpressions") {
      problems.push(`${path} has an unknown field ${key} (accepted: matchLabels, matchExpressions)`);
    }
  }
  if (raw.matchLabels !== undefined) {
    if (!isRecord(raw.matchLabels) || !Object.values(raw.matchLabels).every((v) => typeof v === "string")) {
      problems.push(`${path}.matchLabels must map label keys to string values`);
    } else {
      selector.matchLabels = raw.matchLabels as Record<string, string>;
    }
  }
  if (raw.matchExpressions !== undefined) {
    if (!Array.isArray(raw.matchExpressions)) {
      problems.push(`${path}.matchExpressions must be a list`);
    } else {
      raw.matchExpressions.forEach((e: unknown, i: number) => {
        const requirement = parseRequirement(e, `${path}.matchExpressions[${i}]`, problems);
        if (requirement !== undefined) selector.matchExpressions.push(requirement);
      });
    }
  }
  return selector;
}

function parseRequirement(raw: unknown, path: string, problems: string[]): SelectorRequirement | undefined {
  if (!isRecord(raw) || typeof raw.key !== "string" || raw.key === "") {
    problems.push(`${path} needs a key`);
    return undefined;
  }
  const operator = raw.operator;
  if (typeof operator !== "string" || !OPERATORS.includes(operator as SelectorOperator)) {
    problems.push(`${path}.operator is ${JSON.stringify(operator)}; accepted: ${OPERATORS.join(", ")}`);
    return undefined;
  }
  const values = raw.values ?? [];
  if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) {
    problems.push(`${path}.values must be a list of strings`);
    return undefined;
  }
  // The API server's own rules for a selector requirement.
  const needsValues = operator === "In" || operator === "NotIn";
  if (needsValues && values.length === 0) {
    problems.push(`${path}: operator ${operator} needs at least one value`);
    return undefined;
  }
  if (!needsValues && values.length > 0) {
    problems.push(`${path}: operator ${operator} takes no values`);
    return undefined;
  }
  return { key: raw.key, operator: operator as SelectorOperator, values: values };
}

/** An empty selector matches everything, as in Kubernetes. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  return selector.matchExpressions.every((r) => requirementMatches(r, labels));
}

function requirementMatches(requirement: SelectorRequirement, labels: Record<string, string>): boolean {
  const present = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case "In":
      return present && requirement.values.includes(value);
    case "NotIn":
      return !present || !requirement.values.includes(value);
    case "Exists":
      return present;
    case "DoesNotExist":
      return !present;
  }
}
