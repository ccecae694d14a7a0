/**
 * A constraint's `spec.match`, parsed and evaluated the way Gatekeeper does it: every
 * criterion that is set must hold (kinds, scope, namespaces, excludedNamespaces,
 * labelSelector, namespaceSelector, name, source).
 * https://open-policy-agent.github.io/gatekeeper/website/docs/howto#the-match-field
 */
import { gvkOf, isNamespaceObject, isRecord, labelsOf, nameOf, namespaceOf, generateNameOf } from "../kube/object";
import { parseLabelSelector, selectorMatches, type LabelSelector } from "../kube/selector";
import type { KubeObject, SourceType } from "./types";
import { isValidWildcard, wildcardMatches, wildcardMatchesGenerateName } from "./wildcard";

export type MatchScope = "*" | "Cluster" | "Namespaced";
export type MatchSource = "All" | "Original" | "Generated";

export interface KindsEntry {
  /** Empty means any group; "" is the core group; "*" is any group. */
  apiGroups: string[];
  /** Empty means any kind; "*" is any kind. */
  kinds: string[];
}

export interface Match {
  kinds: KindsEntry[];
  scope: MatchScope;
  namespaces: string[];
  excludedNamespaces: string[];
  labelSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  name?: string;
  source: MatchSource;
}

/** What a match is evaluated on. */
export interface MatchTarget {
  object: KubeObject;
  /** The object's Namespace when it is namespaced and known; never set for a Namespace. */
  namespace?: KubeObject;
  source: SourceType;
}

/** Raised when a namespaceSelector needs the Namespace of an object and it is unknown. */
export class UnknownNamespaceError extends Error {}

const MATCH_FIELDS = [
  "kinds",
  "scope",
  "namespaces",
  "excludedNamespaces",
  "labelSelector",
  "namespaceSelector",
  "name",
  "source",
] as const;
const SCOPES: readonly MatchScope[] = ["*", "Cluster", "Namespaced"];
const SOURCES: readonly MatchSource[] = ["All", "Original", "Generated"];

/** Parses `spec.match` (absent means "everything"), adding a problem for each malformed part. */
export function parseMatch(raw: unknown, path: string, problems: string[]): Match {
  const match: Match = { kinds: [], scope: "*", namespaces: [], excludedNamespaces: [], source: "All" };
  if (raw === undefined) return match;
  if (!isRecord(raw)) {
    problems.push(`${path} must be a mapping`);
    return match;
  }
  // An unknown field is most likely a typo (`namespace:`) that would silently widen the match.
  for (const key of Object.keys(raw)) {
    if (!(MATCH_FIELDS as readonly string[]).includes(key)) {
      problems.push(`${path} has an unknown field ${key} (accepted: ${MATCH_FIELDS.join(", ")})`);
    }
  }
  match.kinds = parseKinds(raw.kinds, `${path}.kinds`, problems);
  match.scope = parseEnum(raw.scope, SCOPES, "*", `${path}.scope`, problems);
  match.source = parseEnum(raw.source, SOURCES, "All", `${path}.source`, problems);
  match.namespaces = parseWildcards(raw.namespaces, `${path}.namespaces`, problems);
  match.excludedNamespaces = parseWildcards(raw.excludedNamespaces, `${path}.excludedNamespaces`, problems);
  // A missing selector matches everything, as in Gatekeeper; so does a null one (YAML's `labelSelector:`).
  const report = (where: string, problem: string) => problems.push(`${where}: ${problem}`);
  if (raw.labelSelector !== undefined && raw.labelSelector !== null) {
    match.labelSelector = parseLabelSelector(raw.labelSelector, `${path}.labelSelector`, report);
  }
  if (raw.namespaceSelector !== undefined && raw.namespaceSelector !== null) {
    match.namespaceSelector = parseLabelSelector(raw.namespaceSelector, `${path}.namespaceSelector`, report);
  }
  if (raw.name !== undefined) {
    if (typeof raw.name !== "string" || !isValidWildcard(raw.name)) {
      problems.push(`${path}.name ${JSON.stringify(raw.name)} is not a name or a "*" glob at its start or end`);
    } else if (raw.name !== "") {
      match.name = raw.name;
    }
  }
  return match;
}

function parseKinds(raw: unknown, path: string, problems: string[]): KindsEntry[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${path} must be a list of {apiGroups, kinds}`);
    return [];
  }
  const entries: KindsEntry[] = [];
  raw.forEach((entry: unknown, i: number) => {
    const where = `${path}[${i}]`;
    if (!isRecord(entry)) {
      problems.push(`${where} must be a mapping with apiGroups and kinds`);
      return;
    }
    const apiGroups = stringList(entry.apiGroups, `${where}.apiGroups`, problems);
    const kinds = stringList(entry.kinds, `${where}.kinds`, problems);
    entries.push({ apiGroups, kinds });
  });
  return entries;
}

function parseWildcards(raw: unknown, path: string, problems: string[]): string[] {
  const list = stringList(raw, path, problems);
  for (const item of list) {
    if (!isValidWildcard(item)) {
      problems.push(`${path} entry ${JSON.stringify(item)} is not a namespace name or a "*" glob at its start or end`);
    }
  }
  return list;
}

function stringList(raw: unknown, path: string, problems: string[]): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every((v) => typeof v === "string")) {
    problems.push(`${path} must be a list of strings`);
    return [];
  }
  return raw;
}

function parseEnum<T extends string>(
  raw: unknown,
  allowed: readonly T[],
  fallback: T,
  path: string,
  problems: string[],
): T {
  if (raw === undefined || raw === "") return fallback;
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
    problems.push(`${path} is ${JSON.stringify(raw)}; accepted: ${allowed.join(", ")}`);
    return fallback;
  }
  return raw as T;
}

/** True when every criterion holds; throws UnknownNamespaceError (see namespaceSelectorMatches). */
export function matches(match: Match, target: MatchTarget): boolean {
  return (
    kindsMatch(match, target) &&
    scopeMatches(match, target) &&
    namespacesMatch(match, target) &&
    excludedNamespacesMatch(match, target) &&
    labelSelectorMatches(match, target) &&
    namespaceSelectorMatches(match, target) &&
    nameMatches(match, target) &&
    sourceMatches(match, target)
  );
}

function kindsMatch(match: Match, target: MatchTarget): boolean {
  if (match.kinds.length === 0) return true;
  const { group, kind } = gvkOf(target.object);
  return match.kinds.some(
    (entry) =>
      (entry.kinds.length === 0 || entry.kinds.includes("*") || entry.kinds.includes(kind)) &&
      (entry.apiGroups.length === 0 || entry.apiGroups.includes("*") || entry.apiGroups.includes(group)),
  );
}

function scopeMatches(match: Match, target: MatchTarget): boolean {
  const isNamespace = isNamespaceObject(target.object);
  const hasNamespace = namespaceOf(target.object) !== "" || target.namespace !== undefined;
  if (match.scope === "Cluster") return isNamespace || !hasNamespace;
  if (match.scope === "Namespaced") return !isNamespace && hasNamespace;
  return true;
}

/** The namespace name that namespaces/excludedNamespaces are compared with, if any. */
function namespaceNameFor(target: MatchTarget): string | undefined {
  if (isNamespaceObject(target.object)) return nameOf(target.object);
  if (target.namespace !== undefined) return nameOf(target.namespace);
  const declared = namespaceOf(target.object);
  return declared === "" ? undefined : declared;
}

function namespacesMatch(match: Match, target: MatchTarget): boolean {
  const namespace = namespaceNameFor(target);
  if (match.namespaces.length === 0 || namespace === undefined) return true;
  return match.namespaces.some((w) => wildcardMatches(w, namespace));
}

function excludedNamespacesMatch(match: Match, target: MatchTarget): boolean {
  const namespace = namespaceNameFor(target);
  if (namespace === undefined) return true;
  return !match.excludedNamespaces.some((w) => wildcardMatches(w, namespace));
}

function labelSelectorMatches(match: Match, target: MatchTarget): boolean {
  return match.labelSelector === undefined || selectorMatches(match.labelSelector, labelsOf(target.object));
}

/**
 * Evaluated on the object's Namespace; a Namespace is matched on its own labels, and a
 * cluster-scoped object always matches. Gatekeeper fails the review of a namespaced object
 * whose Namespace it cannot find rather than guess, and so does this evaluator.
 */
function namespaceSelectorMatches(match: Match, target: MatchTarget): boolean {
  const selector = match.namespaceSelector;
  if (selector === undefined) return true;
  if (isNamespaceObject(target.object)) return selectorMatches(selector, labelsOf(target.object));
  const declared = namespaceOf(target.object);
  if (target.namespace === undefined && declared === "") return true;
  if (target.namespace === undefined) {
    throw new UnknownNamespaceError(`its namespaceSelector needs Namespace ${declared}, which was not given`);
  }
  return selectorMatches(selector, labelsOf(target.namespace));
}

function nameMatches(match: Match, target: MatchTarget): boolean {
  if (match.name === undefined) return true;
  return (
    wildcardMatches(match.name, nameOf(target.object)) ||
    wildcardMatchesGenerateName(match.name, generateNameOf(target.object))
  );
}

function sourceMatches(match: Match, target: MatchTarget): boolean {
  return match.source === "All" || match.source === target.source;
}
