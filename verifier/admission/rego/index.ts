/**
 * Rego judged by a real engine. The offline admission engine evaluates CEL itself; a template
 * whose only engine is Rego is judged here, by Gatekeeper's own CLI `gator` (`gator test`) when it
 * is on PATH, else by `opa eval` over the input Gatekeeper's Rego driver gives a template, each as
 * one child process per grading run (not one per object) under a timeout. With neither, nothing is
 * judged and the judgement says how to install gator.
 *
 * The seam with the admission engine: judge first, in one batch, every object the reviews will
 * judge (regoReviewObjects: each request's object and the resultants its ExpansionTemplates make),
 * then hand the judgement to `new AdmissionEngine({…, rego})`, whose reviews read it for the
 * constraints of Rego-only templates; matching, expansion and enforcement stay the engine's.
 *
 *   const rego = await judgeRego({ templates, constraints, objects: regoReviewObjects(requests, expansionTemplates) });
 *   const engine = new AdmissionEngine({ templates, constraints, expansionTemplates, namespaces, rego });
 */
import { expandObject, parseExpansionTemplate } from "../expansion";
import { AdmissionInputError } from "../errors";
import type { KubeObject, RegoVerdicts } from "../types";
import { judgeWithGator, type RunOutcome } from "./gator";
import { judgeWithOpa } from "./opa";
import { findExecutable } from "./process";
import { contentKey } from "./review";
import { regoOnly, type RegoConstraint, type RegoTemplate } from "./templates";

/** Where gator is documented, with how to install it. */
export const GATOR_INSTALL_URL = "https://open-policy-agent.github.io/gatekeeper/website/docs/gator";

/** How long one gator or opa process may run. */
export const DEFAULT_REGO_TIMEOUT_MS = 5000;

export type RegoEngineName = "gator" | "opa";

export interface RegoJudgeInput {
  /** Every ConstraintTemplate of the run; those whose only engine is Rego are judged. */
  templates: object[];
  /** Every constraint of the run; those of the judged templates' kinds are judged. */
  constraints: object[];
  /** Every object a review will judge: the requests' objects and their resultants. */
  objects: object[];
}

export interface RegoRunnerOptions {
  /** The directories gator and opa are looked up in. Defaults to process.env.PATH. */
  searchPath?: string;
  /** The engines to try, in order. Defaults to gator, then opa. */
  engines?: RegoEngineName[];
  /** How long one process may run, in milliseconds. Defaults to DEFAULT_REGO_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** What a real Rego engine said of every (constraint, object) of a run, or why it said nothing. */
export class RegoJudgement implements RegoVerdicts {
  private constructor(
    /** The engine that judged, with its executable; undefined when nothing was judged. */
    readonly judgedBy: { engine: RegoEngineName; executable: string } | undefined,
    /** Why nothing was judged; undefined when the engine judged. */
    readonly notJudged: string | undefined,
    private readonly verdicts: Map<string, Map<string, string[]>>,
    private readonly caveats: Map<string, string>,
  ) {}

  static judged(
    engine: RegoEngineName,
    executable: string,
    verdicts: Map<string, Map<string, string[]>>,
    caveats: Map<string, string> = new Map(),
  ): RegoJudgement {
    return new RegoJudgement({ engine, executable }, undefined, verdicts, caveats);
  }

  static notJudged(reason: string): RegoJudgement {
    return new RegoJudgement(undefined, reason, new Map(), new Map());
  }

  /**
   * The messages of `constraint` ("KIND/NAME") on `object`, sorted as gator sorts them (bytewise);
   * undefined when it was not judged (no engine, or not among the run's constraints and objects).
   */
  messages(constraint: string, object: KubeObject): string[] | undefined {
    const found = this.verdicts.get(constraint)?.get(contentKey(object));
    return found === undefined ? undefined : [...found].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** What the cluster may see differently from the engine for `constraint`, when anything. */
  caveat(constraint: string): string | undefined {
    return this.caveats.get(constraint);
  }
}

/** Judges the run's Rego-only constraints on its objects with the first engine found. */
export async function judgeRego(input: RegoJudgeInput, options: RegoRunnerOptions = {}): Promise<RegoJudgement> {
  const { templates, constraints } = regoOnly(input.templates, input.constraints);
  const searchPath = options.searchPath ?? process.env.PATH ?? "";
  const engines = options.engines ?? ["gator", "opa"];
  const timeoutMs = options.timeoutMs ?? DEFAULT_REGO_TIMEOUT_MS;
  const objects = input.objects as KubeObject[];
  for (const engine of engines) {
    const executable = findExecutable(engine, searchPath);
    if (executable === undefined) continue;
    if (constraints.length === 0 || objects.length === 0) return RegoJudgement.judged(engine, executable, new Map());
    const outcome: RunOutcome =
      engine === "gator"
        ? await judgeWithGator(executable, templates, constraints, objects, timeoutMs)
        : await judgeWithOpa(executable, templates, constraints, objects, timeoutMs);
    return outcome.ok
      ? RegoJudgement.judged(
          engine,
          executable,
          outcome.messages,
          engine === "gator" ? inventoryCaveats(templates, constraints) : new Map(),
        )
      : RegoJudgement.notJudged(`${engine} failed: ${outcome.reason}`);
  }
  return RegoJudgement.notJudged(
    `a template's only engine is Rego, and neither ${engines.join(" nor ")} is on PATH to judge it; install gator (${GATOR_INSTALL_URL})`,
  );
}

/**
 * gator test puts every object it is given into `data.inventory`; the lab syncs nothing into
 * Gatekeeper's cache, so on the cluster a template's inventory is empty. A template that reads it
 * (a referential rule) may be judged otherwise there, and its verdicts say so.
 */
function inventoryCaveats(templates: RegoTemplate[], constraints: RegoConstraint[]): Map<string, string> {
  const reading = new Set(
    templates.filter((t) => [t.rego, ...t.libs].some((r) => /^[^#\n]*\bdata\.inventory\b/m.test(r))).map((t) => t.kind),
  );
  return new Map(
    constraints
      .filter((c) => reading.has(c.kind))
      .map((c) => [
        c.id,
        "its template reads data.inventory, which gator test fills with every object of the run; the lab syncs nothing into Gatekeeper's cache, so on the cluster it is empty",
      ]),
  );
}

/**
 * The objects the reviews of `requests` judge: each request's object, then the resultants its
 * ExpansionTemplates generate (deepest first, as the engine reviews them).
 */
export function regoReviewObjects(requests: object[], expansionTemplates: object[]): KubeObject[] {
  const problems: string[] = [];
  const parsed = expansionTemplates
    .map((raw, i) => parseExpansionTemplate(raw, `expansionTemplates[${i}]`, problems))
    .filter((t) => t !== undefined);
  if (problems.length > 0) throw new AdmissionInputError(problems);
  return (requests as KubeObject[]).flatMap((object) => [object, ...expandObject(object, parsed).map((r) => r.object)]);
}
