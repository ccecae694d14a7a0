// The course ends: the roster's endsAt, read against an injected clock. The course has ended from
// the instant itself on.
import * as fs from "fs";
import * as path from "path";
import { automationWorkspace } from "../../class/automation";
import { parseInstant } from "../../class/course";
import { parseRoster } from "../../class/roster";
import { FakeBackend } from "./fake-automation";
import { CliRun, runCli, tmpProject } from "./helpers";

const END = "2026-12-18T17:00:00+01:00";
/** The same instant in milliseconds: 16:00 UTC. */
const END_MS = Date.UTC(2026, 11, 18, 16, 0, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const ROSTER = [
  `endsAt: ${END}`,
  "defaults:",
  "  azure-native:location: westeurope",
  "trainees:",
  "  - name: alice",
  "  - name: bob",
  "",
].join("\n");

/** A class of two, its stack files written by init. */
async function course(text = ROSTER): Promise<{ dir: string; roster: string }> {
  const dir = tmpProject();
  const roster = path.join(dir, "class.yaml");
  fs.writeFileSync(roster, text);
  expect((await runCli(["init", "--roster", roster], dir, new FakeBackend())).status).toBe(0);
  return { dir, roster };
}

/** A workspace factory that fails the test if anything looks up the Pulumi CLI. */
const NO_LOOKUP = () => {
  throw new Error("the Pulumi CLI was looked up");
};

const at = (now: number) => ({ now: () => now });

describe("endsAt in the roster", () => {
  it.each([
    ["2026-12-18T17:00:00+01:00", END_MS],
    ["2026-12-18T16:00:00Z", END_MS],
    ["2026-12-18T10:30:00-05:30", END_MS],
    ["2026-12-18T16:00Z", END_MS],
    ["2026-12-18T16:00:00.250Z", END_MS + 250],
    ["2028-02-29T00:00:00+00:00", Date.UTC(2028, 1, 29)],
  ])("%s is an instant", (text, ms) => expect(parseInstant(text)).toEqual({ at: ms }));

  it.each([
    [
      "a value without a zone",
      "endsAt: 2026-12-18T17:00:00\n",
      'endsAt: "2026-12-18T17:00:00" has no zone, so it names another instant on every machine; expected an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)',
    ],
    [
      "a date without a time",
      "endsAt: 2026-12-18\n",
      'endsAt: "2026-12-18" is a date without a time of day; expected an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)',
    ],
    [
      "words",
      "endsAt: next friday at five\n",
      'endsAt: "next friday at five" is not in the form of an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)',
    ],
    [
      "a day that does not exist",
      "endsAt: 2026-02-29T17:00:00+01:00\n",
      'endsAt: "2026-02-29T17:00:00+01:00" is not a date and time that exists; expected an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)',
    ],
    [
      "a number",
      "endsAt: 20261218\n",
      "endsAt: expected an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)",
    ],
  ])("%s is a roster problem, with its line and key", (_title, line, expected) => {
    const text = `defaults:\n  azure-native:location: westeurope\n${line}trainees:\n  - name: alice\n`;
    expect(parseRoster(text, "class.yaml", tmpProject())).toEqual({
      problems: [`class.yaml:3: ${expected}`],
      warnings: [],
    });
  });

  it("a bad endsAt stops init with status 2 and writes nothing", async () => {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(roster, ROSTER.replace(END, "2026-12-18T17:00:00"));
    const run = await runCli(["init", "--roster", roster], dir, new FakeBackend());
    expect(run).toEqual({
      status: 2,
      stdout: "",
      stderr: `class: nothing was written or run:\n  ${roster}:1: endsAt: "2026-12-18T17:00:00" has no zone, so it names another instant on every machine; expected an ISO 8601 date and time with a zone, such as 2026-12-18T17:00:00+01:00 (or Z for UTC)\n`,
    });
    expect(fs.readdirSync(dir)).toEqual(["class.yaml"]);
  });

  it("is read with the line that sets it", () => {
    expect(parseRoster(ROSTER, "class.yaml", tmpProject()).roster?.endsAt).toEqual({ text: END, at: END_MS, line: 1 });
  });
});

describe("up", () => {
  const refusal = (roster: string, ago: string) =>
    `class: nothing was written or run:\n  ${roster}:1: endsAt: the course ended at ${END}, ${ago} ago; up is refused after it (destroy still runs). To run up again, move endsAt later\n`;

  it("after the end: refused with exit 2, naming endsAt and its date, before the Pulumi CLI is looked up", async () => {
    const { dir, roster } = await course();
    const run = await runCli(["up", "--roster", roster], dir, new FakeBackend(), {
      workspace: NO_LOOKUP,
      ...at(END_MS + 2 * DAY + 3 * 60 * MINUTE),
    });
    expect(run).toEqual({ status: 2, stdout: "", stderr: refusal(roster, "2d03h") });
  });

  it("at the very instant of the end: refused", async () => {
    const { dir, roster } = await course();
    const run = await runCli(["up", "--roster", roster], dir, new FakeBackend(), {
      workspace: NO_LOOKUP,
      ...at(END_MS),
    });
    expect(run).toEqual({ status: 2, stdout: "", stderr: refusal(roster, "0s") });
  });

  it("refused even when --only names a trainee the roster lacks: the end comes first", async () => {
    const { dir, roster } = await course();
    const run = await runCli(["up", "--roster", roster, "--only", "zoe"], dir, new FakeBackend(), {
      workspace: NO_LOOKUP,
      ...at(END_MS + MINUTE),
    });
    expect(run).toEqual({ status: 2, stdout: "", stderr: refusal(roster, "1m00s") });
  });

  it("a millisecond before the end: runs", async () => {
    const { dir, roster } = await course();
    const backend = new FakeBackend({ alice: { stepMs: 1 }, bob: { stepMs: 1 } });
    const run = await runCli(["up", "--roster", roster], dir, backend, at(END_MS - 1));
    expect(run.status).toBe(0);
    expect(backend.callsOf("up").sort()).toEqual(["alice", "bob"]);
  });
});

describe("destroy", () => {
  async function deployed(): Promise<{ dir: string; roster: string; backend: FakeBackend }> {
    const { dir, roster } = await course();
    const backend = new FakeBackend({ alice: { stepMs: 1 }, bob: { stepMs: 1 } });
    expect((await runCli(["up", "--roster", roster], dir, backend, at(END_MS - DAY))).status).toBe(0);
    return { dir, roster, backend };
  }

  it("after the end: still works", async () => {
    const { dir, roster, backend } = await deployed();
    const run = await runCli(["destroy", "--roster", roster], dir, backend, at(END_MS + DAY));
    expect(run.status).toBe(0);
    expect(backend.callsOf("destroy").sort()).toEqual(["alice", "bob"]);
  });

  it("--if-ended before the end: exits 0 with nothing to do until the end, and looks nothing up", async () => {
    const { dir, roster } = await course();
    const run = await runCli(["destroy", "--if-ended", "--roster", roster], dir, new FakeBackend(), {
      workspace: NO_LOOKUP,
      ...at(END_MS - 30 * MINUTE),
    });
    expect(run).toEqual({
      status: 0,
      stdout: `nothing to do until ${END}: the course ends then (endsAt, ${roster}:1), in 30m00s\n`,
      stderr: "",
    });
  });

  it("--if-ended after the end: destroys every stack of the roster", async () => {
    const { dir, roster, backend } = await deployed();
    const run = await runCli(["destroy", "--if-ended", "--roster", roster], dir, backend, at(END_MS + 5 * MINUTE));
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe(`the course ended at ${END}, 5m00s ago: destroying the labs`);
    expect(run.stdout).toContain("destroy: 2 trainees: 2 succeeded.\n");
    expect(backend.callsOf("destroy").sort()).toEqual(["alice", "bob"]);
    for (const name of ["alice", "bob"]) {
      const [last] = backend.stacks.get(name)!.history;
      expect([name, last.kind, last.result]).toEqual([name, "destroy", "succeeded"]);
    }
  });

  it("--if-ended at the very instant of the end: destroys", async () => {
    const { dir, roster, backend } = await deployed();
    const run = await runCli(["destroy", "--if-ended", "--roster", roster], dir, backend, at(END_MS));
    expect(run.status).toBe(0);
    expect(backend.callsOf("destroy").sort()).toEqual(["alice", "bob"]);
  });

  it("--if-ended without endsAt: exit 2, saying what to set", async () => {
    const { dir, roster } = await course(ROSTER.replace(`endsAt: ${END}\n`, ""));
    const run = await runCli(["destroy", "--if-ended", "--roster", roster], dir, new FakeBackend(), {
      workspace: NO_LOOKUP,
      ...at(END_MS),
    });
    expect(run).toEqual({
      status: 2,
      stdout: "",
      stderr: `class: nothing was written or run:\n  --if-ended: ${roster} has no endsAt; set the course's end there, such as endsAt: 2026-12-18T17:00:00+01:00\n`,
    });
  });
});

describe("status", () => {
  const status = (dir: string, roster: string, now: number, extra = {}): Promise<CliRun> =>
    runCli(["status", "--roster", roster], dir, new FakeBackend(), { ...at(now), ...extra });

  it("starts with the end and the time left", async () => {
    const { dir, roster } = await course();
    const run = await status(dir, roster, END_MS - 2 * DAY - 4 * 60 * MINUTE);
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n").slice(0, 3)).toEqual([
      `course ends at ${END}, in 2d04h (endsAt, ${roster}:1)`,
      "",
      "trainee  stage       last update   result  up to date",
    ]);
  });

  it("after the end, says how long ago, and what is refused", async () => {
    const { dir, roster } = await course();
    const run = await status(dir, roster, END_MS + 90 * MINUTE);
    expect(run.stdout.split("\n")[0]).toBe(
      `course ended at ${END}, 1h30m ago (endsAt, ${roster}:1): up is refused; destroy --if-ended takes the labs down`,
    );
  });

  describe("without the Pulumi CLI", () => {
    const savedPath = process.env.PATH;
    beforeEach(() => {
      process.env.PATH = tmpProject();
    });
    afterEach(() => {
      process.env.PATH = savedPath;
    });

    it("still shows the end first, then says the CLI is missing (exit 2)", async () => {
      const { dir, roster } = await course();
      const run = await status(dir, roster, END_MS - 45 * 1000, { workspace: automationWorkspace });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe(`course ends at ${END}, in 45s (endsAt, ${roster}:1)\n\n`);
      expect(run.stderr).toMatch(
        /^class: nothing was written or run:\n {2}the Pulumi CLI cannot be run \(`pulumi` is not on PATH\)/,
      );
    });
  });
});
