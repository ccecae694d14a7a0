/**
 * The k8sallowedrepos ConstraintTemplate, assembled from the policy's source files so that
 * the Pulumi component, the offline verifier and the tests all use the very same text:
 * `src.rego` (Rego engine) and `src.cel.yaml` (K8sNativeValidation engine), read as the JSON
 * `npm run gen:policies` renders it into (../cel-json.ts says why).
 *
 * The files are read relative to this module's directory, so the program must run from
 * its TypeScript sources (as `pulumi up`, jest and tsx do), not from a copy compiled into
 * another folder without them.
 */
import * as fs from "fs";
import * as path from "path";
import { CEL_SOURCE_FILE, celJsonPath } from "../cel-json";

/** The constraint kind the template defines. */
export const ALLOWED_REPOS_KIND = "K8sAllowedRepos";
/** Gatekeeper requires a template's name to be its constraint kind in lower case. */
export const ALLOWED_REPOS_TEMPLATE_NAME = "k8sallowedrepos";

/** Where the policy's sources live (this folder). */
export const POLICY_DIR = __dirname;
export const REGO_PATH = path.join(POLICY_DIR, "src.rego");
export const CEL_PATH = path.join(POLICY_DIR, CEL_SOURCE_FILE);

/** A CEL variable of a K8sNativeValidation source. */
export interface CelVariable {
  name: string;
  expression: string;
}

/** A CEL validation of a K8sNativeValidation source. */
export interface CelValidation {
  expression: string;
  messageExpression?: string;
  message?: string;
}

/** The `source` of a K8sNativeValidation code block. */
export interface CelSource {
  variables: CelVariable[];
  validations: CelValidation[];
}

/** The K8sNativeValidation source as the template ships it, with the settings of its VAP. */
export interface TemplateCelSource extends CelSource {
  /** Generate the ValidatingAdmissionPolicy whatever the install's default. */
  generateVAP: true;
  /** The generated ValidatingAdmissionPolicy's failure policy. */
  failurePolicy: "Fail" | "Ignore";
}

/** The `source` of a Rego code block: Rego v1 from Gatekeeper 3.19 on. */
export interface RegoSource {
  version: "v1";
  rego: string;
}

/** The template's code: the CEL first (Gatekeeper's choice when both are there), then its Rego twin. */
export type TemplateCode = [
  { engine: "K8sNativeValidation"; source: TemplateCelSource },
  { engine: "Rego"; source: RegoSource },
];

export interface TemplateOptions {
  /**
   * What the API server does when the generated ValidatingAdmissionPolicy cannot be evaluated;
   * the lab gives it the webhook's failure policy, so both enforcement points fail alike.
   * Defaults to Fail.
   */
  failurePolicy?: "Fail" | "Ignore";
}

/** A `templates.gatekeeper.sh/v1` ConstraintTemplate, as the API server receives it. */
export interface ConstraintTemplateObject {
  apiVersion: "templates.gatekeeper.sh/v1";
  kind: "ConstraintTemplate";
  metadata: { name: string; annotations: { description: string } };
  spec: {
    crd: {
      spec: {
        names: { kind: string };
        validation: { openAPIV3Schema: Record<string, unknown> };
      };
    };
    targets: {
      target: "admission.k8s.gatekeeper.sh";
      code: TemplateCode;
    }[];
  };
}

/** The Rego source, exactly as in src.rego. */
export function allowedReposRego(): string {
  return fs.readFileSync(REGO_PATH, "utf8");
}

/** The CEL source of src.cel.yaml; throws naming the file if its shape is wrong. */
export function allowedReposCelSource(): CelSource {
  const parsed: unknown = JSON.parse(fs.readFileSync(celJsonPath(POLICY_DIR), "utf8"));
  return asCelSource(parsed, CEL_PATH);
}

/**
 * The full ConstraintTemplate object, built fresh on every call (callers may mutate it).
 *
 * Both engines sit in `code`. Gatekeeper evaluates the CEL (K8sNativeValidation takes precedence,
 * with no fallback) and generates a ValidatingAdmissionPolicy from it. The Rego twin is there for
 * a Gatekeeper that runs without the CEL engine: in a `Rego` block with `version: "v1"` it is read
 * as Rego v1 (Gatekeeper 3.19 and later); the legacy `spec.targets[].rego` field would be read as
 * Rego v0, which this source is not, and would override the block.
 */
export function allowedReposTemplate(options: TemplateOptions = {}): ConstraintTemplateObject {
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: {
      name: ALLOWED_REPOS_TEMPLATE_NAME,
      annotations: {
        description:
          "Requires container images (containers, initContainers and ephemeralContainers) to begin with a repo string from a specified list.",
      },
    },
    spec: {
      crd: {
        spec: {
          names: { kind: ALLOWED_REPOS_KIND },
          validation: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                repos: {
                  type: "array",
                  description:
                    'The prefixes an image must begin with. End each with "/", ":" or "@" so that it cannot admit look-alike repositories.',
                  items: { type: "string" },
                },
              },
            },
          },
        },
      },
      targets: [
        {
          target: "admission.k8s.gatekeeper.sh",
          code: [
            {
              engine: "K8sNativeValidation",
              source: {
                ...allowedReposCelSource(),
                // Said in the template, not left to the install's default (true only from
                // Gatekeeper 3.20, as a beta): Pods are judged by the API server itself.
                generateVAP: true,
                failurePolicy: options.failurePolicy ?? "Fail",
              },
            },
            { engine: "Rego", source: { version: "v1", rego: allowedReposRego() } },
          ],
        },
      ],
    },
  };
}

function asCelSource(value: unknown, file: string): CelSource {
  const problems: string[] = [];
  const record = isRecord(value) ? value : {};
  if (!isRecord(value)) problems.push("the document is not a mapping");
  const variables = listOf(record.variables, "variables", problems).map((v, i) => ({
    name: stringField(v, "name", `variables[${i}]`, problems),
    expression: stringField(v, "expression", `variables[${i}]`, problems),
  }));
  const validations = listOf(record.validations, "validations", problems).map((v, i) => {
    const validation: CelValidation = {
      expression: stringField(v, "expression", `validations[${i}]`, problems),
    };
    if (v.messageExpression !== undefined) {
      validation.messageExpression = stringField(v, "messageExpression", `validations[${i}]`, problems);
    }
    if (v.message !== undefined) validation.message = stringField(v, "message", `validations[${i}]`, problems);
    return validation;
  });
  if (problems.length > 0) throw new Error(`${file}: ${problems.join("; ")}`);
  return { variables, validations };
}

function listOf(value: unknown, key: string, problems: string[]): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isRecord)) {
    problems.push(`${key} must be a list of mappings`);
    return [];
  }
  return value;
}

function stringField(item: Record<string, unknown>, key: string, where: string, problems: string[]): string {
  const value = item[key];
  if (typeof value !== "string" || value === "") {
    problems.push(`${where}.${key} must be a non-empty string`);
    return "";
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
