/**
 * The decisions of the pull-request workflow (.github/workflows/pull-request.yml), in code that
 * the tests run on real inputs rather than in YAML expressions:
 * - `trust`: whether the run gets the repository's secrets;
 * - `stacks`: which stacks to preview and which to verify, from the changed files: a changed stack
 *   file, or a changed file in the exercise folder a stack file names (that stack's exercise is
 *   graded);
 * - `report`: the verifier's report for the comment, compared with the base branch, for the
 *   whole lab and for each of those stacks.
 *
 * Usage (in the workflow): tsx scripts/pull-request.ts trust | stacks --changed FILE
 * --default-stack NAME | report --head-sha SHA --base-reports DIR --base-dir DIR --stacks JSON
 * [--why JSON]
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { exerciseChange, exerciseChangeReason, outsideProjectReason } from "../class/affected";
import { STACK_NAME, stackFileName, stackOfFile } from "../class/names";
import { isProgramPath } from "../class/program";
import { main as verify } from "../verifier/cli";
import { INTERNAL_ERROR_STATUS } from "../verifier/command";
import { exerciseFolder } from "../verifier/lab/build";
import { parseStackConfig } from "../verifier/lab/stack";

const ROOT = path.join(__dirname, "..");

// ---------------------------------------------------------------------------------------------
// trust

/**
 * Whether this run gets the repository's secrets and an OIDC token. GitHub withholds them from a
 * pull request whose head is in another repository (a fork) and from Dependabot's. The head
 * repository's `fork` flag says something else: in a repository that is itself a fork (a
 * trainer's copy of this lab), every internal pull request has it.
 */
export function hasSecrets(event: { headRepo: string; repository: string; actor: string }): boolean {
  return event.headRepo !== "" && event.headRepo === event.repository && event.actor !== "dependabot[bot]";
}

// ---------------------------------------------------------------------------------------------
// stacks

export interface StackSelection {
  /** The stacks to preview, one matrix job each. */
  preview: string[];
  /**
   * The stacks whose file the pull request changes (and still has), and those whose exercise
   * folder it changes: `verify --stack` on both sides (which grades a stack that sets an exercise).
   */
  verify: string[];
  /** What the pull request changed for each stack of `verify`: its stack file, its exercise folder. */
  why: Record<string, string[]>;
  /** Why these, and what was left out, for the job summary. */
  notes: string[];
}

/**
 * Whether a stack file belongs to a stack that exists in a backend: Pulumi adds the secrets
 * provider's state (`encryptionsalt` for a passphrase, `encryptedkey` for a cloud KMS) when it
 * creates the stack; a file written by `npm run class -- init` has none until then, and the
 * preview job cannot create the stack (nor its salt) for it.
 */
export function isCreated(text: string): boolean {
  try {
    const document = parseYaml(text) as Record<string, unknown> | null;
    return ["encryptionsalt", "encryptedkey"].some((key) => typeof document?.[key] === "string");
  } catch {
    return false;
  }
}

/**
 * The exercise folder a stack file sets, as written; undefined when it sets none, or cannot be
 * read (the verifier then says why, for a stack it verifies).
 */
export function stackExercise(text: string, file: string): string | undefined {
  try {
    return exerciseFolder(parseStackConfig(text, file));
  } catch {
    return undefined;
  }
}

/**
 * - The program changed: every stack created in a backend, and the default (`ci`) stack.
 * - Stack files changed: those stacks, when they exist in a backend.
 * - Files changed in the exercise folder a stack file names (as `class affected` reads a
 *   trainee's, but from the stack files alone: a trainee's fork may carry no roster): those
 *   stacks, graded, and previewed when they exist in a backend.
 * - Otherwise, or when nothing is left: the default stack, as on every pull request.
 * `stackFiles` maps each stack file of the head (the name) to its text.
 */
export function selectStacks(
  changed: string[],
  stackFiles: Map<string, string>,
  defaultStack: string,
  projectDir = ROOT,
): StackSelection {
  const notes: string[] = [];
  const created = (stack: string) => isCreated(stackFiles.get(stack) ?? "");
  const notCreatedNote = (stack: string) =>
    `\`${stack}\`: not previewed: ${stackFileName(stack)} has no encryptionsalt, so the stack was never created in a backend (its first \`npm run class -- preview\` or \`up\` creates it; commit the file then)`;
  const why = new Map<string, string[]>();
  const because = (stack: string, what: string) => why.set(stack, [...(why.get(stack) ?? []), what]);
  const changedStacks = [...new Set(changed.map(stackOfFile).filter((s): s is string => s !== undefined))].sort();
  for (const stack of changedStacks) {
    if (stackFiles.has(stack)) because(stack, stackFileName(stack));
    else notes.push(`\`${stack}\`: ${stackFileName(stack)} is deleted, nothing to preview`);
  }
  const exerciseNotes: string[] = [];
  for (const [stack, text] of [...stackFiles].sort(([a], [b]) => a.localeCompare(b))) {
    const exercise = stackExercise(text, stackFileName(stack));
    if (exercise === undefined) continue;
    const change = exerciseChange(exercise, changed, projectDir);
    if (change === undefined) exerciseNotes.push(`\`${stack}\`: ${outsideProjectReason(exercise)}`);
    else if (change.files.length > 0) {
      because(stack, `${change.folder}/`);
      exerciseNotes.push(`\`${stack}\`: graded: ${exerciseChangeReason(change)}`);
    }
  }
  const verifyList = [...why.keys()].sort();

  const programFiles = changed.filter(isProgramPath);
  let preview: string[];
  if (programFiles.length > 0) {
    const shown = programFiles.slice(0, 5).join(", ") + (programFiles.length > 5 ? ", ..." : "");
    notes.unshift(`The program changed (${shown}): every stack is previewed.`);
    notes.push(...exerciseNotes);
    const all = [...stackFiles.keys()].sort();
    for (const stack of all.filter((s) => !created(s) && s !== defaultStack)) notes.push(notCreatedNote(stack));
    preview = [...new Set([...all.filter(created), defaultStack])].sort();
  } else {
    notes.push(...exerciseNotes);
    for (const stack of verifyList.filter((s) => !created(s))) notes.push(notCreatedNote(stack));
    preview = verifyList.filter(created);
    if (changedStacks.length > 0) notes.unshift(`Stack files changed: ${changedStacks.map(stackFileName).join(", ")}.`);
  }
  if (preview.length === 0) {
    preview = [defaultStack];
    notes.push(`No stack to preview otherwise: the \`${defaultStack}\` stack, as on every pull request.`);
  }
  return { preview, verify: verifyList, why: Object.fromEntries(verifyList.map((s) => [s, why.get(s)!])), notes };
}

/** The head's stack files, name to text. */
export function readStackFiles(projectDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of fs.readdirSync(projectDir).sort()) {
    const stack = stackOfFile(name);
    if (stack) files.set(stack, fs.readFileSync(path.join(projectDir, name), "utf8"));
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// report

export interface ReportOptions {
  headSha: string;
  /** Where the base branch's JSON reports are: `all.json`, and `stack-<name>.json` per stack. */
  baseReports: string;
  /** The base branch's checkout, to know whether a stack file or an exercise folder is new. */
  baseDir: string;
  /** The stacks to report on (the selection's `verify`). */
  stacks: string[];
  /** What the pull request changed for each stack (the selection's `why`); by default its stack file. */
  why?: Record<string, string[]>;
  /** The head's project folder. */
  projectDir?: string;
  /** The verifier's command (verifier/cli.ts's main). */
  verify?: typeof verify;
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** One verify run, in this process; an error it did not expect is status 70, as the command's own. */
async function runVerify(command: typeof verify, argv: string[], projectDir: string): Promise<Run> {
  let stdout = "";
  let stderr = "";
  try {
    const status = await command(
      argv,
      (t) => {
        stdout += t;
      },
      (t) => (stderr += t),
      projectDir,
    );
    return { status, stdout, stderr };
  } catch (error) {
    stderr += `verify: internal error: ${(error as Error).stack ?? String(error)}\n`;
    return { status: INTERNAL_ERROR_STATUS, stdout, stderr };
  }
}

const note = (text: string) => `> [!NOTE]\n> ${text}\n\n`;

/** A run that produced no report: this branch's input refused (2), or the verifier crashed (70). */
function noReport(run: Run, args: string[]): Run {
  const what =
    run.status === 2
      ? `This branch's own input is refused (\`verify ${args.join(" ")}\` exits 2)`
      : `The verifier crashed (\`verify ${args.join(" ")}\` exits ${run.status}, an error it did not expect)`;
  return {
    ...run,
    stdout: `> [!CAUTION]\n> ${what}, so there is no report:\n\n\`\`\`\n${run.stderr.trimEnd()}\n\`\`\`\n`,
  };
}

/** The base side of a part: its JSON report, and why there is none or why it is not comparable. */
interface BaseSide {
  report: string;
  /** Why there is no report, when the file is missing or empty. */
  noBase: string;
  /** Why a report that is there does not compare with this branch's (a grade against a lab's). */
  mismatch?: (document: unknown) => string | undefined;
}

/**
 * One part of the report: compared with the base's JSON report when there is one. Exit status 2
 * (bad input) with --compare can come from the base's report or from this branch's own input, so
 * the base is blamed only when the same run without it reads its input.
 */
async function comparedPart(command: typeof verify, args: string[], base: BaseSide, projectDir: string): Promise<Run> {
  const hasBase = fs.existsSync(base.report) && fs.statSync(base.report).size > 0;
  let reason = hasBase ? base.mismatch?.(readJson(base.report)) : base.noBase;
  if (reason === undefined) {
    const compared = await runVerify(command, [...args, "--format", "markdown", "--compare", base.report], projectDir);
    if (compared.status === INTERNAL_ERROR_STATUS) return noReport(compared, args);
    if (compared.status !== 2) return compared;
    reason = "the base branch's JSON report is not one this verifier can compare (see the job log)";
  }
  const plain = await runVerify(command, [...args, "--format", "markdown"], projectDir);
  if (plain.status === 2 || plain.status === INTERNAL_ERROR_STATUS) return noReport(plain, args);
  return { ...plain, stdout: note(`Not compared with the base branch: ${reason}.`) + plain.stdout };
}

/** A JSON file's document; undefined when it is not JSON (verify --compare then says so). */
function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The check's status for a part's exit status. A graded stack's unmet (1) or not judged (3) claims
 * are the trainee's result, which the comment shows: they do not fail the check. Its refused
 * exercise (2) or a crash (70) does, as any part's status does; so do the lab's own failed claims
 * (1), and a stack without an exercise whose claims fail.
 */
export function checkStatus(status: number, graded: boolean): number {
  return graded && (status === 1 || status === 3) ? 0 : status;
}

/** How a graded stack came out, by the verifier's exit status, for the comment's lead. */
const GRADE_OUTCOMES: Record<number, string> = {
  0: "every claim met",
  1: "**claims unmet**",
  3: "no claim unmet, **some not judged**",
  2: "**refused**: its input is bad, which fails this check",
  [INTERNAL_ERROR_STATUS]: "**the verifier crashed**, which fails this check",
};

/** The report for the comment and the job summary, and the check's status (checkStatus's worst). */
export async function buildReport(options: ReportOptions): Promise<{ text: string; status: number }> {
  const projectDir = options.projectDir ?? ROOT;
  const command = options.verify ?? verify;
  const stackParts: string[] = [];
  const outcomes: string[] = [];
  let status = 0;
  for (const stack of options.stacks) {
    const file = stackFileName(stack);
    const exercise = readExercise(projectDir, file);
    const part = await comparedPart(
      command,
      ["--stack", stack],
      {
        report: path.join(options.baseReports, `stack-${stack}.json`),
        ...stackBase(stack, exercise !== undefined, options.baseDir),
      },
      projectDir,
    );
    const changed = options.why?.[stack] ?? [file];
    stackParts.push(`# Stack \`${stack}\` (${changed.join(" and ")}, changed by this pull request)\n\n${part.stdout}`);
    if (exercise !== undefined) {
      outcomes.push(`- \`${stack}\`: ${GRADE_OUTCOMES[part.status] ?? `exit ${part.status}`}`);
    }
    status = Math.max(status, checkStatus(part.status, exercise !== undefined));
  }
  const all = await comparedPart(
    command,
    ["--all-stages"],
    {
      report: path.join(options.baseReports, "all.json"),
      noBase: "the base branch produced no JSON report (it predates the verifier, or could not be installed)",
    },
    projectDir,
  );
  status = Math.max(status, all.status);
  const lead =
    outcomes.length === 0
      ? []
      : [
          "**Exercises graded**, one per trainee stack; a claim unmet or not judged is the trainee's result, and does not fail this check:",
          "",
          ...outcomes,
          "",
        ];
  const text = [`_Offline verification of ${options.headSha}._\n`, ...lead, ...stackParts, all.stdout].join("\n");
  return { text, status };
}

/**
 * Why a stack has no base report to compare with, and why one it has does not compare: a grade
 * and a lab's claims are not the same table, so a stack is compared when both sides grade an
 * exercise, or neither does.
 */
function stackBase(stack: string, graded: boolean, baseDir: string): Omit<BaseSide, "report"> {
  const file = stackFileName(stack);
  const baseExercise = readExercise(baseDir, file);
  const noGrade = `the base branch's ${file} sets no exercise, so there is no grade to compare with`;
  const noBase = !fs.existsSync(path.join(baseDir, file))
    ? `${file} is new in this pull request`
    : graded && baseExercise === undefined
      ? noGrade
      : baseExercise !== undefined && !fs.existsSync(path.resolve(baseDir, baseExercise))
        ? `the base branch has no ${baseExercise} to grade`
        : `the base branch produced no report for \`${stack}\``;
  const mismatch = (document: unknown) => {
    const baseGraded = typeof document === "object" && document !== null && "grade" in document;
    if (document === undefined || baseGraded === graded) return undefined;
    return baseGraded ? `the base branch grades ${file}'s exercise, and this branch's sets none` : noGrade;
  };
  return { noBase, mismatch };
}

/** The exercise a stack file in `dir` sets; undefined when it sets none, or there is no such file. */
function readExercise(dir: string, file: string): string | undefined {
  const full = path.join(dir, file);
  return fs.existsSync(full) ? stackExercise(fs.readFileSync(full, "utf8"), full) : undefined;
}

// ---------------------------------------------------------------------------------------------
// the command

function flag(argv: string[], name: string): string {
  const i = argv.indexOf(name);
  if (i < 0 || argv[i + 1] === undefined) throw new Error(`${name}: needed`);
  return argv[i + 1];
}

/** Appends `key=value` lines to the step's outputs (GITHUB_OUTPUT), or prints them. */
function output(values: Record<string, string>): void {
  const lines = Object.entries(values)
    .map(([k, v]) => `${k}=${v}\n`)
    .join("");
  if (process.env.GITHUB_OUTPUT) fs.appendFileSync(process.env.GITHUB_OUTPUT, lines);
  else process.stdout.write(lines);
}

function summary(text: string): void {
  if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, text);
}

async function command(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case "trust": {
      const trusted = hasSecrets({
        headRepo: process.env.HEAD_REPO ?? "",
        repository: process.env.REPOSITORY ?? "",
        actor: process.env.ACTOR ?? "",
      });
      if (!trusted) {
        process.stdout.write(
          `::notice title=No verify comment, no Pulumi preview::This pull request comes from ${process.env.ACTOR === "dependabot[bot]" ? "Dependabot" : `another repository (${process.env.HEAD_REPO || "a deleted fork"})`}, which gets neither the repository's secrets nor an OIDC token for Azure, and a read-only token; the verifier's report is in the check job's summary. A maintainer can run the preview from a branch of this repository.\n`,
        );
      }
      output({ trusted: String(trusted) });
      return 0;
    }
    case "stacks": {
      const changed = fs
        .readFileSync(flag(argv, "--changed"), "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      const selection = selectStacks(changed, readStackFiles(ROOT), flag(argv, "--default-stack"));
      output({
        preview: JSON.stringify(selection.preview),
        verify: JSON.stringify(selection.verify),
        why: JSON.stringify(selection.why),
      });
      const text = [
        "## Stacks",
        "",
        `Previewed: ${selection.preview.map((s) => `\`${s}\``).join(", ")}.`,
        `Verified against the base: ${selection.verify.length > 0 ? selection.verify.map((s) => `\`${s}\``).join(", ") : "no stack file changed"}.`,
        "",
        ...selection.notes.map((n) => `- ${n}`),
        "",
      ].join("\n");
      summary(text);
      process.stdout.write(text);
      return 0;
    }
    case "report": {
      const stacks = JSON.parse(flag(argv, "--stacks")) as unknown;
      if (!Array.isArray(stacks) || stacks.some((s) => typeof s !== "string" || !STACK_NAME.test(s))) {
        throw new Error(`--stacks: expected a JSON list of stack names`);
      }
      const why = argv.includes("--why") ? (JSON.parse(flag(argv, "--why")) as unknown) : {};
      if (
        typeof why !== "object" ||
        why === null ||
        Array.isArray(why) ||
        Object.values(why).some((v) => !Array.isArray(v) || v.some((w) => typeof w !== "string"))
      ) {
        throw new Error(`--why: expected a JSON object of stack names to lists of what changed`);
      }
      const { text, status } = await buildReport({
        headSha: flag(argv, "--head-sha"),
        baseReports: flag(argv, "--base-reports"),
        baseDir: flag(argv, "--base-dir"),
        stacks: stacks as string[],
        why: why as Record<string, string[]>,
      });
      process.stdout.write(text);
      return status;
    }
    default:
      throw new Error(`${argv[0] ?? "(nothing)"}: expected trust, stacks or report`);
  }
}

if (require.main === module) {
  command(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      process.stderr.write(`pull-request: ${(error as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
