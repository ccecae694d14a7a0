/**
 * The JSON Schema subset the manifest reader reads (see schema.ts), as types: what both the
 * schemas written here (gatekeeper-schemas.ts) and the reader that walks them (schema.ts) speak,
 * so that neither imports the other for it.
 */

export type JsonType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

export interface Schema {
  type?: JsonType | JsonType[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  $ref?: string;
  enum?: unknown[];
  const?: unknown;
  allOf?: Schema[];
  if?: Schema;
  then?: Schema;
  /** Of an integer: int32 or int64, the Go type the API server decodes it into. */
  format?: string;
  "x-kubernetes-int-or-string"?: boolean;
  [keyword: string]: unknown;
}
