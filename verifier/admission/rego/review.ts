/**
 * What a Rego template sees, as Gatekeeper builds it (frameworks' drivers/rego: the `hooks` module
 * evaluates `data.template.violation[r] with input as {"review": input.review, "parameters": …}`).
 *
 * The review is the one `gator test` and Gatekeeper's audit give an object
 * (pkg/target/target.go, unstructuredToAdmissionRequest): an AdmissionRequest made from the object
 * alone, marshalled as Go marshals it. Observed with gator v3.21.1 for a Pod `app/nginx`:
 *
 *   {"uid": "", "kind": {"group": "", "version": "v1", "kind": "Pod"},
 *    "resource": {"group": "", "version": "", "resource": ""}, "name": "nginx", "namespace": "app",
 *    "operation": "", "userInfo": {}, "object": {…}, "oldObject": null, "options": null}
 *
 * Both runners give this same review, so gator and opa judge alike; a template that reads
 * `operation` or `userInfo` is judged as the audit judges it, not as the webhook, which fills them.
 */
import { gvkOf, nameOf, namespaceOf } from "../../kube/object";
import type { KubeObject } from "../types";

/** `input.review` for `object`. `name` and `namespace` are left out when empty (omitempty). */
export function gatekeeperReview(object: KubeObject): Record<string, unknown> {
  const gvk = gvkOf(object);
  return {
    uid: "",
    kind: { group: gvk.group, version: gvk.version, kind: gvk.kind },
    resource: { group: "", version: "", resource: "" },
    ...(nameOf(object) === "" ? {} : { name: nameOf(object) }),
    ...(namespaceOf(object) === "" ? {} : { namespace: namespaceOf(object) }),
    operation: "",
    userInfo: {},
    object,
    oldObject: null,
    options: null,
  };
}

/**
 * `input.parameters` for a constraint: its `spec.parameters`, or `{}` when it has none
 * (Gatekeeper defaults them "so that we don't need to default this in Rego").
 */
export function gatekeeperParameters(constraint: KubeObject): unknown {
  const spec = constraint.spec;
  const parameters =
    typeof spec === "object" && spec !== null ? (spec as Record<string, unknown>).parameters : undefined;
  return parameters ?? {};
}

/** A key for an object's content, the same for equal objects whatever the order of their keys. */
export function contentKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** `apiVersion kind namespace/name`: how gator's output names the object it judged. */
export function identityOf(object: unknown): string {
  const record = (typeof object === "object" && object !== null ? object : {}) as KubeObject;
  return `${String(record.apiVersion)} ${String(record.kind)} ${namespaceOf(record)}/${nameOf(record)}`;
}
