/**
 * The analysis itself: the connectivity truth table, the admission verdicts, the lab's claims
 * checked against them, and the lint of allowed-repository lists.
 */
import { Stage } from "../config/keys";
import { lookAlikeEntries, lookAlikeWarning } from "../policies/k8sallowedrepos/look-alike";
import { ALLOWED_REPOS_KIND, allowedReposTemplate } from "../policies/k8sallowedrepos/template";
import { AdmissionEngine, AdmissionInputError, AdmissionResult } from "./admission";
import { judgeRego, regoReviewObjects, type RegoRunnerOptions } from "./admission/rego";
import { regoOnly } from "./admission/rego/templates";
import type { EnforcementPoint, RegoVerdicts } from "./admission/types";
import {
  AdmissionProbe,
  ADMISSION_CLAIMS,
  CONNECTIVITY_CLAIMS,
  ConnectivityClaim,
  INTERNET_PORT,
  LOAD_BALANCER_CLAIMS,
  LOAD_BALANCER_CLAIM_STAGES,
} from "./lab/claims";
import type { Grade } from "./lab/grade-types";
import { namespacedName, objectKey } from "./kube/object";
import type { Status } from "./kube/status";
import { ClusterModel, KubeObject, LAB_SOURCE, VerifyInputError } from "./model";
import {
  ConnectivityOverview,
  Endpoint,
  JudgedCell,
  NetworkPolicyEngine,
  PortSpec,
  TableEntry,
  tableEntry,
} from "./netpol";

export interface ClaimResult {
  kind: "connectivity" | "admission";
  claim: string;
  expected: "allowed" | "denied" | "admitted";
  computed: "allowed" | "denied" | "admitted";
  holds: boolean;
  reason: string;
  /** Live mode: what the cluster did (verifier/live). */
  observed?: Observed;
  /** Live mode: the observation is the prediction (`computed`), and for a denial the same Status. */
  matches?: boolean;
  /** Live mode: what was sent or run, and what came back. */
  evidence?: string;
}

/**
 * What a live cluster did for a claim: a connection opened (allowed), timed out (denied) or
 * actively refused (neither: a refusal is not how NetworkPolicy denies, see verifier/live); a
 * request admitted or denied; or the claim could not be probed, with why in the evidence.
 */
export type Observed = "allowed" | "denied" | "refused" | "admitted" | "not probed";

/** Live mode: one admission request sent with dryRun=All, and what the API server answered. */
export interface LiveAdmission {
  /** "KIND/NAMESPACE/NAME", as in Report.admission. */
  object: string;
  observed: "admitted" | "denied" | "not probed";
  /** The API server's Status, whole, for a refusal. */
  status?: Status;
  matches: boolean;
  evidence: string;
}

/** Live mode: where the claims were observed, and how. */
export interface LiveReport {
  /** The API server's address. */
  server: string;
  /** How the claims' peers were stood for on the cluster (the probe pods, the internet address). */
  peers: string[];
  admission: LiveAdmission[];
  /** What the run removed and deleted: an earlier run's leftovers, then its own probes. */
  housekeeping: string[];
  /**
   * With an exercise: the claims where the cluster did otherwise than the offline prediction from
   * the trainee's objects (the verdict, not the words of a denial).
   */
  differences?: LiveDifference[];
}

/** A claim the cluster decided otherwise than the prediction from an exercise's objects. */
export interface LiveDifference {
  claim: string;
  predicted: ClaimResult["computed"];
  observed: Observed;
  evidence: string;
}

export interface Report {
  /** The stage, in lab mode. */
  stage?: Stage;
  /** The exercise folder whose objects the lab was built with, as messages name it. */
  exercise?: string;
  /** The exercise's grade at the stage (verifier/lab/grade.ts). */
  grade?: Grade;
  /** The NetworkPolicies in force, as `namespace/name`. */
  policies: string[];
  /** The constraints in force, as `KIND/NAME`. */
  constraints: string[];
  /** The Gatekeeper install whose enforcement points the admission verdicts name. */
  gatekeeper: string;
  /** Every cell (lab mode), or the cells a query asked for; empty with an overview. */
  connectivity: TableEntry[];
  /** Manifests mode without a query: the classes of pods and what the policies do over all pod pairs. */
  overview?: ConnectivityOverview;
  /** Manifests mode with a query: its flags, as the report's heading quotes them. */
  query?: string[];
  admission: AdmissionResult[];
  claims: ClaimResult[];
  warnings: string[];
  notes: string[];
  /** Live mode: the cluster the claims were observed on. */
  live?: LiveReport;
}

function endpoints(model: ClusterModel): Endpoint[] {
  return [
    ...model.pods.map((pod) => ({ kind: "pod" as const, pod })),
    ...model.externals.map((external) => ({ kind: "external" as const, external })),
  ];
}

/**
 * Every source against every pod on each port it declares; in lab mode also every pod's egress
 * to the internet, which docs/lab.md claims about.
 */
export function connectivityTable(
  model: ClusterModel,
  engine: NetworkPolicyEngine,
  withInternetEgress: boolean,
): TableEntry[] {
  const table = engine.truthTable(endpoints(model));
  const internet = model.externals.find((e) => e.name === "internet");
  if (withInternetEgress && internet) {
    for (const pod of model.pods) {
      table.push(
        tableEntry(engine.judge({ kind: "pod", pod }, { kind: "external", external: internet }, INTERNET_PORT, "TCP")),
      );
    }
  }
  return table;
}

/** The allowed-repository lists that admit look-alike repositories, named by constraint. */
export function lintAllowedRepos(constraints: KubeObject[]): string[] {
  return constraints
    .filter((c) => c.kind === ALLOWED_REPOS_KIND && Array.isArray(c.spec?.parameters?.repos))
    .flatMap((c) =>
      lookAlikeEntries(c.spec.parameters.repos).map(({ entry, example }) =>
        lookAlikeWarning(`${objectKey(c)} parameters.repos`, entry, example),
      ),
    );
}

/** The lab's own template (policies/) of a constraint kind, for manifests that give none. */
export function labTemplate(kind: string): KubeObject | undefined {
  return kind === ALLOWED_REPOS_KIND ? allowedReposTemplate() : undefined;
}

/**
 * The templates the constraints need: those given, and for a constraint whose template is not
 * among them, the lab's own template of that kind (policies/). Any other missing template is bad
 * input.
 */
export function templatesFor(model: ClusterModel): KubeObject[] {
  const templates = [...model.templates];
  const kinds = new Set(templates.map((t) => t.spec?.crd?.spec?.names?.kind));
  const problems: string[] = [];
  for (const constraint of model.constraints) {
    if (kinds.has(constraint.kind)) continue;
    const own = labTemplate(constraint.kind);
    if (own) {
      templates.push(own);
      kinds.add(constraint.kind);
    } else {
      problems.push(
        `${model.sources.get(constraint) ?? "?"}: ${objectKey(constraint)}: no ConstraintTemplate defines the kind ${constraint.kind}, in the manifests or in policies/`,
      );
    }
  }
  if (problems.length > 0) throw new VerifyInputError(problems);
  return templates;
}

/** The admission engine of a model: its templates, constraints, ExpansionTemplates and Gatekeeper. */
export function admissionEngine(model: ClusterModel, rego?: RegoVerdicts): AdmissionEngine {
  try {
    return new AdmissionEngine({
      templates: templatesFor(model),
      constraints: model.constraints,
      expansionTemplates: model.expansionTemplates,
      namespaces: model.namespaceObjects,
      install: model.gatekeeper,
      rego,
    });
  } catch (error) {
    if (!(error instanceof AdmissionInputError)) throw error;
    // The engine names the template, constraint or ExpansionTemplate; add the file it came from.
    const objects = [...model.templates, ...model.constraints, ...model.expansionTemplates];
    throw new VerifyInputError(
      error.problems.map((problem) => {
        const culprit = objects.find(
          (o) => problem.startsWith(`${o.kind} ${o.metadata.name}:`) || problem.startsWith(objectKey(o)),
        );
        return culprit ? `${model.sources.get(culprit)}: ${problem}` : problem;
      }),
    );
  }
}

function checkConnectivityClaim(claim: ConnectivityClaim, stage: Stage, table: TableEntry[]): ClaimResult {
  // A pod to itself has no verdict, so no claim stands on it.
  const entry = table.find(
    (e): e is JudgedCell =>
      !e.self && e.from === claim.from && e.to === claim.to && e.port === claim.port && e.protocol === claim.protocol,
  );
  const expected = claim.expected[stage] ? "allowed" : "denied";
  if (!entry) {
    return {
      kind: "connectivity",
      claim: claim.flow,
      expected,
      computed: "denied",
      holds: false,
      reason: `no such flow in the model (${claim.from} -> ${claim.to}:${claim.port}/${claim.protocol})`,
    };
  }
  const computed = entry.allowed ? "allowed" : "denied";
  return {
    kind: "connectivity",
    claim: claim.flow,
    expected,
    computed,
    holds: computed === expected,
    reason: entry.reason,
  };
}

/** Where a denial happens, in words: "the ValidatingAdmissionPolicy binding B" or "the webhook W". */
export function pointText(point: EnforcementPoint): string {
  return point.kind === "webhook"
    ? `the webhook ${point.name}`
    : `the ValidatingAdmissionPolicy binding ${point.binding} (policy ${point.policy})`;
}

const describeResult = (r: AdmissionResult) => {
  if (r.allowed) return `${r.object} admitted`;
  const deniedBy = r.enforcement?.deniedBy;
  const denials = r.violations
    .filter((v) => v.enforcementAction === "deny")
    .map((v) => `[${v.constraint}] ${v.message}`)
    .join("; ");
  return deniedBy === undefined
    ? `${r.object} denied: ${denials}`
    : `${r.object} denied by ${pointText(deniedBy)}: ${denials}`;
};

/**
 * An admission row holds when every probe object of the row gets the expected verdict and, when
 * denied, the denial names what the row says it must (the container and the image).
 */
function checkAdmissionClaim(
  claim: string,
  expectAdmitted: boolean,
  messageNames: string[],
  results: AdmissionResult[],
): ClaimResult {
  const expected = expectAdmitted ? "admitted" : "denied";
  const computed = results.every((r) => r.allowed) ? "admitted" : "denied";
  const wrong = results.filter((r) => r.allowed !== expectAdmitted);
  const unnamed = expectAdmitted
    ? []
    : results.filter((r) =>
        messageNames.some(
          (name) => !r.violations.some((v) => v.enforcementAction === "deny" && v.message.includes(name)),
        ),
      );
  let reason = results.map(describeResult).join("; ");
  if (unnamed.length > 0)
    reason = `the denial of ${unnamed.map((r) => r.object).join(", ")} does not name ${messageNames.join(" and ")}: ${reason}`;
  return { kind: "admission", claim, expected, computed, holds: wrong.length === 0 && unnamed.length === 0, reason };
}

/** The NetworkPolicy engine over a model's namespaces, pods and policies. */
export function connectivityEngine(model: ClusterModel): NetworkPolicyEngine {
  return new NetworkPolicyEngine({ namespaces: model.namespaces, pods: model.pods, policies: model.policies });
}

/**
 * What connectivity a report shows: every cell (the default, as lab mode reports its few pods),
 * the overview of classes and pod pairs, or the cells from some sources to some destinations
 * (on `ports`, or each pod's declared ports).
 */
export type ConnectivityRequest =
  | { kind: "table" }
  | { kind: "overview" }
  | { kind: "cells"; sources: Endpoint[]; destinations: Endpoint[]; ports?: PortSpec[]; query: string[] };

export interface AnalyzeOptions {
  stage?: Stage;
  notes?: string[];
  connectivity?: ConnectivityRequest;
  /** The model's engine, when the caller has built it already. */
  engine?: NetworkPolicyEngine;
  /** A real Rego engine's verdicts for the Rego-only templates (regoVerdicts); see analyzeJudged. */
  rego?: RegoVerdicts;
}

function connectivityPart(
  model: ClusterModel,
  engine: NetworkPolicyEngine,
  request: ConnectivityRequest,
  lab: boolean,
): Pick<Report, "connectivity" | "overview" | "query"> {
  switch (request.kind) {
    case "table":
      return { connectivity: connectivityTable(model, engine, lab) };
    case "overview":
      return { connectivity: [], overview: engine.overview(model.externals) };
    case "cells":
      return {
        connectivity: [...engine.cells(request.sources, request.destinations, request.ports)],
        query: request.query,
      };
  }
}

/**
 * The requests a report reviews: the model's own Pods and workloads, and with a stage the probes
 * of the lab's admission claims.
 */
function reviewedRequests(model: ClusterModel, lab: boolean): AdmissionProbe[] {
  const labProbes = lab ? ADMISSION_CLAIMS.flatMap((c) => (c.probes === "lab-workloads" ? [] : c.probes)) : [];
  return [...model.admissionObjects.map((object) => ({ object })), ...labProbes];
}

/**
 * What a real Rego engine (gator, else opa: verifier/admission/rego) says of the model's
 * Rego-only templates on every request the report reviews, in one process; undefined when every
 * template has CEL, so that no process is started for them.
 */
export async function regoVerdicts(
  model: ClusterModel,
  lab: boolean,
  options?: RegoRunnerOptions,
): Promise<RegoVerdicts | undefined> {
  const templates = templatesFor(model);
  if (regoOnly(templates, model.constraints).templates.length === 0) return undefined;
  const requests = reviewedRequests(model, lab).map((r) => r.object);
  return judgeRego(
    { templates, constraints: model.constraints, objects: regoReviewObjects(requests, model.expansionTemplates) },
    options,
  );
}

/**
 * `analyze`, with the verdicts of a real Rego engine for the model's Rego-only templates: what
 * every mode runs. `analyze` alone leaves such templates' verdicts not judged.
 */
export async function analyzeJudged(
  model: ClusterModel,
  options: AnalyzeOptions = {},
  rego?: RegoRunnerOptions,
): Promise<Report> {
  return analyze(model, { ...options, rego: await regoVerdicts(model, options.stage !== undefined, rego) });
}

/** The analysis of a model, with the lab's claims for a stage when `stage` is given. */
export function analyze(model: ClusterModel, options: AnalyzeOptions = {}): Report {
  const engine = options.engine ?? connectivityEngine(model);
  const lab = options.stage !== undefined;
  const { connectivity, overview, query } = connectivityPart(
    model,
    engine,
    options.connectivity ?? { kind: "table" },
    lab,
  );
  const admissionEngineForModel = admissionEngine(model, options.rego);
  const reviewed = reviewedRequests(model, lab);
  // What kubectl prints names the file a manifest came from; the lab's objects and the claims'
  // probes have none, and are sent as `kubectl create -f -` would send them.
  const fileOf = (object: KubeObject) => {
    const source = model.sources.get(object);
    return source === undefined || source === LAB_SOURCE ? "STDIN" : source;
  };
  const admission = reviewed.map(({ object, update }) =>
    update === undefined
      ? admissionEngineForModel.review(object, "CREATE", undefined, { file: fileOf(object) })
      : admissionEngineForModel.review(object, "UPDATE", update.oldObject, { subresource: update.subresource }),
  );
  const claims: ClaimResult[] = [];
  if (options.stage !== undefined) {
    const stage = options.stage;
    for (const claim of CONNECTIVITY_CLAIMS) claims.push(checkConnectivityClaim(claim, stage, connectivity));
    if (model.externals.some((e) => e.name === "allowed-source") && LOAD_BALANCER_CLAIM_STAGES.includes(stage)) {
      for (const claim of LOAD_BALANCER_CLAIMS) claims.push(checkConnectivityClaim(claim, stage, connectivity));
    }
    for (const claim of ADMISSION_CLAIMS) {
      const results =
        claim.probes === "lab-workloads"
          ? model.admissionObjects.map((_, i) => admission[i])
          : claim.probes.map((probe) => admission[reviewed.indexOf(probe)]);
      claims.push(checkAdmissionClaim(claim.object, claim.expected[stage], claim.messageNames ?? [], results));
    }
  }
  return {
    ...(options.stage !== undefined ? { stage: options.stage } : {}),
    policies: model.policies.map((p) => namespacedName(p)).sort(),
    constraints: model.constraints.map((c) => objectKey(c)).sort(),
    gatekeeper: model.gatekeeper.source,
    connectivity,
    ...(overview ? { overview } : {}),
    ...(query ? { query } : {}),
    admission,
    claims,
    warnings: lintAllowedRepos(model.constraints),
    notes: [...(options.notes ?? []), ...admission.flatMap((r) => r.notes)].filter((n, i, all) => all.indexOf(n) === i),
  };
}
