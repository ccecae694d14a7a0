// Every Kubernetes object the lab would create, at every stage, is valid against the Kubernetes API
// schema; the mock runtime never talks to an API server, so nothing else would notice a misspelt
// field before `pulumi up` does.
//
// Built-in kinds, three checks:
// 1. kubernetes-models, whose validators are generated from the Kubernetes OpenAPI schema: types,
//    required fields, enums, formats (int32, ...). It is ESM-only and jest runs this file as
//    CommonJS, so it runs in a child `node` process, once for all objects.
// 2. Unknown fields. The OpenAPI schema does not close its objects, so kubernetes-models accepts
//    `podSelecter`; an API server drops such a field without a word, or rejects it under strict
//    field validation (kubectl's default).
//    A strictness walk compares every field with the properties that kubernetes-models' generated
//    TypeScript declarations give that object (the same schema, read with the TypeScript checker).
// 3. Port ranges. The API server checks them in code, not in the OpenAPI schema, so they are
//    restated here, with the API server's message.
//
// Gatekeeper's kinds (ConstraintTemplate, the K8sAllowedRepos constraint, ExpansionTemplate) have
// no models: they are checked with ajv against JSON schemas written from Gatekeeper's CRDs, closed
// (additionalProperties: false) wherever the CRD's schema is structural, and their metadata like a
// built-in object's. Helm releases are not Kubernetes objects and are skipped.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import ts from "typescript";
import { STAGES } from "../config/keys";
import { captureLab, KNOWN_TYPES, labConfig } from "../verifier/lab/capture";
import {
  CONSTRAINT_TEMPLATE_SCHEMA as constraintTemplate,
  constraintSchema,
  EXPANSION_TEMPLATE_SCHEMA as expansionTemplate,
} from "../verifier/kube/gatekeeper-schemas";
import type { Schema } from "../verifier/kube/json-schema";
import { OBJECT_META as DECLARED_OBJECT_META, kindModule, readDeclarations } from "../scripts/kubernetes-models";

const ROOT = path.join(__dirname, "..");
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const GATEKEEPER_GROUP = /\.gatekeeper\.sh\//;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** `kubernetes:apps/v1:Deployment` -> apps/v1 and Deployment; the core group is written `core/v1`. */
function typeToken(type: string): { apiVersion: string; kind: string } {
  const match = /^kubernetes:(.+):([A-Za-z0-9]+)$/.exec(type);
  if (!match) throw new Error(`not a Kubernetes resource type: ${type}`);
  return { apiVersion: match[1].replace(/^core\//, ""), kind: match[2] };
}

const OBJECT_TYPES = [...KNOWN_TYPES].filter((t) => t.startsWith("kubernetes:") && t !== HELM_RELEASE).sort();
const BUILT_IN = OBJECT_TYPES.filter((t) => !GATEKEEPER_GROUP.test(t)).map(typeToken);

// ---------------------------------------------------------------------------------------------
// 1. kubernetes-models, in a child process

interface ModelJob {
  module: string;
  name: string;
  object: unknown;
}

interface SchemaError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

const MODEL_RUNNER = `
import { readFileSync } from "node:fs";
const jobs = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const { module, name, object } of jobs) {
  const Model = (await import(module))[name];
  try {
    new Model(object).validate();
    results.push([]);
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    results.push(error.errors);
  }
}
process.stdout.write(JSON.stringify(results));
`;

function runModels(jobs: ModelJob[]): SchemaError[][] {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", MODEL_RUNNER], {
    cwd: ROOT,
    input: JSON.stringify(jobs),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as SchemaError[][];
}

const OBJECT_META = {
  module: "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta",
  name: "ObjectMeta",
};

function modelJobs(object: K8sObject): ModelJob[] {
  if (GATEKEEPER_GROUP.test(`${object.apiVersion}/`)) {
    return object.metadata === undefined ? [] : [{ ...OBJECT_META, object: object.metadata }];
  }
  return [{ module: `kubernetes-models/${object.apiVersion}/${object.kind}`, name: object.kind, object }];
}

/** `/spec/ports/0/port` -> `spec.ports[0].port`, kubectl's way of naming a field. */
function fieldPath(pointer: string, prefix = ""): string {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const joined = parts.reduce(
    (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part),
    "",
  );
  return [prefix, joined].filter(Boolean).join(".");
}

function describeSchemaError(error: SchemaError, prefix = ""): string | undefined {
  // `if` only says that a `then` failed; that failure is reported on its own.
  if (error.keyword === "if") return undefined;
  if (error.keyword === "additionalProperties") {
    const field = String(error.params.additionalProperty);
    return `${fieldPath(`${error.instancePath}/${field}`, prefix)}: unknown field "${field}"`;
  }
  if (error.keyword === "enum") {
    const allowed = (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
    return `${fieldPath(error.instancePath, prefix)}: must be one of ${allowed}`;
  }
  return `${fieldPath(error.instancePath, prefix) || "(object)"}: ${error.message ?? error.keyword}`;
}

// ---------------------------------------------------------------------------------------------
// 2. Unknown fields, from kubernetes-models' declarations

/** The declared types, by kind, and ObjectMeta; one TypeScript program for the whole file. */
class Declarations {
  private readonly checker: ts.TypeChecker;
  readonly types: Map<string, ts.Type>;

  constructor(kinds: { apiVersion: string; kind: string }[]) {
    ({ checker: this.checker, types: this.types } = readDeclarations([
      ...kinds.map((k) => kindModule(k.apiVersion, k.kind)),
      DECLARED_OBJECT_META,
    ]));
  }

  /** Every field of `value` that `type` does not declare, and every port out of range. */
  check(value: unknown, type: ts.Type, at = ""): string[] {
    const problems: string[] = [];
    this.walk(value, type, at, problems);
    return problems;
  }

  private walk(value: unknown, declared: ts.Type, at: string, problems: string[]): void {
    const type = this.checker.getNonNullableType(declared);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    const members = type.isUnion() ? type.types : [type];
    if (Array.isArray(value)) {
      // A type mismatch (an object where a list belongs) is kubernetes-models' to report.
      const list = members.find((t) => this.checker.isArrayType(t));
      if (!list) return;
      const item = this.checker.getTypeArguments(list as ts.TypeReference)[0];
      value.forEach((v, i) => this.walk(v, item, `${at}[${i}]`, problems));
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const object = members.find((t) => t.flags & ts.TypeFlags.Object && !this.checker.isArrayType(t));
    if (!object) return;
    const map = this.checker.getIndexInfoOfType(object, ts.IndexKind.String);
    const name = (object.aliasSymbol ?? object.getSymbol())?.getName() ?? "object";
    for (const [key, field] of Object.entries(value)) {
      const where = at ? `${at}.${key}` : key;
      const property = this.checker.getPropertyOfType(object, key);
      if (property) {
        const problem = portProblem(name, key, field, where);
        if (problem) problems.push(problem);
        this.walk(field, this.checker.getTypeOfSymbol(property), where, problems);
      } else if (map) {
        this.walk(field, map.type, where, problems);
      } else {
        const known = this.checker
          .getPropertiesOfType(object)
          .map((p) => p.getName())
          .sort();
        problems.push(`${where}: unknown field "${key}"; ${name.replace(/^I/, "")} has ${known.join(", ")}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Port ranges, which the API server checks in code (k8s.io/kubernetes/pkg/apis/core/validation)

/** The port fields of each declared object; a string (a named port) is the schema's to check. */
const PORT_FIELDS: Record<string, string[]> = {
  IServicePort: ["port", "targetPort"],
  IContainerPort: ["containerPort"],
  INetworkPolicyPort: ["port", "endPort"],
  IHTTPGetAction: ["port"],
  ITCPSocketAction: ["port"],
  IGRPCAction: ["port"],
};

function portProblem(declaredIn: string, key: string, value: unknown, where: string): string | undefined {
  if (!PORT_FIELDS[declaredIn]?.includes(key) || typeof value !== "number") return undefined;
  if (Number.isInteger(value) && value >= 1 && value <= 65535) return undefined;
  return `${where}: Invalid value: ${value}: must be between 1 and 65535, inclusive`;
}

// ---------------------------------------------------------------------------------------------
// Gatekeeper's kinds: JSON schemas written from its CRDs (verifier/kube/gatekeeper-schemas.ts)

/**
 * Closes every object schema that lists its properties, as the API server does for a structural
 * schema under strict field validation: the template's parameters schema is written for
 * Kubernetes, which would otherwise prune an unknown parameter without a word.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

class Gatekeeper {
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  // OpenAPI v3 schemas from a template may carry keywords ajv does not know (x-kubernetes-*).
  private readonly lenient = new Ajv({ allErrors: true, strict: false });
  private readonly fixed = new Map<string, ValidateFunction>([
    ["ConstraintTemplate", this.ajv.compile(constraintTemplate)],
    ["ExpansionTemplate", this.ajv.compile(expansionTemplate)],
  ]);
  private readonly constraints = new Map<string, ValidateFunction>();

  /** The objects' problems; templates are read first, so that their constraints can be checked. */
  check(objects: K8sObject[]): Map<K8sObject, string[]> {
    const problems = new Map<K8sObject, string[]>(objects.map((o) => [o, []]));
    for (const template of objects.filter((o) => o.kind === "ConstraintTemplate")) {
      const found = problems.get(template)!;
      found.push(...this.run(this.fixed.get("ConstraintTemplate")!, template));
      const spec = template.spec as any;
      const kind: unknown = spec?.crd?.spec?.names?.kind;
      if (typeof kind !== "string") continue;
      // Gatekeeper's rule: a template is named after its constraint kind, in lower case.
      if (template.metadata?.name !== kind.toLowerCase()) {
        found.push(`metadata.name: must be "${kind.toLowerCase()}", the lower-cased spec.crd.spec.names.kind`);
      }
      const parameters = closed(spec.crd.spec.validation?.openAPIV3Schema ?? {}) as Schema;
      try {
        this.constraints.set(kind, this.lenient.compile(constraintSchema(kind, parameters)));
      } catch (error) {
        found.push(`spec.crd.spec.validation.openAPIV3Schema: not a schema (${(error as Error).message})`);
      }
    }
    for (const object of objects.filter((o) => o.kind !== "ConstraintTemplate")) {
      const isConstraint = object.apiVersion === "constraints.gatekeeper.sh/v1beta1";
      const validate = isConstraint ? this.constraints.get(object.kind) : this.fixed.get(object.kind);
      const missing = isConstraint
        ? `no ConstraintTemplate defines the kind ${object.kind}`
        : `no schema for ${object.apiVersion} ${object.kind}`;
      problems.get(object)!.push(...(validate ? this.run(validate, object) : [missing]));
    }
    return problems;
  }

  private run(validate: ValidateFunction, object: K8sObject): string[] {
    if (validate(object)) return [];
    return (validate.errors ?? [])
      .map((e: ErrorObject) => describeSchemaError({ ...e, params: e.params as Record<string, unknown> }))
      .filter((p): p is string => p !== undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// All three, over a set of objects

const declarations = new Declarations(BUILT_IN);

function label(object: K8sObject): string {
  const name = [object.metadata?.namespace, object.metadata?.name].filter(Boolean).join("/");
  return `${object.kind} ${name || "(unnamed)"}`;
}

/** Each object's problems, as `Kind namespace/name: field: message`; none when it is valid. */
function validate(objects: K8sObject[]): string[][] {
  const jobs = objects.map(modelJobs);
  const results = runModels(jobs.flat());
  const gatekeeper = new Gatekeeper().check(objects.filter((o) => GATEKEEPER_GROUP.test(`${o.apiVersion}/`)));
  let next = 0;
  return objects.map((object, i) => {
    const problems: string[] = [];
    const builtIn = !GATEKEEPER_GROUP.test(`${object.apiVersion}/`);
    const prefix = builtIn ? "" : "metadata";
    for (let j = 0; j < jobs[i].length; j++) {
      for (const error of results[next++]) {
        const problem = describeSchemaError(error, prefix);
        if (problem) problems.push(problem);
      }
    }
    if (builtIn) {
      const type = declarations.types.get(`${object.apiVersion}/${object.kind}`);
      if (!type) problems.push(`no schema for ${object.apiVersion} ${object.kind}`);
      else problems.push(...declarations.check(object, type));
    } else {
      if (object.metadata)
        problems.push(...declarations.check(object.metadata, declarations.types.get("ObjectMeta")!, "metadata"));
      problems.push(...gatekeeper.get(object)!);
    }
    return problems.map((p) => `${label(object)}: ${p}`);
  });
}

// ---------------------------------------------------------------------------------------------

const CONFIGS: [string, Record<string, string | string[]>][] = [
  ...STAGES.map((stage): [string, Record<string, string>] => [stage, { stage }]),
  [
    "zero-trust behind a load balancer",
    { stage: "zero-trust", phpMyAdminExposure: "loadbalancer", allowedSourceRanges: ["203.0.113.0/24"] },
  ],
];

/** The Kubernetes objects the lab registers for a configuration, with their resource types. */
async function labObjects(values: Record<string, string | string[]>): Promise<{ type: string; object: K8sObject }[]> {
  const capture = await captureLab({ config: labConfig(values) });
  if (capture.error) throw capture.error;
  return capture.resources
    .filter((r) => r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE)
    .map((r) => ({ type: r.type, object: r.inputs as K8sObject }));
}

describe("every Kubernetes object of the lab is valid against the Kubernetes API schema", () => {
  const captured = new Map<string, { type: string; object: K8sObject }[]>();

  beforeAll(async () => {
    for (const [name, values] of CONFIGS) captured.set(name, await labObjects(values));
  });

  it("covers every Kubernetes resource type the lab may register, Helm's release aside", () => {
    const seen = new Set([...captured.values()].flat().map((o) => o.type));
    expect([...seen].sort()).toEqual(OBJECT_TYPES);
    for (const kind of BUILT_IN) {
      const model = path.join(ROOT, "node_modules", "kubernetes-models", kind.apiVersion, `${kind.kind}.js`);
      expect([kind.kind, fs.existsSync(model)]).toEqual([kind.kind, true]);
    }
  });

  it.each(CONFIGS.map(([name]) => name))("%s: every object validates", (name) => {
    const objects = captured.get(name)!;
    expect(objects.length).toBeGreaterThan(0);
    for (const { type, object } of objects) {
      expect([type, object.apiVersion, object.kind]).toEqual([type, typeToken(type).apiVersion, typeToken(type).kind]);
    }
    expect(validate(objects.map((o) => o.object)).flat()).toEqual([]);
  });
});

describe("the validation catches invalid objects, with the exact error", () => {
  let lab: K8sObject[];
  const find = (kind: string, name: string): K8sObject =>
    structuredClone(lab.find((o) => o.kind === kind && o.metadata?.name === name)!);

  beforeAll(async () => {
    lab = (await labObjects({ stage: "zero-trust" })).map((o) => o.object);
  });

  it("a NetworkPolicy with a misspelt field (spec.podSelecter)", () => {
    const policy = find("NetworkPolicy", "default-deny-all");
    const spec = policy.spec as Record<string, unknown>;
    spec.podSelecter = spec.podSelector;
    delete spec.podSelector;
    expect(validate([policy])).toEqual([
      [
        'NetworkPolicy app/default-deny-all: spec.podSelecter: unknown field "podSelecter"; NetworkPolicySpec has egress, ingress, podSelector, policyTypes',
      ],
    ]);
  });

  it('a Deployment with replicas: "two"', () => {
    const deployment = find("Deployment", "phpmyadmin");
    (deployment.spec as Record<string, unknown>).replicas = "two";
    expect(validate([deployment])).toEqual([["Deployment app/phpmyadmin: spec.replicas: must be integer"]]);
  });

  it("a Service whose port is out of range, for the API server and for int32", () => {
    const service = find("Service", "phpmyadmin");
    const ports = (service.spec as { ports: { port: number }[] }).ports;
    ports[0].port = 70000;
    expect(validate([service])).toEqual([
      ["Service app/phpmyadmin: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"],
    ]);
    ports[0].port = 2 ** 31;
    expect(validate([service])).toEqual([
      [
        'Service app/phpmyadmin: spec.ports[0].port: must match format "int32"',
        "Service app/phpmyadmin: spec.ports[0].port: Invalid value: 2147483648: must be between 1 and 65535, inclusive",
      ],
    ]);
  });

  it("ports out of range elsewhere: a container, its probe, a NetworkPolicy", () => {
    const deployment = find("Deployment", "phpmyadmin");
    const container = (deployment.spec as any).template.spec.containers[0];
    container.ports[0].containerPort = 0;
    container.readinessProbe.httpGet.port = 65536;
    const policy = find("NetworkPolicy", "allow-dns-egress");
    (policy.spec as any).egress[0].ports[0].port = -53;
    expect(validate([deployment, policy])).toEqual([
      [
        "Deployment app/phpmyadmin: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        "Deployment app/phpmyadmin: spec.template.spec.containers[0].readinessProbe.httpGet.port: Invalid value: 65536: must be between 1 and 65535, inclusive",
      ],
      [
        "NetworkPolicy app/allow-dns-egress: spec.egress[0].ports[0].port: Invalid value: -53: must be between 1 and 65535, inclusive",
      ],
    ]);
  });

  it("unknown fields deep in a pod template and in metadata", () => {
    const statefulSet = find("StatefulSet", "mysql");
    const template = (statefulSet.spec as any).template;
    template.spec.containers[0].securityContext.readOnlyRootFilesytem = true;
    statefulSet.metadata!.label = { app: "mysql" };
    expect(validate([statefulSet])).toEqual([
      [
        expect.stringMatching(
          /^StatefulSet data\/mysql: metadata\.label: unknown field "label"; ObjectMeta has annotations, /,
        ),
        expect.stringMatching(
          /^StatefulSet data\/mysql: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesytem: unknown field "readOnlyRootFilesytem"; SecurityContext has allowPrivilegeEscalation, /,
        ),
      ],
    ]);
  });

  it("Gatekeeper's kinds: a misspelt ExpansionTemplate field, constraint parameter, CEL source field and enforcement action", () => {
    const expansion = find("ExpansionTemplate", "expand-workloads");
    const expansionSpec = expansion.spec as Record<string, unknown>;
    expansionSpec.templateSrc = expansionSpec.templateSource;
    delete expansionSpec.templateSource;

    const template = find("ConstraintTemplate", "k8sallowedrepos");
    const source = (template.spec as any).targets[0].code[0].source;
    source.validation = source.validations;
    delete source.validations;

    const constraint = find("K8sAllowedRepos", "allowed-repos-app");
    const constraintSpec = constraint.spec as any;
    constraintSpec.parameters = { repo: constraintSpec.parameters.repos };
    constraintSpec.enforcementAction = "block";

    expect(validate([template, constraint, expansion])).toEqual([
      ['ConstraintTemplate k8sallowedrepos: spec.targets[0].code[0].source.validation: unknown field "validation"'],
      [
        'K8sAllowedRepos allowed-repos-app: spec.parameters.repo: unknown field "repo"',
        'K8sAllowedRepos allowed-repos-app: spec.enforcementAction: must be one of "deny", "dryrun", "warn", "scoped"',
      ],
      [
        "ExpansionTemplate expand-workloads: spec: must have required property 'templateSource'",
        'ExpansionTemplate expand-workloads: spec.templateSrc: unknown field "templateSrc"',
      ],
    ]);
  });

  it("a constraint whose kind no template defines, and a template misnamed for its kind", () => {
    const template = find("ConstraintTemplate", "k8sallowedrepos");
    template.metadata!.name = "allowed-repos";
    const constraint = find("K8sAllowedRepos", "allowed-repos-app");
    constraint.kind = "K8sAllowedRepo";
    expect(validate([template, constraint])).toEqual([
      [
        'ConstraintTemplate allowed-repos: metadata.name: must be "k8sallowedrepos", the lower-cased spec.crd.spec.names.kind',
      ],
      ["K8sAllowedRepo allowed-repos-app: no ConstraintTemplate defines the kind K8sAllowedRepo"],
    ]);
  });
});
