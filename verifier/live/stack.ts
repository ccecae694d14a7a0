/**
 * `verify --live --stack NAME`: the cluster is the stack's, and its kubeconfig is the stack's
 * `kubeconfig` output (a secret), read through Pulumi's Automation API, which runs the Pulumi CLI.
 * Kept to the two calls it needs; the Automation API is passed in, so that tests hand it a
 * stand-in of the same shape.
 */
import { VerifyInputError } from "../model";

/** The part of `@pulumi/pulumi/automation` this module uses, by shape. */
export interface AutomationApi {
  PulumiCommand: { get(options?: { skipVersionCheck?: boolean }): Promise<unknown> };
  LocalWorkspace: {
    selectStack(
      args: { stackName: string; workDir: string },
      options?: { pulumiCommand?: any },
    ): Promise<{ outputs(): Promise<Record<string, { value: unknown; secret?: boolean }>> }>;
  };
}

export const INSTALL_PULUMI = "https://www.pulumi.com/docs/iac/download-install/";

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split("\n")[0];

/**
 * The Pulumi CLI, for the Automation API; bad input (exit 2) when it does not run, saying what
 * needed it and how to get it.
 */
export async function findPulumi(api: AutomationApi, purpose: string, instead = ""): Promise<unknown> {
  try {
    // The CLI's version is the user's business: the Automation API's minimum is checked by the CLI.
    return await api.PulumiCommand.get({ skipVersionCheck: true });
  } catch (error) {
    // The Automation API's CommandError leads with "code: -2"; the cause is further down.
    const missing = /spawn \S+ ENOENT/.exec(String((error as Error)?.message));
    const why = missing ? `${missing[0]}: no pulumi command on the PATH` : firstLine(error);
    throw new VerifyInputError([
      `${purpose} needs the Pulumi CLI, which did not run (${why}); install it (${INSTALL_PULUMI})${instead}`,
    ]);
  }
}

/** The stack's kubeconfig output; bad input (exit 2) when it cannot be had, saying why. */
export async function stackKubeconfig(stack: string, projectDir: string, automation?: AutomationApi): Promise<string> {
  const api: AutomationApi = automation ?? (await import("@pulumi/pulumi/automation"));
  const pulumiCommand = await findPulumi(
    api,
    `--stack ${stack}: reading the stack's kubeconfig output`,
    ", or give the cluster with --kubeconfig FILE",
  );
  let outputs: Record<string, { value: unknown }>;
  try {
    const selected = await api.LocalWorkspace.selectStack({ stackName: stack, workDir: projectDir }, { pulumiCommand });
    outputs = await selected.outputs();
  } catch (error) {
    throw new VerifyInputError([`--stack ${stack}: cannot read the stack's outputs: ${firstLine(error)}`]);
  }
  const kubeconfig = outputs.kubeconfig?.value;
  if (typeof kubeconfig !== "string" || kubeconfig.trim() === "") {
    throw new VerifyInputError([
      `--stack ${stack}: the stack has no kubeconfig output; run pulumi up first, or give the cluster with --kubeconfig FILE`,
    ]);
  }
  return kubeconfig;
}
