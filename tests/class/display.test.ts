// The live progress (redrawn in place on a terminal, plain lines otherwise) and the summary.
import { changes, duration, progressLines, ProgressDisplay, summary } from "../../class/display";
import { runClass, TraineeProgress } from "../../class/runner";
import { FakeBackend } from "./fake-automation";

const at = (seconds: number) => seconds * 1000;

describe("the figures", () => {
  it.each([
    [0, "0s"],
    [35_400, "35s"],
    [252_000, "4m12s"],
    [3_720_000, "1h02m"],
    [86_399_000, "23h59m"],
    [86_400_000, "1d00h"],
    [273_600_000, "3d04h"],
  ])("%i ms reads %s", (ms, text) => expect(duration(ms)).toBe(text));

  it("changes count as Pulumi's display does, unchanged resources left out", () => {
    expect(changes({ create: 3, update: 1, delete: 2, replace: 1, same: 20 })).toBe("+3 ~1 -2 +-1");
    expect(changes({ same: 25 })).toBe("none");
    expect(changes(undefined)).toBe("");
  });
});

describe("the live block", () => {
  const states: TraineeProgress[] = [
    { trainee: "alice", phase: "updating", finished: false, resourcesDone: 12, resourcesTotal: 31, startedAt: at(0) },
    { trainee: "bob", phase: "queued", finished: false, resourcesDone: 0, resourcesTotal: 0 },
    {
      trainee: "carol",
      phase: "succeeded",
      finished: true,
      resourcesDone: 25,
      resourcesTotal: 25,
      startedAt: at(10),
      endedAt: at(262),
    },
  ];

  it("one line per trainee: phase, resources done of those announced, elapsed", () => {
    expect(progressLines(states, at(64))).toEqual([
      "trainee  phase      resources  elapsed",
      "alice    updating   12/31      1m04s",
      "bob      queued",
      "carol    succeeded  25/25      4m12s",
    ]);
  });

  it("on a terminal it is redrawn in place: back up to its first line, each line cleared", () => {
    let now = at(64);
    const writes: string[] = [];
    const display = new ProgressDisplay({ write: (t: string) => writes.push(t), isTTY: true }, "up", ["alice", "bob"], {
      now: () => now,
      redrawMs: 60_000,
    });
    display.start();
    display.update({ ...states[0], startedAt: at(64) });
    now = at(70);
    display.draw();
    display.stop();
    expect(writes[0]).toBe(
      "trainee  phase   resources  elapsed\x1b[K\nalice    queued\x1b[K\nbob      queued\x1b[K\n\x1b[J",
    );
    expect(writes[1]).toBe(
      "\x1b[3Ftrainee  phase     resources  elapsed\x1b[K\nalice    updating  12/31      6s\x1b[K\nbob      queued\x1b[K\n\x1b[J",
    );
    expect(writes).toHaveLength(3);
  });
});

describe("without a terminal", () => {
  it("a line when a trainee's phase changes, and its resources at most once an interval", async () => {
    // Each reading of the clock is a second later: the stamps show which line waited for which.
    let clock = 0;
    const now = () => (clock += 1000);
    let text = "";
    const backend = new FakeBackend({ alice: { resources: 4, stepMs: 1 }, bob: { resources: 3, stepMs: 1 } });
    const display = new ProgressDisplay({ write: (t: string) => (text += t) }, "up", ["alice", "bob"], {
      now,
      plainIntervalMs: 3000,
    });
    display.start();
    await runClass({
      command: "up",
      trainees: ["alice", "bob"],
      workspace: backend.workspace(),
      concurrency: 1,
      upMessage: () => "class up: program p, config c",
      onProgress: (p) => display.update(p),
      now,
    });
    display.stop();
    expect(text).toBe(
      [
        "up: 2 trainees",
        "[    4s] alice: selecting stack",
        "[    5s] alice: reading history",
        "[    6s] alice: updating",
        "[    9s] alice: updating, 1/2 resources",
        "[   12s] alice: updating, 3/3 resources",
        "[   16s] alice: succeeded after 12s, 4/4 resources",
        "[   18s] bob: selecting stack",
        "[   19s] bob: reading history",
        "[   20s] bob: updating",
        "[   23s] bob: updating, 1/2 resources",
        "[   26s] bob: updating, 3/3 resources",
        "[   28s] bob: succeeded after 10s, 3/3 resources",
        "",
      ].join("\n"),
    );
  });
});

describe("the summary", () => {
  it("trainee, result, duration, changes, and a failure's first error line; then what to do next", () => {
    expect(
      summary("up", [
        { trainee: "alice", result: "succeeded", durationMs: 252_000, changes: { create: 25 } },
        {
          trainee: "bob",
          result: "failed",
          durationMs: 62_000,
          changes: { create: 7 },
          error: "lab-cluster-aks: creating ManagedCluster: QuotaExceeded",
        },
        {
          trainee: "carol",
          result: "already done",
          durationMs: 3,
          note: "update 4 at 2025-01-06 09:00 UTC succeeded with this program and config",
        },
        { trainee: "dave", result: "not started", durationMs: 0, note: "Ctrl-C came first" },
      ]),
    ).toBe(
      [
        "trainee  result        duration  changes  first error / note",
        "alice    succeeded     4m12s     +25",
        "bob      failed        1m02s     +7       lab-cluster-aks: creating ManagedCluster: QuotaExceeded",
        "carol    already done                     update 4 at 2025-01-06 09:00 UTC succeeded with this program and config",
        "dave     not started                      Ctrl-C came first",
        "",
        "up: 4 trainees: 1 succeeded, 1 failed, 1 already done, 1 not started. Run the same command again: it retries only bob, dave.",
        "",
      ].join("\n"),
    );
  });

  it("a preview says how to preview only what failed", () => {
    expect(summary("preview", [{ trainee: "bob", result: "failed", durationMs: 1000, error: "boom" }])).toContain(
      "preview: 1 trainee: 1 failed. Previews always run again; to preview only these: --only bob\n",
    );
  });

  it("so does a refresh, which is never done for good either", () => {
    expect(summary("refresh", [{ trainee: "bob", result: "failed", durationMs: 1000, error: "boom" }])).toContain(
      "refresh: 1 trainee: 1 failed. Refreshes always run again; to refresh only these: --only bob\n",
    );
  });
});
