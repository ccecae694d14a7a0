/**
 * The report for people and machines: a truth table for the terminal, Markdown for a pull request,
 * JSON for tools.
 */
import { STAGES, type Stage } from "../config/keys";
import { pointText, type ClaimResult, type LiveDifference, type Report } from "./analyze";
import type { Grade, GradedClaim } from "./lab/grade";
import { Change, changeLine, gradeMovement } from "./compare";
import type { ClassInfo, ConnectivityOverview, Share, TableEntry } from "./netpol";

export type Format = "text" | "markdown" | "json";
export const FORMATS: readonly Format[] = ["text", "markdown", "json"];

interface Column {
  to: string;
  port: number;
  protocol: string;
}

const columnKey = (c: Column) => `${c.to} ${c.port}/${c.protocol}`;
const displayTo = (to: string) => to.replace(/^external:/, "");

/** The distinct destinations and sources of a table, in table order. */
function axes(table: TableEntry[]): { rows: string[]; columns: Column[]; cells: Map<string, TableEntry> } {
  const rows: string[] = [];
  const columns: Column[] = [];
  const seenColumns = new Set<string>();
  const cells = new Map<string, TableEntry>();
  for (const entry of table) {
    if (!rows.includes(entry.from)) rows.push(entry.from);
    const column = { to: entry.to, port: entry.port, protocol: entry.protocol };
    if (!seenColumns.has(columnKey(column))) {
      seenColumns.add(columnKey(column));
      columns.push(column);
    }
    cells.set(`${entry.from}|${columnKey(column)}`, entry);
  }
  // External destinations last, so the pods' columns come first.
  columns.sort((a, b) => Number(a.to.startsWith("external:")) - Number(b.to.startsWith("external:")));
  return { rows, columns, cells };
}

function failedClaims(report: Report) {
  return report.claims.filter((c) => !c.holds);
}

/**
 * Live mode: a claim's mark. The prediction failing the specification comes first; then whether
 * the cluster did what was predicted.
 */
function liveMark(claim: ClaimResult): "FAILS" | "match" | "MISMATCH" | "NOT PROBED" {
  if (!claim.holds) return "FAILS";
  if (claim.observed === "not probed") return "NOT PROBED";
  return claim.matches === true ? "match" : "MISMATCH";
}

/** "15 match, 1 mismatch, 0 not probed" (and the claims whose prediction fails, if any). */
function liveCounts(report: Report): string {
  const marks = report.claims.map(liveMark);
  const count = (mark: string) => marks.filter((m) => m === mark).length;
  const fails = count("FAILS");
  return `${count("match")} match, ${count("MISMATCH")} mismatch, ${count("NOT PROBED")} not probed${fails > 0 ? `, ${fails} predicted to fail` : ""}`;
}

/** The observation of an admission result, by its object. */
const liveAdmission = (report: Report, object: string) => report.live?.admission.find((a) => a.object === object);

// ---------------------------------------------------------------------------------------------
// text

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

// ---------------------------------------------------------------------------------------------
// manifests mode at scale: the overview of classes, and the cells a query asked for

/**
 * The longest line of the text report's parts that grow with the cluster (the header's lists, the
 * class table, the summary): a report of 10,000 pods stays readable in a terminal. Lines quoting
 * a message (Gatekeeper's, kubectl's) quote it whole.
 */
export const TEXT_WIDTH = 200;

/**
 * Names in a line: at most `most` of them, and in text no more than fit in `width` characters
 * (the first always), then how many more.
 */
function listed(names: string[], most: number, width = Infinity): string {
  if (names.length === 0) return "none";
  const more = (shown: number) => (shown < names.length ? `, … and ${thousands(names.length - shown)} more` : "");
  let shown = 1;
  while (
    shown < Math.min(names.length, most) &&
    names.slice(0, shown + 1).join(", ").length + more(shown + 1).length <= width
  )
    shown++;
  return `${names.slice(0, shown).join(", ")}${more(shown)}`;
}

const thousands = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, one: string, many = `${one}s`) => `${thousands(n)} ${n === 1 ? one : many}`;
const share = (s: Share) => (s.total === 0 ? "-" : `${thousands(s.allowed)}/${thousands(s.total)}`);

/** The policies listed by name in the summary: the first of the ranking. */
const POLICIES_SHOWN = 10;
/** The policies and constraints listed by name in the report's header. */
const HEADER_NAMES = 20;

/** Per namespace, how many pods it has and how many of them each ipBlock holds. */
type BlockCounts = Map<string, { pods: number; inside: Map<string, number> }>;

function blockCounts(classes: ClassInfo[]): BlockCounts {
  const counts: BlockCounts = new Map();
  for (const c of classes) {
    let namespace = counts.get(c.namespace);
    if (namespace === undefined) counts.set(c.namespace, (namespace = { pods: 0, inside: new Map() }));
    namespace.pods += c.pods;
    for (const block of c.ipBlocks) namespace.inside.set(block, (namespace.inside.get(block) ?? 0) + c.pods);
  }
  return counts;
}

/**
 * What tells a class apart, in at most `width` characters: its labels, the named ports rules use,
 * then the ipBlocks holding its addresses, the most telling first: those that leave out the most
 * of its namespace's pods (a block every pod of the namespace is in tells none of them apart).
 * What does not fit is counted ("+12 more"); the JSON report lists it all.
 */
function toldApartBy(c: ClassInfo, counts: BlockCounts, width: number): string {
  const namespace = counts.get(c.namespace)!;
  const leftOut = (block: string) => namespace.pods - namespace.inside.get(block)!;
  const blocks = [...c.ipBlocks].sort((a, b) => leftOut(b) - leftOut(a));
  const parts = [
    ...Object.entries(c.labels).map(([key, value]) => `${key}=${value}`),
    ...c.namedPorts.map((port) => `port ${port}`),
    ...blocks.map((block) => `in ${block}`),
  ];
  if (parts.length === 0) return "-";
  const more = (shown: number) => (shown < parts.length ? `, +${thousands(parts.length - shown)} more` : "");
  let shown = 1;
  while (shown < parts.length && parts.slice(0, shown + 1).join(", ").length + more(shown + 1).length <= width) shown++;
  return `${parts.slice(0, shown).join(", ")}${more(shown)}`;
}

function isolation(c: ClassInfo): string {
  const sides = [
    ...(c.ingressIsolatedBy.length > 0 ? [`ingress (${c.ingressIsolatedBy.length})`] : []),
    ...(c.egressIsolatedBy.length > 0 ? [`egress (${c.egressIsolatedBy.length})`] : []),
  ];
  return sides.length > 0 ? sides.join(", ") : "-";
}

function examples(c: ClassInfo): string {
  return c.pods > c.examples.length ? `${c.examples.join(", ")}, …` : c.examples.join(", ");
}

const CLASS_LEGEND = [
  "isolated: for ingress or egress, by how many policies; out, in: of the cells from (to) the class's pods to (from) every other pod's declared ports, how many are allowed",
  "told apart by: the labels that the selectors able to reach the namespace read, the container ports rules name, the ipBlocks holding the pods' addresses",
  "most telling first: the ipBlocks that leave out the most of the namespace's pods, as many as the row holds, then how many more (--format json lists all)",
];

/** The "told apart by" cell of a Markdown row, in characters: a table row a reviewer can read. */
const MARKDOWN_TOLD_APART = 100;

/** The summary, shared by text and Markdown: facts, the policies that matter most, those that decide nothing. */
function summaryParts(overview: ConnectivityOverview) {
  const { podPairs, cells } = overview;
  const facts = [
    `pod pairs: ${thousands(podPairs.open)} open, ${thousands(podPairs.partlyOpen)} partly open, ${thousands(podPairs.isolated)} isolated, ${thousands(podPairs.unjudged)} not judged (the destination declares no port)`,
    `cells (pod pair and port): ${thousands(cells.allowed)} allowed, ${thousands(cells.denied)} denied`,
  ];
  if (overview.externals.length > 0) {
    facts.push(
      `external clients: ${overview.externals.map((e) => `${e.name} reaches ${thousands(e.allowed)} of ${plural(e.total, "pod port")}`).join(", ")}`,
    );
  }
  const deciding = overview.policies.filter((p) => p.allowed + p.denied > 0);
  const idle = overview.policies.filter((p) => p.allowed + p.denied === 0).map((p) => p.policy);
  const ranking = {
    title: `policies that matter most, by the cells they decide (a rule that allows a cell decides it at its end; a denied cell is decided by every policy isolating the end that denies it)${deciding.length > POLICIES_SHOWN ? `: the first ${POLICIES_SHOWN} of ${thousands(deciding.length)}` : ""}:`,
    rows: deciding
      .slice(0, POLICIES_SHOWN)
      .map((p) => [
        p.policy,
        plural(p.allowed + p.denied, "cell"),
        `${thousands(p.allowed)} allowed`,
        `${thousands(p.denied)} denied`,
      ]),
  };
  return {
    head: `Summary over ${plural(overview.pods, "pod")} and ${plural(podPairs.total, "ordered pod pair")} ("open": the source can open a connection to every port the destination declares; "isolated": to none)`,
    facts,
    ranking: deciding.length > 0 ? ranking : null,
    idle:
      idle.length > 0
        ? {
            lead: `${plural(idle.length, "policy decides", "policies decide")} no cell (no verdict names ${idle.length === 1 ? "it" : "them"} as the rule that allows or as an isolating policy of the end that denies): `,
            names: idle,
          }
        : null,
  };
}

function classHead(overview: ConnectivityOverview): string {
  return `${plural(overview.pods, "pod")} in ${plural(overview.classes.length, "class", "classes")} (pods that no policy can tell apart share a class, and its verdicts)`;
}

/** A class's cells but the last, told apart by: class, namespace, pods, isolated, out, in, e.g. */
function classRow(c: ClassInfo): string[] {
  return [c.id, c.namespace, thousands(c.pods), isolation(c), share(c.outgoing), share(c.incoming), examples(c)];
}
const CLASS_COLUMNS = ["class", "namespace", "pods", "isolated", "out", "in", "e.g.", "told apart by"];

/** The narrowest "told apart by" a text row gets, however wide the columns before it. */
const MIN_TOLD_APART = 40;

function textOverview(overview: ConnectivityOverview): string[] {
  const lines = [`Classes of pods: ${classHead(overview)}`];
  const leading = overview.classes.map(classRow);
  const widths = CLASS_COLUMNS.slice(0, -1).map((h, i) => Math.max(h.length, ...leading.map((r) => r[i].length)));
  // The last column gets what the line has left: two spaces of indent, two between columns.
  const left = Math.max(MIN_TOLD_APART, TEXT_WIDTH - 2 - widths.reduce((sum, w) => sum + w + 2, 0));
  const counts = blockCounts(overview.classes);
  const rows = overview.classes.map((c, i) => [...leading[i], toldApartBy(c, counts, left)]);
  widths.push(Math.max(CLASS_COLUMNS[CLASS_COLUMNS.length - 1].length, ...rows.map((r) => r[r.length - 1].length)));
  const numeric = new Set([2, 4, 5]);
  for (const row of [CLASS_COLUMNS, ...rows]) {
    const cells = row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : pad(cell, widths[i])));
    lines.push(`  ${cells.join("  ")}`.trimEnd());
  }
  lines.push(...CLASS_LEGEND.map((line) => `  ${line}`), "");
  const { head, facts, ranking, idle } = summaryParts(overview);
  lines.push(`${head}:`, ...facts.map((fact) => `  ${fact}`));
  if (ranking) {
    lines.push(`  ${ranking.title}`);
    const width = Math.max(...ranking.rows.map((r) => r[0].length));
    for (const [policy, total, allowed, denied] of ranking.rows)
      lines.push(`    ${pad(policy, width)}  ${total}: ${allowed}, ${denied}`);
  }
  if (idle) lines.push(`  ${idle.lead}${listed(idle.names, POLICIES_SHOWN, TEXT_WIDTH - 2 - idle.lead.length)}`);
  lines.push("");
  return lines;
}

function markdownOverview(overview: ConnectivityOverview): string[] {
  const counts = blockCounts(overview.classes);
  const lines = [
    `**Classes of pods:** ${classHead(overview)}`,
    "",
    `| ${CLASS_COLUMNS.join(" | ")} |`,
    "|---|---|--:|---|--:|--:|---|---|",
    ...overview.classes.map(
      (c) => `| ${[...classRow(c), toldApartBy(c, counts, MARKDOWN_TOLD_APART)].map(md).join(" | ")} |`,
    ),
    "",
    ...CLASS_LEGEND.map((line) => `${md(line[0].toUpperCase() + line.slice(1))}.  `),
    "",
  ];
  const { head, facts, ranking, idle } = summaryParts(overview);
  lines.push(`**${md(head)}**`, "", ...facts.map((fact) => `- ${md(fact)}`));
  if (ranking) {
    lines.push(`- ${md(ranking.title)}`);
    for (const [policy, total, allowed, denied] of ranking.rows)
      lines.push(`  - \`${policy}\`: ${total}, ${allowed}, ${denied}`);
  }
  if (idle) lines.push(`- ${md(idle.lead + listed(idle.names, POLICIES_SHOWN))}`);
  lines.push("");
  return lines;
}

/** A cell's mark: allowed, denied, or a pod to itself, which has no verdict. */
const mark = (e: TableEntry, marks: { allowed: string; denied: string; self: string }) =>
  e.self ? marks.self : e.allowed ? marks.allowed : marks.denied;

/** The counts of a list of cells; a pod's cells to itself are counted apart, as neither. */
function cellsHead(table: TableEntry[]): string {
  const self = table.filter((e) => e.self).length;
  const allowed = table.filter((e) => !e.self && e.allowed).length;
  const denied = table.length - self - allowed;
  const selfPart = self > 0 ? `, ${thousands(self)} self (a pod to itself, left to the network plugin)` : "";
  return `${plural(table.length, "cell")}, ${thousands(allowed)} allowed, ${thousands(denied)} denied${selfPart}`;
}

function textCells(table: TableEntry[], query: string[]): string[] {
  const lines = [`Connectivity asked for with ${query.join(" ")}: ${cellsHead(table)}`];
  for (const e of table) {
    lines.push(
      `  ${mark(e, { allowed: "ok  ", denied: "DENY", self: "self" })}  ${e.from} -> ${displayTo(e.to)} ${e.port}/${e.protocol}`,
    );
    lines.push(`        because ${e.reason}`);
  }
  lines.push("");
  return lines;
}

function markdownCells(table: TableEntry[], query: string[]): string[] {
  return [
    `**Connectivity asked for** with ${query.map((q) => `\`${q}\``).join(" ")}: ${cellsHead(table)}`,
    "",
    "| from | to | port | | why |",
    "|---|---|---|---|---|",
    ...table.map(
      (e) =>
        `| ${md(e.from)} | ${md(displayTo(e.to))} | ${e.port}/${e.protocol} | ${mark(e, MARKDOWN_MARKS)} | ${md(e.reason)} |`,
    ),
    "",
  ];
}

/** The JSON of an overview: the classes, then the summary. */
function jsonOverview(overview: ConnectivityOverview) {
  const { classes, pods, podPairs, cells, externals, policies } = overview;
  return {
    classes,
    summary: { pods, classes: classes.length, podPairs, cells, externals, policiesByCellsDecided: policies },
  };
}

function textMatrix(table: TableEntry[]): string[] {
  const lines: string[] = [];
  const { rows, columns, cells } = axes(table);
  lines.push(
    `Connectivity: who can open a connection to whom ("ok" allowed, "DENY" denied, "self" a pod to itself, which Kubernetes leaves to the network plugin, "-" no such flow)`,
  );
  const rowWidth = Math.max(6, ...rows.map((r) => r.length)) + 2;
  const header = columns.map((_, i) => pad(`[${i + 1}]`, 6)).join("");
  lines.push(`  ${pad("from", rowWidth)}${header}`.trimEnd());
  // Rows grouped by namespace (external clients last), a blank line between groups.
  const group = (row: string) => (row.startsWith("external:") ? "~external" : row.split("/")[0]);
  const grouped = [...rows].sort((a, b) => (group(a) < group(b) ? -1 : group(a) > group(b) ? 1 : 0));
  grouped.forEach((row, i) => {
    if (i > 0 && group(row) !== group(grouped[i - 1])) lines.push("");
    const cellsText = columns
      .map((column) => {
        const entry = cells.get(`${row}|${columnKey(column)}`);
        return pad(entry ? mark(entry, { allowed: "ok", denied: "DENY", self: "self" }) : "-", 6);
      })
      .join("");
    lines.push(`  ${pad(row, rowWidth)}${cellsText}`.trimEnd());
  });
  lines.push("  to:");
  columns.forEach((column, i) =>
    lines.push(`    [${i + 1}] ${displayTo(column.to)} ${column.port}/${column.protocol}`),
  );
  lines.push("");
  return lines;
}

// ---------------------------------------------------------------------------------------------
// an exercise's grade

/** "stage 2 default-deny" */
const stageTitle = (stage: Stage) => `stage ${STAGES.indexOf(stage) + 1} ${stage}`;

const gradeCounts = (grade: Grade) =>
  `${grade.met} met, ${grade.unmet} unmet, ${grade.notJudged} not judged, of the ${plural(grade.claims.length, "claim")} of docs/lab.md for stage ${grade.stage}`;

const gradeMark = (claim: GradedClaim) => (claim.met === true ? "met" : claim.met === false ? "UNMET" : "NOT JUDGED");

const hintWhere = (claim: GradedClaim) => (claim.file === null ? "" : `${claim.file}:${claim.line}: `);

function textGrade(grade: Grade, observed: boolean): string[] {
  const lines = [`Grade${observed ? ", of what the cluster did" : ""}: ${gradeCounts(grade)}`];
  for (const claim of grade.claims) {
    lines.push(`  ${pad(gradeMark(claim), 12)}${claim.claim}: expected ${claim.expected}, found ${claim.found}`);
    if (claim.hint !== null) lines.push(`${" ".repeat(14)}hint: ${hintWhere(claim)}${claim.hint}`);
  }
  lines.push("");
  return lines;
}

function markdownGrade(grade: Grade, observed: boolean): string[] {
  const icon = (claim: GradedClaim) => (claim.met === true ? "✅" : claim.met === false ? "❌" : "⚠️ not judged");
  const lines = [`**Grade${observed ? ", of what the cluster did" : ""}:** ${gradeCounts(grade)}`, ""];
  lines.push("| claim | expected | found | met | hint |", "|---|---|---|---|---|");
  for (const claim of grade.claims) {
    const where = claim.file === null ? "" : `\`${claim.file}:${claim.line}\`: `;
    lines.push(
      `| ${md(claim.claim)} | ${claim.expected} | ${claim.met === true ? claim.found : `**${md(claim.found)}**`} | ${icon(claim)} | ${where}${md(claim.hint ?? "")} |`,
    );
  }
  lines.push("");
  return lines;
}

const DIFFERENCES_HEAD = "Where the cluster differs from the offline prediction for the exercise's objects";

function textDifferences(differences: LiveDifference[]): string[] {
  if (differences.length === 0) return [`${DIFFERENCES_HEAD}: nowhere`, ""];
  return [
    `${DIFFERENCES_HEAD}:`,
    ...differences.map((d) => `  ${d.claim}: predicted ${d.predicted}, observed ${d.observed}; ${d.evidence}`),
    "",
  ];
}

function markdownDifferences(differences: LiveDifference[]): string[] {
  if (differences.length === 0) return [`**${DIFFERENCES_HEAD}:** nowhere`, ""];
  return [
    `**${DIFFERENCES_HEAD}:**`,
    "",
    "| claim | predicted | observed | evidence |",
    "|---|---|---|---|",
    ...differences.map((d) => `| ${md(d.claim)} | ${d.predicted} | **${d.observed}** | ${md(d.evidence)} |`),
    "",
  ];
}

function textReport(report: Report): string {
  const lines: string[] = [];
  const title =
    report.exercise !== undefined && report.stage
      ? `exercise ${report.exercise}, graded at ${stageTitle(report.stage)}`
      : report.stage
        ? stageTitle(report.stage)
        : "manifests";
  lines.push(`== ${title}`);
  lines.push(`NetworkPolicies: ${listed(report.policies, HEADER_NAMES, TEXT_WIDTH - "NetworkPolicies: ".length)}`);
  lines.push(`Constraints:     ${listed(report.constraints, HEADER_NAMES, TEXT_WIDTH - "Constraints:     ".length)}`);
  lines.push("");
  if (report.grade) lines.push(...textGrade(report.grade, report.live !== undefined));
  if (report.live?.differences) lines.push(...textDifferences(report.live.differences));
  if (report.overview) lines.push(...textOverview(report.overview));
  else if (report.query) lines.push(...textCells(report.connectivity, report.query));
  else lines.push(...textMatrix(report.connectivity));
  if (report.admission.length > 0) {
    lines.push(
      `Admission: what Gatekeeper would do with each object, enforced as ${report.gatekeeper} would${report.live ? "; and what the cluster did with a dry run of it" : ""}`,
    );
    const width = Math.max(...report.admission.map((a) => a.object.length)) + 2;
    const indent = " ".repeat(12);
    for (const result of report.admission) {
      const verdict = result.allowed ? "admitted" : "DENIED  ";
      const first = result.violations[0];
      lines.push(
        `  ${verdict}  ${pad(result.object, width)}${first ? `[${first.constraint}] ${first.enforcementAction}: ${first.message}` : ""}`.trimEnd(),
      );
      for (const violation of result.violations.slice(1)) {
        lines.push(
          `${indent}${" ".repeat(width)}[${violation.constraint}] ${violation.enforcementAction}: ${violation.message}`,
        );
      }
      const { deniedBy, kubectl } = result.enforcement ?? {};
      if (deniedBy !== undefined && kubectl !== undefined) {
        lines.push(`${indent}refused by ${pointText(deniedBy)}; \`${kubectl.command}\` prints:`);
        lines.push(...kubectl.output.split("\n").map((line) => `${indent}  ${line}`));
      }
      const observed = liveAdmission(report, result.object);
      if (observed !== undefined) {
        lines.push(
          `${indent}${observed.matches ? "observed as predicted" : "OBSERVED OTHERWISE"}: ${observed.evidence}`,
        );
      }
    }
    lines.push("");
  }
  if (report.claims.length > 0 && report.live !== undefined) {
    lines.push(`Claims of docs/lab.md for this stage, observed on ${report.live.server}: ${liveCounts(report)}`);
    for (const claim of report.claims) {
      lines.push(
        `  ${pad(liveMark(claim), 10)}${claim.claim}: expected ${claim.expected}, predicted ${claim.computed}, observed ${claim.observed}`,
      );
      lines.push(`            predicted because ${claim.reason}`);
      lines.push(`            observed: ${claim.evidence}`);
    }
    lines.push("");
    lines.push("How the claims' peers were stood for:");
    for (const peer of report.live.peers) lines.push(`  ${peer}`);
    lines.push("What the run removed and deleted:");
    for (const line of report.live.housekeeping) lines.push(`  ${line}`);
    lines.push("");
  } else if (report.claims.length > 0 && report.grade === undefined) {
    const failed = failedClaims(report).length;
    lines.push(`Claims of docs/lab.md for this stage: ${report.claims.length - failed} hold, ${failed} fail`);
    for (const claim of report.claims) {
      const mark = claim.holds ? "holds" : "FAILS";
      lines.push(`  ${mark}  ${claim.claim}: expected ${claim.expected}, computed ${claim.computed}`);
      lines.push(`         because ${claim.reason}`);
    }
    lines.push("");
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n").trimEnd() + "\n";
}

// ---------------------------------------------------------------------------------------------
// markdown

const MARKDOWN_MARKS = { allowed: "✅", denied: "❌", self: "self" };

// Only "<" can open HTML in a cell (a message names "<nginx>"); ">" stays as written ("->").
const md = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;");

function markdownMatrix(table: TableEntry[]): string[] {
  const lines: string[] = [];
  const { rows, columns, cells } = axes(table);
  lines.push(
    "**Connectivity** (✅ allowed, ❌ denied, self: a pod to itself, which Kubernetes leaves to the network plugin; rows open connections to columns)",
  );
  lines.push("");
  lines.push(`| from \\ to | ${columns.map((c) => `${md(displayTo(c.to))} ${c.port}/${c.protocol}`).join(" | ")} |`);
  lines.push(`|---|${columns.map(() => ":-:").join("|")}|`);
  for (const row of rows) {
    const rowCells = columns.map((column) => {
      const entry = cells.get(`${row}|${columnKey(column)}`);
      return entry ? mark(entry, MARKDOWN_MARKS) : "";
    });
    lines.push(`| ${md(row)} | ${rowCells.join(" | ")} |`);
  }
  lines.push("");
  return lines;
}

function markdownReport(report: Report, level = "##"): string {
  const lines: string[] = [];
  const stage = report.stage ? `Stage ${STAGES.indexOf(report.stage) + 1}: \`${report.stage}\`` : "Manifests";
  lines.push(
    `${level} ${report.exercise !== undefined ? `Exercise \`${report.exercise}\`, graded at ${stage.replace("Stage", "stage")}` : stage}`,
  );
  lines.push("");
  lines.push(
    `NetworkPolicies: ${listed(
      report.policies.map((p) => `\`${p}\``),
      HEADER_NAMES,
    )}  `,
  );
  lines.push(
    `Constraints: ${report.constraints.length > 0 ? report.constraints.map((c) => `\`${c}\``).join(", ") : "none"}`,
  );
  lines.push("");
  if (report.grade) lines.push(...markdownGrade(report.grade, report.live !== undefined));
  if (report.live?.differences) lines.push(...markdownDifferences(report.live.differences));
  if (report.claims.length > 0 && report.live !== undefined) {
    const icon = { FAILS: "❌", match: "✅", MISMATCH: "❌", "NOT PROBED": "⚠️" } as const;
    lines.push(`**Claims, observed on \`${md(report.live.server)}\`:** ${liveCounts(report)}`);
    lines.push("");
    lines.push("| claim | expected | predicted | observed | | predicted because | observed |");
    lines.push("|---|---|---|---|---|---|---|");
    for (const claim of report.claims) {
      const mark = liveMark(claim);
      const observed = mark === "match" ? claim.observed : `**${claim.observed}**`;
      const markText = mark === "match" ? icon[mark] : `${icon[mark]} ${mark.toLowerCase()}`;
      lines.push(
        `| ${md(claim.claim)} | ${claim.expected} | ${claim.computed} | ${observed} | ${markText} | ${md(claim.reason)} | ${md(claim.evidence ?? "")} |`,
      );
    }
    lines.push("");
    lines.push("How the claims' peers were stood for:", "");
    for (const peer of report.live.peers) lines.push(`- ${md(peer)}`);
    lines.push("", "What the run removed and deleted:", "");
    for (const line of report.live.housekeeping) lines.push(`- ${md(line)}`);
    lines.push("");
  } else if (report.claims.length > 0 && report.grade === undefined) {
    const failed = failedClaims(report).length;
    lines.push(`**Claims:** ${report.claims.length - failed} hold, ${failed} fail`);
    lines.push("");
    lines.push("| claim | expected | computed | | why |");
    lines.push("|---|---|---|---|---|");
    for (const claim of report.claims) {
      lines.push(
        `| ${md(claim.claim)} | ${claim.expected} | ${claim.computed} | ${claim.holds ? "✅" : "❌"} | ${md(claim.reason)} |`,
      );
    }
    lines.push("");
  }
  if (report.overview) lines.push(...markdownOverview(report.overview));
  else if (report.query) lines.push(...markdownCells(report.connectivity, report.query));
  else lines.push(...markdownMatrix(report.connectivity));
  if (report.admission.length > 0) {
    lines.push(`**Admission**, enforced as ${md(report.gatekeeper)} would`);
    lines.push("");
    const live = report.live !== undefined;
    lines.push(`| object | verdict | refused by |${live ? " observed |" : ""} violations |`);
    lines.push(`|---|---|---|${live ? "---|" : ""}---|`);
    for (const result of report.admission) {
      const violations = result.violations
        .map((v) => `\`${v.constraint}\` (${v.enforcementAction}): ${md(v.message)}`)
        .join("<br>");
      const deniedBy = result.enforcement?.deniedBy;
      const by = deniedBy === undefined ? "" : md(pointText(deniedBy).replace(/^the /, ""));
      const o = liveAdmission(report, result.object);
      const observed = !live
        ? ""
        : o === undefined
          ? " |"
          : ` ${o.matches ? "✅" : "❌"} ${o.observed === "denied" ? `**denied** (${o.status!.code} ${o.status!.reason})` : o.observed} |`;
      lines.push(
        `| \`${result.object}\` | ${result.allowed ? "admitted" : "**denied**"} | ${by} |${observed} ${violations} |`,
      );
    }
    lines.push("");
    // What a trainee sees: the command and kubectl's output, exactly.
    for (const result of report.admission) {
      const kubectl = result.enforcement?.deniedBy === undefined ? undefined : result.enforcement.kubectl;
      if (kubectl === undefined) continue;
      lines.push(`\`${result.object}\`: \`${kubectl.command}\` prints`, "", "```text", kubectl.output, "```", "");
    }
  }
  for (const warning of report.warnings) lines.push(`> ⚠️ ${md(warning)}`);
  for (const note of report.notes) lines.push(`> ℹ️ ${md(note)}`);
  return lines.join("\n").trimEnd() + "\n";
}

// ---------------------------------------------------------------------------------------------

function markdownChanges(changes: Change[]): string {
  const lines = ["## What changed against the base", ""];
  if (changes.length === 0) {
    lines.push("Nothing: every connectivity and admission verdict, and every claim, is as on the base.", "");
    return lines.join("\n") + "\n";
  }
  const movement = gradeMovement(changes);
  if (movement !== undefined) lines.push(`**${movement}.**`, "");
  const staged = changes.some((c) => c.stage);
  lines.push(`${staged ? "| stage " : ""}| what | before | after |`, `${staged ? "|---" : ""}|---|---|---|`);
  for (const c of changes) {
    const mark = (value: string) =>
      value === "allowed" || value === "admitted" || value === "met" ? value : `**${value}**`;
    lines.push(
      `${staged ? `| ${c.stage ?? ""} ` : ""}| ${md(c.kind === "claim" ? `claim: ${c.subject}` : c.subject)} | ${mark(c.before)} | ${mark(c.after)} |`,
    );
  }
  lines.push("");
  return lines.join("\n") + "\n";
}

function textChanges(changes: Change[]): string {
  if (changes.length === 0) return "What changed against the base: nothing\n\n";
  const movement = gradeMovement(changes);
  return `What changed against the base (${changes.length}):\n${movement === undefined ? "" : `  ${movement}\n`}${changes.map((c) => `  ${changeLine(c)}`).join("\n")}\n\n`;
}

/**
 * One document for one report, or for several (--all-stages); with `changes` (--compare), what
 * changed leads.
 */
export function render(reports: Report[], format: Format, changes?: Change[]): string {
  if (format === "json") {
    // The tables lead; context follows. An overview stands in for the cells, which it summarises.
    const ordered = reports.map(
      ({
        grade,
        exercise,
        stage,
        connectivity,
        overview,
        admission,
        claims,
        policies,
        constraints,
        gatekeeper,
        warnings,
        notes,
        live,
      }) => ({
        // An exercise's grade leads: it is what the trainee (and the class) reads.
        ...(grade ? { grade } : {}),
        ...(exercise !== undefined ? { exercise } : {}),
        ...(stage ? { stage } : {}),
        ...(overview ? jsonOverview(overview) : { connectivity }),
        admission,
        claims,
        policies,
        constraints,
        gatekeeper,
        warnings,
        notes,
        ...(live ? { live } : {}),
      }),
    );
    const document = ordered.length === 1 ? ordered[0] : { stages: ordered };
    if (changes) return JSON.stringify({ changes, ...document }, null, 2) + "\n";
    return JSON.stringify(document, null, 2) + "\n";
  }
  if (format === "markdown") {
    const failed = reports.flatMap((r) => failedClaims(r).map((c) => ({ r, c })));
    const head =
      reports.length > 1
        ? [
            "# k8s-hardening-lab: what each stage proves",
            "",
            failed.length === 0
              ? `Every claim of docs/lab.md holds in all ${reports.length} stages.`
              : `**${failed.length} claim${failed.length === 1 ? "" : "s"} fail:** ${failed.map(({ r, c }) => `${r.stage}: ${md(c.claim)}`).join("; ")}`,
            "",
          ].join("\n") + "\n"
        : "";
    return head + (changes ? markdownChanges(changes) + "\n" : "") + reports.map((r) => markdownReport(r)).join("\n");
  }
  return (changes ? textChanges(changes) : "") + reports.map(textReport).join("\n");
}
