/**
 * The shape of an exercise's grade (verifier/lab/grade.ts grades one), in a module of its own: the
 * report that carries it (analyze.ts) and the CLI that turns it into an exit status read it
 * without loading lab mode, whose grading reads the report.
 */
import type { Stage } from "../../config/keys";

/** One claim of the stage, graded. */
export interface GradedClaim {
  /** The claim as docs/lab.md words it ("intruder → mysql:3306/TCP", "Pod `data/busybox`, image `busybox`"). */
  claim: string;
  kind: "connectivity" | "admission";
  /** What the stage expects: allowed or denied (a flow), admitted or denied (a request). */
  expected: string;
  /** What the trainee's objects do, in the same words; "not judged" where that is not known. */
  found: string;
  /** null: not judged. */
  met: boolean | null;
  /** Why an unmet claim is unmet, or what a claim not judged needs; null for a met one. */
  hint: string | null;
  /** The trainee's file and line the hint points at, when it points at an object. */
  file: string | null;
  line: number | null;
}

/** The grade of an exercise at a stage. */
export interface Grade {
  stage: Stage;
  met: number;
  unmet: number;
  notJudged: number;
  claims: GradedClaim[];
}

/** The exit status of a grade: 0 every claim met, 1 one unmet, 3 none unmet but some not judged. */
export function gradeStatus(grade: Grade): 0 | 1 | 3 {
  return grade.unmet > 0 ? 1 : grade.notJudged > 0 ? 3 : 0;
}

/** The Grade of claims graded one by one. */
export function gradeOf(stage: Stage, claims: GradedClaim[]): Grade {
  return {
    stage,
    met: claims.filter((c) => c.met === true).length,
    unmet: claims.filter((c) => c.met === false).length,
    notJudged: claims.filter((c) => c.met === null).length,
    claims,
  };
}
