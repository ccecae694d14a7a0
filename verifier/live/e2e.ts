/**
 * `npm run e2e -- --kubeconfig FILE`: the real lab walked stage by stage on any cluster, through
 * Pulumi's Automation API (which runs the Pulumi CLI): for each stage in order, `pulumi up` in
 * bring-your-own-cluster mode, then `verify --live` against that stage's prediction, then
 * `pulumi destroy`. What the kind workflow (.github/workflows/e2e-kind.yml) runs, and what a
 * trainer runs by hand on a local kind cluster (README, "End to end on kind").
 *
 * Each stage's output goes to the console and to --logs: `N-STAGE-up.log`, `N-STAGE-verify.txt`,
 * `N-STAGE-probes.jsonl` (every request and probe of the live run), `N-STAGE-destroy.log`.
 * Exit status: 0 when every stage deployed, matched its prediction and was destroyed; 1 otherwise
 * (the walk goes on to the next stage, so that one run shows every stage); 2 for bad input.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT, STAGES, type Stage, stageFrom } from "../../config/keys";
import { flags, runCommand } from "../command";
import { PROJECT_DIR } from "../lab";
import { VerifyInputError } from "../model";
import { findPulumi, type AutomationApi } from "./stack";

export const E2E_USAGE = `usage: npm run e2e -- --kubeconfig FILE [options]

Walks the lab on the cluster of FILE, for each stage in order: pulumi up (bring-your-own-cluster
mode), verify --live, pulumi destroy. Needs the Pulumi CLI.
  --kubeconfig FILE   the cluster (its network plugin must enforce NetworkPolicy)
  --stack NAME        the stack to deploy with (default: e2e); removed at the end
  --stages LIST       the stages to walk, comma-separated (default: all five, in order)
  --logs DIR          where each stage's output goes (default: e2e-logs)
  --help              this text

Without PULUMI_BACKEND_URL, the state goes to a local backend in a temporary folder, its secrets
under a passphrase made for the walk; with it, PULUMI_CONFIG_PASSPHRASE must be set too.
`;

export interface E2eOptions {
  kubeconfig: string;
  stack: string;
  stages: Stage[];
  logs: string;
  help: boolean;
}

/** Parses the arguments; every problem at once, as bad input. */
export function parseE2eArgs(argv: string[]): E2eOptions {
  const options: Partial<E2eOptions> & { help: boolean } = { help: false };
  const problems: string[] = [];
  for (const { flag, value } of flags(argv, problems)) {
    switch (flag) {
      case "--kubeconfig":
        options.kubeconfig = value();
        break;
      case "--stack": {
        const v = value();
        if (v !== undefined && !/^[A-Za-z0-9_.-]+$/.test(v)) {
          problems.push(`--stack: "${v}" is not accepted; expected letters, digits, "_", "." and "-"`);
        } else options.stack = v;
        break;
      }
      case "--stages": {
        const v = value();
        if (v === undefined) break;
        const stages = v.split(",").map((s) => s.trim());
        const unknown = stages.filter((s) => stageFrom(s) === undefined);
        if (unknown.length > 0) {
          problems.push(
            `--stages: ${unknown.map((s) => `"${s}"`).join(", ")} is not a stage; expected ${STAGES.join(", ")}, or 1 to 5`,
          );
        } else options.stages = stages.map((s) => stageFrom(s)!);
        break;
      }
      case "--logs":
        options.logs = value();
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      default:
        problems.push(`${flag}: unknown option; see --help`);
    }
  }
  if (!options.help && options.kubeconfig === undefined && !problems.some((p) => p.startsWith("--kubeconfig"))) {
    problems.push("--kubeconfig: required; the cluster to walk the lab on");
  }
  if (options.kubeconfig !== undefined && !fs.existsSync(options.kubeconfig)) {
    problems.push(`--kubeconfig: cannot read ${options.kubeconfig}: no such file`);
  }
  if (problems.length > 0) throw new VerifyInputError(problems);
  return {
    kubeconfig: options.kubeconfig ?? "",
    stack: options.stack ?? "e2e",
    stages: options.stages ?? [...STAGES],
    logs: options.logs ?? "e2e-logs",
    help: options.help,
  };
}

/** The part of the Automation API the walk uses, by shape (tests hand it a stand-in). */
export interface E2eAutomationApi extends AutomationApi {
  LocalWorkspace: AutomationApi["LocalWorkspace"] & {
    createOrSelectStack(
      args: { stackName: string; workDir: string },
      options?: { pulumiCommand?: any; envVars?: Record<string, string> },
    ): Promise<E2eStack>;
  };
}

interface E2eStack {
  setConfig(key: string, value: { value: string; secret?: boolean }): Promise<void>;
  up(options?: { onOutput?: (out: string) => void }): Promise<unknown>;
  destroy(options?: { onOutput?: (out: string) => void }): Promise<unknown>;
  workspace: { removeStack(stackName: string): Promise<void> };
}

/** Runs `verify --live` for a stage; its exit status. */
export type VerifyStage = (stage: Stage, logs: { report: string; probes: string }) => Promise<number>;

/** `npm run verify -- --live …` as a child process, its output to the console and to the report file. */
export function verifyCommand(kubeconfig: string, out: (text: string) => void): VerifyStage {
  return (stage, logs) =>
    new Promise((resolve, reject) => {
      const args = [
        "--import",
        "tsx",
        path.join(PROJECT_DIR, "verifier", "cli.ts"),
        ...verifyArgs(kubeconfig, stage, logs.probes),
      ];
      const child = spawn(process.execPath, args, { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] });
      const report = fs.createWriteStream(logs.report);
      for (const stream of [child.stdout, child.stderr]) {
        stream.on("data", (chunk: Buffer) => {
          report.write(chunk);
          out(chunk.toString());
        });
      }
      child.on("error", reject);
      child.on("exit", (status) => report.end(() => resolve(status ?? 1)));
    });
}

/** The verify arguments for a stage: what a person would type after `npm run verify --`. */
export function verifyArgs(kubeconfig: string, stage: Stage, probeLog: string): string[] {
  return ["--live", "--kubeconfig", kubeconfig, "--stage", stage, "--probe-log", probeLog];
}

/** The environment the Pulumi CLI runs with: the caller's backend, or a local one of the walk's own. */
export function backendEnv(env: NodeJS.ProcessEnv, tmp = os.tmpdir()): Record<string, string> {
  if (env.PULUMI_BACKEND_URL) {
    if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
      throw new VerifyInputError([
        "PULUMI_BACKEND_URL is set but PULUMI_CONFIG_PASSPHRASE is not: the stack's kubeconfig is a secret, encrypted with it",
      ]);
    }
    return {};
  }
  const state = fs.mkdtempSync(path.join(tmp, "k8s-hardening-lab-e2e-state-"));
  // A throwaway backend, and a passphrase made for it: nothing encrypted with it outlives the walk.
  return {
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE ?? randomBytes(24).toString("base64url"),
  };
}

/** The walk; its exit status. */
export async function walk(
  options: E2eOptions,
  api: E2eAutomationApi,
  verifyStage: VerifyStage,
  out: (text: string) => void,
  backend: () => Record<string, string>,
): Promise<number> {
  const pulumiCommand = await findPulumi(api, "npm run e2e: deploying the lab");
  const envVars = backend();
  fs.mkdirSync(options.logs, { recursive: true });
  const stack = await api.LocalWorkspace.createOrSelectStack(
    { stackName: options.stack, workDir: PROJECT_DIR },
    { pulumiCommand, envVars },
  );
  await stack.setConfig(`${PROJECT}:kubeconfig`, { value: fs.readFileSync(options.kubeconfig, "utf8"), secret: true });
  const summary: string[] = [];
  for (const stage of options.stages) {
    const n = STAGES.indexOf(stage) + 1;
    const file = (suffix: string) => path.join(options.logs, `${n}-${stage}-${suffix}`);
    const step = async (name: string, action: (onOutput: (text: string) => void) => Promise<unknown>) => {
      out(`== stage ${n} ${stage}: ${name}\n`);
      const log = fs.createWriteStream(file(`${name.split(" ")[1] ?? name}.log`));
      const onOutput = (text: string) => {
        log.write(text);
        out(text);
      };
      try {
        await action(onOutput);
        return "ok";
      } catch (error) {
        // The Automation API's CommandError leads with "code: N"; the CLI's own error is further down.
        const message = String((error as Error)?.message ?? error);
        const cause = /error: .*/.exec(message)?.[0] ?? message.split("\n")[0];
        onOutput(`${name} failed: ${message}\n`);
        return `failed (${cause})`;
      } finally {
        await new Promise<void>((resolve) => log.end(() => resolve()));
      }
    };
    await stack.setConfig(`${PROJECT}:stage`, { value: stage });
    const up = await step("pulumi up", (onOutput) => stack.up({ onOutput }));
    let verified = "not run, as pulumi up failed";
    if (up === "ok") {
      out(`== stage ${n} ${stage}: verify --live\n`);
      const status = await verifyStage(stage, { report: file("verify.txt"), probes: file("probes.jsonl") });
      verified =
        status === 0
          ? "every claim observed as predicted"
          : status === 1
            ? "a claim observed otherwise, or not probed (see the report)"
            : `exit status ${status}`;
      if (status !== 0) verified = `FAILED: ${verified}`;
    }
    const destroyed = await step("pulumi destroy", (onOutput) => stack.destroy({ onOutput }));
    summary.push(`stage ${n} ${stage}: pulumi up ${up}; verify --live: ${verified}; pulumi destroy ${destroyed}`);
  }
  await stack.workspace.removeStack(options.stack);
  out(`\n== summary\n${summary.map((line) => `${line}\n`).join("")}`);
  fs.writeFileSync(path.join(options.logs, "summary.txt"), summary.map((line) => `${line}\n`).join(""));
  const failed = summary.filter(
    (line) => !/pulumi up ok; verify --live: every claim observed as predicted; pulumi destroy ok$/.test(line),
  );
  return failed.length > 0 ? 1 : 0;
}

/** Runs the command; its exit status. */
export async function main(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  try {
    const options = parseE2eArgs(argv);
    if (options.help) {
      out(E2E_USAGE);
      return 0;
    }
    const api: E2eAutomationApi = await import("@pulumi/pulumi/automation");
    const kubeconfig = path.resolve(options.kubeconfig);
    let own: string | undefined;
    const backend = () => {
      const env = backendEnv(process.env);
      if (env.PULUMI_BACKEND_URL !== undefined) own = env.PULUMI_BACKEND_URL.slice("file://".length);
      return env;
    };
    try {
      return await walk({ ...options, kubeconfig }, api, verifyCommand(kubeconfig, out), out, backend);
    } finally {
      // The walk's own backend holds nothing once its stack is removed.
      if (own !== undefined) fs.rmSync(own, { recursive: true, force: true });
    }
  } catch (error) {
    if (error instanceof VerifyInputError) {
      err(`e2e: bad input:\n${error.problems.map((p) => `  ${p}`).join("\n")}\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) runCommand("e2e", main);
