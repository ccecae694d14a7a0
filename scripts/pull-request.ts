/**
 * The decisions of the pull-request workflow (.github/workflows/pull-request.yml), in code that
 * the tests run on real inputs rather than in YAML expressions:
 * - `trust`: whether the run gets the repository's secrets;
 * - `stacks`: which stacks to preview and which stack files to verify, from the changed files;
 * - `report`: the verifier's report for the comment, compared with the base branch, for the
 *   whole lab and for each stack file the pull request changes.
 *
 * Usage (in the workflow): tsx scripts/pull-request.ts trust | stacks --changed FILE
 * --default-stack NAME | report --head-sha SHA --base-reports DIR --base-dir DIR --stacks JSON
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { STACK_NAME, stackFileName, stackOfFile } from "../class/names";
import { isProgramPath } from "../class/program";
import { main as verify } from "../verifier/cli";

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
  /** The stacks whose file the pull request changes (and still has): `verify --stack` on both sides. */
  verify: string[];
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
 * - The program changed: every stack created in a backend, and the default (`ci`) stack.
 * - Stack files changed: those stacks, when they exist in a backend.
 * - Otherwise, or when nothing is left: the default stack, as on every pull request.
 * `stackFiles` maps each stack file of the head (the name) to its text.
 */
export function selectStacks(changed: string[], stackFiles: Map<string, string>, defaultStack: string): StackSelection {
  const notes: string[] = [];
  const created = (stack: string) => isCreated(stackFiles.get(stack) ?? "");
  const notCreatedNote = (stack: string) =>
    `\`${stack}\`: not previewed: ${stackFileName(stack)} has no encryptionsalt, so the stack was never created in a backend (its first \`npm run class -- preview\` or \`up\` creates it; commit the file then)`;
  const changedStacks = [...new Set(changed.map(stackOfFile).filter((s): s is string => s !== undefined))].sort();
  const verifyList = changedStacks.filter((stack) => stackFiles.has(stack));
  for (const stack of changedStacks.filter((s) => !stackFiles.has(s))) {
    notes.push(`\`${stack}\`: ${stackFileName(stack)} is deleted, nothing to preview`);
  }

  const programFiles = changed.filter(isProgramPath);
  let preview: string[];
  if (programFiles.length > 0) {
    const shown = programFiles.slice(0, 5).join(", ") + (programFiles.length > 5 ? ", ..." : "");
    notes.unshift(`The program changed (${shown}): every stack is previewed.`);
    const all = [...stackFiles.keys()].sort();
    for (const stack of all.filter((s) => !created(s) && s !== defaultStack)) notes.push(notCreatedNote(stack));
    preview = [...new Set([...all.filter(created), defaultStack])].sort();
  } else {
    for (const stack of verifyList.filter((s) => !created(s))) notes.push(notCreatedNote(stack));
    preview = verifyList.filter(created);
    if (changedStacks.length > 0) notes.unshift(`Stack files changed: ${changedStacks.map(stackFileName).join(", ")}.`);
  }
  if (preview.length === 0) {
    preview = [defaultStack];
    notes.push(`No stack to preview otherwise: the \`${defaultStack}\` stack, as on every pull request.`);
  }
  return { preview, verify: verifyList, notes };
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
  /** The base branch's checkout, to know whether a stack file is new. */
  baseDir: string;
  /** The stack files to report on (the selection's `verify`). */
  stacks: string[];
  /** The head's project folder. */
  projectDir?: string;
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

async function runVerify(argv: string[], projectDir: string): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const status = await verify(
    argv,
    (t) => {
      stdout += t;
    },
    (t) => (stderr += t),
    projectDir,
  );
  return { status, stdout, stderr };
}

const note = (text: string) => `> [!NOTE]\n> ${text}\n\n`;

/**
 * One part of the report: compared with the base's JSON report when there is one. Exit status 2
 * (bad input) with --compare can come from the base's report or from this branch's own input, so
 * the base is blamed only when the same run without it reads its input (exits 0 or 1).
 */
async function comparedPart(args: string[], baseReport: string, noBase: string, projectDir: string): Promise<Run> {
  const hasBase = fs.existsSync(baseReport) && fs.statSync(baseReport).size > 0;
  if (hasBase) {
    const compared = await runVerify([...args, "--format", "markdown", "--compare", baseReport], projectDir);
    if (compared.status !== 2) return compared;
  }
  const plain = await runVerify([...args, "--format", "markdown"], projectDir);
  if (plain.status === 2) {
    return {
      ...plain,
      stdout:
        `> [!CAUTION]\n> This branch's own input is refused (\`verify ${args.join(" ")}\` exits 2), so there is no report:\n\n` +
        "```\n" +
        plain.stderr.trimEnd() +
        "\n```\n",
    };
  }
  const reason = hasBase
    ? "the base branch's JSON report is not one this verifier can compare (see the job log)"
    : noBase;
  return { ...plain, stdout: note(`Not compared with the base branch: ${reason}.`) + plain.stdout };
}

/** The report for the comment and the job summary, and the worst exit status of its parts. */
export async function buildReport(options: ReportOptions): Promise<{ text: string; status: number }> {
  const projectDir = options.projectDir ?? ROOT;
  const parts: string[] = [`_Offline verification of ${options.headSha}._\n`];
  let status = 0;
  for (const stack of options.stacks) {
    const file = stackFileName(stack);
    const isNew = !fs.existsSync(path.join(options.baseDir, file));
    const part = await comparedPart(
      ["--stack", stack],
      path.join(options.baseReports, `stack-${stack}.json`),
      isNew ? `${file} is new in this pull request` : `the base branch produced no report for \`${stack}\``,
      projectDir,
    );
    parts.push(`# Stack \`${stack}\` (${file}, changed by this pull request)\n\n${part.stdout}`);
    status = Math.max(status, part.status);
  }
  const all = await comparedPart(
    ["--all-stages"],
    path.join(options.baseReports, "all.json"),
    "the base branch produced no JSON report (it predates the verifier, or could not be installed)",
    projectDir,
  );
  parts.push(all.stdout);
  status = Math.max(status, all.status);
  return { text: parts.join("\n"), status };
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
      output({ preview: JSON.stringify(selection.preview), verify: JSON.stringify(selection.verify) });
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
      const { text, status } = await buildReport({
        headSha: flag(argv, "--head-sha"),
        baseReports: flag(argv, "--base-reports"),
        baseDir: flag(argv, "--base-dir"),
        stacks: stacks as string[],
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
