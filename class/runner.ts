/**
 * Runs `preview`, `up`, `refresh` or `destroy` on every trainee's stack, at most `concurrency` at once. One
 * trainee's failure does not stop the others; a run again retries only what is not done, as the
 * backend itself records it (see `isDone`); Ctrl-C cancels cleanly (see `interrupt`).
 */
import {
  ConcurrentUpdateError,
  EngineEvent,
  OpMap,
  StackNotFoundError,
  UpdateSummary,
} from "@pulumi/pulumi/automation";
import type { ClassStack, ClassWorkspace } from "./automation";
import { pool } from "./pool";

export const RUN_COMMANDS = ["preview", "up", "refresh", "destroy"] as const;
export type RunCommand = (typeof RUN_COMMANDS)[number];

export const ACTIVE_PHASES = {
  preview: "previewing",
  up: "updating",
  refresh: "refreshing",
  destroy: "destroying",
} as const satisfies Record<RunCommand, string>;

export type Phase =
  "queued" | "selecting stack" | "reading history" | (typeof ACTIVE_PHASES)[RunCommand] | "cancelling" | "unlocking";

/**
 * How a trainee's run ended. "already done" means the backend already records the command as done
 * for this trainee, so nothing was run; "not started" means Ctrl-C came first.
 */
export type Result = "succeeded" | "failed" | "cancelled" | "already done" | "not started";

export interface TraineeProgress {
  trainee: string;
  phase: Phase | Result;
  finished: boolean;
  /** Resources whose step the engine finished, and the steps it has announced so far. */
  resourcesDone: number;
  resourcesTotal: number;
  startedAt?: number;
  endedAt?: number;
}

export interface TraineeOutcome {
  trainee: string;
  result: Result;
  durationMs: number;
  /** The engine's count of operations, by kind. */
  changes?: OpMap;
  /** For a failure: its first error line. */
  error?: string;
  /** Why nothing ran, or what cleaning up after Ctrl-C did. */
  note?: string;
}

export interface RunOptions {
  command: RunCommand;
  trainees: string[];
  workspace: ClassWorkspace;
  /** At most this many stacks run at once. */
  concurrency: number;
  /** For `up`: the update message that marks a trainee's stack as up with this program and config. */
  upMessage?: (trainee: string) => string;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /**
   * After Ctrl-C, how long to wait for each running CLI to say it got the terminal's SIGINT before
   * sending it one through the Automation API. Defaults to 3 seconds.
   */
  interruptGraceMs?: number;
  onProgress?: (progress: TraineeProgress) => void;
  /** The clock, for the progress display. Defaults to Date.now. */
  now?: () => number;
}

/** What the engine prints when a CLI got SIGINT (or SIGTERM) and cancels gracefully. */
const CLI_CANCELLING = /(\^C|SIGTERM) received; cancelling/;

interface Running {
  stack: ClassStack;
  controller: AbortController;
  /** Ctrl-C arrived while this update ran. */
  interrupted: boolean;
  /** The CLI said it is cancelling: it got SIGINT and must not get a second one. */
  cliCancelling: boolean;
  settled: boolean;
}

export async function runClass(options: RunOptions): Promise<TraineeOutcome[]> {
  const now = options.now ?? Date.now;
  const grace = options.interruptGraceMs ?? 3000;
  const running = new Map<string, Running>();
  const progress = new Map<string, TraineeProgress>();
  const emit = (trainee: string, change: Partial<TraineeProgress>) => {
    const next = { ...progress.get(trainee)!, ...change };
    progress.set(trainee, next);
    options.onProgress?.(next);
  };
  for (const trainee of options.trainees) {
    progress.set(trainee, { trainee, phase: "queued", finished: false, resourcesDone: 0, resourcesTotal: 0 });
    options.onProgress?.(progress.get(trainee)!);
  }

  // Ctrl-C. A terminal delivers SIGINT to the whole process group, so each Pulumi CLI usually has
  // it already and is cancelling: its in-flight operations finish, its checkpoint is written and
  // its lock released. A second SIGINT would make it terminate at once (orphaned resources, the
  // lock left), so one is sent through the Automation API only to a CLI that has not said, within
  // the grace period, that it is cancelling (this process was signalled alone).
  const interrupt = () => {
    for (const [trainee, run] of running) {
      run.interrupted = true;
      emit(trainee, { phase: "cancelling" });
      setTimeout(() => {
        if (!run.cliCancelling && !run.settled) run.controller.abort();
      }, grace).unref();
    }
  };
  options.signal?.addEventListener("abort", interrupt, { once: true });
  const stopped = () => options.signal?.aborted === true;

  // Selecting a stack writes the project's current stack into the workspace settings of
  // ~/.pulumi; every later command names its stack, but two selections at once would race on
  // that file, so they take turns. Only preview and up create a stack that is not there yet.
  const existingOnly = options.command === "destroy" || options.command === "refresh";
  let selections: Promise<unknown> = Promise.resolve();
  const select = (trainee: string): Promise<ClassStack> => {
    const next = selections.then(() =>
      existingOnly ? options.workspace.selectStack(trainee) : options.workspace.createOrSelectStack(trainee),
    );
    selections = next.catch(() => undefined);
    return next;
  };

  const runTrainee = async (trainee: string): Promise<TraineeOutcome> => {
    const startedAt = now();
    const end = (outcome: Omit<TraineeOutcome, "trainee" | "durationMs">): TraineeOutcome => {
      const endedAt = now();
      emit(trainee, { phase: outcome.result, finished: true, endedAt });
      return { trainee, durationMs: endedAt - startedAt, ...outcome };
    };
    if (stopped()) return end({ result: "not started", note: "Ctrl-C came first" });
    emit(trainee, { phase: "selecting stack", startedAt });

    let stack: ClassStack;
    try {
      stack = await select(trainee);
    } catch (error) {
      if (existingOnly && error instanceof StackNotFoundError) {
        return end({ result: "already done", note: `no such stack in the backend: nothing to ${options.command}` });
      }
      return end({ result: "failed", error: firstErrorLine(undefined, error, trainee) });
    }

    const message = options.command === "up" ? options.upMessage?.(trainee) : undefined;
    // A preview or a refresh is never done for good: each reads the cloud as it is now.
    if (options.command === "up" || options.command === "destroy") {
      emit(trainee, { phase: "reading history" });
      let last: UpdateSummary | undefined;
      try {
        [last] = await stack.history(1, 1, false);
      } catch (error) {
        return end({ result: "failed", error: firstErrorLine(undefined, error, trainee) });
      }
      const done = isDone(options.command, last, message);
      if (done) return end({ result: "already done", note: done });
    }
    if (stopped()) return end({ result: "not started", note: "Ctrl-C came first" });

    const run: Running = {
      stack,
      controller: new AbortController(),
      interrupted: false,
      cliCancelling: false,
      settled: false,
    };
    running.set(trainee, run);
    emit(trainee, { phase: ACTIVE_PHASES[options.command] });
    let done = 0;
    let total = 0;
    let diagnostic: string | undefined;
    let summaryChanges: OpMap | undefined;
    const onEvent = (event: EngineEvent) => {
      if (event.resourcePreEvent) emit(trainee, { resourcesTotal: ++total });
      else if (event.resOutputsEvent || event.resOpFailedEvent) emit(trainee, { resourcesDone: ++done });
      else if (event.diagnosticEvent?.severity === "error" && diagnostic === undefined) {
        diagnostic = diagnosticLine(event.diagnosticEvent.message, event.diagnosticEvent.urn);
      } else if (event.stdoutEvent && CLI_CANCELLING.test(event.stdoutEvent.message)) run.cliCancelling = true;
      else if (event.summaryEvent) summaryChanges = event.summaryEvent.resourceChanges;
    };
    const common = { onEvent, signal: run.controller.signal };

    let outcome: Omit<TraineeOutcome, "trainee" | "durationMs">;
    try {
      if (options.command === "preview") {
        const result = await stack.preview(common);
        outcome = { result: "succeeded", changes: result.changeSummary };
      } else if (options.command === "up") {
        const result = await stack.up({ ...common, message });
        outcome = { result: "succeeded", changes: result.summary.resourceChanges ?? summaryChanges };
      } else if (options.command === "refresh") {
        const result = await stack.refresh(common);
        outcome = { result: "succeeded", changes: result.summary.resourceChanges ?? summaryChanges };
      } else {
        const result = await stack.destroy(common);
        outcome = { result: "succeeded", changes: result.summary.resourceChanges ?? summaryChanges };
      }
    } catch (error) {
      outcome = run.interrupted
        ? { result: "cancelled", changes: summaryChanges }
        : { result: "failed", changes: summaryChanges, error: firstErrorLine(diagnostic, error, trainee) };
    } finally {
      run.settled = true;
      running.delete(trainee);
    }

    if (run.interrupted) {
      // Only now that the CLI has exited: with a self-managed backend `pulumi cancel` deletes the
      // stack's lock files whoever holds them, so it must not run under a live update. It clears
      // a lock a terminated CLI left behind; with Pulumi Cloud it ends an update still marked as
      // running.
      emit(trainee, { phase: "unlocking" });
      try {
        await stack.cancel();
      } catch (error) {
        outcome.note = `pulumi cancel: ${firstErrorLine(undefined, error, trainee)}`;
      }
    }
    return end(outcome);
  };

  const outcomes = await pool(options.trainees, options.concurrency, runTrainee);
  options.signal?.removeEventListener("abort", interrupt);
  return outcomes;
}

/**
 * Whether the backend already records the command as done, and how, or undefined.
 * - up: the stack's last update is an update that succeeded with this program and configuration
 *   (its message, written by `up` itself, carries both fingerprints). A refresh since then is the
 *   last update, so the next up runs again: the refresh may have found drift that up repairs.
 * - destroy: nothing was ever deployed, or the last update is a destroy that succeeded.
 * - preview and refresh: never; each reads the cloud as it is when it runs.
 */
export function isDone(command: RunCommand, last: UpdateSummary | undefined, upMessage?: string): string | undefined {
  if (command === "up") {
    if (last?.kind === "update" && last.result === "succeeded" && last.message === upMessage) {
      return `update ${last.version} at ${isoMinute(last.endTime)} succeeded with this program and config`;
    }
    return undefined;
  }
  if (command === "destroy") {
    if (last === undefined) return "nothing was ever deployed";
    if (last.kind === "destroy" && last.result === "succeeded") {
      return `destroyed by update ${last.version} at ${isoMinute(last.endTime)}`;
    }
  }
  return undefined;
}

function isoMinute(date: Date | string | undefined): string {
  if (date === undefined) return "an unknown time";
  return new Date(date).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** A resource's error in one line, named by the resource's name in its URN. */
function diagnosticLine(message: string, urn: string | undefined): string {
  const line = firstLine(message).replace(/^error:\s*/, "");
  const name = urn?.split("::").pop();
  return name ? `${name}: ${line}` : line;
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  );
}

/**
 * A failure's first error line: the engine's first error diagnostic when there was one, otherwise
 * the first `error:` line the CLI wrote to stderr, otherwise the error's own first line.
 */
export function firstErrorLine(diagnostic: string | undefined, error: unknown, trainee: string): string {
  if (diagnostic) return diagnostic;
  if (error instanceof ConcurrentUpdateError) {
    return `the stack is locked by another update; if none is running, unlock it with \`pulumi cancel --stack ${trainee}\``;
  }
  const message = error instanceof Error ? error.message : String(error);
  // A CommandError's message is "code: N\n stdout: ...\n stderr: ...\n err?: ...".
  const stderr = /\n stderr: ([\s\S]*?)\n err\?:/.exec(message)?.[1] ?? message;
  const errorLine = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /^error:/.test(l));
  return errorLine ? errorLine.replace(/^error:\s*/, "") : firstLine(stderr) || firstLine(message);
}
