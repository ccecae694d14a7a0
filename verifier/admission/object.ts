/** Reading the few fields of a Kubernetes object that admission needs. */
import type { KubeObject } from "./types";

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Group, version and kind from `apiVersion` ("v1" is the core group "") and `kind`. */
export function gvkOf(obj: KubeObject): GroupVersionKind {
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

function metadataOf(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj.metadata) ? obj.metadata : {};
}

function stringAt(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === "string" ? value : "";
}

export function nameOf(obj: KubeObject): string {
  return stringAt(metadataOf(obj), "name");
}

export function generateNameOf(obj: KubeObject): string {
  return stringAt(metadataOf(obj), "generateName");
}

/** metadata.namespace, "" for a cluster-scoped object. */
export function namespaceOf(obj: KubeObject): string {
  return stringAt(metadataOf(obj), "namespace");
}

export function labelsOf(obj: KubeObject): Record<string, string> {
  const labels = metadataOf(obj).labels;
  const out: Record<string, string> = {};
  if (isRecord(labels)) {
    for (const [key, value] of Object.entries(labels)) if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** A Namespace object of the core group (Gatekeeper matches those against themselves). */
export function isNamespaceObject(obj: KubeObject): boolean {
  const gvk = gvkOf(obj);
  return gvk.kind === "Namespace" && gvk.group === "";
}

/** "KIND/NAMESPACE/NAME", or "KIND/NAME" for a cluster-scoped object. */
export function objectKey(obj: KubeObject): string {
  const namespace = namespaceOf(obj);
  const kind = gvkOf(obj).kind;
  return namespace === "" ? `${kind}/${nameOf(obj)}` : `${kind}/${namespace}/${nameOf(obj)}`;
}
