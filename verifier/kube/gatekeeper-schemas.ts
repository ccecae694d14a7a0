/**
 * JSON schemas of Gatekeeper's kinds (ConstraintTemplate, constraints, ExpansionTemplate), written
 * from Gatekeeper's CRDs, closed (additionalProperties: false) wherever the CRD's schema is
 * structural. Gatekeeper ships no models for them, as kubernetes-models does for the built-in
 * kinds. tests/schema.test.ts validates the lab's objects against them with ajv; the manifest
 * reader (yaml.ts) reads their field types, so that `enforcementAction: off` is refused there as
 * it is in a built-in kind.
 */
import type { Schema } from "./json-schema";

const string: Schema = { type: "string" };
const strings: Schema = { type: "array", items: string };

/** metav1.LabelSelector, as Gatekeeper's match CRD declares it. */
const labelSelector: Schema = {
  type: "object",
  additionalProperties: false,
  properties: {
    matchLabels: { type: "object", additionalProperties: string },
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["key", "operator"],
        properties: {
          key: string,
          operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
          values: strings,
        },
      },
    },
  },
};

/** Namespace and name globs of Gatekeeper's match: a prefix or suffix `*` at most. */
const glob: Schema = { type: "string", pattern: "^\\*?[-:a-z0-9]*\\*?$" };

/** The `match` of every constraint (match.gatekeeper.sh's schema). */
const match: Schema = {
  type: "object",
  additionalProperties: false,
  properties: {
    kinds: {
      type: "array",
      items: { type: "object", additionalProperties: false, properties: { apiGroups: strings, kinds: strings } },
    },
    scope: { enum: ["*", "Cluster", "Namespaced"] },
    namespaces: { type: "array", items: glob },
    excludedNamespaces: { type: "array", items: glob },
    labelSelector,
    namespaceSelector: labelSelector,
    name: glob,
    source: { enum: ["All", "Generated", "Original"] },
  },
};

/** `variables` and `matchCondition`: named CEL expressions. */
const namedExpressions: Schema = {
  type: "array",
  items: {
    type: "object",
    additionalProperties: false,
    required: ["name", "expression"],
    properties: { name: string, expression: string },
  },
};

/**
 * The K8sNativeValidation engine's source. The CRD keeps it as it is
 * (x-kubernetes-preserve-unknown-fields), and Gatekeeper decodes it into its Go struct dropping
 * what it does not know: a misspelt `validations` would leave a template that admits everything,
 * so it is closed here. The field names are the struct's JSON names (`matchCondition` is singular).
 */
const celSource: Schema = {
  type: "object",
  additionalProperties: false,
  properties: {
    validations: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["expression"],
        properties: { expression: string, message: string, messageExpression: string },
      },
    },
    variables: namedExpressions,
    matchCondition: namedExpressions,
    failurePolicy: { enum: ["Fail", "Ignore"] },
    generateVAP: { type: "boolean" },
    resourceOperations: { type: "array", items: { enum: ["*", "CREATE", "UPDATE", "DELETE", "CONNECT"] } },
  },
};

function topLevel(apiVersion: string, kind: string, spec: Schema): Schema {
  return {
    type: "object",
    additionalProperties: false,
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { const: apiVersion },
      kind: { const: kind },
      // Checked like a built-in object's metadata.
      metadata: { type: "object" },
      spec,
    },
  };
}

export const CONSTRAINT_TEMPLATE_SCHEMA: Schema = topLevel("templates.gatekeeper.sh/v1", "ConstraintTemplate", {
  type: "object",
  additionalProperties: false,
  required: ["crd", "targets"],
  properties: {
    crd: {
      type: "object",
      additionalProperties: false,
      properties: {
        spec: {
          type: "object",
          additionalProperties: false,
          required: ["names"],
          properties: {
            names: {
              type: "object",
              additionalProperties: false,
              required: ["kind"],
              properties: { kind: string, shortNames: strings },
            },
            validation: {
              type: "object",
              additionalProperties: false,
              properties: {
                legacySchema: { type: "boolean" },
                // Kept as written by the CRD; compiled below as the constraint's parameters.
                openAPIV3Schema: { type: "object" },
              },
            },
          },
        },
      },
    },
    targets: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["target"],
        properties: {
          target: string,
          rego: string,
          libs: strings,
          operations: { type: "array", items: { enum: ["*", "CREATE", "UPDATE", "DELETE", "CONNECT"] } },
          code: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["engine", "source"],
              properties: { engine: string, source: {} },
              allOf: [
                {
                  if: { properties: { engine: { const: "K8sNativeValidation" } }, required: ["engine"] },
                  then: { properties: { source: celSource } },
                },
              ],
            },
          },
        },
      },
    },
  },
});

/** A constraint of the template's kind; its parameters follow the template's own schema. */
export function constraintSchema(kind: string, parameters: Schema): Schema {
  return topLevel("constraints.gatekeeper.sh/v1beta1", kind, {
    type: "object",
    additionalProperties: false,
    properties: {
      match,
      parameters,
      // The CRD types it as a string; Gatekeeper's webhook accepts these.
      enforcementAction: { enum: ["deny", "dryrun", "warn", "scoped"] },
      scopedEnforcementActions: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          properties: {
            action: { enum: ["deny", "warn"] },
            enforcementPoints: {
              type: "array",
              items: { type: "object", additionalProperties: false, properties: { name: string } },
            },
          },
        },
      },
    },
  });
}

export const EXPANSION_TEMPLATE_SCHEMA: Schema = topLevel("expansion.gatekeeper.sh/v1beta1", "ExpansionTemplate", {
  type: "object",
  additionalProperties: false,
  required: ["applyTo", "templateSource", "generatedGVK"],
  properties: {
    applyTo: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        properties: { groups: strings, kinds: strings, versions: strings },
      },
    },
    templateSource: string,
    generatedGVK: {
      type: "object",
      additionalProperties: false,
      properties: { group: string, version: string, kind: string },
    },
    enforcementAction: string,
  },
});
