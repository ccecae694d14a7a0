/**
 * `class report`: the trainer's page (class/page.ts) from what the class knows: each trainee's
 * grade (gradeClass, offline), their live result (this run's with --live, else the last live
 * run's JSON in `DIR/live/NAME.json`, which the class workflow keeps from each stack's live
 * proof), and their stack's last update and outputs as the backend has them, never a secret.
 */
import * as fs from "fs";
import * as path from "path";
import type { LiveDifference, Report } from "../verifier/analyze";
import { gradeOf, labAnswerClaims } from "../verifier/lab/grade";
import { stageFrom } from "../config/keys";
import type { ClassWorkspace } from "./automation";
import type { CourseEnd } from "./course";
import { resultOf, type TraineeGrade } from "./grade";
import { stackState, type StackState } from "./inspect";
import { type LiveResult, renderClassPage } from "./page";
import { pool } from "./pool";

/** The page's folder by default, beside Pulumi.yaml; .gitignore ignores it. */
export const REPORT_DIR = "class-report";

/** Where a trainee's last live run is kept, in the page's folder. */
export function liveFile(dir: string, trainee: string): string {
  return path.join(dir, "live", `${trainee}.json`);
}

/** A live result from this run's grading (class grade --live's). */
export function liveFromGrade(grade: TraineeGrade): LiveResult {
  return {
    source: "this report's run, --live",
    result: grade.result,
    ...(grade.grade ? { grade: grade.grade } : {}),
    differences: grade.differences ?? [],
    problems: grade.problems,
  };
}

/**
 * The last live run of a trainee: `verify --live --stack NAME --format json` as the class workflow
 * writes it. Undefined when there is none; a file that is not such a report says so on the page.
 */
export function readLiveFile(file: string, shown: string): LiveResult | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const unreadable = (why: string): LiveResult => ({
    source: shown,
    result: "not graded",
    differences: [],
    problems: [`${shown}: ${why}; expected the JSON of npm run verify -- --live --stack NAME --format json`],
  });
  let report: Partial<Report> & { live?: { differences?: LiveDifference[] } };
  try {
    report = JSON.parse(text) as typeof report;
  } catch (error) {
    return unreadable(`not JSON (${(error as Error).message})`);
  }
  const stage = stageFrom(String(report.stage ?? ""));
  if (report.live === undefined || stage === undefined || !Array.isArray(report.claims)) {
    return unreadable("not a live report of one stage");
  }
  // A stack without an exercise: the lab's own answer, graded as gradeClass grades it.
  const grade = report.grade ?? gradeOf(stage, labAnswerClaims(report as Report));
  return { source: shown, result: resultOf(grade), grade, differences: report.live.differences ?? [], problems: [] };
}

export interface ReportInput {
  roster: string;
  endsAt?: CourseEnd;
  now: number;
  /** Offline grades, in the roster's order. */
  grades: TraineeGrade[];
  /** With --live: this run's live grades, by trainee. */
  live?: TraineeGrade[];
  /** The page's folder, where the last live runs are read from. */
  dir: string;
  /** The folder as the trainer named it, for the page. */
  shownDir: string;
  /** The backend, or why it cannot be read (no Pulumi CLI). */
  workspace: ClassWorkspace | { problem: string };
  concurrency: number;
}

/** The page's HTML. */
export async function classReport(input: ReportInput): Promise<string> {
  const names = input.grades.map((g) => g.trainee);
  const workspace = "problem" in input.workspace ? undefined : input.workspace;
  const liveDir = path.join(input.shownDir, "live").split(path.sep).join("/");
  const stacks: (StackState | undefined)[] = workspace
    ? await pool(names, input.concurrency, (trainee) => stackState(workspace, trainee))
    : names.map(() => undefined);
  return renderClassPage({
    roster: input.roster,
    ...(input.endsAt ? { endsAt: input.endsAt } : {}),
    now: input.now,
    liveDir,
    ...("problem" in input.workspace ? { stacksNote: `not read: ${input.workspace.problem}` } : {}),
    trainees: input.grades.map((grade, i) => {
      const live = input.live?.find((g) => g.trainee === grade.trainee);
      const result = live
        ? liveFromGrade(live)
        : readLiveFile(liveFile(input.dir, grade.trainee), `${liveDir}/${grade.trainee}.json`);
      return { grade, ...(result ? { live: result } : {}), ...(stacks[i] ? { stack: stacks[i] } : {}) };
    }),
  });
}
