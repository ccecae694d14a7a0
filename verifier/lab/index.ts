/**
 * Lab mode: builds the lab offline, as `pulumi up` would for a stack's configuration, and checks
 * the specification's claims for one stage or all of them.
 */
import * as path from "path";
import { STAGES, Stage, stageFrom } from "../../config/keys";
import { analyze, Report } from "../analyze";
import { buildModel, ClusterModel } from "../model";
import { addLabPeers, allowedSourceRanges, labObjects, readStackConfig, StackConfig } from "./stack";

export interface LabOptions {
  /** Read the configuration of `Pulumi.<stack>.yaml`; the project's defaults when absent. */
  stack?: string;
  /** The stage to check; the stack's configured stage when absent. */
  stage?: Stage;
  allStages: boolean;
}

export const PROJECT_DIR = path.join(__dirname, "..", "..");

/** The configuration of `Pulumi.<stack>.yaml`, or the project's defaults without a stack. */
export function readLabConfig(stack: string | undefined, projectDir = PROJECT_DIR): StackConfig {
  return stack
    ? readStackConfig(projectDir, stack)
    : // No stack: the project's defaults, in a region as every stack has one (it changes no
      // Kubernetes object).
      { values: { "azure-native:location": "westeurope" }, secretKeys: [], placeholders: [] };
}

/** The stage a configuration sets (zero-trust, the program's default, when it sets none). */
export function configuredStage(config: StackConfig): Stage {
  return stageFrom(config.values["k8s-hardening-lab:stage"] ?? "zero-trust") ?? "zero-trust";
}

/** The notes every report of a configuration carries. */
export function configNotes(config: StackConfig): string[] {
  return config.placeholders.map((key) => `${key} is encrypted in the stack file; the verifier used a placeholder`);
}

/** The lab of a configuration at a stage, with the peers the specification judges it with. */
export async function labModel(config: StackConfig, stage: Stage): Promise<ClusterModel> {
  const staged = { ...config, values: { ...config.values, "k8s-hardening-lab:stage": stage } };
  const { objects, gatekeeper } = await labObjects(staged);
  return addLabPeers(buildModel(objects, [], gatekeeper), allowedSourceRanges(objects));
}

/** One report per stage asked for. */
export async function verifyLab(options: LabOptions, projectDir = PROJECT_DIR): Promise<Report[]> {
  const config = readLabConfig(options.stack, projectDir);
  const stages: Stage[] = options.allStages ? [...STAGES] : [options.stage ?? configuredStage(config)];
  const reports: Report[] = [];
  for (const stage of stages) {
    reports.push(analyze(await labModel(config, stage), { stage, notes: configNotes(config) }));
  }
  return reports;
}
