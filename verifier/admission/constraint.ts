/** A constraint (`constraints.gatekeeper.sh`) as the evaluator uses it. */
import { parseMatch, type Match } from "./match";
import { isRecord } from "../kube/object";
import { ENFORCEMENT_ACTIONS, type EnforcementAction, type KubeObject } from "./types";

export interface ParsedConstraint {
  /** "KIND/NAME", as violations name it. */
  id: string;
  kind: string;
  name: string;
  match: Match;
  /** Defaults to "deny". */
  enforcementAction: EnforcementAction;
  object: KubeObject;
}

/** Parses one constraint, adding a problem for each malformed part; undefined if unusable. */
export function parseConstraint(raw: unknown, where: string, problems: string[]): ParsedConstraint | undefined {
  if (!isRecord(raw)) {
    problems.push(`${where}: a constraint must be a mapping`);
    return undefined;
  }
  const kind = typeof raw.kind === "string" ? raw.kind : "";
  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  if (kind === "" || name === "") {
    problems.push(`${where}: a constraint needs a kind and metadata.name`);
    return undefined;
  }
  const id = `${kind}/${name}`;
  const before = problems.length;
  if (typeof raw.apiVersion !== "string" || !raw.apiVersion.startsWith("constraints.gatekeeper.sh/")) {
    problems.push(`${id}: apiVersion must be constraints.gatekeeper.sh/v1beta1`);
  }
  const spec = raw.spec === undefined ? {} : raw.spec;
  if (!isRecord(spec)) {
    problems.push(`${id}: spec must be a mapping`);
    return undefined;
  }
  const match = parseMatch(spec.match, `${id}: spec.match`, problems);
  const enforcementAction = parseAction(spec.enforcementAction, `${id}: spec.enforcementAction`, problems);
  return problems.length > before ? undefined : { id, kind, name, match, enforcementAction, object: raw };
}

/** deny, warn or dryrun; "scoped" actions are refused rather than half-evaluated. */
export function parseAction(raw: unknown, where: string, problems: string[]): EnforcementAction {
  if (raw === undefined || raw === "") return "deny";
  if (typeof raw === "string" && (ENFORCEMENT_ACTIONS as readonly string[]).includes(raw)) {
    return raw as EnforcementAction;
  }
  problems.push(`${where} is ${JSON.stringify(raw)}; accepted: ${ENFORCEMENT_ACTIONS.join(", ")}`);
  return "deny";
}
