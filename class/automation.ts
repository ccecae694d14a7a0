/**
 * The one boundary of the class command to the outside: Pulumi's Automation API, which drives the
 * real Pulumi CLI on this project (workDir = the folder of Pulumi.yaml), one stack per trainee.
 *
 * The runner only sees `ClassWorkspace`, the slice of the Automation API it uses, so the tests can
 * hand it a stand-in with the same shape (tests/class/fake-automation.ts); this file is the only
 * implementation shipped.
 */
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

/** The methods of an Automation API stack the class command calls. */
export type ClassStack = Pick<
  Stack,
  "name" | "up" | "preview" | "refresh" | "destroy" | "cancel" | "history" | "outputs"
>;

export interface ClassWorkspace {
  /** Selects the stack, creating it in the backend when it does not exist yet (preview and up). */
  createOrSelectStack(name: string): Promise<ClassStack>;
  /** Selects an existing stack; rejects with the Automation API's StackNotFoundError otherwise. */
  selectStack(name: string): Promise<ClassStack>;
}

/** The Pulumi CLI cannot be run: a class command other than init cannot do anything. */
export class PulumiCliMissing extends Error {}

export const INSTALL_HINT =
  "install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/iac/download-install/), open a new shell so that `pulumi` is on PATH, and run the command again; `init` needs no CLI";

/**
 * Finds the Pulumi CLI as the Automation API does (`PulumiCommand.get()`: `pulumi version` on
 * PATH, and at least the version this SDK needs) and returns the workspace factory over it.
 */
export async function automationWorkspace(projectDir: string): Promise<ClassWorkspace> {
  let pulumiCommand: PulumiCommand;
  try {
    pulumiCommand = await PulumiCommand.get();
  } catch (error) {
    throw new PulumiCliMissing(`the Pulumi CLI cannot be run (${cliProblem(error)}); ${INSTALL_HINT}`);
  }
  const options = { pulumiCommand };
  return {
    createOrSelectStack: (name) =>
      LocalWorkspace.createOrSelectStack({ stackName: name, workDir: projectDir }, options),
    selectStack: (name) => LocalWorkspace.selectStack({ stackName: name, workDir: projectDir }, options),
  };
}

/** The cause in one line: "spawn pulumi ENOENT", or the version check's own words. */
export function cliProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const spawn = /spawn \S+ (E[A-Z]+)/.exec(message);
  if (spawn) return spawn[1] === "ENOENT" ? "`pulumi` is not on PATH" : `\`pulumi version\` failed: ${spawn[0]}`;
  return (
    message
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}
