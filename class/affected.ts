/**
 * `class affected`: which trainees' stacks a change since a commit touches, so that a push applies
 * those stacks and no others (.github/workflows/class.yml).
 *
 * "Since" compares the commit with the working tree as it is (what `up` would run): the commits
 * after it, uncommitted changes and new files alike. On a runner the working tree is the pushed
 * commit, so `--base <github.event.before>` gives exactly what the push changed, whatever the
 * number of commits it carries, and a force push is compared with what the branch held before it.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { stackOfFile } from "./names";
import { isProgramPath } from "./program";
import { EXERCISE_KEY, rosterEntries, RosterTrainee } from "./roster";

export { EXERCISE_KEY };

/**
 * Where exercise folders live for the push trigger: class.yml's `paths` cannot read the roster, so
 * it watches this folder (tests/workflows.test.ts holds the two equal).
 */
export const EXERCISES_DIR = "exercises/";

export interface AffectedInput {
  /** Changed files, relative to the project folder, with "/". */
  changed: string[];
  /** The roster now, validated. */
  trainees: RosterTrainee[];
  /** The roster's trainees at the base; undefined when the roster could not be had there. */
  baseTrainees?: RosterTrainee[];
  /** Why there is no roster at the base, when there is none. */
  noBaseRoster?: string;
  /** The roster, as the messages name it. */
  rosterFile: string;
  projectDir: string;
}

export interface Affected {
  /** The stacks to apply, in the roster's order. */
  stacks: string[];
  /** Why each one, and what was left out, one line each. */
  reasons: string[];
}

/**
 * - the program changed (class/program.ts's paths): every trainee;
 * - `Pulumi.NAME.yaml` changed: NAME, when NAME is a trainee of the roster (the class applies its
 *   trainees' stacks only; `up --only ci` would be refused);
 * - a file under a trainee's exercise folder changed: that trainee;
 * - a trainee's configuration in the roster changed (its own keys or the defaults it inherits), or
 *   the trainee is new: that trainee. A default that every trainee overrides changes none of them.
 * Anything else (documentation, tests, the verifier, endsAt) changes no stack.
 */
export function affectedStacks(input: AffectedInput): Affected {
  const why = new Map<string, string[]>(input.trainees.map((t) => [t.name, []]));
  const add = (trainee: string, reason: string) => why.get(trainee)!.push(reason);
  const reasons: string[] = [];

  const program = input.changed.filter(isProgramPath);
  if (program.length > 0) {
    const shown = program.slice(0, 5).join(", ") + (program.length > 5 ? ", ..." : "");
    for (const trainee of why.keys()) add(trainee, `the program changed (${shown})`);
  }

  for (const file of input.changed) {
    const stack = stackOfFile(file);
    if (stack === undefined) continue;
    if (why.has(stack)) add(stack, `${file} changed`);
    else reasons.push(`${file} changed, but ${stack} is not a trainee of ${input.rosterFile}: left out`);
  }

  for (const trainee of input.trainees) {
    const value = trainee.config[EXERCISE_KEY];
    if (typeof value !== "string" || value === "") continue;
    const change = exerciseChange(value, input.changed, input.projectDir);
    if (change === undefined) {
      reasons.push(`${trainee.name}: ${outsideProjectReason(value)}`);
      continue;
    }
    if (change.files.length > 0) add(trainee.name, exerciseChangeReason(change));
    if (!`${change.folder}/`.startsWith(EXERCISES_DIR)) {
      reasons.push(
        `${trainee.name}: its exercise ${change.folder}/ is outside ${EXERCISES_DIR}, which the class workflow's push trigger watches: a push that changes only the exercise does not start it`,
      );
    }
  }

  const before = new Map((input.baseTrainees ?? []).map((t) => [t.name, t]));
  if (input.baseTrainees === undefined) {
    reasons.push(`${input.noBaseRoster}: every trainee counts as new`);
  }
  for (const trainee of input.trainees) {
    const then = before.get(trainee.name);
    if (then === undefined) add(trainee.name, `new in ${input.rosterFile}`);
    else if (!isDeepStrictEqual(then.config, trainee.config)) {
      const keys = [...new Set([...Object.keys(then.config), ...Object.keys(trainee.config)])]
        .filter((key) => !isDeepStrictEqual(then.config[key], trainee.config[key]))
        .sort();
      add(trainee.name, `its configuration in ${input.rosterFile} changed (${keys.join(", ")})`);
    }
  }

  const stacks = input.trainees.map((t) => t.name).filter((name) => why.get(name)!.length > 0);
  return {
    stacks,
    reasons: [...stacks.map((name) => `${name}: ${why.get(name)!.join("; ")}`), ...reasons],
  };
}

/** The changed files inside an exercise folder, relative to the project, with "/" and no trailing "/". */
export interface ExerciseChange {
  folder: string;
  files: string[];
}

/**
 * The changed files (relative to the project, with "/") inside an exercise folder, however the
 * folder is written (`./exercises/bob/`, absolute); undefined when the folder is outside the
 * project, where no change is seen. The class and the pull-request workflow both decide with it.
 */
export function exerciseChange(exercise: string, changed: string[], projectDir: string): ExerciseChange | undefined {
  const folder = projectRelative(exercise, projectDir);
  if (folder === undefined) return undefined;
  return { folder, files: changed.filter((file) => folder === "" || file.startsWith(`${folder}/`)) };
}

/** "its exercise exercises/bob/ changed (exercises/bob/deny.yaml, ...)", for a change with files. */
export function exerciseChangeReason(change: ExerciseChange): string {
  return `its exercise ${change.folder}/ changed (${change.files[0]}${change.files.length > 1 ? ", ..." : ""})`;
}

/** Why a change to an exercise outside the project goes unseen. */
export function outsideProjectReason(exercise: string): string {
  return `its exercise ${exercise} is outside the project, where no change is seen`;
}

/** A folder as a path relative to the project, with "/" and no trailing "/"; undefined outside it. */
function projectRelative(folder: string, projectDir: string): string | undefined {
  const relative = path.isAbsolute(folder) ? path.relative(projectDir, folder) : folder;
  const normal = path.posix.normalize(relative.split(path.sep).join("/")).replace(/\/+$/, "");
  if (normal === ".." || normal.startsWith("../") || path.posix.isAbsolute(normal)) return undefined;
  return normal === "." ? "" : normal;
}

/** A problem with `--base` or with git itself: bad input, exit status 2. */
export class GitError extends Error {}

function git(projectDir: string, args: string[]): string {
  try {
    return execFileSync("git", args, {
      cwd: projectDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new GitError("git is not installed; class affected reads the changes with it");
    throw Object.assign(new Error((e.stderr || e.message).trim().split("\n")[0]), { cause: error });
  }
}

/** The base as a commit, or a GitError naming it. */
function resolveBase(projectDir: string, base: string): string {
  try {
    git(projectDir, ["rev-parse", "--is-inside-work-tree"]);
  } catch (error) {
    if (error instanceof GitError) throw error;
    throw new GitError(
      `${projectDir} is not in a git repository (${(error as Error).message}); class affected compares commits`,
    );
  }
  try {
    return git(projectDir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${base}^{commit}`]).trim();
  } catch (error) {
    if (error instanceof GitError) throw error;
    throw new GitError(
      `--base: ${JSON.stringify(base)} is not a commit of this repository; expected a branch, a tag or a commit SHA such as origin/main (a shallow clone may lack it: fetch-depth: 0)`,
    );
  }
}

/**
 * The files that differ between the commit and the working tree, and the files git does not know
 * yet (not ignored), relative to the project folder. Renames count as a deletion and an addition,
 * so that a file moved out of an exercise folder changes that exercise too.
 */
function changedSince(projectDir: string, commit: string): string[] {
  const list = (args: string[]) => git(projectDir, args).split("\0").filter(Boolean);
  const changed = list(["diff", "--name-only", "--no-renames", "--relative", "-z", commit, "--"]);
  const untracked = list(["ls-files", "--others", "--exclude-standard", "-z"]);
  return [...new Set([...changed, ...untracked])].sort();
}

/** A file's text at the commit (path relative to the project folder), or undefined when it has none there. */
function fileAt(projectDir: string, commit: string, relative: string): string | undefined {
  try {
    return git(projectDir, ["show", `${commit}:./${relative.split(path.sep).join("/")}`]);
  } catch (error) {
    if (error instanceof GitError) throw error;
    return undefined;
  }
}

/**
 * `affected --base REF`: the changes since the commit, and the roster there beside the roster now
 * (read as written: the stack files of today need not fit the trainees of then).
 */
export function affectedSince(
  projectDir: string,
  rosterArg: string,
  trainees: RosterTrainee[],
  base: string,
): Affected {
  const commit = resolveBase(projectDir, base);
  const rosterPath = path.relative(projectDir, path.resolve(rosterArg));
  const text = fileAt(projectDir, commit, rosterPath);
  const then = text === undefined ? undefined : rosterEntries(text, `${rosterArg} at ${base}`);
  return affectedStacks({
    changed: changedSince(projectDir, commit),
    trainees,
    baseTrainees: then?.trainees,
    noBaseRoster:
      text === undefined
        ? `${rosterArg} is not in ${base}`
        : `${rosterArg} at ${base} cannot be read (${then?.problems[0]})`,
    rosterFile: rosterArg,
    projectDir,
  });
}
