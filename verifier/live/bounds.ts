/**
 * The bounds of a live run: its deadline, Ctrl-C, and how many execs run at once. Every wait of
 * the run ends by one of them, so a cluster that never answers a probe, or a pod that never
 * starts, cannot hold the run.
 */

/**
 * How long a live run waits on the cluster: the longest a request or the wait for the bindings
 * takes, and how often it looks again. These are live mode's; tests that play a cluster taking its
 * time (a binding that never comes, a server that never answers) shorten them
 * (tests/live/verify.ts), so that they do not wait in real time for what they check.
 */
export interface LiveWaits {
  /** Bound on one HTTP request, and on proving the server answers at all. */
  requestMs: number;
  /** The longest wait for the ValidatingAdmissionPolicy bindings the prediction names. */
  bindingsMs: number;
  /** Between two looks for a binding. */
  bindingPollMs: number;
  /** Between two looks at a pod that is not running yet, or at a deleted one that is not gone yet. */
  podPollMs: number;
}

export const LIVE_WAITS: LiveWaits = { requestMs: 5_000, bindingsMs: 60_000, bindingPollMs: 2_000, podPollMs: 1_000 };

/** The run was stopped by Ctrl-C; its probes were deleted (what happened to each is said). */
export class Interrupted extends Error {
  constructor(readonly housekeeping: string[]) {
    super("interrupted");
    this.name = "Interrupted";
  }
}

export class Bounds {
  /** When the deadline passes, in milliseconds since the epoch. */
  readonly end: number;
  /** Aborted at the deadline or by Ctrl-C. */
  readonly signal: AbortSignal;

  constructor(
    private readonly deadlineSeconds: number,
    private readonly interrupt: AbortSignal,
  ) {
    this.end = Date.now() + deadlineSeconds * 1000;
    this.signal = AbortSignal.any([interrupt, AbortSignal.timeout(deadlineSeconds * 1000)]);
  }

  get interrupted(): boolean {
    return this.interrupt.aborted;
  }

  /** Why the run stopped waiting, for the evidence of what it did not get to. */
  why(): string {
    return this.interrupted
      ? "the run was interrupted (Ctrl-C) first"
      : `the run's deadline (${this.deadlineSeconds} s) passed first`;
  }

  /** Waits `ms`; false when the run was stopped meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (this.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.signal.removeEventListener("abort", stop);
        resolve(value);
      };
      const stop = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      this.signal.addEventListener("abort", stop, { once: true });
    });
  }
}

/** Runs at most `size` tasks at once, in the order they ask. */
export class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
