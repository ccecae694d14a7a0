/**
 * `npm run docs`: the tables of docs/lab.md, the project's specification, drawn from what the
 * program and the verifier use (the images, the namespaces' labels, verifier/lab/claims.ts), so
 * that the document a trainer reads and the claims `npm run verify` checks are one thing; and
 * those of docs/exercises.md, from what an exercise may hold (config/exercise.ts), each stage's
 * objective (verifier/lab/objectives.ts) and the hints' own templates (verifier/lab/hints.ts).
 * tests/docs.test.ts fails when a file is stale.
 */
import * as fs from "fs";
import * as path from "path";
import {
  APP_NAMESPACE,
  APP_NAMESPACE_LABELS,
  DATA_NAMESPACE,
  DATA_NAMESPACE_LABELS,
  MYSQL_LABELS,
  PHPMYADMIN_LABELS,
} from "../components/app";
import { GATEKEEPER_NAMESPACE } from "../components/gatekeeper";
import { IMAGES } from "../config/images";
import { DEFAULT_GATEKEEPER_VERSION, STAGES } from "../config/keys";
import {
  ADMISSION_CLAIMS,
  CONNECTIVITY_CLAIMS,
  LOAD_BALANCER_CLAIMS,
  LOAD_BALANCER_CLAIM_STAGES,
} from "../verifier/lab/claims";
import { pointText } from "../verifier/analyze";
import { verifyLab } from "../verifier/lab";
import { EXERCISE_KINDS } from "../config/exercise";
import { HINTS, type HintTemplate } from "../verifier/lab/hints";
import { stageObjective } from "../verifier/lab/objectives";
import { withBlock } from "./generated";

export const LAB_DOC = path.join(__dirname, "..", "docs", "lab.md");
export const EXERCISES_DOC = path.join(__dirname, "..", "docs", "exercises.md");
export const SCRIPT = "npm run docs";

const labels = (l: Record<string, string>) =>
  Object.entries(l)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(", ");

function clusterTable(): string {
  return [
    "| namespace | labels | workload | image | port |",
    "|---|---|---|---|---|",
    `| \`${APP_NAMESPACE}\` | ${labels(APP_NAMESPACE_LABELS)} | phpMyAdmin (${labels(PHPMYADMIN_LABELS)}) | \`${IMAGES.phpmyadmin}\` | 80/TCP |`,
    `| \`${DATA_NAMESPACE}\` | ${labels(DATA_NAMESPACE_LABELS)} | MySQL (${labels(MYSQL_LABELS)}) | \`${IMAGES.mysql}\` | 3306/TCP |`,
    `| \`${GATEKEEPER_NAMESPACE}\` | | OPA Gatekeeper, Helm chart \`gatekeeper\` ${DEFAULT_GATEKEEPER_VERSION} by default | | |`,
  ].join("\n");
}

function connectivityTable(): string {
  return [
    `| flow | ${STAGES.join(" | ")} |`,
    `|---|${STAGES.map(() => "---").join("|")}|`,
    ...CONNECTIVITY_CLAIMS.map((c) => `| ${c.flow} | ${STAGES.map((s) => (c.expected[s] ? "A" : "D")).join(" | ")} |`),
  ].join("\n");
}

function loadBalancerTable(): string {
  return [
    `| flow | ${LOAD_BALANCER_CLAIM_STAGES.join(" | ")} |`,
    `|---|${LOAD_BALANCER_CLAIM_STAGES.map(() => "---").join("|")}|`,
    ...LOAD_BALANCER_CLAIMS.map(
      (c) => `| ${c.flow} | ${LOAD_BALANCER_CLAIM_STAGES.map((s) => (c.expected[s] ? "A" : "D")).join(" | ")} |`,
    ),
  ].join("\n");
}

function admissionTable(): string {
  const from = STAGES.indexOf("allowed-repos");
  const verdict = (admitted: boolean) => (admitted ? "admitted" : "denied");
  return [
    "| object | before `allowed-repos` | from `allowed-repos` on |",
    "|---|---|---|",
    ...ADMISSION_CLAIMS.map((c) => {
      const before = STAGES.slice(0, from).map((s) => c.expected[s]);
      const after = STAGES.slice(from).map((s) => c.expected[s]);
      // The claims are per stage; the table has two columns because the policy comes at one stage.
      if (new Set(before).size !== 1 || new Set(after).size !== 1) {
        throw new Error(`${c.object}: the admission claim changes within a column; the table cannot show it`);
      }
      const names =
        !after[0] && c.messageNames ? `, the message names ${c.messageNames.map((n) => `\`${n}\``).join(" and ")}` : "";
      return `| ${c.object} | ${verdict(before[0])} | ${verdict(after[0])}${names} |`;
    }),
  ].join("\n");
}

/**
 * What a trainee sees at the stage allowed-repos for each denied request of the claims: the
 * command, the enforcement point that refuses it, and kubectl's output, as the verifier computes
 * them from the lab's own graph.
 */
async function deniedRequests(): Promise<string> {
  const [report] = await verifyLab({ stage: "allowed-repos", allStages: false });
  const lines: string[] = [];
  for (const result of report.admission) {
    const { deniedBy, kubectl } = result.enforcement ?? {};
    if (deniedBy === undefined || kubectl === undefined) continue;
    lines.push(
      `- \`${result.object}\` with \`${kubectl.command}\`: refused by ${pointText(deniedBy)}`,
      "",
      "  ```text",
      `  ${kubectl.output}`,
      "  ```",
      "",
    );
  }
  return lines.join("\n").trimEnd();
}

/** Every generated block of docs/lab.md, by name. */
export async function docBlocks(): Promise<Record<string, string>> {
  return {
    cluster: clusterTable(),
    connectivity: connectivityTable(),
    "load-balancer": loadBalancerTable(),
    admission: admissionTable(),
    "denied-requests": await deniedRequests(),
  };
}

/** The document with every block filled in. */
export async function renderLabDoc(text: string): Promise<string> {
  return Object.entries(await docBlocks()).reduce(
    (doc, [name, content]) => withBlock(doc, "docs/lab.md", name, SCRIPT, content),
    text,
  );
}

/** Where each kind an exercise may hold goes, beside its group and versions. */
const KIND_NOTES: Record<string, string> = {
  "networking.k8s.io": "in `app` or `data`, nowhere else",
  "templates.gatekeeper.sh": "named after its kind, in lower case",
  "constraints.gatekeeper.sh": "cluster-scoped, like the template that defines its kind",
  "expansion.gatekeeper.sh": "cluster-scoped",
};

function acceptedTable(): string {
  return [
    "| apiVersion | kind | |",
    "|---|---|---|",
    ...EXERCISE_KINDS.map(
      (k) =>
        `| ${k.versions.map((v) => `\`${k.group}/${v}\``).join(", ")} | ${k.kind ?? "a kind a ConstraintTemplate of the exercise defines"} | ${KIND_NOTES[k.group]} |`,
    ),
  ].join("\n");
}

/** A hint's words with its parts named: `POLICY selects POD, …`. */
function hintWords(hint: HintTemplate): string {
  const named = Object.fromEntries(hint.params.map((p) => [p, p.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()]));
  return hint.text(named);
}

function hintsList(): string {
  return Object.values(HINTS)
    .map((hint: HintTemplate) => `- **${hint.when}**: ${md(hintWords(hint))}`)
    .join("\n");
}

/** Only "<" can open HTML; hint words carry none, but a placeholder might. */
const md = (text: string) => text.replace(/</g, "&lt;");

/** Every generated block of docs/exercises.md, by name. */
export function exerciseBlocks(): Record<string, string> {
  return {
    accepted: acceptedTable(),
    stages: STAGES.map((stage) => stageObjective(stage)).join("\n\n"),
    hints: hintsList(),
  };
}

export function renderExercisesDoc(text: string): string {
  return Object.entries(exerciseBlocks()).reduce(
    (doc, [name, content]) => withBlock(doc, "docs/exercises.md", name, SCRIPT, content),
    text,
  );
}

if (require.main === module) {
  fs.writeFileSync(EXERCISES_DOC, renderExercisesDoc(fs.readFileSync(EXERCISES_DOC, "utf8")));
  console.log("docs/exercises.md: tables written");
  renderLabDoc(fs.readFileSync(LAB_DOC, "utf8")).then(
    (doc) => {
      fs.writeFileSync(LAB_DOC, doc);
      console.log("docs/lab.md: tables written");
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
