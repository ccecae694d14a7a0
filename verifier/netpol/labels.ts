/**
 * Label selectors (metav1.LabelSelector): matchLabels and matchExpressions are ANDed, and an empty
 * selector matches everything.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";
export const SELECTOR_OPERATORS: readonly SelectorOperator[] = ["In", "NotIn", "Exists", "DoesNotExist"];

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: ReadonlySet<string>;
}

export interface CompiledSelector {
  /** matchLabels turned into requirements, so matching has one loop. */
  requirements: SelectorRequirement[];
}

/** A selector as written in YAML. */
export interface RawSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: SelectorOperator; values?: string[] | null }[] | null;
}

/** The label every namespace carries, set by the API server to the namespace's name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Compiles a selector that validateNetworkPolicy has accepted; null and undefined mean `{}`. */
export function compileSelector(raw: RawSelector | null | undefined): CompiledSelector {
  const requirements: SelectorRequirement[] = [];
  for (const [key, value] of Object.entries(raw?.matchLabels ?? {})) {
    requirements.push({ key, operator: "In", values: new Set([value]) });
  }
  for (const expression of raw?.matchExpressions ?? []) {
    requirements.push({ key: expression.key, operator: expression.operator, values: new Set(expression.values ?? []) });
  }
  return { requirements };
}

export function selectorMatches(selector: CompiledSelector, labels: Readonly<Record<string, string>>): boolean {
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

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && DNS_SUBDOMAIN.test(text);
}

export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

/** A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0 && !isDnsSubdomain(key.slice(0, slash))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** A label value: empty, or at most 63 characters starting and ending with an alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && LABEL_NAME.test(value));
}
