/**
 * Stand-ins for `gator` and `opa`: small Node scripts put on a temporary PATH that record how they
 * were called (their arguments, and the files named after -f, --input and --data) and answer with
 * what the real engines printed (tests/fixtures/rego/), or fail the ways the real ones fail.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What the stand-in does on one call. */
export interface Answer {
  stdout?: string;
  stderr?: string;
  status?: number;
  /** Never exit (to be killed at the runner's timeout). */
  hang?: boolean;
}

export interface Call {
  argv: string[];
  /** The files named after -f, --input and --data, by path, as they were when it ran. */
  files: Record<string, string>;
}

/** A fixture of tests/fixtures/rego/. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(__dirname, "..", "fixtures", "rego", name), "utf8");
}

/** A directory for a stand-in PATH. */
export function binDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "rego-bin-"));
}

/**
 * Puts a stand-in `name` in `dir`; its n-th call gives `answers[n]` (the last one from then on).
 * In `stdout`, `{{FLAG}}` stands for the argument after FLAG.
 */
export function standIn(dir: string, name: string, answers: Answer[]): { calls: () => Call[] } {
  const log = path.join(dir, `${name}.calls.jsonl`);
  // This very node, so that a PATH holding only the stand-ins still runs them.
  const script = `#!${process.execPath}
const fs = require("fs");
const log = ${JSON.stringify(log)};
const answers = ${JSON.stringify(answers)};
const argv = process.argv.slice(2);
const files = {};
for (let i = 0; i < argv.length - 1; i++) {
  if (["-f", "--input", "--data"].includes(argv[i])) files[argv[i + 1]] = fs.readFileSync(argv[i + 1], "utf8");
}
const n = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\\n").filter(Boolean).length : 0;
fs.appendFileSync(log, JSON.stringify({ argv, files }) + "\\n");
const answer = answers[Math.min(n, answers.length - 1)];
if (answer.hang) {
  setInterval(() => {}, 1 << 30);
} else {
  let out = answer.stdout || "";
  for (let i = 0; i < argv.length - 1; i++) out = out.split("{{" + argv[i] + "}}").join(argv[i + 1]);
  process.stdout.write(out);
  process.stderr.write(answer.stderr || "");
  process.exitCode = answer.status || 0;
}
`;
  fs.writeFileSync(path.join(dir, name), script, { mode: 0o755 });
  return {
    calls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Call)
        : [],
  };
}
