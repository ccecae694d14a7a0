/**
 * Structural validation of networking.k8s.io/v1 NetworkPolicy objects, following the API server's
 * rules (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/)
 * and a little stricter where a slip would silently change what a policy means: unknown fields are
 * reported (a misspelt `ingres` would otherwise turn an allow rule into deny-all), and a missing
 * `spec.podSelector` is reported because the schema marks it required even though the server
 * would read it as `{}`.
 *
 * Every message reads `NetworkPolicy NS/NAME: PATH: PROBLEM`.
 */
import { cidrStrictlyInside, parseCidr, sameCidr } from "./ip";
import { validateObjectMeta } from "../kube/names";
import { validateLabelSelector } from "../kube/selector";
import { PROTOCOLS } from "./types";

export type Report = (path: string, problem: string) => void;
type Fields = Record<string, unknown>;

const SPEC_FIELDS = ["podSelector", "policyTypes", "ingress", "egress"];
const PEER_FIELDS = ["podSelector", "namespaceSelector", "ipBlock"];
const PORT_FIELDS = ["protocol", "port", "endPort"];
const IP_BLOCK_FIELDS = ["cidr", "except"];
const POLICY_TYPES = ["Ingress", "Egress"];
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** YAML writes an empty key (`ingress:`) as null; the API server reads null as absent. */
function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Names the object in messages even when its metadata is broken. */
export function policyLabel(obj: unknown): string {
  const metadata = isObject(obj) && isObject(obj.metadata) ? obj.metadata : {};
  const namespace =
    typeof metadata.namespace === "string" && metadata.namespace !== "" ? metadata.namespace : "(no namespace)";
  const name = typeof metadata.name === "string" && metadata.name !== "" ? metadata.name : "(no name)";
  return `${namespace}/${name}`;
}

/** Returns every problem of a NetworkPolicy object, [] when it is valid. */
export function validateNetworkPolicy(obj: unknown): string[] {
  const problems: string[] = [];
  const label = policyLabel(obj);
  checkNetworkPolicy(obj, (path, problem) =>
    problems.push(path === "" ? `NetworkPolicy ${label}: ${problem}` : `NetworkPolicy ${label}: ${path}: ${problem}`),
  );
  return problems;
}

/**
 * Reports every problem of a NetworkPolicy object with the path of its field ("" for the object
 * itself), for a caller that words or places them itself (a file's line).
 */
export function checkNetworkPolicy(obj: unknown, report: Report): void {
  if (!isObject(obj)) {
    report("", "must be an object");
    return;
  }
  if (!isAbsent(obj.apiVersion) && obj.apiVersion !== "networking.k8s.io/v1") {
    report("apiVersion", `${quote(obj.apiVersion)} is not networking.k8s.io/v1`);
  }
  if (!isAbsent(obj.kind) && obj.kind !== "NetworkPolicy") report("kind", `${quote(obj.kind)} is not NetworkPolicy`);
  validateMetadata(obj, report);
  if (isAbsent(obj.spec)) report("spec", "required");
  else if (!isObject(obj.spec)) report("spec", "must be an object");
  else validateSpec(obj.spec, report);
}

function validateMetadata(obj: Fields, report: Report): void {
  const metadata = obj.metadata;
  if (!isObject(metadata)) {
    report("metadata", isAbsent(metadata) ? "required" : "must be an object");
    return;
  }
  const { name, namespace } = metadata;
  if (isAbsent(name) || name === "") report("metadata.name", "required");
  if (isAbsent(namespace) || namespace === "") report("metadata.namespace", "required");
  validateObjectMeta({ ...obj, kind: "NetworkPolicy" }, report);
}

function checkFields(obj: Fields, allowed: readonly string[], path: string, report: Report): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) report(`${path}.${key}`, "unknown field");
  }
}

function validateSpec(spec: Fields, report: Report): void {
  checkFields(spec, SPEC_FIELDS, "spec", report);
  if (isAbsent(spec.podSelector)) report("spec.podSelector", "required (use {} to select every pod of the namespace)");
  else validateLabelSelector(spec.podSelector, "spec.podSelector", report);
  validatePolicyTypes(spec.policyTypes, report);
  validateRules(spec.ingress, "spec.ingress", "from", report);
  validateRules(spec.egress, "spec.egress", "to", report);
}

function validatePolicyTypes(policyTypes: unknown, report: Report): void {
  if (isAbsent(policyTypes)) return;
  if (!Array.isArray(policyTypes)) {
    report("spec.policyTypes", "must be a list");
    return;
  }
  policyTypes.forEach((type, i) => {
    const path = `spec.policyTypes[${i}]`;
    if (!POLICY_TYPES.includes(type as string)) report(path, `${quote(type)} is not one of Ingress, Egress`);
    else if (policyTypes.indexOf(type) < i) report(path, `${quote(type)} is listed twice`);
  });
}

/** Checks a list that may be absent or null, calling `check` on each entry that is an object. */
function eachObject(list: unknown, path: string, report: Report, check: (entry: Fields, path: string) => void): void {
  if (isAbsent(list)) return;
  if (!Array.isArray(list)) {
    report(path, "must be a list");
    return;
  }
  list.forEach((entry, i) => {
    if (isObject(entry)) check(entry, `${path}[${i}]`);
    else report(`${path}[${i}]`, "must be an object");
  });
}

function validateRules(rules: unknown, path: string, peerField: "from" | "to", report: Report): void {
  eachObject(rules, path, report, (rule, rulePath) => {
    checkFields(rule, [peerField, "ports"], rulePath, report);
    eachObject(rule[peerField], `${rulePath}.${peerField}`, report, (peer, peerPath) =>
      validatePeer(peer, peerPath, report),
    );
    eachObject(rule.ports, `${rulePath}.ports`, report, (port, portPath) => validatePort(port, portPath, report));
  });
}

function validatePeer(peer: Fields, path: string, report: Report): void {
  checkFields(peer, PEER_FIELDS, path, report);
  const hasSelector = !isAbsent(peer.podSelector) || !isAbsent(peer.namespaceSelector);
  if (!hasSelector && isAbsent(peer.ipBlock)) {
    report(path, "must set podSelector, namespaceSelector or ipBlock");
    return;
  }
  if (hasSelector && !isAbsent(peer.ipBlock))
    report(path, "ipBlock cannot be combined with podSelector or namespaceSelector");
  if (!isAbsent(peer.podSelector)) validateLabelSelector(peer.podSelector, `${path}.podSelector`, report);
  if (!isAbsent(peer.namespaceSelector))
    validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`, report);
  if (!isAbsent(peer.ipBlock)) validateIpBlock(peer.ipBlock, `${path}.ipBlock`, report);
}

function validateIpBlock(ipBlock: unknown, path: string, report: Report): void {
  if (!isObject(ipBlock)) {
    report(path, "must be an object");
    return;
  }
  checkFields(ipBlock, IP_BLOCK_FIELDS, path, report);
  const cidrText = ipBlock.cidr;
  let cidr = undefined;
  if (isAbsent(cidrText) || cidrText === "") report(`${path}.cidr`, "required");
  else if (typeof cidrText !== "string" || !(cidr = parseCidr(cidrText)))
    report(`${path}.cidr`, `${quote(cidrText)} is not a valid CIDR`);
  if (isAbsent(ipBlock.except)) return;
  if (!Array.isArray(ipBlock.except)) {
    report(`${path}.except`, "must be a list");
    return;
  }
  ipBlock.except.forEach((item: unknown, i) => {
    const exceptPath = `${path}.except[${i}]`;
    const text = typeof item === "string" ? item : undefined;
    const except = text === undefined ? undefined : parseCidr(text);
    if (!except || text === undefined) report(exceptPath, `${quote(item)} is not a valid CIDR`);
    else if (cidr && sameCidr(except, cidr))
      report(exceptPath, `${text} equals cidr ${String(cidrText)} (an except must be narrower)`);
    else if (cidr && !cidrStrictlyInside(except, cidr))
      report(exceptPath, `${text} is not inside cidr ${String(cidrText)}`);
  });
}

/** IANA_SVC_NAME, what a named port must be: at most 15 characters, a letter among them, no `--`. */
export function isPortName(name: string): boolean {
  return name.length <= 15 && PORT_NAME.test(name) && /[a-z]/.test(name) && !name.includes("--");
}

function validatePort(entry: Fields, path: string, report: Report): void {
  checkFields(entry, PORT_FIELDS, path, report);
  const { protocol, port, endPort } = entry;
  if (!isAbsent(protocol) && !PROTOCOLS.includes(protocol as never)) {
    report(`${path}.protocol`, `${quote(protocol)} is not one of TCP, UDP, SCTP`);
  }
  const numericPort = validatePortValue(port, `${path}.port`, report);
  if (isAbsent(endPort)) return;
  const endPath = `${path}.endPort`;
  if (typeof endPort !== "number" || !Number.isInteger(endPort)) report(endPath, "must be an integer");
  else if (isAbsent(port)) report(endPath, "requires a numeric port");
  else if (typeof port === "string") report(endPath, `cannot be used with named port ${quote(port)}`);
  else if (endPort < 1 || endPort > 65535) report(endPath, `${endPort} is not in 1-65535`);
  else if (numericPort !== undefined && endPort < numericPort)
    report(endPath, `${endPort} is below port ${numericPort}`);
}

/** Returns the port when it is a valid number, so endPort can be compared with it. */
function validatePortValue(port: unknown, path: string, report: Report): number | undefined {
  if (isAbsent(port)) return undefined;
  if (typeof port === "string") {
    if (!isPortName(port))
      report(
        path,
        `${quote(port)} is not a valid port name (at most 15 lowercase letters, digits and '-', with a letter)`,
      );
    return undefined;
  }
  if (typeof port !== "number" || !Number.isInteger(port)) {
    report(path, "must be an integer or a port name");
    return undefined;
  }
  if (port < 1 || port > 65535) {
    report(path, `${port} is not in 1-65535`);
    return undefined;
  }
  return port;
}
