// preview, up and destroy over a whole class, against the stand-in for the Automation API
// (tests/class/fake-automation.ts): the concurrency bound, one failure not stopping the others,
// a run again retrying only what is not done, Ctrl-C leaving nothing locked.
import * as fs from "fs";
import * as path from "path";
import { FakeBackend, StackScript } from "./fake-automation";
import { CliRun, runCli, rosterOf, tmpProject } from "./helpers";

const NAMES = Array.from({ length: 10 }, (_, i) => `trainee${String(i + 1).padStart(2, "0")}`);
const QUOTA_ERROR =
  "creating ManagedCluster: QuotaExceeded: Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota";

/** A project with a 10-trainee roster and its stack files written by init. */
async function classOf10(): Promise<{ dir: string; roster: string }> {
  const dir = tmpProject();
  const roster = path.join(dir, "class.yaml");
  fs.writeFileSync(roster, rosterOf(10));
  const init = await runCli(["init", "--roster", roster], dir, new FakeBackend());
  expect(init.status).toBe(0);
  return { dir, roster };
}

function scripts(script: StackScript, overrides: Record<string, StackScript> = {}): Record<string, StackScript> {
  return Object.fromEntries(NAMES.map((name) => [name, { ...script, ...overrides[name] }]));
}

/** The summary table's rows, as [trainee, result]. */
function results(run: CliRun): [string, string][] {
  const table = run.stdout.slice(run.stdout.search(/^trainee +result/m));
  return table
    .split("\n")
    .slice(1)
    .filter((line) => /^trainee\d\d /.test(line))
    .map((line) => line.split(/\s{2,}/).slice(0, 2) as [string, string]);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error("the condition never held");
}

describe("up for 10 trainees at --concurrency 3", () => {
  it("never runs more than 3 at once, and all 10 are done", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 3 }));
    const run = await runCli(["up", "--roster", roster, "--concurrency", "3"], dir, backend);
    expect(run.status).toBe(0);
    expect(backend.maxRunning).toBe(3);
    expect(backend.callsOf("up").sort()).toEqual(NAMES);
    expect(results(run)).toEqual(NAMES.map((n) => [n, "succeeded"]));
    for (const name of NAMES) {
      const [last] = backend.stacks.get(name)!.history;
      expect([name, last.kind, last.result]).toEqual([name, "update", "succeeded"]);
      expect(last.message).toMatch(/^class up: program [0-9a-f]{12}, config [0-9a-f]{12}$/);
    }
    expect(backend.locked()).toEqual([]);
    expect(run.stdout).toContain("up: 10 trainees: 10 succeeded.\n");
  });

  it("the default is 4 at once", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 3 }));
    expect((await runCli(["up", "--roster", roster], dir, backend)).status).toBe(0);
    expect(backend.maxRunning).toBe(4);
  });

  it("one failure leaves the 9 others done and exits 1; the same command again runs only the failed one", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(
      scripts({ stepMs: 2 }, { trainee05: { failAt: { step: 7, message: QUOTA_ERROR } } }),
    );
    const first = await runCli(["up", "--roster", roster, "--concurrency", "3"], dir, backend);
    expect(first.status).toBe(1);
    expect(results(first)).toEqual(NAMES.map((n) => [n, n === "trainee05" ? "failed" : "succeeded"]));
    const failedRow = first.stdout.split("\n").find((line) => line.startsWith("trainee05"));
    expect(failedRow).toMatch(/^trainee05 +failed +\d+s +\+7 +lab-7: creating ManagedCluster: QuotaExceeded: /);
    expect(first.stdout).toContain(
      "up: 10 trainees: 9 succeeded, 1 failed. Run the same command again: it retries only trainee05.\n",
    );
    expect(backend.locked()).toEqual([]);

    delete backend.scripts.trainee05.failAt;
    const upsBefore = backend.callsOf("up").length;
    const second = await runCli(["up", "--roster", roster, "--concurrency", "3"], dir, backend);
    expect(second.status).toBe(0);
    expect(backend.callsOf("up").slice(upsBefore)).toEqual(["trainee05"]);
    expect(results(second)).toEqual(NAMES.map((n) => [n, n === "trainee05" ? "succeeded" : "already done"]));
    expect(second.stdout).toMatch(
      /trainee01 +already done +update 1 at 2025-01-06 09:00 UTC succeeded with this program and config\n/,
    );
  });

  it("a trainee whose stack file changed is not done; the others are", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 1 }));
    expect((await runCli(["up", "--roster", roster], dir, backend)).status).toBe(0);
    fs.writeFileSync(
      roster,
      rosterOf(10).replace("  - name: trainee03\n", "  - name: trainee03\n    stage: zero-trust\n"),
    );
    // Without init the stack file no longer says what the roster says: nothing runs.
    const stale = await runCli(["up", "--roster", roster], dir, backend);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toBe(
      "class: nothing was written or run:\n  Pulumi.trainee03.yaml: k8s-hardening-lab:stage differs from the roster; run `npm run class -- init` to write the roster's values\n",
    );
    expect((await runCli(["init", "--roster", roster], dir, backend)).stdout).toContain(
      "Pulumi.trainee03.yaml: set k8s-hardening-lab:stage\n",
    );
    const upsBefore = backend.callsOf("up").length;
    expect((await runCli(["up", "--roster", roster], dir, backend)).status).toBe(0);
    expect(backend.callsOf("up").slice(upsBefore)).toEqual(["trainee03"]);
  });

  it("a change of the program makes every trainee not done", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 1 }));
    expect((await runCli(["up", "--roster", roster], dir, backend)).status).toBe(0);
    fs.mkdirSync(path.join(dir, "components"));
    fs.writeFileSync(path.join(dir, "components", "lab.ts"), "// a changed component\n");
    const upsBefore = backend.callsOf("up").length;
    expect((await runCli(["up", "--roster", roster], dir, backend)).status).toBe(0);
    expect(backend.callsOf("up").slice(upsBefore).sort()).toEqual(NAMES);
  });

  it("a stack someone else is updating fails with how to unlock it, and the others go on", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 1 }));
    await backend.workspace().createOrSelectStack("trainee02");
    backend.stacks.get("trainee02")!.locked = true;
    const run = await runCli(["up", "--roster", roster], dir, backend);
    expect(run.status).toBe(1);
    expect(results(run).filter(([, r]) => r !== "succeeded")).toEqual([["trainee02", "failed"]]);
    expect(run.stdout).toMatch(
      /trainee02 +failed +\d+s +the stack is locked by another update; if none is running, unlock it with `pulumi cancel --stack trainee02`\n/,
    );
  });
});

describe("Ctrl-C", () => {
  // A resource's step outlasts the grace period, as an AKS cluster's minutes do.
  const slow = scripts({ stepMs: 200 });

  async function interruptedRun(
    backend: FakeBackend,
    interrupt: (controller: AbortController) => void,
  ): Promise<CliRun> {
    const { dir, roster } = await classOf10();
    const controller = new AbortController();
    const running = runCli(["up", "--roster", roster, "--concurrency", "3"], dir, backend, {
      signal: controller.signal,
      interruptGraceMs: 30,
    });
    await until(() => backend.running === 3);
    interrupt(controller);
    return running;
  }

  function expectCleanCancel(run: CliRun, backend: FakeBackend, cancelled: string[]) {
    expect(run.status).toBe(130);
    expect(results(run)).toEqual(NAMES.map((n) => [n, cancelled.includes(n) ? "cancelled" : "not started"]));
    expect(backend.callsOf("up").sort()).toEqual(cancelled);
    // Nothing locked, and `pulumi cancel` never ran under a live update.
    expect(backend.locked()).toEqual([]);
    expect(backend.violations).toEqual([]);
    expect(backend.callsOf("cancel").sort()).toEqual(cancelled);
  }

  it("from a terminal (every CLI got SIGINT too): no second SIGINT, each update ends cleanly, nothing locked", async () => {
    const backend = new FakeBackend(slow);
    const run = await interruptedRun(backend, (controller) => {
      backend.interruptTerminal();
      controller.abort();
    });
    const cancelled = NAMES.slice(0, 3);
    expectCleanCancel(run, backend, cancelled);
    // A second SIGINT would have terminated them: no history, the lock left for cancel() to clear.
    expect(backend.unlockedByCancel).toEqual([]);
    for (const name of cancelled) {
      expect(backend.stacks.get(name)!.history.map((h) => [h.kind, h.result])).toEqual([["update", "failed"]]);
    }
    expect(run.stdout).toContain(
      "up: 10 trainees: 3 cancelled, 7 not started. Run the same command again: it retries only",
    );
  });

  it("signalled alone (kill -INT): each running CLI gets exactly one SIGINT after the grace period", async () => {
    const backend = new FakeBackend(slow);
    const run = await interruptedRun(backend, (controller) => controller.abort());
    expectCleanCancel(run, backend, NAMES.slice(0, 3));
    expect(backend.unlockedByCancel).toEqual([]);
  });

  it("a CLI that dies on SIGINT leaves its lock, which cancel() clears once it has exited", async () => {
    const backend = new FakeBackend(scripts({ stepMs: 200 }, { trainee02: { onInterrupt: "die" } }));
    const run = await interruptedRun(backend, (controller) => {
      backend.interruptTerminal();
      controller.abort();
    });
    expectCleanCancel(run, backend, NAMES.slice(0, 3));
    expect(backend.unlockedByCancel).toEqual(["trainee02"]);
  });

  it("after a cancelled run, the same command finishes the class", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 5 }));
    const controller = new AbortController();
    const first = runCli(["up", "--roster", roster, "--concurrency", "3"], dir, backend, {
      signal: controller.signal,
      interruptGraceMs: 20,
    });
    await until(() => backend.running === 3);
    controller.abort();
    expect((await first).status).toBe(130);
    const again = await runCli(["up", "--roster", roster, "--concurrency", "3"], dir, backend);
    expect(again.status).toBe(0);
    expect(results(again).every(([, r]) => r === "succeeded")).toBe(true);
    expect(backend.locked()).toEqual([]);
  });
});

describe("destroy, refresh and preview", () => {
  it("destroy runs on deployed stacks only, and a second destroy finds them all done", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 1 }));
    expect((await runCli(["up", "--roster", roster, "--only", "trainee01,trainee02"], dir, backend)).status).toBe(0);
    const first = await runCli(
      ["destroy", "--roster", roster, "--only", "trainee01,trainee02,trainee03"],
      dir,
      backend,
    );
    expect(first.status).toBe(0);
    expect(results(first)).toEqual([
      ["trainee01", "succeeded"],
      ["trainee02", "succeeded"],
      ["trainee03", "already done"],
    ]);
    expect(first.stdout).toMatch(/trainee03 +already done +-? *no such stack in the backend: nothing to destroy\n/);
    expect(first.stdout).toMatch(/trainee01 +succeeded +\d+s +-25\n/);
    // destroy never creates a stack.
    expect(backend.stacks.has("trainee03")).toBe(false);
    const second = await runCli(["destroy", "--roster", roster, "--only", "trainee01,trainee02"], dir, backend);
    expect(results(second)).toEqual([
      ["trainee01", "already done"],
      ["trainee02", "already done"],
    ]);
    expect(backend.callsOf("destroy")).toEqual(["trainee01", "trainee02"]);
  });

  it("refresh runs on existing stacks only, every time; the next up runs again", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 1 }));
    expect((await runCli(["up", "--roster", roster, "--only", "trainee01"], dir, backend)).status).toBe(0);
    const only = ["--only", "trainee01,trainee02"];
    const first = await runCli(["refresh", "--roster", roster, ...only], dir, backend);
    expect(first.status).toBe(0);
    expect(results(first)).toEqual([
      ["trainee01", "succeeded"],
      ["trainee02", "already done"],
    ]);
    expect(first.stdout).toMatch(/trainee01 +succeeded +\d+s +none\n/);
    expect(first.stdout).toMatch(/trainee02 +already done +-? *no such stack in the backend: nothing to refresh\n/);
    // refresh never creates a stack, and reads no history to skip one.
    expect(backend.stacks.has("trainee02")).toBe(false);
    expect(backend.callsOf("history")).toEqual(["trainee01"]);
    await runCli(["refresh", "--roster", roster, ...only], dir, backend);
    expect(backend.callsOf("refresh")).toEqual(["trainee01", "trainee01"]);
    expect(backend.stacks.get("trainee01")!.history.map((h) => [h.kind, h.result])).toEqual([
      ["refresh", "succeeded"],
      ["refresh", "succeeded"],
      ["update", "succeeded"],
    ]);
    // A refresh may have found drift: up is not done until it runs again.
    const upsBefore = backend.callsOf("up").length;
    expect((await runCli(["up", "--roster", roster, "--only", "trainee01"], dir, backend)).status).toBe(0);
    expect(backend.callsOf("up").slice(upsBefore)).toEqual(["trainee01"]);
  });

  it("preview creates missing stacks, records nothing, and runs every time", async () => {
    const { dir, roster } = await classOf10();
    const backend = new FakeBackend(scripts({ stepMs: 1 }));
    const first = await runCli(["preview", "--roster", roster, "--only", "trainee01,trainee02"], dir, backend);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/trainee01 +succeeded +\d+s +\+25\n/);
    expect(backend.calls.filter((c) => c.startsWith("stack init"))).toEqual([
      "stack init trainee01",
      "stack init trainee02",
    ]);
    await runCli(["preview", "--roster", roster, "--only", "trainee01,trainee02"], dir, backend);
    expect(backend.callsOf("preview")).toEqual(["trainee01", "trainee02", "trainee01", "trainee02"]);
    expect(backend.stacks.get("trainee01")!.history).toEqual([]);
  });
});
