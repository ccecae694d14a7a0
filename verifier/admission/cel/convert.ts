/**
 * Kubernetes objects (parsed JSON/YAML) as CEL values. Objects become maps and, as in the
 * API server, whole JSON numbers become CEL ints (bigint) while others stay doubles, so
 * that `x.replicas + 1` type-checks at run time as it does in a cluster.
 */
import type { CelInput } from "@bufbuild/cel";

export function toCelInput(value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (Array.isArray(value)) return value.map(toCelInput);
  if (value instanceof Map) return value as CelInput;
  if (typeof value === "object") {
    const map = new Map<string, CelInput>();
    for (const [key, item] of Object.entries(value)) map.set(key, toCelInput(item));
    return map;
  }
  return null;
}
