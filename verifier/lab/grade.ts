/**
 * Grading an exercise (issue 15): the lab built with the trainee's objects, exactly as `pulumi up`
 * would build it with `exercise` set, judged against every claim of a stage (verifier/lab/claims.ts,
 * the tables of docs/lab.md), each claim met, unmet or not judged, with a hint for an unmet one.
 *
 * Verdicts are graded, not words: a trainee's template has its own messages, which the report
 * shows. A claim depending on a template that only Rego can judge is not judged (met: null),
 * never guessed.
 *
 * `gradeExercise` and `gradeStack` are the interface for those who grade many trainees (the
 * class, the pull-request comment, the trainer's page): they return the Grade alone.
 */
import type { Exercise } from "../../config/exercise";
import type { Stage } from "../../config/keys";
import type { AdmissionResult } from "../admission";
import { analyzeJudged, connectivityEngine, type ClaimResult, type LiveDifference, type Report } from "../analyze";
import { objectKey } from "../kube/object";
import { type ClusterModel, type KubeObject, VerifyInputError } from "../model";
import { configNotes, configuredStage, exerciseFolder, labModel, PROJECT_DIR, readLabConfig } from "./build";
import { ADMISSION_CLAIMS, CONNECTIVITY_CLAIMS, LOAD_BALANCER_CLAIMS } from "./claims";
import { admissionHint, connectivityHint, HintContext, HINTS, notJudgedHint, type Hint } from "./hints";
import type { StackConfig } from "./stack";

// The grade's shape is its own module, which the report (analyze.ts) and the CLI read without
// loading lab mode.
import { gradeOf, type Grade, type GradedClaim } from "./grade-types";
export { gradeOf, gradeStatus, type Grade, type GradedClaim } from "./grade-types";

const withHint = (hint: Hint | null) => ({
  hint: hint?.text ?? null,
  file: hint?.file ?? null,
  line: hint?.line ?? null,
});

/** The claim's probe objects, and their verdicts in the report, in the order of the claim. */
export function admissionProbes(
  claim: ClaimResult,
  report: Report,
  model: ClusterModel,
): { objects: KubeObject[]; results: AdmissionResult[] } {
  const spec = ADMISSION_CLAIMS.find((c) => c.object === claim.claim)!;
  const objects = spec.probes === "lab-workloads" ? model.admissionObjects : spec.probes.map((p) => p.object);
  const results = objects.map((object) => report.admission.find((r) => r.object === objectKey(object))!);
  return { objects, results };
}

/** A request's verdict in a grade's words. */
const verdictWord = (r: AdmissionResult) => (r.judged === false ? "not judged" : r.allowed ? "admitted" : "denied");

/**
 * Grades each claim of a report computed for a lab with the exercise's objects; `model` is that
 * lab, whose verdicts the hints take apart.
 */
export function gradeClaims(report: Report, model: ClusterModel, exercise: Exercise): GradedClaim[] {
  const context = new HintContext(model, new Map(exercise.objects.map((o) => [objectKey(o.object), o])));
  const engine = connectivityEngine(model);
  const flows = [...CONNECTIVITY_CLAIMS, ...LOAD_BALANCER_CLAIMS];
  return report.claims.map((claim): GradedClaim => {
    if (claim.kind === "connectivity") {
      const met = claim.computed === claim.expected;
      const base = { claim: claim.claim, kind: claim.kind, expected: claim.expected, found: claim.computed, met };
      if (met) return { ...base, ...withHint(null) };
      const flow = flows.find((f) => f.flow === claim.claim)!;
      const verdict = engine.judge(context.endpoint(flow.from), context.endpoint(flow.to), flow.port, flow.protocol);
      return { ...base, ...withHint(connectivityHint(verdict, claim.expected === "allowed", context)) };
    }
    const { objects, results } = admissionProbes(claim, report, model);
    const expectAdmitted = claim.expected === "admitted";
    const judged = results.filter((r) => r.judged !== false);
    const met = judged.some((r) => r.allowed !== expectAdmitted) ? false : judged.length < results.length ? null : true;
    const words = results.map(verdictWord);
    const found = words.every((w) => w === words[0])
      ? words[0]
      : results.map((r, i) => `${r.object} ${words[i]}`).join(", ");
    const base = { claim: claim.claim, kind: claim.kind, expected: claim.expected, found, met };
    if (met === true) return { ...base, ...withHint(null) };
    const hint =
      met === false ? admissionHint(objects, results, expectAdmitted, context) : notJudgedHint(results, context);
    return { ...base, ...withHint(hint) };
  });
}

/**
 * Live mode: the grade of what the cluster did (the claims' `observed`), and where it did
 * otherwise than the offline prediction from the exercise's objects. A claim the cluster could not
 * be asked (not probed), or whose destination refused the connection (neither the policy's
 * allowing nor its denying, see verifier/live), is not judged. An unmet claim the prediction also
 * misses gets the offline hint; one the cluster alone misses, the evidence.
 */
export function gradeObserved(
  report: Report,
  model: ClusterModel,
  exercise: Exercise,
): { claims: GradedClaim[]; differences: LiveDifference[] } {
  const predicted = gradeClaims(report, model, exercise);
  const differences: LiveDifference[] = [];
  const claims = report.claims.map((claim, i): GradedClaim => {
    const observed = claim.observed!;
    const evidence = claim.evidence ?? "";
    const base = { claim: claim.claim, kind: claim.kind, expected: claim.expected, found: observed };
    if (observed !== "not probed" && observed !== claim.computed) {
      differences.push({ claim: claim.claim, predicted: claim.computed, observed, evidence });
    }
    if (observed === "not probed" || observed === "refused") {
      return { ...base, met: null, hint: evidence, file: null, line: null };
    }
    if (observed === claim.expected) return { ...base, met: true, ...withHint(null) };
    if (observed === claim.computed) {
      const { hint, file, line } = predicted[i];
      return { ...base, met: false, hint, file, line };
    }
    const text = HINTS.clusterDiffers.text({ predicted: claim.computed, evidence });
    return { ...base, met: false, ...withHint({ text, file: null, line: null }) };
  });
  return { claims, differences };
}

/**
 * The lab's own answer, graded as an exercise is, for a stack that sets no exercise (the class
 * grades every trainee): a claim is met when the report's verdict is what the stage expects; in
 * live mode (the claims' `observed`), when the cluster did it, and not judged where the cluster
 * could not be asked or refused the connection, as gradeObserved has it. The policies are the
 * lab's, so a hint names no file: it is the verifier's reason, or live, the evidence.
 */
export function labAnswerClaims(report: Report): GradedClaim[] {
  return report.claims.map((claim): GradedClaim => {
    const base = { claim: claim.claim, kind: claim.kind, expected: claim.expected, file: null, line: null };
    if (claim.observed === undefined) {
      return { ...base, found: claim.computed, met: claim.holds, hint: claim.holds ? null : claim.reason };
    }
    const evidence = claim.evidence ?? "";
    if (claim.observed === "not probed" || claim.observed === "refused") {
      return { ...base, found: claim.observed, met: null, hint: evidence };
    }
    const met = claim.observed === claim.expected;
    return { ...base, found: claim.observed, met, hint: met ? null : evidence };
  });
}

/** The report of a configuration with an exercise, at a stage, with its grade. */
export async function exerciseReport(config: StackConfig, stage: Stage): Promise<Report> {
  const { model, exercise } = await labModel(config, stage);
  const report = await analyzeJudged(model, { stage, notes: configNotes(config) });
  const grade = gradeOf(stage, gradeClaims(report, model, exercise!));
  return { ...report, exercise: exercise!.folder, grade };
}

export interface GradeOptions {
  /** The exercise folder: absolute, or relative to the project root. */
  exercise: string;
  /** The stage whose claims grade it. */
  stage: Stage;
  /** A stack whose configuration the lab takes (its own exercise and stage give way to these). */
  stack?: string;
}

/** Grades an exercise folder at a stage. Bad input (a refused folder) throws VerifyInputError. */
export async function gradeExercise(options: GradeOptions, projectDir = PROJECT_DIR): Promise<Grade> {
  const config = readLabConfig(options.stack, projectDir, options.exercise);
  return (await exerciseReport(config, options.stage)).grade!;
}

/**
 * Grades the exercise a stack's file sets, at the stack's stage (or `stage`). A stack without an
 * exercise is bad input.
 */
export async function gradeStack(stack: string, projectDir = PROJECT_DIR, stage?: Stage): Promise<Grade> {
  const config = readLabConfig(stack, projectDir);
  if (exerciseFolder(config) === undefined) {
    throw new VerifyInputError([`--stack ${stack}: Pulumi.${stack}.yaml sets no exercise; there is nothing to grade`]);
  }
  return (await exerciseReport(config, stage ?? configuredStage(config))).grade!;
}
