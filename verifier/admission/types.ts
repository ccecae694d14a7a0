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
}

export interface AdmissionResult {
  /** "KIND/NAMESPACE/NAME", or "KIND/NAME" for a cluster-scoped object. */
  object: string;
  /** False when at least one violation has enforcementAction "deny". */
  allowed: boolean;
  violations: Violation[];
  /** What the verdict could not take into account, said plainly (never a guess). */
  notes: string[];
}
