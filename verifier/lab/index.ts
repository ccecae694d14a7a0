/**
 * Lab mode: builds the lab offline, as `pulumi up` would for a stack's configuration, and checks
 * the specification's claims for one stage or all of them.
 */
import { STAGES, Stage } from "../../config/keys";
import { analyzeJudged, Report } from "../analyze";
import { VerifyInputError } from "../model";
import { configNotes, configuredStage, exerciseFolder, labModel, PROJECT_DIR, readLabConfig } from "./build";
import { exerciseReport } from "./grade";

export {
  configNotes,
  configuredStage,
  exerciseFolder,
  labModel,
  PROJECT_DIR,
  readLabConfig,
  type LabModel,
} from "./build";

export interface LabOptions {
  /** Read the configuration of `Pulumi.<stack>.yaml`; the project's defaults when absent. */
  stack?: string;
  /** The stage to check; the stack's configured stage when absent. */
  stage?: Stage;
  allStages: boolean;
  /**
   * An exercise folder to grade, in place of the stack's `exercise` (absolute, or relative to
   * the project); with one, or with a stack that sets one, the report is graded.
   */
  exercise?: string;
}

/** One report per stage asked for; a graded one for an exercise. */
export async function verifyLab(options: LabOptions, projectDir = PROJECT_DIR): Promise<Report[]> {
  const config = readLabConfig(options.stack, projectDir, options.exercise);
  if (exerciseFolder(config) !== undefined) {
    if (options.allStages) {
      throw new VerifyInputError([
        `--all-stages: an exercise is graded at one stage${options.stack ? ` (Pulumi.${options.stack}.yaml sets exercise)` : ""}; give --stage S, or none for the stack's own`,
      ]);
    }
    return [await exerciseReport(config, options.stage ?? configuredStage(config))];
  }
  const stages: Stage[] = options.allStages ? [...STAGES] : [options.stage ?? configuredStage(config)];
  const reports: Report[] = [];
  for (const stage of stages) {
    const { model } = await labModel(config, stage);
    reports.push(await analyzeJudged(model, { stage, notes: configNotes(config) }));
  }
  return reports;
}
