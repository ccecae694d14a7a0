/**
 * `npm run verify -- [options]`: proves, before anything is applied, who can talk to whom and
 * what Gatekeeper admits, for the lab at a stage (lab mode) or for a folder of manifests.
 *
 * Exit status: 0 when every claim holds (or, for manifests, the analysis ran); 1 when a claim of
 * docs/lab.md fails, naming it; 2 for bad input, naming the file, the object and the field.
 */
import { STAGES, Stage } from "../config/keys";
import { AdmissionInputError } from "./admission";
import type { Report } from "./analyze";
import { compareReports, readBaseReports } from "./compare";
import { verifyLab } from "./lab";
import { stageFrom } from "./lab/stack";
import { verifyManifests } from "./manifests";
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

Manifests mode judges any Kubernetes manifests:
  --manifests PATH    a YAML file or a folder of them (repeatable)
  --external NAME=IP  an external client to judge as a source (repeatable)

Both:
  --format F          text (default), markdown or json
  --compare BASE.json lead with what changed against a JSON report of the base branch
  --help              this text
`;

export interface CliOptions {
  stack?: string;
  stage?: Stage;
  allStages: boolean;
  manifests: string[];
  externals: { name: string; ip: string }[];
  format: Format;
  compare?: string;
  help: boolean;
}

/** Parses the arguments; every problem is reported at once as bad input. */
export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { allStages: false, manifests: [], externals: [], format: "text", help: false };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        problems.push(`${flag}: needs a value`);
        return undefined;
      }
      i++;
      return next;
    };
    switch (flag) {
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
      case "--format": {
        const v = value();
        if (v === undefined) break;
        if ((FORMATS as readonly string[]).includes(v)) options.format = v as Format;
        else problems.push(`--format: "${v}" is not accepted; expected one of ${FORMATS.join(", ")}`);
        break;
      }
      case "--compare": {
        const v = value();
        if (v !== undefined) options.compare = v;
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
    for (const flag of ["stack", "stage"] as const) {
      if (options[flag] !== undefined) problems.push(`--${flag}: only in lab mode, not with --manifests`);
    }
    if (options.allStages) problems.push("--all-stages: only in lab mode, not with --manifests");
  } else if (options.externals.length > 0) {
    problems.push("--external: only with --manifests (lab mode adds its own external peers)");
  }
  if (options.allStages && options.stage) problems.push("--stage: not with --all-stages, which checks every stage");
  if (problems.length > 0) throw new VerifyInputError(problems);
  return options;
}

/** The reports the options ask for, from the mode they name. */
export async function run(options: CliOptions, projectDir?: string): Promise<Report[]> {
  if (options.manifests.length > 0) return [verifyManifests(options.manifests, options.externals)];
  return verifyLab({ stack: options.stack, stage: options.stage, allStages: options.allStages }, projectDir);
}

/** Runs the command; returns the exit status. `projectDir` holds the stack files (default: this project). */
export async function main(
  argv: string[],
  out: (text: string) => void,
  err: (text: string) => void,
  projectDir?: string,
): Promise<number> {
  try {
    const options = parseArgs(argv);
    if (options.help) {
      out(USAGE);
      return 0;
    }
    const base = options.compare ? readBaseReports(options.compare) : undefined;
    const reports = await run(options, projectDir);
    out(render(reports, options.format, base ? compareReports(base, reports) : undefined));
    const failed = reports.flatMap((report) =>
      report.claims.filter((c) => !c.holds).map((claim) => ({ report, claim })),
    );
    for (const { report, claim } of failed) {
      err(
        `claim failed (stage ${report.stage}): ${claim.claim}: expected ${claim.expected}, computed ${claim.computed}; ${claim.reason}\n`,
      );
    }
    return failed.length > 0 ? 1 : 0;
  } catch (error) {
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

if (require.main === module) {
  main(
    process.argv.slice(2),
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  ).then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      process.stderr.write(`verify: internal error: ${(error as Error).stack ?? error}\n`);
      process.exitCode = 3;
    },
  );
}
