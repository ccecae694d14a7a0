/**
 * The pull-request comment fixture, tests/fixtures/pull-request/comment.md: the report the
 * workflow's `report` step writes (the comment's text) for a pull request between the two projects
 * beside it, base/ and head/, in which three trainees' exercises are graded:
 * - alice fixes her default deny in her own folder (the folder changed: 2 claims newly met);
 * - bob points his stack at another answer (tests/fixtures/exercises/two-peers, after
 *   namespace-label): one claim newly met, one newly unmet, with its hint;
 * - carol's stack file is new (tests/fixtures/exercises/cel-template): graded, not compared.
 * The stacks are those the `stacks` step selects from the changed files; the base's reports are
 * written as the base step writes them. `npm run gen:comment` writes the fixture;
 * tests/pull-request.test.ts fails when it is stale.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildReport, readStackFiles, selectStacks, type StackSelection } from "../scripts/pull-request";
import { main as verify } from "../verifier/cli";

export const SCENARIO = path.join(__dirname, "fixtures", "pull-request");
export const COMMENT_FIXTURE = path.join(SCENARIO, "comment.md");
export const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";
/** What `git diff --name-only` lists between base/ and head/. */
export const CHANGED = ["Pulumi.bob.yaml", "Pulumi.carol.yaml", "exercises/alice/default-deny.yaml"];

/**
 * The base branch's JSON reports, as the workflow's base step writes them into a new folder: one
 * per stack whose file the base has, its output whatever the exit status (`|| true`).
 */
export async function baseReports(baseDir: string, stacks: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "base-reports-"));
  for (const stack of stacks.filter((s) => fs.existsSync(path.join(baseDir, `Pulumi.${s}.yaml`)))) {
    let json = "";
    await verify(
      ["--stack", stack, "--format", "json"],
      (t) => {
        json += t;
      },
      () => undefined,
      baseDir,
    );
    fs.writeFileSync(path.join(dir, `stack-${stack}.json`), json);
  }
  return dir;
}

/** The scenario's selection and its report, with the base's reports in a folder of their own. */
export async function scenarioReport(): Promise<{
  selection: StackSelection;
  report: { text: string; status: number };
}> {
  const base = path.join(SCENARIO, "base");
  const head = path.join(SCENARIO, "head");
  const selection = selectStacks(CHANGED, readStackFiles(head), "ci", head);
  const reports = await baseReports(base, selection.verify);
  const report = await buildReport({
    headSha: HEAD_SHA,
    baseReports: reports,
    baseDir: base,
    stacks: selection.verify,
    why: selection.why,
    projectDir: head,
  });
  return { selection, report };
}

if (require.main === module) {
  scenarioReport().then(
    ({ report }) => {
      fs.writeFileSync(COMMENT_FIXTURE, report.text);
      console.log(`wrote ${path.relative(process.cwd(), COMMENT_FIXTURE)}`);
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
