/**
 * A policy's CEL source is written for people, in YAML (comments, folded lines): src.cel.yaml.
 * The program reads it as JSON, src.cel.generated.json beside it, which `npm run gen:policies`
 * renders and a test holds to the YAML: a YAML parser is some seventy modules that every
 * `pulumi preview` would load for one small file (npm run bench), and JSON.parse loads none.
 */
import * as path from "path";

export const CEL_SOURCE_FILE = "src.cel.yaml";
export const CEL_JSON_FILE = "src.cel.generated.json";

/** Where a policy folder's CEL source is rendered as JSON. */
export function celJsonPath(policyDir: string): string {
  return path.join(policyDir, CEL_JSON_FILE);
}
