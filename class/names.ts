/**
 * How Pulumi names a stack and the settings file it reads for it, beside Pulumi.yaml. The roster,
 * init, `up`'s fingerprints and the pull-request workflow all go through here.
 */

/** Pulumi's own rule for a stack name (pkg/backend: `^[A-Za-z0-9_.-]{1,100}$`, no slash). */
export const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** `Pulumi.<stack>.yaml`, the stack's settings file. */
export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** The stack a top-level file is the settings file of, or undefined (Pulumi.yaml is the project's). */
export function stackOfFile(file: string): string | undefined {
  const stack = /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1];
  return stack !== undefined && STACK_NAME.test(stack) ? stack : undefined;
}
