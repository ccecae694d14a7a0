/**
 * `npm run verify -- [options]`: proves, before anything is applied, who can talk to whom and
 * what Gatekeeper admits, for the lab at a stage (lab mode) or for a folder of manifests; and,
 * with --live, observes the same claims on a running cluster beside that prediction.
 *
 * Exit status: 0 when every claim holds (or, for manifests, the analysis ran; live, when every
 * observation matches the prediction); 1 when a claim of docs/lab.md fails, naming it (live: a
 * mismatch, or a claim not probed); 2 for bad input, naming the file, the object and the field,
 * or a cluster that does not answer, naming its address; 130 after Ctrl-C of a live run. An
 * exercise's grade: 0 every claim met, 1 one unmet, 3 none unmet but some not judged. 70 for an
 * error the verifier did not expect (verifier/command.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { STAGES, Stage, stageFrom } from "../config/keys";
import { AdmissionInputError } from "./admission";
import type { Report } from "./analyze";
import { compareReports, readBaseReports } from "./compare";
import { flags, runCommand } from "./command";
import { type Grade, gradeStatus } from "./lab/grade-types";
import { Interrupted, type LiveWaits } from "./live/bounds";
import { UnreachableError } from "./live/transport";
import { ManifestsRequest, streamManifestCells, verifyManifests } from "./manifests";
import { parsePattern, parsePort, Pattern, PortSpec } from "./manifests/query";
import { VerifyInputError } from "./model";
import { InvalidInputError } from "./netpol";
import { parseIp } from "../config/cidr";
import { Format, FORMATS, render } from "./render";

export const USAGE = `usage: npm run verify -- [options]

Lab mode (the default) builds the lab offline, as \`pulumi up\` would, and checks the claims of
docs/lab.md for a stage:
  --stack NAME        read the stack's config from Pulumi.NAME.yaml
                      (default: the project's defaults, in region westeurope)
  --stage S           the stage to check: ${STAGES.join(", ")}, or 1 to 5
  --all-stages        check all five stages in one run

Exercises grade a trainee's own policies against the claims of a stage (docs/exercises.md):
  --exercise DIR      the trainee's folder of YAML: the lab is built with its objects in place
                      of the lab's own policies, as pulumi up builds it with \`exercise\` set
                      (with --stack: in place of the stack's exercise). A stack whose file sets
                      \`exercise\` is graded without this flag. Needs --stage S or --stack NAME.
                      Exit 0 every claim met, 1 one unmet, 3 none unmet but some not judged.

Manifests mode judges any Kubernetes manifests. It reports the classes of pods that no policy
can tell apart and what the policies do over every pod pair; a query answers single cells, per pod:
  --manifests PATH    a YAML file or a folder of them (repeatable)
  --external NAME=IP  an external client to judge as a source (repeatable)
  --from PATTERN      query the cells from these sources: NAMESPACE/NAME or external:NAME,
                      * matching any characters (repeatable; default: every pod and client)
  --to PATTERN        ... to these destinations (repeatable; default: every pod)
  --port N[/PROTO]    ... on this port (TCP unless PROTO is UDP or SCTP), declared or not
                      (repeatable; default: each port the destination declares)
  --format jsonl      every cell (or the cells queried), one JSON object per line, as computed

Live mode observes the lab's claims on its running cluster, beside the prediction for the
stack's configuration (--stack) and stage (--stage); with an exercise, it grades what the cluster
does, and says where the cluster differs from the offline prediction:
  --live              probe the cluster: admission with dry-run requests, connectivity with
                      real connections from probe pods, deleted afterwards
  --kubeconfig FILE   the cluster (default: the stack's kubeconfig output, read with the Pulumi CLI)
  --context NAME      a context of that kubeconfig other than its current one
  --probe-timeout S   seconds one connection or DNS lookup may take (default 5, 1 to 60)
  --deadline S        seconds the whole run may take, probe pods' start included
                      (default 300, 10 to 3600)
  --concurrency N     probes run at once (default 4, 1 to 16)
  --probe-log FILE    write every request and probe of the run to FILE, as JSON lines

All modes:
  --format F          text (default), markdown or json
  --json-out FILE     also write the report as JSON to FILE, whatever --format prints (the class
                      workflow keeps each live proof so for the trainer's page)
  --compare BASE.json lead with what changed against a JSON report of the base branch
                      (not with --live)
  --help              this text
`;

/** The formats of --format: the renderer's, and the stream of cells of manifests mode. */
export type OutputFormat = Format | "jsonl";
const OUTPUT_FORMATS: readonly OutputFormat[] = [...FORMATS, "jsonl"];

export interface CliOptions {
  stack?: string;
  stage?: Stage;
  allStages: boolean;
  manifests: string[];
  externals: { name: string; ip: string }[];
  /** A query of manifests mode; absent or empty: none. */
  from?: Pattern[];
  to?: Pattern[];
  ports?: PortSpec[];
  format: OutputFormat;
  /** Also write the JSON report to this file. */
  jsonOut?: string;
  compare?: string;
  help: boolean;
  /** An exercise folder to grade, as given (relative to the working directory). */
  exercise?: string;
  /** Live mode, and its options; the numbers default to LIVE_NUMBERS'. */
  live?: boolean;
  kubeconfig?: string;
  context?: string;
  probeTimeout?: number;
  deadline?: number;
  concurrency?: number;
  probeLog?: string;
}

/** The bounds of a live run's numbers: default, least and most, and what they count. */
const LIVE_NUMBERS = {
  "--probe-timeout": { key: "probeTimeout", default: 5, min: 1, max: 60, what: "whole seconds" },
  "--deadline": { key: "deadline", default: 300, min: 10, max: 3600, what: "whole seconds" },
  "--concurrency": { key: "concurrency", default: 4, min: 1, max: 16, what: "a whole number" },
} as const;

/** Live mode's flags that take a text, and the options they set. */
const LIVE_TEXTS = { "--kubeconfig": "kubeconfig", "--context": "context", "--probe-log": "probeLog" } as const;

/** The flags only live mode takes. */
const LIVE_ONLY = ["--kubeconfig", "--context", "--probe-timeout", "--deadline", "--concurrency", "--probe-log"];

/** Parses the arguments; every problem is reported at once as bad input. */
export function parseArgs(argv: string[]): CliOptions {
  const from: Pattern[] = [];
  const to: Pattern[] = [];
  const ports: PortSpec[] = [];
  const options: CliOptions = {
    allStages: false,
    manifests: [],
    externals: [],
    from,
    to,
    ports,
    format: "text",
    help: false,
  };
  const problems: string[] = [];
  const given = new Set<string>();
  for (const { flag, value } of flags(argv, problems)) {
    given.add(flag);
    switch (flag) {
      case "--live":
        options.live = true;
        break;
      case "--kubeconfig":
      case "--context":
      case "--probe-log": {
        const v = value();
        if (v !== undefined) options[LIVE_TEXTS[flag]] = v;
        break;
      }
      case "--probe-timeout":
      case "--deadline":
      case "--concurrency": {
        const v = value();
        if (v === undefined) break;
        const bound = LIVE_NUMBERS[flag];
        const n = /^\d+$/.test(v) ? Number(v) : NaN;
        if (n >= bound.min && n <= bound.max) options[bound.key] = n;
        else problems.push(`${flag}: "${v}" is not accepted; expected ${bound.what} from ${bound.min} to ${bound.max}`);
        break;
      }
      case "--stack": {
        const v = value();
        if (v !== undefined) options.stack = v;
        break;
      }
      case "--stage": {
        const v = value();
        if (v === undefined) break;
        const stage = stageFrom(v);
        if (stage) options.stage = stage;
        else problems.push(`--stage: "${v}" is not a stage; expected one of ${STAGES.join(", ")}, or 1 to 5`);
        break;
      }
      case "--all-stages":
        options.allStages = true;
        break;
      case "--exercise": {
        const v = value();
        if (v !== undefined) options.exercise = v;
        break;
      }
      case "--manifests": {
        const v = value();
        if (v !== undefined) options.manifests.push(v);
        break;
      }
      case "--external": {
        const v = value();
        if (v === undefined) break;
        const match = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)=(.+)$/.exec(v);
        if (!match || !parseIp(match[3])) {
          problems.push(`--external: "${v}" is not accepted; expected NAME=IP, such as home=203.0.113.7`);
        } else if (options.externals.some((e) => e.name === match[1])) {
          problems.push(`--external: the name "${match[1]}" is given twice`);
        } else {
          options.externals.push({ name: match[1], ip: match[3] });
        }
        break;
      }
      case "--from":
      case "--to": {
        const v = value();
        if (v === undefined) break;
        const pattern = parsePattern(flag, v, problems);
        if (pattern) (flag === "--from" ? from : to).push(pattern);
        break;
      }
      case "--port": {
        const v = value();
        if (v === undefined) break;
        const port = parsePort(v, problems);
        if (port && !ports.some((p) => p.port === port.port && p.protocol === port.protocol)) ports.push(port);
        break;
      }
      case "--format": {
        const v = value();
        if (v === undefined) break;
        if ((OUTPUT_FORMATS as readonly string[]).includes(v)) options.format = v as OutputFormat;
        else problems.push(`--format: "${v}" is not accepted; expected one of ${OUTPUT_FORMATS.join(", ")}`);
        break;
      }
      case "--compare": {
        const v = value();
        if (v !== undefined) options.compare = v;
        break;
      }
      case "--json-out": {
        const v = value();
        if (v !== undefined) options.jsonOut = v;
        break;
      }
      case "--help":
      case "-h":
        options.help = true;
        break;
      default:
        problems.push(`${flag}: unknown option; see --help`);
    }
  }
  if (options.manifests.length > 0) {
    for (const flag of ["stack", "stage", "exercise"] as const) {
      if (options[flag] !== undefined) problems.push(`--${flag}: only in lab mode, not with --manifests`);
    }
    if (options.allStages) problems.push("--all-stages: only in lab mode, not with --manifests");
  } else {
    if (options.externals.length > 0)
      problems.push("--external: only with --manifests (lab mode adds its own external peers)");
    // Lab mode reports every cell of its few pods and checks LAB.md's claims on them.
    for (const [flag, given] of [
      ["--from", from],
      ["--to", to],
      ["--port", ports],
    ] as const) {
      if (given.length > 0) problems.push(`${flag}: only with --manifests (lab mode reports every cell)`);
    }
    if (options.format === "jsonl")
      problems.push("--format jsonl: only with --manifests (lab mode reports every cell)");
  }
  if (options.format === "jsonl" && options.compare !== undefined)
    problems.push("--compare: not with --format jsonl, which writes cells only");
  if (options.format === "jsonl" && options.jsonOut !== undefined)
    problems.push("--json-out: not with --format jsonl, which streams cells rather than a report");
  if (options.allStages && options.stage) problems.push("--stage: not with --all-stages, which checks every stage");
  if (options.exercise !== undefined && options.manifests.length === 0) {
    if (options.allStages) problems.push("--all-stages: not with --exercise; an exercise is graded at one stage");
    else if (options.stage === undefined && options.stack === undefined) {
      problems.push("--exercise: needs --stage S, the stage whose claims grade it (or --stack NAME, whose stage does)");
    }
  }
  if (options.live) {
    if (options.manifests.length > 0) {
      problems.push("--live: not with --manifests; live mode observes the lab's claims on its cluster");
    }
    if (options.allStages) problems.push("--all-stages: not with --live; a cluster runs one stage at a time");
    if (options.compare !== undefined) problems.push("--compare: not with --live");
    if (options.kubeconfig === undefined && options.stack === undefined) {
      problems.push(
        "--live: needs the cluster: --kubeconfig FILE, or --stack NAME to read the stack's kubeconfig output",
      );
    }
  } else {
    for (const flag of LIVE_ONLY) if (given.has(flag)) problems.push(`${flag}: only with --live`);
  }
  if (problems.length > 0) throw new VerifyInputError(problems);
  return options;
}

function manifestsRequest(options: CliOptions): ManifestsRequest {
  const query = { from: options.from ?? [], to: options.to ?? [], ports: options.ports ?? [] };
  const asked = query.from.length + query.to.length + query.ports.length > 0;
  return { targets: options.manifests, externals: options.externals, ...(asked ? { query } : {}) };
}

/**
 * The reports the options ask for, from the mode they name; `interrupt` stops a live run, and
 * `waits` says how long it waits on the cluster (verifier/live/bounds.ts).
 */
export async function run(
  options: CliOptions,
  projectDir?: string,
  interrupt: AbortSignal = new AbortController().signal,
  waits?: LiveWaits,
): Promise<Report[]> {
  // As the user typed it, from where they typed it.
  const exercise = options.exercise === undefined ? undefined : path.resolve(options.exercise);
  if (options.live) {
    const live = {
      stack: options.stack,
      stage: options.stage,
      kubeconfig: options.kubeconfig,
      context: options.context,
      probeTimeoutSeconds: options.probeTimeout ?? LIVE_NUMBERS["--probe-timeout"].default,
      deadlineSeconds: options.deadline ?? LIVE_NUMBERS["--deadline"].default,
      concurrency: options.concurrency ?? LIVE_NUMBERS["--concurrency"].default,
      probeLog: options.probeLog,
      signal: interrupt,
      exercise,
      waits,
    };
    const { verifyLive } = await import("./live");
    return [await verifyLive(live, projectDir)];
  }
  if (options.manifests.length > 0) return [await verifyManifests(manifestsRequest(options))];
  // Lab mode loads the Pulumi SDK and runs the program; the other modes, and --help, need neither.
  const { verifyLab } = await import("./lab");
  return verifyLab({ stack: options.stack, stage: options.stage, allStages: options.allStages, exercise }, projectDir);
}

/**
 * Runs the command; returns the exit status. `projectDir` holds the stack files (default: this
 * project). `out` may return a promise when its destination is full (a pipe): streamed output
 * waits for it before computing more. `waits`: how long a live run waits on the cluster (live
 * mode's own unless a test shortens them, tests/live/verify.ts).
 */
export async function main(
  argv: string[],
  out: (text: string) => void | Promise<void>,
  err: (text: string) => void,
  projectDir?: string,
  waits?: LiveWaits,
): Promise<number> {
  try {
    const options = parseArgs(argv);
    if (options.help) {
      await out(USAGE);
      return 0;
    }
    if (options.format === "jsonl") {
      await streamManifestCells(manifestsRequest(options), out);
      return 0;
    }
    const base = options.compare ? readBaseReports(options.compare) : undefined;
    const reports = options.live
      ? await interruptible((signal) => run(options, projectDir, signal, waits))
      : await run(options, projectDir);
    const changes = base ? compareReports(base, reports) : undefined;
    await out(render(reports, options.format, changes));
    if (options.jsonOut !== undefined) fs.writeFileSync(options.jsonOut, render(reports, "json", changes));
    // An exercise is graded at one stage: its report is the only one.
    if (reports[0].grade !== undefined) return gradedStatus(reports[0].grade, err);
    let failed = 0;
    for (const report of reports) {
      for (const claim of report.claims) {
        if (!claim.holds) {
          failed++;
          err(
            `claim failed (stage ${report.stage}): ${claim.claim}: expected ${claim.expected}, computed ${claim.computed}; ${claim.reason}\n`,
          );
        }
        if (report.live !== undefined && claim.observed === "not probed") {
          failed++;
          err(`not probed (stage ${report.stage}): ${claim.claim}: ${claim.evidence}\n`);
        } else if (report.live !== undefined && claim.matches !== true) {
          failed++;
          err(
            `mismatch (stage ${report.stage}): ${claim.claim}: predicted ${claim.computed}, observed ${claim.observed}; ${claim.evidence}\n`,
          );
        }
      }
    }
    return failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UnreachableError) {
      err(`verify: ${error.message}\n`);
      return 2;
    }
    if (error instanceof Interrupted) {
      err(`verify: interrupted (Ctrl-C)\n${error.housekeeping.map((line) => `  ${line}\n`).join("")}`);
      return 130;
    }
    if (
      error instanceof VerifyInputError ||
      error instanceof InvalidInputError ||
      error instanceof AdmissionInputError
    ) {
      const problems = error instanceof InvalidInputError ? error.problems : error.problems;
      err(`verify: bad input:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
      return 2;
    }
    throw error;
  }
}

/** An exercise's status (gradeStatus), with each claim not met named on stderr, hint and all. */
function gradedStatus(grade: Grade, err: (text: string) => void): number {
  for (const claim of grade.claims) {
    if (claim.met === true) continue;
    const where = claim.file === null ? "" : `${claim.file}:${claim.line}: `;
    err(
      `${claim.met === false ? "unmet" : "not judged"} (stage ${grade.stage}): ${claim.claim}: expected ${claim.expected}, found ${claim.found}; hint: ${where}${claim.hint}\n`,
    );
  }
  return gradeStatus(grade);
}

/**
 * Runs a live verification that Ctrl-C (or SIGTERM) stops: the run then deletes its probes and
 * ends with status 130. A second Ctrl-C is Node's own: it ends the process at once, and the next
 * run removes what this one left.
 */
async function interruptible<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await task(controller.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

if (require.main === module) runCommand("verify", main);
