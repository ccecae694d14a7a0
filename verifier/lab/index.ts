/**
 * Lab mode: builds the lab offline, as `pulumi up` would for a stack's configuration, and checks
 * the specification's claims for one stage or all of them.
 */
import * as path from "path";
import { STAGES, Stage } from "../../config/keys";
import { analyze, Report } from "../analyze";
import { buildModel } from "../model";
import { addLabPeers, allowedSourceRanges, labObjects, readStackConfig, stageFrom, StackConfig } from "./stack";

export interface LabOptions {
  /** Read the configuration of `Pulumi.<stack>.yaml`; the project's defaults when absent. */
  stack?: string;
  /** The stage to check; the stack's configured stage when absent. */
  stage?: Stage;
  allStages: boolean;
}

const PROJECT_DIR = path.join(__dirname, "..", "..");

/** One report per stage asked for. */
export async function verifyLab(options: LabOptions, projectDir = PROJECT_DIR): Promise<Report[]> {
  const base: StackConfig = options.stack
    ? readStackConfig(projectDir, options.stack)
    : // No stack: the project's defaults, in a region as every stack has one (it changes no
      // Kubernetes object).
      { values: { "azure-native:location": "westeurope" }, secretKeys: [], placeholders: [] };
  const notes = base.placeholders.map(
    (key) => `${key} is encrypted in the stack file; the verifier used a placeholder`,
  );
  const configured = stageFrom(base.values["k8s-hardening-lab:stage"] ?? "zero-trust");
  const stages: Stage[] = options.allStages ? [...STAGES] : [options.stage ?? configured ?? "zero-trust"];
  const reports: Report[] = [];
  for (const stage of stages) {
    const config = { ...base, values: { ...base.values, "k8s-hardening-lab:stage": stage } };
    const { objects, gatekeeper } = await labObjects(config);
    const model = addLabPeers(buildModel(objects, [], gatekeeper), allowedSourceRanges(objects));
    reports.push(analyze(model, { stage, notes }));
  }
  return reports;
}
