import type { Status } from "../kube/status";

/** A Kubernetes object as parsed from YAML or JSON. */
export type KubeObject = Record<string, unknown>;

/** The enforcement actions this evaluator accepts on constraints and ExpansionTemplates. */
export type EnforcementAction = "deny" | "warn" | "dryrun";
export const ENFORCEMENT_ACTIONS: readonly EnforcementAction[] = ["deny", "warn", "dryrun"];

/** The admission operations the evaluator reviews. */
export type Operation = "CREATE" | "UPDATE";

/** Whether a reviewed object came from the request or from an ExpansionTemplate. */
export type SourceType = "Original" | "Generated";

export interface Violation {
  /** "KIND/NAME" of the constraint. */
  constraint: string;
  /** Only "deny" refuses the object; "warn" and "dryrun" are reported and admitted. */
  enforcementAction: EnforcementAction;
  message: string;
  /** The ExpansionTemplate whose generated resource this is about; absent for the object itself. */
  impliedBy?: string;
}

/** A point of the API server's admission chain where Gatekeeper enforces a constraint. */
export type EnforcementPoint =
  | {
      kind: "ValidatingAdmissionPolicy";
      /** The policy Gatekeeper generates from the template: `gatekeeper-<template>`. */
      policy: string;
      /** The binding Gatekeeper generates for the constraint. */
      binding: string;
      /** "KIND/NAME" of that constraint. */
      constraint: string;
    }
  | { kind: "webhook"; name: string };

/** Where a verdict is enforced, and what the API server and kubectl say of a denial. */
export interface Enforcement {
  /** Every point that judges the request, in the API server's order (policies, then webhooks). */
  points: EnforcementPoint[];
  /** The point whose denial the client receives; absent when admitted. */
  deniedBy?: EnforcementPoint;
  /** The Status the API server answers a denial with, whole. */
  status?: Status;
  /**
   * The command that sends the request, and what kubectl prints for the denial: `status` by
   * kubectl's rules (verifier/kube/status.ts), without the final newline.
   */
  kubectl?: { command: string; output: string };
}

/**
 * What a real Rego engine said of the constraints of Rego-only templates, judged beforehand in one
 * batch (verifier/admission/rego: judgeRego), which the CEL engine cannot evaluate.
 */
export interface RegoVerdicts {
  /** The messages of a constraint ("KIND/NAME") on an object; undefined when it was not judged. */
  messages(constraint: string, object: KubeObject): string[] | undefined;
  /** Why nothing was judged, and how to get an engine that can; undefined when one judged. */
  readonly notJudged: string | undefined;
  /** What the cluster may judge differently for a constraint, when anything (noted on its verdicts). */
  caveat(constraint: string): string | undefined;
}

/** A "deny" constraint ("KIND/NAME") of a Rego-only template that no Rego engine judged, and why. */
export interface NotJudgedBy {
  constraint: string;
  template: string;
  why: string;
}

export interface AdmissionResult {
  /** "KIND/NAMESPACE/NAME", or "KIND/NAME" for a cluster-scoped object. */
  object: string;
  /** False when at least one violation has enforcementAction "deny". */
  allowed: boolean;
  violations: Violation[];
  /** What the verdict could not take into account, said plainly (never a guess). */
  notes: string[];
  /** How the API server enforces it, when the engine knows the Gatekeeper install. */
  enforcement?: Enforcement;
  /**
   * Present (false) when the verdict is not known: `allowed` says nothing denies the object that
   * the engine could evaluate, but a "deny" constraint whose template has only Rego selects it
   * (verifier/admission/rego judges those, when gator or opa is there: analyzeJudged). A denial is always
   * judged: no other constraint can undo it.
   */
  judged?: false;
  /** The constraints that left the verdict unjudged. */
  notJudgedBy?: NotJudgedBy[];
}
