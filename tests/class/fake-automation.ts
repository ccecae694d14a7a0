/**
 * A stand-in for Pulumi's Automation API over a self-managed backend, for this machine has no
 * Pulumi CLI. It has the shape the class command uses (`ClassWorkspace`, `ClassStack`) and behaves
 * as the real CLI does where the class command depends on it:
 * - errors are the SDK's own classes, built by the SDK's own classifier from the CLI's real stderr
 *   ("no stack named 'x' found", "the stack is currently locked by 1 lock(s)");
 * - preview, up, refresh and destroy take the stack's lock for their whole run; a second one is refused;
 * - the engine's events arrive as the CLI sends them: a prelude, then for each resource a
 *   resourcePreEvent, then resOutputsEvent (or a diagnostic and resOpFailedEvent), then a summary;
 * - SIGINT (the AbortSignal of the options, or a terminal's Ctrl-C, `interruptTerminal`): the
 *   first makes the CLI print "^C received; cancelling" as a stdout event, finish the resource in
 *   flight, record the update as failed and release the lock; a second makes it terminate at once,
 *   leaving the lock (and the update unrecorded). A CLI scripted to `die` on SIGINT leaves its
 *   lock too, as a killed process does;
 * - `cancel()` deletes the stack's locks (as `pulumi cancel` does on a self-managed backend), and
 *   it records a violation when it is called while an update of the stack still runs;
 * - history holds updates, refreshes and destroys, newest first (previews are not recorded), with
 *   the message given to up; a refresh finds no drift.
 */
import type { EngineEvent, OpMap, OutputMap, UpdateSummary } from "@pulumi/pulumi/automation";
import type { ClassStack, ClassWorkspace } from "../../class/automation";

// Internal to the SDK: the classifier that turns a CLI result into its error classes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as {
  createCommandError: (result: unknown) => Error;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
};

function cliError(stderr: string, code = 255): Error {
  return createCommandError(new CommandResult("", stderr, code));
}

export interface StackScript {
  /** Resources the program registers. Defaults to 25, the lab's count at stage allowed-repos. */
  resources?: number;
  /** How long each resource's step takes, in ms. Defaults to 5. */
  stepMs?: number;
  /** The step at which an up fails, with the provider's message. */
  failAt?: { step: number; message: string };
  /** What the CLI does on SIGINT: cancel gracefully (the default), or die leaving its lock. */
  onInterrupt?: "graceful" | "die";
  /** The outputs an up produces. Defaults to the lab's, with a port-forward. */
  outputs?: OutputMap;
}

interface StackState {
  history: UpdateSummary[];
  /** Resources in the stack's state. */
  resources: number;
  outputs: OutputMap;
  locked: boolean;
}

interface LiveCli {
  stack: string;
  kind: "preview" | "update" | "refresh" | "destroy";
  sigints: number;
  /** Wakes the step in flight when the CLI is terminated. */
  terminate: () => void;
  emit: (event: Partial<EngineEvent>) => void;
}

export const LAB_OUTPUTS = (stack: string): OutputMap => ({
  stage: { value: "allowed-repos", secret: false },
  kubeconfig: {
    value: `apiVersion: v1\nkind: Config\nclusters:\n- name: ${stack}\n  cluster: {server: 'https://lab-${stack}.hcp.westeurope.azmk8s.io:443'}\n`,
    secret: true,
  },
  clusterName: { value: `lab-cluster-aks${stack.length}`, secret: false },
  phpMyAdmin: {
    value: "kubectl port-forward -n app svc/phpmyadmin 8080:80, then open http://localhost:8080",
    secret: false,
  },
  mysqlRootPassword: { value: "generated-password", secret: true },
});

export class FakeBackend {
  readonly stacks = new Map<string, StackState>();
  /** Every CLI command run, in order: "stack select alice", "up alice", "cancel alice", ... */
  readonly calls: string[] = [];
  /** Things the real backend would not forgive, such as unlocking a stack under a live update. */
  readonly violations: string[] = [];
  /** Stacks whose lock was still held when cancel() deleted it: a lock the runner cleared. */
  readonly unlockedByCancel: string[] = [];
  /** The most preview/up/destroy runs at once. */
  maxRunning = 0;
  private readonly live = new Map<string, LiveCli>();
  private sequence = 0;

  constructor(readonly scripts: Record<string, StackScript> = {}) {}

  get running(): number {
    return this.live.size;
  }

  /** The stacks whose lock is held now. */
  locked(): string[] {
    return [...this.stacks].filter(([, s]) => s.locked).map(([name]) => name);
  }

  /** A terminal's Ctrl-C: SIGINT to every running CLI of the process group. */
  interruptTerminal(): void {
    for (const cli of this.live.values()) this.sigint(cli);
  }

  /** Calls made for one stack's updates. */
  callsOf(kind: string): string[] {
    return this.calls.filter((c) => c.startsWith(`${kind} `)).map((c) => c.slice(kind.length + 1));
  }

  workspace(): ClassWorkspace {
    return {
      createOrSelectStack: async (name) => {
        await delay(1);
        if (!this.stacks.has(name)) {
          this.calls.push(`stack init ${name}`);
          this.stacks.set(name, { history: [], resources: 0, outputs: {}, locked: false });
        } else this.calls.push(`stack select ${name}`);
        return this.stack(name);
      },
      selectStack: async (name) => {
        await delay(1);
        this.calls.push(`stack select ${name}`);
        if (!this.stacks.has(name)) throw cliError(`error: no stack named '${name}' found\n`);
        return this.stack(name);
      },
    };
  }

  /** Records a finished update, as the backend's history would. */
  record(stack: string, entry: Partial<UpdateSummary> & Pick<UpdateSummary, "kind" | "result">): void {
    const state = this.stacks.get(stack)!;
    const time = new Date(Date.UTC(2025, 0, 6, 9, 0) + state.history.length * 60_000);
    state.history.unshift({
      message: "",
      environment: { "exec.kind": "auto.local" },
      config: {},
      startTime: time,
      endTime: time,
      version: state.history.length + 1,
      ...entry,
    });
  }

  private stack(name: string): ClassStack {
    const state = () => this.stacks.get(name)!;
    const stack = {
      name,
      preview: async (opts?: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal }) => {
        const ops = await this.run(name, "preview", opts ?? {});
        return { stdout: "", stderr: "", changeSummary: ops };
      },
      up: async (opts?: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal; message?: string }) => {
        await this.run(name, "update", opts ?? {});
        return { stdout: "", stderr: "", outputs: state().outputs, summary: state().history[0] };
      },
      refresh: async (opts?: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal }) => {
        await this.run(name, "refresh", opts ?? {});
        return { stdout: "", stderr: "", summary: state().history[0] };
      },
      destroy: async (opts?: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal }) => {
        await this.run(name, "destroy", opts ?? {});
        return { stdout: "", stderr: "", summary: state().history[0] };
      },
      cancel: async () => {
        await delay(1);
        this.calls.push(`cancel ${name}`);
        if (this.live.has(name)) this.violations.push(`cancel ${name} while its update still runs`);
        if (state().locked) this.unlockedByCancel.push(name);
        state().locked = false;
      },
      history: async (pageSize?: number, page?: number) => {
        await delay(1);
        this.calls.push(`history ${name}`);
        const all = state().history;
        if (!pageSize) return [...all];
        const start = ((page ?? 1) - 1) * pageSize;
        return all.slice(start, start + pageSize);
      },
      outputs: async () => {
        await delay(1);
        this.calls.push(`outputs ${name}`);
        return { ...state().outputs };
      },
    };
    return stack;
  }

  private sigint(cli: LiveCli): void {
    cli.sigints++;
    if (cli.sigints === 1) {
      cli.emit({
        stdoutEvent: {
          message:
            "^C received; cancelling. If you would like to terminate immediately, press ^C again.\n" +
            (cli.kind === "preview"
              ? ""
              : "Note that terminating immediately may lead to orphaned resources and other inconsistencies.\n"),
          color: "always",
        },
      });
    } else {
      cli.terminate();
    }
  }

  private async run(
    name: string,
    kind: LiveCli["kind"],
    opts: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal; message?: string },
  ): Promise<OpMap> {
    const script = this.scripts[name] ?? {};
    const state = this.stacks.get(name)!;
    this.calls.push(`${kind === "update" ? "up" : kind} ${name}`);
    await delay(1);
    if (state.locked) {
      throw cliError(
        "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
          `  file:///home/trainer/.pulumi/locks/organization/k8s-hardening-lab/${name}/0f3c.json: created by trainer@laptop (pid 4242)\n`,
      );
    }
    state.locked = true;
    let wake: () => void = () => undefined;
    let terminated = false;
    const cli: LiveCli = {
      stack: name,
      kind,
      sigints: 0,
      terminate: () => {
        terminated = true;
        wake();
      },
      emit: (event) =>
        opts.onEvent?.({ sequence: this.sequence++, timestamp: Math.floor(Date.now() / 1000), ...event }),
    };
    this.live.set(name, cli);
    this.maxRunning = Math.max(this.maxRunning, this.live.size);
    const onAbort = () => this.sigint(cli);
    opts.signal?.addEventListener("abort", onAbort);

    const steps = kind === "destroy" || kind === "refresh" ? state.resources : (script.resources ?? 25);
    const ops: OpMap = {};
    const count = (op: keyof OpMap) => (ops[op] = (ops[op] ?? 0) + 1);
    let failed: string | undefined;
    let done = 0;
    try {
      cli.emit({ preludeEvent: { config: {} } });
      for (let step = 0; step < steps; step++) {
        if (cli.sigints > 0 || terminated) break;
        // A refresh reads back each resource in the state; with no drift, each stays the same.
        const op = kind === "destroy" ? "delete" : step < state.resources ? "same" : "create";
        const urn = `urn:pulumi:${name}::k8s-hardening-lab::k8s-hardening-lab:index:Lab::lab-${step}`;
        const metadata = { op, urn, type: "k8s-hardening-lab:index:Lab", provider: "" } as const;
        cli.emit({ resourcePreEvent: { metadata, planning: kind === "preview" } });
        // The step in flight finishes even when SIGINT arrives; only termination cuts it short.
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, script.stepMs ?? 5);
        });
        if (terminated) break;
        if (script.failAt?.step === step && kind === "update") {
          cli.emit({
            diagnosticEvent: {
              urn,
              prefix: "error: ",
              message: `${script.failAt.message}\n    (see the Azure portal for details)\n`,
              color: "never",
              severity: "error",
            },
          });
          cli.emit({ resOpFailedEvent: { metadata, status: 1, steps: 1 } });
          failed = script.failAt.message;
          break;
        }
        cli.emit({ resOutputsEvent: { metadata, planning: kind === "preview" } });
        count(op);
        done++;
      }
      if (terminated) {
        // Exits at once: no checkpoint, no history, and the lock stays where it is.
        throw cliError("^C received; terminating\n", 255);
      }
      cli.emit({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: ops, policyPacks: {} } });
      const cancelled = cli.sigints > 0;
      if (kind !== "preview") {
        if (kind !== "refresh") {
          state.resources = kind === "destroy" ? state.resources - done : Math.max(state.resources, done);
        }
        this.record(name, {
          kind,
          result: failed || cancelled ? "failed" : "succeeded",
          message: opts.message ?? "",
          resourceChanges: ops,
        });
        if (kind === "update" && !failed && !cancelled) state.outputs = script.outputs ?? LAB_OUTPUTS(name);
        if (kind === "destroy" && !cancelled) state.outputs = {};
      }
      if (cancelled && script.onInterrupt === "die") throw cliError("signal: interrupt\n", -2);
      state.locked = false;
      if (failed) throw cliError(`error: update failed\n`);
      if (cancelled) throw cliError(`error: ${kind === "preview" ? "preview" : "update"} canceled\n`);
      return ops;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      this.live.delete(name);
    }
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
