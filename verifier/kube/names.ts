/**
 * The API server's rules for names, label keys and label values
 * (k8s.io/apimachinery/pkg/util/validation), and the check of an object's metadata that applies
 * them. A name the API server would refuse is bad input: the cluster would never hold that object.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */
import { gvkOf, isRecord } from "./object";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && DNS_SUBDOMAIN.test(text);
}

export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

/** A label or annotation key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0 && !isDnsSubdomain(key.slice(0, slash))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** A label value: empty, or at most 63 characters starting and ending with an alphanumeric. */
export function isLabelValue(value: string): boolean {
  return value === "" || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

/** Messages name what would be accepted, as the API server's own do. */
export const notDnsSubdomain = (name: string) =>
  `${JSON.stringify(name)} is not a valid DNS subdomain name (at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`;
export const notDnsLabel = (name: string) =>
  `${JSON.stringify(name)} is not a valid DNS label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)`;
export const notLabelKey = (key: string) =>
  `${JSON.stringify(key)} is not a valid label key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`;
export const notLabelValue = (value: string) =>
  `${JSON.stringify(value)} is not a valid label value (empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`;

const SUBDOMAIN_NAMED = new Set([
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "NetworkPolicy",
  "ConstraintTemplate",
  "ExpansionTemplate",
]);

/**
 * The names the API server takes for the kinds the verifier reads: a Namespace's is a DNS label,
 * every other one (constraints too, as custom resources) a DNS subdomain; a CronJob's at most 52
 * characters, since its Jobs add 11 to it and a Job's name must fit a label value. Other kinds are
 * left alone: some take looser names (a ClusterRole may be called `system:aggregate-to-view`).
 */
function nameProblem(object: Record<string, unknown>, name: string): string | undefined {
  const { kind } = gvkOf(object);
  if (kind === "Namespace") return isDnsLabel(name) ? undefined : notDnsLabel(name);
  const constraint =
    typeof object.apiVersion === "string" && object.apiVersion.startsWith("constraints.gatekeeper.sh/");
  if (!SUBDOMAIN_NAMED.has(kind) && !constraint) return undefined;
  if (!isDnsSubdomain(name)) return notDnsSubdomain(name);
  if (kind === "CronJob" && name.length > 52)
    return `${JSON.stringify(name)} is ${name.length} characters long; a CronJob's name takes at most 52 (its Jobs add 11)`;
  return undefined;
}

export type Report = (path: string, problem: string) => void;

/**
 * Checks metadata.name, metadata.namespace, labels and annotations as the API server would. A missing name or namespace is the caller's to report (what is required
 * differs by mode and kind); a non-string anywhere is reported here, since only a reader that
 * knows the YAML (verifier/kube/yaml.ts) can say more, and objects from the program or the API
 * server never come through it.
 */
export function validateObjectMeta(object: Record<string, unknown>, report: Report): void {
  const metadata = object.metadata;
  if (!isRecord(metadata)) return;
  const { name, namespace, labels, annotations } = metadata;
  if (typeof name === "string" && name !== "") {
    const problem = nameProblem(object, name);
    if (problem) report("metadata.name", problem);
  } else if (name !== undefined && name !== null && name !== "") report("metadata.name", "must be a string");
  if (typeof namespace === "string" && namespace !== "") {
    if (!isDnsLabel(namespace)) report("metadata.namespace", notDnsLabel(namespace));
  } else if (namespace !== undefined && namespace !== null && namespace !== "")
    report("metadata.namespace", "must be a string");
  validateStringMap(labels, "metadata.labels", report, (key, value) => {
    if (!isLabelKey(key)) report("metadata.labels", notLabelKey(key));
    if (!isLabelValue(value)) report(`metadata.labels.${key}`, notLabelValue(value));
  });
  // The API server checks annotation keys in lower case; their values may be any string.
  validateStringMap(annotations, "metadata.annotations", report, (key) => {
    if (!isLabelKey(key.toLowerCase()))
      report("metadata.annotations", notLabelKey(key).replace("label key", "annotation key"));
  });
}

function validateStringMap(
  map: unknown,
  path: string,
  report: Report,
  check: (key: string, value: string) => void,
): void {
  if (map === undefined || map === null) return;
  if (!isRecord(map)) {
    report(path, "must be a mapping of strings to strings");
    return;
  }
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== "string") report(`${path}.${key}`, "must be a string");
    else check(key, value);
  }
}
