/**
 * The Gatekeeper chart as the lab installs it, for the kind workflow's `helm template` step:
 *
 * - `versions`: the oldest chart the configuration accepts and the default, the two rendered;
 * - `values VERSION`: the values the program gives the Release with `gatekeeperVersion` VERSION,
 *   captured under the mock runtime as `pulumi up` would send them, as JSON (which helm reads as
 *   YAML, with no scalar left to interpretation);
 * - `check VERSION FILE`: reads what `helm template` rendered from those values and checks the
 *   flags and selectors the verifier's model of that install (installFromChart) stands on: the
 *   generating pod's `--sync-vap-enforcement-scope` (so the generated policies take the webhook's
 *   scope), its VAP flags, both pods' `--exempt-namespace`, and the webhook's rules and
 *   namespaceSelector. Exit status 1 names every difference; 2 is bad input.
 */
import * as fs from "fs";
import { isDeepStrictEqual } from "util";
import { LabConfigError } from "../config";
import { DEFAULT_GATEKEEPER_VERSION, MIN_GATEKEEPER_VERSION } from "../config/keys";
import { GATEKEEPER_WEBHOOK, installFromChart } from "../verifier/admission/enforcement";
import { runCommand } from "../verifier/command";
import { loadKubeYaml } from "../verifier/kube/yaml";
import { captureLab, labConfig } from "../verifier/lab/capture";

type Values = Record<string, any>;
type KubeObject = Record<string, any>;

/** The values of the lab's Gatekeeper Release for a chart version. */
export async function releaseValues(version: string): Promise<Values> {
  const capture = await captureLab({ config: labConfig({ gatekeeperVersion: version }), secretKeys: [] });
  if (capture.error) throw capture.error;
  const release = capture.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
  if (release === undefined) throw new Error("the lab registers no Helm release");
  return release.inputs.values as Values;
}

const argsOf = (deployment: KubeObject): string[] =>
  (deployment.spec?.template?.spec?.containers ?? []).flatMap((c: KubeObject) => (c.args ?? []) as string[]);

/** What does not match between a rendered chart and the install the verifier models for it; empty when all does. */
export function checkRendered(version: string, values: Values, rendered: KubeObject[]): string[] {
  const install = installFromChart(version, values, "the check");
  const problems: string[] = [];
  const deployments = rendered.filter((o) => o?.kind === "Deployment");
  const withOperation = (operation: string) => deployments.find((d) => argsOf(d).includes(`--operation=${operation}`));
  const generator = withOperation("generate");
  const webhook = withOperation("webhook");
  if (generator === undefined) problems.push("no Deployment runs --operation=generate");
  if (webhook === undefined) problems.push("no Deployment runs --operation=webhook");
  if (generator === undefined || webhook === undefined) return problems;
  const name = (d: KubeObject) => `Deployment ${d.metadata?.name}`;
  const expectArg = (d: KubeObject, arg: string, present: boolean) => {
    if (argsOf(d).includes(arg) !== present) problems.push(`${name(d)}: ${arg} is ${present ? "missing" : "there"}`);
  };

  if (!install.vapScope) {
    problems.push(
      `the verifier's model of Gatekeeper ${version} with these values has policies without the webhook's scope`,
    );
  }
  const scopeArgs = argsOf(generator).filter((a) => a.startsWith("--sync-vap-enforcement-scope"));
  const wanted =
    typeof values.syncVAPEnforcementScope === "boolean"
      ? [`--sync-vap-enforcement-scope=${values.syncVAPEnforcementScope}`]
      : [];
  if (!isDeepStrictEqual(scopeArgs, wanted)) {
    problems.push(
      `${name(generator)}: --sync-vap-enforcement-scope: expected ${wanted.length > 0 ? wanted[0] : "none (the chart's default)"}, rendered ${scopeArgs.length > 0 ? scopeArgs.join(" ") : "none"}`,
    );
  }
  expectArg(generator, `--default-create-vap-for-templates=${install.vapForTemplates}`, true);
  expectArg(generator, `--default-create-vap-binding-for-constraints=${install.vapBindings}`, true);
  for (const namespace of (values.controllerManager?.exemptNamespaces ?? []) as string[]) {
    expectArg(generator, `--exempt-namespace=${namespace}`, true);
    expectArg(webhook, `--exempt-namespace=${namespace}`, true);
  }

  const configuration = rendered.find((o) => o?.kind === "ValidatingWebhookConfiguration");
  const validation = (configuration?.webhooks ?? []).find((w: KubeObject) => w.name === GATEKEEPER_WEBHOOK);
  if (validation === undefined) {
    problems.push(`no ValidatingWebhookConfiguration has the webhook ${GATEKEEPER_WEBHOOK}`);
    return problems;
  }
  const left = ((validation.namespaceSelector?.matchExpressions ?? []) as KubeObject[])
    .filter((e) => e.key === "kubernetes.io/metadata.name" && e.operator === "NotIn")
    .flatMap((e) => e.values as string[]);
  const notLeft = install.exemptNamespaces.filter((n) => !left.includes(n));
  if (notLeft.length > 0) {
    problems.push(`${GATEKEEPER_WEBHOOK}: the namespaceSelector does not leave out ${notLeft.join(", ")}`);
  }
  if (!isDeepStrictEqual(validation.rules, install.webhookRules)) {
    problems.push(
      `${GATEKEEPER_WEBHOOK}: rules ${JSON.stringify(validation.rules)}, expected ${JSON.stringify(install.webhookRules)}`,
    );
  }
  return problems;
}

const USAGE = "usage: tsx scripts/gatekeeper-chart.ts versions | values VERSION | check VERSION RENDERED.yaml\n";

export async function main(
  argv: string[],
  out: (text: string) => void | Promise<void>,
  err: (text: string) => void,
): Promise<number> {
  const [command, version, file] = argv;
  if (command === "versions" && argv.length === 1) {
    await out(`${MIN_GATEKEEPER_VERSION} ${DEFAULT_GATEKEEPER_VERSION}\n`);
    return 0;
  }
  if (!((command === "values" && argv.length === 2) || (command === "check" && argv.length === 3))) {
    err(USAGE);
    return 2;
  }
  let values: Values;
  try {
    values = await releaseValues(version);
  } catch (error) {
    if (!(error instanceof LabConfigError)) throw error;
    err(`${error.message}\n`);
    return 2;
  }
  if (command === "values") {
    await out(`${JSON.stringify(values, null, 2)}\n`);
    return 0;
  }
  let rendered: KubeObject[];
  try {
    rendered = loadKubeYaml(fs.readFileSync(file, "utf8")) as KubeObject[];
  } catch (error) {
    err(`${file}: ${(error as Error).message.split("\n")[0]}\n`);
    return 2;
  }
  const problems = checkRendered(version, values, rendered);
  if (problems.length > 0) {
    err(
      `${file}: the chart ${version} does not render as the verifier models it:\n${problems.map((p) => `  ${p}\n`).join("")}`,
    );
    return 1;
  }
  await out(`${file}: the chart ${version} renders as the verifier models it\n`);
  return 0;
}

if (require.main === module) runCommand("gatekeeper-chart", main);
