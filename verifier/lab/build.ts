/**
 * Lab mode's lab: a stack's configuration read as the program would receive it, and the lab the
 * program builds from it at a stage (with the exercise the configuration names, if any).
 */
import * as path from "path";
import type { Exercise } from "../../config/exercise";
import { PROJECT, Stage, stageFrom } from "../../config/keys";
import { buildModel, ClusterModel } from "../model";
import { addLabPeers, allowedSourceRanges, labObjects, readStackConfig, StackConfig } from "./stack";

export const PROJECT_DIR = path.join(__dirname, "..", "..");

const STAGE_KEY = `${PROJECT}:stage`;
const EXERCISE_KEY = `${PROJECT}:exercise`;

/**
 * The configuration of `Pulumi.<stack>.yaml`, or the project's defaults without a stack; with
 * `exercise`, that folder in place of the stack's. An exercise is made absolute here, since the
 * program reads a relative one from its own folder, and the stack file's is relative to
 * `projectDir`.
 */
export function readLabConfig(stack: string | undefined, projectDir = PROJECT_DIR, exercise?: string): StackConfig {
  const config = stack
    ? readStackConfig(projectDir, stack)
    : // No stack: the project's defaults, in a region as every stack has one (it changes no
      // Kubernetes object).
      { values: { "azure-native:location": "westeurope" }, secretKeys: [], placeholders: [] };
  const folder = exercise ?? config.values[EXERCISE_KEY];
  if (folder) config.values[EXERCISE_KEY] = path.resolve(projectDir, folder);
  return config;
}

/** The exercise folder a configuration grades, if any (absolute, as readLabConfig makes it). */
export function exerciseFolder(config: StackConfig): string | undefined {
  return config.values[EXERCISE_KEY] || undefined;
}

/** The stage a configuration sets (zero-trust, the program's default, when it sets none). */
export function configuredStage(config: StackConfig): Stage {
  return stageFrom(config.values[STAGE_KEY] ?? "zero-trust") ?? "zero-trust";
}

/** The notes every report of a configuration carries. */
export function configNotes(config: StackConfig): string[] {
  return config.placeholders.map((key) => `${key} is encrypted in the stack file; the verifier used a placeholder`);
}

/** The lab of a configuration at a stage, and its exercise when it has one. */
export interface LabModel {
  /** The lab, with the peers the specification judges it with. */
  model: ClusterModel;
  /** The trainee's objects the lab was built with, in place of its own policies. */
  exercise?: Exercise;
}

/** The lab of a configuration at a stage, with the peers the specification judges it with. */
export async function labModel(config: StackConfig, stage: Stage): Promise<LabModel> {
  const staged = { ...config, values: { ...config.values, [STAGE_KEY]: stage } };
  const { objects, gatekeeper, exercise } = await labObjects(staged);
  const model = addLabPeers(buildModel(objects, [], gatekeeper), allowedSourceRanges(objects));
  return { model, ...(exercise ? { exercise } : {}) };
}
