/**
 * `status` and `outputs`: what the backend says about each trainee's stack, without changing it.
 * Both select existing stacks only, so neither creates one.
 */
import * as fs from "fs";
import * as path from "path";
import { StackNotFoundError, UpdateSummary } from "@pulumi/pulumi/automation";
import { PROJECT, stageFrom } from "../config/keys";
import { readStackConfig } from "../verifier/lab/stack";
import type { ClassStack, ClassWorkspace } from "./automation";
import type { ClusterAccess } from "./grade";
import { columns } from "./display";
import { pool } from "./pool";
import { firstErrorLine, isDone } from "./runner";

/** Where `outputs` writes the trainees' kubeconfigs, beside Pulumi.yaml; .gitignore ignores it. */
export const KUBECONFIG_DIR = "kubeconfigs";

export async function selectOrUndefined(workspace: ClassWorkspace, trainee: string): Promise<ClassStack | undefined> {
  try {
    return await workspace.selectStack(trainee);
  } catch (error) {
    if (error instanceof StackNotFoundError) return undefined;
    throw error;
  }
}

export interface StatusRow {
  trainee: string;
  stage: string;
  lastUpdate: string;
  result: string;
  upToDate: string;
}

export async function classStatus(
  projectDir: string,
  trainees: string[],
  workspace: ClassWorkspace,
  concurrency: number,
  upMessage: (trainee: string) => string,
): Promise<{ rows: StatusRow[]; text: string }> {
  const rows = await pool(trainees, concurrency, async (trainee): Promise<StatusRow> => {
    const configured = readStackConfig(projectDir, trainee).values[`${PROJECT}:stage`] ?? "zero-trust";
    const stage = stageFrom(configured) ?? configured;
    try {
      const stack = await selectOrUndefined(workspace, trainee);
      if (!stack) return { trainee, stage, lastUpdate: "no stack yet", result: "", upToDate: "no: run up" };
      const [last] = await stack.history(1, 1, false);
      if (!last) return { trainee, stage, lastUpdate: "none", result: "", upToDate: "no: run up" };
      return {
        trainee,
        stage,
        lastUpdate: describe(last),
        result: last.result,
        upToDate: isDone("up", last, upMessage(trainee))
          ? "yes"
          : last.kind === "destroy" && last.result === "succeeded"
            ? "no: destroyed"
            : "no: run up",
      };
    } catch (error) {
      return { trainee, stage, lastUpdate: "unknown", result: firstErrorLine(undefined, error, trainee), upToDate: "" };
    }
  });
  const text = columns([
    ["trainee", "stage", "last update", "result", "up to date"],
    ...rows.map((r) => [r.trainee, r.stage, r.lastUpdate, r.result, r.upToDate]),
  ]).join("\n");
  return { rows, text: `${text}\n` };
}

function describe(update: UpdateSummary): string {
  const when = new Date(update.endTime ?? update.startTime).toISOString().slice(0, 16).replace("T", " ");
  return `${update.kind} ${update.version}, ${when} UTC`;
}

export interface OutputRow {
  trainee: string;
  /** The kubeconfig written, relative to the project; undefined when there was none. */
  kubeconfig?: string;
  phpMyAdmin: string;
}

/**
 * Writes each trainee's kubeconfig to kubeconfigs/<trainee>.yaml, readable by its owner only (it
 * holds the cluster's user credentials), and says how each trainee reaches phpMyAdmin.
 */
export async function classOutputs(
  projectDir: string,
  trainees: string[],
  workspace: ClassWorkspace,
  concurrency: number,
): Promise<{ rows: OutputRow[]; text: string; failed: boolean }> {
  const dir = path.join(projectDir, KUBECONFIG_DIR);
  let failed = false;
  const rows = await pool(trainees, concurrency, async (trainee): Promise<OutputRow> => {
    try {
      const stack = await selectOrUndefined(workspace, trainee);
      if (!stack) return { trainee, phpMyAdmin: "no stack yet: run up first" };
      const outputs = await stack.outputs();
      const kubeconfig = outputs.kubeconfig?.value as unknown;
      if (typeof kubeconfig !== "string" || kubeconfig === "") {
        return { trainee, phpMyAdmin: "no outputs: the stack has not been up (or was destroyed)" };
      }
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${trainee}.yaml`);
      writePrivate(file, kubeconfig);
      return {
        trainee,
        kubeconfig: path.join(KUBECONFIG_DIR, `${trainee}.yaml`),
        phpMyAdmin: String(outputs.phpMyAdmin?.value ?? "no phpMyAdmin output"),
      };
    } catch (error) {
      failed = true;
      return { trainee, phpMyAdmin: `failed: ${firstErrorLine(undefined, error, trainee)}` };
    }
  });
  const table = columns([
    ["trainee", "kubeconfig", "phpMyAdmin"],
    ...rows.map((r) => [r.trainee, r.kubeconfig ?? "-", r.phpMyAdmin]),
  ]).join("\n");
  const hint =
    "Each trainee: export KUBECONFIG=$PWD/kubeconfigs/<trainee>.yaml, then the phpMyAdmin line; sign in as root\n" +
    "with the password of `pulumi stack output --show-secrets mysqlRootPassword --stack <trainee>`.";
  return { rows, text: `${table}\n\n${hint}\n`, failed };
}

/** Writes a file only its owner can read, whatever mode an older copy had. */
function writePrivate(file: string, text: string): void {
  const fd = fs.openSync(file, "w", 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, text.endsWith("\n") ? text : `${text}\n`);
  } finally {
    fs.closeSync(fd);
  }
}

/** A trainee's cluster for live grading: the stack's kubeconfig output, or why there is none. */
export async function stackCluster(workspace: ClassWorkspace, trainee: string): Promise<ClusterAccess> {
  try {
    const stack = await selectOrUndefined(workspace, trainee);
    if (!stack) return { problem: "no stack yet: run up first" };
    const kubeconfig = (await stack.outputs()).kubeconfig?.value as unknown;
    if (typeof kubeconfig !== "string" || kubeconfig === "") {
      return { problem: "no kubeconfig output: the stack has not been up (or was destroyed)" };
    }
    return { kubeconfig };
  } catch (error) {
    return { problem: `the stack cannot be read: ${firstErrorLine(undefined, error, trainee)}` };
  }
}

/** The stack outputs the lab marks secret by name, kept off the trainer's page even unmarked. */
const SECRET_OUTPUTS = ["kubeconfig", "mysqlRootPassword"];

/** What the backend says about a trainee's stack, for the trainer's page: never a secret. */
export interface StackState {
  /** `update 3, 2026-01-06 09:00 UTC`, "no stack yet", "none", or why it cannot be read. */
  lastUpdate: string;
  /** The last update's result (succeeded, failed, ...), when there is one. */
  result?: string;
  /** The outputs that are not secret, by name, as text. */
  outputs: Record<string, string>;
  /** The outputs left out as secret, by name (their names only). */
  secretOutputs: string[];
}

/**
 * A trainee's stack as the backend has it: its last update and its outputs, less every output the
 * backend marks secret and those the lab makes secret (kubeconfig, mysqlRootPassword), whose
 * values never leave this function.
 */
export async function stackState(workspace: ClassWorkspace, trainee: string): Promise<StackState> {
  try {
    const stack = await selectOrUndefined(workspace, trainee);
    if (!stack) return { lastUpdate: "no stack yet", outputs: {}, secretOutputs: [] };
    const [last] = await stack.history(1, 1, false);
    const outputs: Record<string, string> = {};
    const secretOutputs: string[] = [];
    for (const [name, output] of Object.entries(await stack.outputs())) {
      if (output.secret || SECRET_OUTPUTS.includes(name)) secretOutputs.push(name);
      else outputs[name] = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
    }
    return {
      lastUpdate: last ? describe(last) : "none",
      ...(last ? { result: last.result } : {}),
      outputs,
      secretOutputs: secretOutputs.sort(),
    };
  } catch (error) {
    return {
      lastUpdate: `cannot be read: ${firstErrorLine(undefined, error, trainee)}`,
      outputs: {},
      secretOutputs: [],
    };
  }
}
