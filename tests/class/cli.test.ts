// The command line: flags, and what stops a command before anything runs (exit status 2).
import * as fs from "fs";
import * as path from "path";
import { automationWorkspace, cliProblem } from "../../class/automation";
import { parseArgs, USAGE } from "../../class/cli";
import { FakeBackend } from "./fake-automation";
import { runCli, tmpProject } from "./helpers";

const ROSTER = "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n  - name: bob\n";

function project(): { dir: string; roster: string } {
  const dir = tmpProject();
  const roster = path.join(dir, "class.yaml");
  fs.writeFileSync(roster, ROSTER);
  return { dir, roster };
}

describe("flags", () => {
  it("every problem at once", () => {
    expect(
      parseArgs(["upp", "--verbose", "--concurrency", "0", "--only", "a,,b", "--roster", "--help"]).problems,
    ).toEqual([
      "--verbose: unknown option; see --help",
      '--concurrency: "0" is not accepted; expected an integer from 1 to 50',
      '--only: "a,,b" has an empty name; expected names such as alice,bob',
      "--roster: needs a value",
      "upp: not a command; expected one of init, preview, up, refresh, destroy, status, outputs, grade, report, affected",
    ]);
    expect(parseArgs(["up", "down", "--concurrency"]).problems).toEqual([
      "--concurrency: needs a value",
      "down: unexpected; one command at a time",
    ]);
    expect(parseArgs([]).problems).toEqual([
      "no command; expected one of init, preview, up, refresh, destroy, status, outputs, grade, report, affected",
    ]);
  });

  it("each command's own flags, and only there", () => {
    expect(parseArgs(["up", "--if-ended", "--base", "HEAD~1", "--all", "--live"]).problems).toEqual([
      "--if-ended: only for destroy",
      "--live: only for grade and report",
      "--base: only for affected",
      "--all: only for affected",
    ]);
    expect(parseArgs(["grade", "--live", "--only", "bob"]).options).toMatchObject({ command: "grade", live: true });
    expect(parseArgs(["report", "--live", "--out", "site"]).options).toMatchObject({
      command: "report",
      live: true,
      out: "site",
    });
    expect(parseArgs(["grade", "--out", "site"]).problems).toEqual(["--out: only for report"]);
    expect(parseArgs(["affected"]).problems).toEqual([
      "affected: needs --base REF (the commit to compare with) or --all",
    ]);
    expect(parseArgs(["affected", "--base", "main", "--all"]).problems).toEqual(["--base, --all: one or the other"]);
    expect(parseArgs(["affected", "--base", "--all"]).problems).toEqual([
      "--base: needs a value",
      "affected: needs --base REF (the commit to compare with) or --all",
    ]);
    expect(parseArgs(["affected", "--base=main~2", "--only", "bob"]).options).toEqual({
      command: "affected",
      roster: "class.yaml",
      only: ["bob"],
      concurrency: 4,
      ifEnded: false,
      base: "main~2",
      all: false,
      live: false,
      help: false,
    });
    expect(parseArgs(["destroy", "--if-ended"]).options).toMatchObject({ command: "destroy", ifEnded: true });
  });

  it("values inline or apart, --only repeatable", () => {
    expect(
      parseArgs(["up", "--roster=r.yaml", "--only", "alice", "--only=bob,carol", "--concurrency", "7"]).options,
    ).toEqual({
      command: "up",
      roster: "r.yaml",
      only: ["alice", "bob", "carol"],
      concurrency: 7,
      ifEnded: false,
      all: false,
      live: false,
      help: false,
    });
  });

  it("defaults: class.yaml, every trainee, 4 at once", () => {
    expect(parseArgs(["up"]).options).toEqual({
      command: "up",
      roster: "class.yaml",
      only: undefined,
      concurrency: 4,
      ifEnded: false,
      base: undefined,
      all: false,
      live: false,
      help: false,
    });
  });

  it("--help prints the usage", async () => {
    const { dir } = project();
    expect(await runCli(["--help"], dir, new FakeBackend())).toEqual({ status: 0, stdout: USAGE, stderr: "" });
  });

  it("--only names a trainee the roster does not have", async () => {
    const { dir, roster } = project();
    const run = await runCli(["init", "--roster", roster, "--only", "alice,zoe"], dir, new FakeBackend());
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `class: nothing was written or run:\n  --only: zoe is not in ${roster}; its trainees are alice, bob\n`,
    );
  });
});

describe("before anything runs", () => {
  it("preview without stack files: each file named, and nothing asked of the backend", async () => {
    const { dir, roster } = project();
    const backend = new FakeBackend();
    const run = await runCli(["preview", "--roster", roster], dir, backend);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "class: nothing was written or run:\n" +
        "  Pulumi.alice.yaml: not written yet; run `npm run class -- init` first\n" +
        "  Pulumi.bob.yaml: not written yet; run `npm run class -- init` first\n",
    );
    expect(backend.calls).toEqual([]);
  });

  describe("without the Pulumi CLI (found as the Automation API finds it)", () => {
    const savedPath = process.env.PATH;
    beforeEach(() => {
      // An empty PATH: no `pulumi` there, whatever the machine has.
      process.env.PATH = tmpProject();
    });
    afterEach(() => {
      process.env.PATH = savedPath;
    });

    it.each([
      ["preview", ""],
      ["up", ""],
      ["refresh", ""],
      ["destroy", ""],
      ["status", ""],
      ["outputs", ""],
      ["grade", "--live"],
    ])("%s %s stops at once and says how to install it, with the other problems", async (command, flag) => {
      const { dir, roster } = project();
      fs.writeFileSync(path.join(dir, "Pulumi.alice.yaml"), "config:\n  azure-native:location: westeurope\n");
      const run = await runCli([command, ...(flag ? [flag] : []), "--roster", roster], dir, new FakeBackend(), {
        workspace: automationWorkspace,
      });
      expect(run.status).toBe(2);
      const bob =
        command === "preview" || command === "up" || command === "grade"
          ? "  Pulumi.bob.yaml: not written yet; run `npm run class -- init` first\n"
          : "  Pulumi.bob.yaml: no such file; run `npm run class -- init` first\n";
      expect(run.stderr).toBe(
        "class: nothing was written or run:\n" +
          bob +
          "  the Pulumi CLI cannot be run (`pulumi` is not on PATH); install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/iac/download-install/), open a new shell so that `pulumi` is on PATH, and run the command again; `init` needs no CLI\n",
      );
      // status says when the course ends before it needs the CLI.
      expect(run.stdout).toBe(
        command === "status"
          ? `course end: not set (no endsAt in ${roster}), so nothing takes the labs down by itself\n\n`
          : "",
      );
    });

    it("init needs no CLI, nor does grade offline", async () => {
      const { dir, roster } = project();
      const init = await runCli(["init", "--roster", roster], dir, new FakeBackend(), {
        workspace: automationWorkspace,
      });
      expect(init.status).toBe(0);
      const grade = await runCli(["grade", "--roster", roster], dir, new FakeBackend(), {
        workspace: automationWorkspace,
      });
      expect([grade.status, grade.stderr]).toEqual([0, ""]);
    });
  });

  it("a CLI too old for this SDK is named by the version check's own words", () => {
    expect(
      cliProblem(
        new Error(
          "Minimum version requirement failed. The minimum CLI version requirement is 3.276.0, your current CLI version is 3.100.0.",
        ),
      ),
    ).toBe(
      "Minimum version requirement failed. The minimum CLI version requirement is 3.276.0, your current CLI version is 3.100.0.",
    );
  });
});
