/**
 * `class grade`: every trainee graded at their stage, from their stack file as `pulumi up` deploys
 * it (offline), or on their cluster (live). A trainee whose stack sets an exercise is graded on it
 * (verifier/lab/grade.ts); one without is graded on the lab's own answer at their stage, the same
 * claims, so that every row means the same thing. The trainer's page (class/report.ts) and
 * `npm run bench:grade` take their grades from `gradeClass` too.
 */
import type { Stage } from "../config/keys";
import { readExercise, shownPath } from "../config/exercise";
import { PROJECT_ROOT } from "../config/parse";
import { analyzeJudged, type LiveDifference, type Report } from "../verifier/analyze";
import { configNotes, configuredStage, exerciseFolder, labModel, readLabConfig } from "../verifier/lab";
import { exerciseReport, type Grade, type GradedClaim, gradeOf, labAnswerClaims } from "../verifier/lab/grade";
import { verifyLive } from "../verifier/live";
import { Interrupted } from "../verifier/live/bounds";
import { UnreachableError } from "../verifier/live/transport";
import { VerifyInputError } from "../verifier/model";
import { columns } from "./display";
import { pool } from "./pool";

/**
 * A trainee's result: every claim met; one unmet; none unmet but some not judged (a Rego-only
 * template with no engine, a claim the cluster could not be asked); an exercise the lab refuses;
 * or, live, no cluster to grade.
 */
export type TraineeResult = "meets" | "unmet" | "not judged" | "refused" | "not graded";

export interface TraineeGrade {
  trainee: string;
  stage: Stage;
  /**
   * The exercise folder graded, as the verifier names it; undefined when the stack sets none and
   * the lab's own answer was graded.
   */
  exercise?: string;
  mode: "offline" | "live";
  result: TraineeResult;
  /** Undefined when refused or not graded. */
  grade?: Grade;
  /** Why there is no grade: the exercise's refusals (file, line, object), or why the cluster could not be graded. */
  problems: string[];
  /** Live, with an exercise: the claims the cluster decided otherwise than the offline prediction. */
  differences?: LiveDifference[];
  /** Live: the report of the run, for the trainer's page (its claims' evidence). */
  live?: Report;
}

/** The stack's cluster, as the class reads it (the stack's kubeconfig output), or why there is none. */
export type ClusterAccess = { kubeconfig: string } | { problem: string };

export interface LiveGrading {
  cluster(trainee: string): Promise<ClusterAccess>;
  probeTimeoutSeconds: number;
  deadlineSeconds: number;
  /** Probes at once within one trainee's run. */
  concurrency: number;
  /** Ctrl-C: each run stops and deletes its probes. */
  signal: AbortSignal;
}

export interface ClassGradeOptions {
  /** Trainees graded at once. */
  concurrency: number;
  /** Grade each trainee's cluster instead of the stack file. */
  live?: LiveGrading;
}

/** Every trainee's grade, in the order given; their stack files beside Pulumi.yaml in `projectDir`. */
export function gradeClass(
  trainees: readonly string[],
  projectDir: string,
  options: ClassGradeOptions,
): Promise<TraineeGrade[]> {
  return pool(trainees, options.concurrency, (trainee) => gradeTrainee(trainee, projectDir, options.live));
}

async function gradeTrainee(trainee: string, projectDir: string, live?: LiveGrading): Promise<TraineeGrade> {
  const mode: TraineeGrade["mode"] = live ? "live" : "offline";
  let config;
  try {
    config = readLabConfig(trainee, projectDir);
  } catch (error) {
    if (!(error instanceof VerifyInputError)) throw error;
    return { trainee, stage: "zero-trust", mode, result: "refused", problems: error.problems };
  }
  const stage = configuredStage(config);
  const folder = exerciseFolder(config);
  const none: Row = {
    trainee,
    stage,
    mode,
    ...(folder !== undefined ? { exercise: shownPath(folder, PROJECT_ROOT) } : {}),
  };
  // Read as the program reads it: a folder it refuses is graded no further.
  const read = folder !== undefined ? readExercise(folder, PROJECT_ROOT) : undefined;
  if (read !== undefined && read.exercise === undefined) return { ...none, result: "refused", problems: read.problems };
  if (live) return gradeLive(none, projectDir, live);
  try {
    if (folder !== undefined) return graded(none, (await exerciseReport(config, stage)).grade!);
    const { model } = await labModel(config, stage);
    const report = await analyzeJudged(model, { stage, notes: configNotes(config) });
    return graded(none, gradeOf(stage, labAnswerClaims(report)));
  } catch (error) {
    if (!(error instanceof VerifyInputError)) throw error;
    return { ...none, result: "refused", problems: error.problems };
  }
}

type Row = Pick<TraineeGrade, "trainee" | "stage" | "mode" | "exercise">;

async function gradeLive(none: Row, projectDir: string, live: LiveGrading): Promise<TraineeGrade> {
  const { trainee, stage } = none;
  const access = await live.cluster(trainee);
  if ("problem" in access) return { ...none, result: "not graded", problems: [access.problem] };
  let report: Report;
  try {
    report = await verifyLive(
      {
        stack: trainee,
        kubeconfigText: access.kubeconfig,
        probeTimeoutSeconds: live.probeTimeoutSeconds,
        deadlineSeconds: live.deadlineSeconds,
        concurrency: live.concurrency,
        signal: live.signal,
      },
      projectDir,
    );
  } catch (error) {
    if (error instanceof UnreachableError) return { ...none, result: "not graded", problems: [error.message] };
    if (error instanceof VerifyInputError) return { ...none, result: "not graded", problems: error.problems };
    // Ctrl-C: the run has deleted its probes; the other trainees' runs end theirs too.
    if (error instanceof Interrupted) {
      return { ...none, result: "not graded", problems: ["interrupted (Ctrl-C)", ...error.housekeeping] };
    }
    throw error;
  }
  const grade = report.grade ?? gradeOf(stage, labAnswerClaims(report));
  return {
    ...graded(none, grade),
    ...(report.live?.differences ? { differences: report.live.differences } : {}),
    live: report,
  };
}

/** What a grade makes of a trainee: every claim met, one unmet, or none unmet but some not judged. */
export function resultOf(grade: Grade): TraineeResult {
  return grade.unmet > 0 ? "unmet" : grade.notJudged > 0 ? "not judged" : "meets";
}

function graded(base: Row, grade: Grade): TraineeGrade {
  return { ...base, result: resultOf(grade), grade, problems: [] };
}

/**
 * The class's exit status: 0 when every trainee meets their stage; 1 when one has an unmet claim,
 * an exercise the lab refuses, or (live) no cluster to grade; 3 when none of those, but some claim
 * could not be judged, as for one exercise (`verify`): not met, and not failed either.
 */
export function gradeExitStatus(grades: readonly TraineeGrade[]): 0 | 1 | 3 {
  if (grades.some((g) => g.result === "unmet" || g.result === "refused" || g.result === "not graded")) return 1;
  return grades.some((g) => g.result === "not judged") ? 3 : 0;
}

/** The claim a trainee's row leads with: the first unmet one, else the first not judged. */
export function firstOpenClaim(grade: Grade | undefined): GradedClaim | undefined {
  return grade?.claims.find((c) => c.met === false) ?? grade?.claims.find((c) => c.met === null);
}

/** A claim with its hint, on one line: `claim: expected X, found Y; hint: file:line: text`. */
export function claimLine(claim: GradedClaim): string {
  const where = claim.file === null ? "" : `${claim.file}:${claim.line}: `;
  return `${claim.claim}: expected ${claim.expected}, found ${claim.found}${claim.hint === null ? "" : `; hint: ${where}${claim.hint}`}`;
}

/** What a trainee answers with, in a row: the exercise folder, or the lab's own policies. */
export function answerOf(grade: TraineeGrade): string {
  return grade.exercise ?? "none: the lab's own";
}

/** Why a row is open, in its last column. */
function openText(grade: TraineeGrade): string {
  if (grade.problems.length > 0) {
    const more = grade.problems.length > 1 ? ` (and ${grade.problems.length - 1} more)` : "";
    return `${grade.problems[0]}${more}`;
  }
  const claim = firstOpenClaim(grade.grade);
  if (claim === undefined) return "";
  return `${claim.met === null ? "not judged: " : ""}${claimLine(claim)}`;
}

const count = (grade: TraineeGrade, n: (g: Grade) => number) => (grade.grade ? String(n(grade.grade)) : "-");

/** The table `class grade` prints, a summary line, and, live, where clusters differ from the prediction. */
export function gradeTable(grades: readonly TraineeGrade[]): string {
  const table = columns([
    ["trainee", "stage", "answer", "result", "met", "unmet", "not judged", "first unmet claim"],
    ...grades.map((g) => [
      g.trainee,
      g.stage,
      answerOf(g),
      g.result,
      count(g, (x) => x.met),
      count(g, (x) => x.unmet),
      count(g, (x) => x.notJudged),
      openText(g),
    ]),
  ]);
  const meets = grades.filter((g) => g.result === "meets").length;
  const lines = [
    ...table,
    "",
    `${meets} of ${grades.length} trainee${grades.length === 1 ? "" : "s"} meet their stage`,
  ];
  const differing = grades.filter((g) => (g.differences ?? []).length > 0);
  if (differing.length > 0) {
    lines.push("", "Where a cluster did otherwise than the offline prediction from the trainee's objects:");
    for (const g of differing) {
      for (const d of g.differences!) {
        lines.push(`  ${g.trainee}: ${d.claim}: predicted ${d.predicted}, observed ${d.observed}: ${d.evidence}`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}
