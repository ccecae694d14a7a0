/**
 * `init` and the trainees' exercise folders: a trainee whose roster entry sets `exercise` to a
 * folder that does not exist gets it, with a README.md of what their stage asks for
 * (verifier/lab/objectives.ts, the words of docs/exercises.md). An existing folder is the
 * trainee's: nothing in it is written, whatever it holds.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../config/keys";
import { stageObjective } from "../verifier/lab/objectives";
import { stageFrom } from "../config/keys";
import { EXERCISE_KEY, type RosterTrainee } from "./roster";

export interface ExerciseFolderPlan {
  trainee: string;
  /** As the roster writes it. */
  folder: string;
  /** The folder, absolute. */
  dir: string;
  /** The README.md it starts with. */
  readme: string;
}

/** The README.md of a trainee's new folder: how to grade it, and their stage's objective. */
export function exerciseReadme(trainee: string, stage: string, rosterFile: string): string {
  const known = stageFrom(stage) ?? "zero-trust";
  return [
    `# ${trainee}'s exercise`,
    "",
    `Write your NetworkPolicies and Gatekeeper policies in this folder, as YAML files, and grade them`,
    `with \`npm run verify -- --stack ${trainee}\` until every claim is met (docs/exercises.md has`,
    `every stage's objective and the hints). Written by \`npm run class -- init\` from ${rosterFile},`,
    `which never writes into this folder again.`,
    "",
    stageObjective(known, "##"),
    "",
  ].join("\n");
}

/** The folders `init` creates: those the roster sets and that do not exist, each once. */
export function planExerciseFolders(
  trainees: readonly RosterTrainee[],
  projectDir: string,
  rosterFile: string,
): ExerciseFolderPlan[] {
  const plans: ExerciseFolderPlan[] = [];
  for (const trainee of trainees) {
    const folder = trainee.config[EXERCISE_KEY];
    if (typeof folder !== "string" || folder === "") continue;
    const dir = path.resolve(projectDir, folder);
    // Two trainees may share a folder (a default): it is created once, for the first of them.
    if (fs.existsSync(dir) || plans.some((p) => p.dir === dir)) continue;
    const stage = trainee.config[`${PROJECT}:stage`];
    plans.push({
      trainee: trainee.name,
      folder,
      dir,
      readme: exerciseReadme(trainee.name, typeof stage === "string" ? stage : "zero-trust", rosterFile),
    });
  }
  return plans;
}

/**
 * Creates a planned folder and its README.md. `wx`: should the folder have appeared meanwhile with
 * a README of the trainee's, that file is theirs and stays.
 */
export function createExerciseFolder(plan: ExerciseFolderPlan): boolean {
  fs.mkdirSync(plan.dir, { recursive: true });
  try {
    fs.writeFileSync(path.join(plan.dir, "README.md"), plan.readme, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
