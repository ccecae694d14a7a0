/**
 * A Kubernetes object's identity, read the same way wherever the verifier names or compares one:
 * its group, version and kind, namespace, name and labels. Every mode (lab, manifests, live) and
 * both engines use these, so that an object is called the same in every message.
 */

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** What identity reads of an object: any Kubernetes object, however it is typed. */
export interface ObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Group, version and kind from `apiVersion` ("v1" is the core group "") and `kind`. */
export function gvkOf(obj: ObjectLike): GroupVersionKind {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const slash = apiVersion.indexOf("/");
  return {
    group: slash < 0 ? "" : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof obj.kind === "string" ? obj.kind : "",
  };
}

export function apiVersionOf(gvk: { group: string; version: string }): string {
  return gvk.group === "" ? gvk.version : `${gvk.group}/${gvk.version}`;
}

function metadataOf(obj: ObjectLike): Record<string, unknown> {
  return isRecord(obj.metadata) ? obj.metadata : {};
}

function stringAt(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === "string" ? value : "";
}

/** metadata.name, "" when it is not a string. */
export function nameOf(obj: ObjectLike): string {
  return stringAt(metadataOf(obj), "name");
}

export function generateNameOf(obj: ObjectLike): string {
  return stringAt(metadataOf(obj), "generateName");
}

/** metadata.namespace, "" for a cluster-scoped object. */
export function namespaceOf(obj: ObjectLike): string {
  return stringAt(metadataOf(obj), "namespace");
}

/** The string-valued labels; anything else has been refused by the reader or by validateObjectMeta. */
export function labelsOf(obj: ObjectLike): Record<string, string> {
  const labels = metadataOf(obj).labels;
  const out: Record<string, string> = {};
  if (isRecord(labels)) {
    for (const [key, value] of Object.entries(labels)) if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** A Namespace object of the core group (Gatekeeper matches those against themselves). */
export function isNamespaceObject(obj: ObjectLike): boolean {
  const gvk = gvkOf(obj);
  return gvk.kind === "Namespace" && gvk.group === "";
}

/** "NAMESPACE/NAME", or "NAME" for a cluster-scoped object. */
export function namespacedName(obj: ObjectLike, unnamed = ""): string {
  const namespace = namespaceOf(obj);
  const name = nameOf(obj) || unnamed;
  return namespace === "" ? name : `${namespace}/${name}`;
}

/** "KIND/NAMESPACE/NAME", or "KIND/NAME" for a cluster-scoped object: how results and reports key objects. */
export function objectKey(obj: ObjectLike): string {
  return `${gvkOf(obj).kind}/${namespacedName(obj)}`;
}

/** "KIND NAMESPACE/NAME", for messages about a possibly malformed object: it names what it can. */
export function describeObject(obj: ObjectLike): string {
  return `${gvkOf(obj).kind || "object"} ${namespacedName(obj, "(unnamed)")}`;
}
