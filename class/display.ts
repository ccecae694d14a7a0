/**
 * What the trainer sees: a live block with one line per trainee (phase, resources done of those
 * the engine has announced, elapsed) redrawn in place on a terminal, plain lines otherwise (a CI
 * log, a pipe), and the summary table at the end.
 */
import type { OpMap } from "@pulumi/pulumi/automation";
import type { RunCommand, TraineeOutcome, TraineeProgress } from "./runner";

export interface Output {
  write(text: string): unknown;
  /** True on a terminal, where lines can be redrawn. */
  isTTY?: boolean;
}

/** "4m12s", "35s", "1h02m", "3d04h" (a course's end can be days away). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

/** The engine's operations as Pulumi's own display counts them: `+3 ~1 -2 +-1`. */
export function changes(ops: OpMap | undefined): string {
  if (!ops) return "";
  const parts = (
    [
      ["+", ops.create],
      ["~", ops.update],
      ["-", ops.delete],
      ["+-", ops.replace],
      ["=", ops.import],
    ] as const
  )
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([sign, n]) => `${sign}${n}`);
  return parts.length > 0 ? parts.join(" ") : "none";
}

/** Rows as columns, each as wide as its widest cell; trailing blanks trimmed. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => [...(row[i] ?? "")].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell + " ".repeat(widths[i] - [...cell].length))
      .join("  ")
      .trimEnd(),
  );
}

function elapsed(p: TraineeProgress, now: number): string {
  return p.startedAt === undefined ? "" : duration((p.endedAt ?? now) - p.startedAt);
}

function resources(p: TraineeProgress): string {
  return p.resourcesTotal > 0 ? `${p.resourcesDone}/${p.resourcesTotal}` : "";
}

/** The live block: a header and one line per trainee. */
export function progressLines(states: TraineeProgress[], now: number): string[] {
  return columns([
    ["trainee", "phase", "resources", "elapsed"],
    ...states.map((p) => [p.trainee, p.phase, resources(p), elapsed(p, now)]),
  ]);
}

export interface DisplayOptions {
  now?: () => number;
  /** Without a terminal: at most one resources line per trainee this often. Defaults to 30 s. */
  plainIntervalMs?: number;
  /** On a terminal: how often the block is redrawn. Defaults to 250 ms. */
  redrawMs?: number;
}

export class ProgressDisplay {
  private readonly states = new Map<string, TraineeProgress>();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly lastPlain = new Map<string, { phase: string; at: number; done: number }>();
  private drawn = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly out: Output,
    private readonly command: RunCommand,
    trainees: string[],
    private readonly options: DisplayOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    for (const trainee of trainees) {
      this.states.set(trainee, { trainee, phase: "queued", finished: false, resourcesDone: 0, resourcesTotal: 0 });
    }
  }

  start(): void {
    if (this.out.isTTY) {
      this.draw();
      this.timer = setInterval(() => this.draw(), this.options.redrawMs ?? 250);
      this.timer.unref();
    } else {
      this.out.write(`${this.command}: ${this.states.size} trainee${this.states.size === 1 ? "" : "s"}\n`);
    }
  }

  update(progress: TraineeProgress): void {
    this.states.set(progress.trainee, progress);
    if (!this.out.isTTY) this.plain(progress);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.out.isTTY) this.draw();
  }

  /** Redraws the block in place: up to its first line, each line cleared, anything below cleared. */
  draw(): void {
    const lines = progressLines([...this.states.values()], this.now());
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : "";
    this.out.write(up + lines.map((line) => `${line}\x1b[K\n`).join("") + "\x1b[J");
    this.drawn = lines.length;
  }

  /** A line when the phase changes; while it works, its resources at most once an interval. */
  private plain(p: TraineeProgress): void {
    const now = this.now();
    const last = this.lastPlain.get(p.trainee);
    const stamp = `[${duration(now - this.startedAt).padStart(6)}]`;
    if (last === undefined && p.phase === "queued") return;
    if (last?.phase !== p.phase) {
      const ran = p.finished && p.phase !== "already done" && p.phase !== "not started";
      const detail = ran ? ` after ${elapsed(p, now)}${resources(p) ? `, ${resources(p)} resources` : ""}` : "";
      this.out.write(`${stamp} ${p.trainee}: ${p.phase}${detail}\n`);
      this.lastPlain.set(p.trainee, { phase: p.phase, at: now, done: p.resourcesDone });
    } else if (
      !p.finished &&
      p.resourcesDone !== last.done &&
      now - last.at >= (this.options.plainIntervalMs ?? 30_000)
    ) {
      this.out.write(`${stamp} ${p.trainee}: ${p.phase}, ${resources(p)} resources\n`);
      this.lastPlain.set(p.trainee, { phase: p.phase, at: now, done: p.resourcesDone });
    }
  }
}

/** The table at the end, and a line that says what to do next. */
export function summary(command: RunCommand, outcomes: TraineeOutcome[]): string {
  const rows = columns([
    ["trainee", "result", "duration", "changes", "first error / note"],
    ...outcomes.map((o) => [
      o.trainee,
      o.result,
      o.result === "already done" || o.result === "not started" ? "" : duration(o.durationMs),
      changes(o.changes),
      o.error ?? o.note ?? "",
    ]),
  ]);
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.result, (counts.get(o.result) ?? 0) + 1);
  const tally = [...counts].map(([result, n]) => `${n} ${result}`).join(", ");
  const unfinished = outcomes.filter(
    (o) => o.result === "failed" || o.result === "cancelled" || o.result === "not started",
  );
  const next =
    unfinished.length === 0
      ? ""
      : command === "preview" || command === "refresh"
        ? ` ${command === "preview" ? "Previews" : "Refreshes"} always run again; to ${command} only these: --only ${unfinished.map((o) => o.trainee).join(",")}`
        : ` Run the same command again: it retries only ${unfinished.map((o) => o.trainee).join(", ")}.`;
  return `${rows.join("\n")}\n\n${command}: ${outcomes.length} trainee${outcomes.length === 1 ? "" : "s"}: ${tally}.${next}\n`;
}
