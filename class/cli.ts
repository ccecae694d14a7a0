/**
 * `npm run class -- <command> [options]`: one command for a whole class, one stack per trainee.
 *
 * Exit status: 0 when every trainee's stack did what was asked (or had done it already); 1 when
 * one failed or was cancelled (the summary names it; the same command again retries only what
 * is not done); 2 when nothing was run: bad flags, a bad roster, `up` after the course's end,
 * stack files out of date, no Pulumi CLI, a class that cannot fit the region's vCPU quota, or for
 * `affected` a base that is not a commit; 130 after Ctrl-C. `grade`: 0 when every trainee meets
 * their stage, 1 when one does not (an unmet claim, a refused exercise, no cluster to grade live),
 * 3 when none of those but some claim could not be judged. 70 for an error it did not expect.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseNodeArgs } from "util";
import { Affected, affectedSince, GitError } from "./affected";
import { automationWorkspace, ClassWorkspace, PulumiCliMissing } from "./automation";
import { AzureCli, checkCapacity, clusterNeeds } from "./capacity";
import { courseLine, endedRefusal, hasEnded } from "./course";
import { duration, Output, ProgressDisplay, summary } from "./display";
import { gradeClass, gradeExitStatus, gradeTable, type LiveGrading } from "./grade";
import { createExerciseFolder, planExerciseFolders } from "./exercise-folders";
import { classOutputs, classStatus, stackCluster } from "./inspect";
import { configFingerprint, programFingerprint, upMessage } from "./program";
import { classReport, REPORT_DIR } from "./report";
import { readRoster, type Roster, RosterTrainee } from "./roster";
import { RUN_COMMANDS, RunCommand, runClass } from "./runner";
import { outOfDate, planStackFiles } from "./stack-files";
import { INTERNAL_ERROR_STATUS } from "../verifier/command";

export const COMMANDS = ["init", ...RUN_COMMANDS, "status", "outputs", "grade", "report", "affected"] as const;
export type Command = (typeof COMMANDS)[number];

export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 50;

export const USAGE = `usage: npm run class -- <command> [--roster FILE] [--only NAMES] [--concurrency N]

Commands, for every trainee of the roster:
  init       write Pulumi.<trainee>.yaml from the roster (needs no Pulumi CLI); keys the
             roster does not set, comments and secrets are kept; a trainee's exercise folder
             that does not exist is created with a README.md of their stage's objective
  preview    preview each stack (creating it in the backend if it is new)
  up         deploy each trainee's lab; a run again retries only what is not done; refused
             once the course has ended (the roster's endsAt)
  refresh    read each stack's resources back from Azure and the cluster into its state
  destroy    destroy each trainee's lab; a run again retries only what is not destroyed
  status     the course's end, then each trainee's stage, last update and result; changes
             nothing
  outputs    write kubeconfigs/<trainee>.yaml (mode 0600) and say how each trainee reaches
             phpMyAdmin
  grade      one row per trainee: their exercise (or, without one, the lab's own answer)
             graded against the claims of their stage, from the stack files (no Pulumi CLI),
             or with --live on their clusters; exit 0 all meet their stage, 1 one does not,
             3 none unmet but some claims not judged
  report     write the trainer's page, DIR/index.html (--out, default ${REPORT_DIR}): the
             course, a claims x trainees matrix, each trainee's grade, live result and
             stack, each stage's picture; one static file, no secret; with the Pulumi CLI the
             stacks' last updates and outputs, with --live each cluster graded
  affected   print as a JSON array the trainees whose stack a change since --base touches:
             their stack file, exercise folder or roster entry, or the program (all of them);
             the reasons go to stderr; needs git, and no Pulumi CLI

Options:
  --roster FILE      the roster (default: class.yaml)
  --only NAMES       only these trainees, comma-separated (alice,bob)
  --concurrency N    at most N stacks at once, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})
  --if-ended         destroy: only once the course has ended (endsAt); before it, do nothing
  --base REF         affected: the commit to compare the working tree with
  --all              affected: every trainee, whatever changed
  --live             grade, report: each trainee's cluster (its stack's kubeconfig output, read
                     with the Pulumi CLI), probed as \`npm run verify -- --live --stack NAME\` does
  --out DIR          report: the page's folder (default ${REPORT_DIR}); the last live runs are
                     read from DIR/live/<trainee>.json
  --help             this text

preview, up, refresh, destroy, status, outputs and grade --live drive the Pulumi CLI through Pulumi's
Automation API, with the backend and passphrase of your environment (pulumi login,
PULUMI_CONFIG_PASSPHRASE).
`;

export interface ClassOptions {
  command: Command;
  roster: string;
  only?: string[];
  concurrency: number;
  /** destroy: only once the course has ended. */
  ifEnded: boolean;
  /** affected: the commit to compare with. */
  base?: string;
  /** affected: every trainee. */
  all: boolean;
  /** grade, report: on the clusters. */
  live: boolean;
  /** report: the page's folder. */
  out?: string;
  help: boolean;
}

const OPTIONS = {
  roster: { type: "string" },
  only: { type: "string", multiple: true },
  concurrency: { type: "string" },
  "if-ended": { type: "boolean" },
  base: { type: "string" },
  out: { type: "string" },
  all: { type: "boolean" },
  live: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses the arguments (with Node's own parser, not strict, so that every problem is reported at once). */
export function parseArgs(argv: string[]): { options?: ClassOptions; problems: string[] } {
  const problems: string[] = [];
  const options: Partial<ClassOptions> & { help: boolean } = { help: false, ifEnded: false, all: false, live: false };
  const positional: string[] = [];
  const { tokens } = parseNodeArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === "positional") {
      positional.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    if (!(token.name in OPTIONS)) {
      problems.push(`${token.rawName}: unknown option; see --help`);
      continue;
    }
    const name = token.name as keyof typeof OPTIONS;
    if (name === "help" || name === "if-ended" || name === "all" || name === "live") {
      if (name === "help") options.help = true;
      else if (name === "all") options.all = true;
      else if (name === "live") options.live = true;
      else options.ifEnded = true;
      continue;
    }
    const v = token.value;
    // Not strict, the parser takes whatever follows as the value, even the next option.
    if (v === undefined || (!token.inlineValue && v.startsWith("-"))) {
      problems.push(`${token.rawName}: needs a value`);
      continue;
    }
    if (name === "roster") options.roster = v;
    else if (name === "base") options.base = v;
    else if (name === "out") options.out = v;
    else if (name === "only") {
      const names = v.split(",").map((n) => n.trim());
      if (names.some((n) => n === ""))
        problems.push(`--only: "${v}" has an empty name; expected names such as alice,bob`);
      else options.only = [...(options.only ?? []), ...names];
    } else {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1 || n > MAX_CONCURRENCY) {
        problems.push(`--concurrency: "${v}" is not accepted; expected an integer from 1 to ${MAX_CONCURRENCY}`);
      } else options.concurrency = n;
    }
  }
  if (options.help) {
    return {
      options: { command: "init", roster: "", concurrency: 1, ifEnded: false, all: false, live: false, help: true },
      problems: [],
    };
  }
  const command = positional[0];
  if (positional.length === 0) problems.push(`no command; expected one of ${COMMANDS.join(", ")}`);
  else if (!(COMMANDS as readonly string[]).includes(command)) {
    problems.push(`${command}: not a command; expected one of ${COMMANDS.join(", ")}`);
  }
  if (positional.length > 1) problems.push(`${positional.slice(1).join(" ")}: unexpected; one command at a time`);
  if (options.ifEnded && command !== "destroy") problems.push("--if-ended: only for destroy");
  if (options.live && command !== "grade" && command !== "report") problems.push("--live: only for grade and report");
  if (options.out !== undefined && command !== "report") problems.push("--out: only for report");
  if (command === "affected") {
    if (options.base !== undefined && options.all) problems.push("--base, --all: one or the other");
    if (options.base === undefined && !options.all) {
      problems.push("affected: needs --base REF (the commit to compare with) or --all");
    }
  } else {
    if (options.base !== undefined) problems.push("--base: only for affected");
    if (options.all) problems.push("--all: only for affected");
  }
  if (problems.length > 0) return { problems };
  return {
    options: {
      command: positional[0] as Command,
      roster: options.roster ?? "class.yaml",
      only: options.only,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ifEnded: options.ifEnded ?? false,
      base: options.base,
      all: options.all ?? false,
      live: options.live ?? false,
      ...(options.out !== undefined ? { out: options.out } : {}),
      help: false,
    },
    problems,
  };
}

export interface ClassDeps {
  /** The folder of Pulumi.yaml, where the stack files are. */
  projectDir: string;
  /** Where a relative --roster or --out is, as the trainer typed it. Defaults to the working directory. */
  cwd?: string;
  /** The Automation API, or a stand-in with its shape. */
  workspace: (projectDir: string) => Promise<ClassWorkspace>;
  az?: AzureCli;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  stdout: Output;
  stderr: (text: string) => void;
  /** The clock: the course's end, and the progress display. Defaults to Date.now. */
  now?: () => number;
  interruptGraceMs?: number;
  /** Called when stacks start to run: from then on Ctrl-C cancels them instead of leaving. */
  onRunStart?: () => void;
  /** grade --live: the bounds of each trainee's run; verify --live's defaults otherwise. */
  liveBounds?: Partial<Pick<LiveGrading, "probeTimeoutSeconds" | "deadlineSeconds" | "concurrency">>;
}

export async function main(argv: string[], deps: ClassDeps): Promise<number> {
  const { stdout, stderr } = deps;
  const badInput = (problems: string[]) => {
    stderr(`class: nothing was written or run:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    return 2;
  };
  const parsed = parseArgs(argv);
  if (!parsed.options) return badInput(parsed.problems);
  const options = parsed.options;
  if (options.help) {
    stdout.write(USAGE);
    return 0;
  }

  const now = deps.now ?? Date.now;
  // An exercise folder is its trainee's answer: only a command that deploys it (preview, up) is
  // stopped by one the lab refuses, and only when it runs that trainee's stack.
  const { roster, problems, warnings, deferred } = readRoster(
    path.resolve(deps.cwd ?? process.cwd(), options.roster),
    deps.projectDir,
    options.roster,
    { deferExercises: true },
  );
  for (const warning of warnings) stderr(`warning: ${warning}\n`);
  if (!roster) return badInput(problems);
  const end = roster.endsAt;
  // Before anything else is looked up, the Pulumi CLI included: after the end, up must not start.
  if (options.command === "up" && end && hasEnded(end, now())) return badInput([endedRefusal(end, now(), roster.file)]);
  let trainees: RosterTrainee[] = roster.trainees;
  if (options.only) {
    const known = new Set(trainees.map((t) => t.name));
    const unknown = options.only.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      return badInput([
        `--only: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not in ${roster.file}; its trainees are ${[...known].join(", ")}`,
      ]);
    }
    trainees = trainees.filter((t) => options.only!.includes(t.name));
  }
  const names = trainees.map((t) => t.name);
  const answers = (deferred ?? []).filter((d) => names.includes(d.trainee));
  if (options.command === "preview" || options.command === "up") {
    if (answers.length > 0) return badInput(answers.map((d) => d.problem));
  } else if (options.command !== "init" && options.command !== "grade" && options.command !== "report") {
    for (const d of answers) stderr(`warning: ${d.problem}\n`);
  }

  if (options.command === "affected") {
    let stacks: string[];
    if (options.all) {
      stacks = names;
      stderr(`class affected: --all: ${names.length} of ${roster.trainees.length} trainees of ${roster.file}\n`);
    } else {
      const base = options.base!;
      let affected: Affected;
      try {
        affected = affectedSince(deps.projectDir, options.roster, roster.trainees, base);
      } catch (error) {
        if (error instanceof GitError) return badInput([error.message]);
        throw error;
      }
      stacks = affected.stacks.filter((name) => names.includes(name));
      stderr(
        `class affected since ${base}: ${stacks.length} of ${roster.trainees.length} trainees of ${roster.file}\n` +
          affected.reasons.map((reason) => `  ${reason}\n`).join(""),
      );
    }
    stdout.write(`${JSON.stringify(stacks)}\n`);
    return 0;
  }

  if (options.command === "status") stdout.write(`${courseLine(end, now(), roster.file)}\n\n`);
  if (options.ifEnded) {
    if (!end) {
      return badInput([
        `--if-ended: ${roster.file} has no endsAt; set the course's end there, such as endsAt: 2026-12-18T17:00:00+01:00`,
      ]);
    }
    if (!hasEnded(end, now())) {
      stdout.write(
        `nothing to do until ${end.text}: the course ends then (endsAt, ${roster.file}:${end.line}), in ${duration(end.at - now())}\n`,
      );
      return 0;
    }
    stdout.write(`the course ended at ${end.text}, ${duration(now() - end.at)} ago: destroying the labs\n`);
  }

  const rosterName = path.basename(options.roster);
  const plans = planStackFiles(trainees, deps.projectDir, rosterName);

  if (options.command === "init") {
    const created = new Set<string>();
    for (const folder of planExerciseFolders(trainees, deps.projectDir, rosterName)) {
      if (createExerciseFolder(folder)) {
        stdout.write(
          `${path.join(folder.folder, "README.md")}: written (a new exercise folder, for ${folder.trainee})\n`,
        );
      }
      created.add(folder.trainee);
    }
    // A folder just made holds no policy yet: that is the trainee's next step, not a warning.
    for (const d of answers) {
      if (!created.has(d.trainee)) stderr(`warning: ${d.problem}; preview and up refuse it until it is fixed\n`);
    }
    for (const plan of plans) {
      if (plan.changed.length === 0) {
        stdout.write(`${plan.file}: unchanged\n`);
        continue;
      }
      fs.writeFileSync(path.join(deps.projectDir, plan.file), plan.text);
      stdout.write(
        plan.exists ? `${plan.file}: set ${plan.changed.join(", ")}\n` : `${plan.file}: written (a new stack file)\n`,
      );
    }
    return 0;
  }

  // Everything that can stop the run is checked before anything runs, and reported together.
  const blockers: string[] = [];
  // grade and report grade what pulumi up deploys: the stack files, as init writes them from the roster.
  const grading = options.command === "grade" || options.command === "report";
  if (options.command === "preview" || options.command === "up" || grading) {
    for (const plan of plans) {
      const problem = outOfDate(plan);
      if (problem) blockers.push(problem);
    }
  } else {
    for (const plan of plans) {
      if (!plan.exists) blockers.push(`${plan.file}: no such file; run \`npm run class -- init\` first`);
    }
  }
  if (options.command === "grade" && !options.live) {
    if (blockers.length > 0) return badInput(blockers);
    return grade(names, options, deps);
  }
  let workspace: ClassWorkspace | undefined;
  try {
    workspace = await deps.workspace(deps.projectDir);
  } catch (error) {
    if (!(error instanceof PulumiCliMissing)) throw error;
    // The page goes without the stacks' last updates and outputs, and says why.
    if (options.command === "report" && !options.live) {
      if (blockers.length > 0) return badInput(blockers);
      return report(names, roster, options, deps, { problem: error.message });
    }
    blockers.push(error.message);
  }
  if (blockers.length > 0 || !workspace) return badInput(blockers);
  if (options.command === "grade") return grade(names, options, deps, workspace);
  if (options.command === "report") return report(names, roster, options, deps, workspace);

  const program = programFingerprint(deps.projectDir);
  const messageFor = (trainee: string) => upMessage(program, configFingerprint(deps.projectDir, trainee));

  if (options.command === "status") {
    const { text } = await classStatus(deps.projectDir, names, workspace, options.concurrency, messageFor);
    stdout.write(text);
    return 0;
  }
  if (options.command === "outputs") {
    const { text, failed } = await classOutputs(deps.projectDir, names, workspace, options.concurrency);
    stdout.write(text);
    return failed ? 1 : 0;
  }

  const command: RunCommand = options.command;
  if (command === "up") {
    const capacity = await checkCapacity(clusterNeeds(deps.projectDir, names), deps.az);
    stdout.write(capacity.lines.map((line) => `${line}\n`).join(""));
    if (capacity.refusal) return badInput([`capacity: ${capacity.refusal}`]);
  }

  deps.onRunStart?.();
  const display = new ProgressDisplay(stdout, command, names, { now });
  display.start();
  const outcomes = await runClass({
    command,
    trainees: names,
    workspace,
    concurrency: options.concurrency,
    upMessage: messageFor,
    signal: deps.signal,
    interruptGraceMs: deps.interruptGraceMs,
    onProgress: (p) => display.update(p),
    now,
  });
  display.stop();
  stdout.write(`\n${summary(command, outcomes)}`);
  if (deps.signal?.aborted) return 130;
  return outcomes.every((o) => o.result === "succeeded" || o.result === "already done") ? 0 : 1;
}

/** Live grading of each trainee's cluster, read through the workspace. */
function liveGrading(deps: ClassDeps, workspace: ClassWorkspace, signal: AbortSignal): LiveGrading {
  return {
    cluster: (trainee) => stackCluster(workspace, trainee),
    probeTimeoutSeconds: deps.liveBounds?.probeTimeoutSeconds ?? 5,
    deadlineSeconds: deps.liveBounds?.deadlineSeconds ?? 300,
    concurrency: deps.liveBounds?.concurrency ?? 4,
    signal,
  };
}

/** `grade`: the table, and the class's status; offline without a workspace, live with one. */
async function grade(
  names: string[],
  options: ClassOptions,
  deps: ClassDeps,
  workspace?: ClassWorkspace,
): Promise<number> {
  const signal = deps.signal ?? new AbortController().signal;
  if (workspace) deps.onRunStart?.();
  const grades = await gradeClass(names, deps.projectDir, {
    concurrency: options.concurrency,
    ...(workspace ? { live: liveGrading(deps, workspace, signal) } : {}),
  });
  const how = workspace
    ? "live: what each trainee's cluster does"
    : "offline: each stack file, as pulumi up deploys it";
  deps.stdout.write(
    `class grade: ${names.length} trainee${names.length === 1 ? "" : "s"} of ${options.roster}, ${how}\n\n${gradeTable(grades)}`,
  );
  if (signal.aborted) return 130;
  return gradeExitStatus(grades);
}

/**
 * `report`: the page, written to DIR/index.html. Its status says whether it was written (0), not
 * how the class stands: the page says that.
 */
async function report(
  names: string[],
  roster: Roster,
  options: ClassOptions,
  deps: ClassDeps,
  workspace: ClassWorkspace | { problem: string },
): Promise<number> {
  const signal = deps.signal ?? new AbortController().signal;
  const grades = await gradeClass(names, deps.projectDir, { concurrency: options.concurrency });
  let live;
  if (options.live && !("problem" in workspace)) {
    deps.onRunStart?.();
    live = await gradeClass(names, deps.projectDir, {
      concurrency: options.concurrency,
      live: liveGrading(deps, workspace, signal),
    });
    if (signal.aborted) return 130;
  }
  const shownDir = options.out ?? REPORT_DIR;
  const dir = path.resolve(deps.cwd ?? process.cwd(), shownDir);
  const html = await classReport({
    roster: options.roster,
    ...(roster.endsAt ? { endsAt: roster.endsAt } : {}),
    now: (deps.now ?? Date.now)(),
    grades,
    ...(live ? { live } : {}),
    dir,
    shownDir,
    workspace,
    concurrency: options.concurrency,
  });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "index.html"), html);
  const notes = "problem" in workspace ? ` (without the stacks' last updates and outputs: ${workspace.problem})` : "";
  deps.stdout.write(
    `${path.join(shownDir, "index.html")}: written, ${names.length} trainee${names.length === 1 ? "" : "s"}, ${(Buffer.byteLength(html) / 1024).toFixed(1)} KiB${notes}\n`,
  );
  return 0;
}

if (require.main === module) {
  const controller = new AbortController();
  let running = false;
  let interrupts = 0;
  process.on("SIGINT", () => {
    // Before any stack runs (a roster check, init, status), Ctrl-C simply leaves.
    if (!running) process.exit(130);
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        "\nCtrl-C: no new stack starts; running updates are cancelled cleanly (each finishes its in-flight operations, then its lock is released). Waiting for them...\n",
      );
      controller.abort();
    } else {
      process.stderr.write("\nStill waiting for the running updates to stop cleanly (a cluster can take minutes).\n");
    }
  });
  main(process.argv.slice(2), {
    projectDir: path.join(__dirname, ".."),
    workspace: automationWorkspace,
    signal: controller.signal,
    stdout: process.stdout,
    stderr: (text) => process.stderr.write(text),
    onRunStart: () => {
      running = true;
    },
  }).then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      process.stderr.write(`class: internal error: ${(error as Error).stack ?? error}\n`);
      process.exitCode = INTERNAL_ERROR_STATUS;
    },
  );
}
