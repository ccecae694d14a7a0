import * as pulumi from "@pulumi/pulumi";
import { allConfig } from "@pulumi/pulumi/runtime/config";
import { LabSettings, parseLabConfig } from "./parse";

export { CONFIG_KEYS, PROJECT, STAGES } from "./keys";
export type { Stage } from "./keys";
export type { Exercise, ExerciseObject } from "./exercise";
export { parseLabConfig, PROJECT_ROOT } from "./parse";
export type { LabSettings, RawConfig } from "./parse";

// Internal to the SDK (untyped), but the only way to know whether a value was set with --secret;
// the version is pinned and tests/config.test.ts covers it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** A configuration the lab refuses. RunError makes Pulumi print the message without a stack trace. */
export class LabConfigError extends pulumi.RunError {
  /** Every problem, one line each, as the message lists them. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `the stack's configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.problems = problems;
  }
}

/** The validated settings, with the secrets wrapped as secret Outputs. */
export interface LabConfig extends Omit<LabSettings, "kubeconfig" | "mysqlRootPassword"> {
  kubeconfig?: pulumi.Output<string>;
  mysqlRootPassword?: pulumi.Output<string>;
}

/**
 * Reads and validates the stack's configuration, once, before any resource is registered. All
 * problems are reported together; warnings go to the Pulumi log.
 */
export function loadLabConfig(): LabConfig {
  const values = allConfig();
  const secretKeys = new Set(Object.keys(values).filter((key) => runtimeConfig.isConfigSecret(key)));
  const { settings, problems, warnings } = parseLabConfig({
    values,
    secretKeys,
    armLocation: process.env.ARM_LOCATION,
  });
  for (const warning of warnings) void pulumi.log.warn(warning);
  if (!settings) throw new LabConfigError(problems);
  const { kubeconfig, mysqlRootPassword, ...rest } = settings;
  return {
    ...rest,
    kubeconfig: kubeconfig === undefined ? undefined : pulumi.secret(kubeconfig),
    mysqlRootPassword: mysqlRootPassword === undefined ? undefined : pulumi.secret(mysqlRootPassword),
  };
}
