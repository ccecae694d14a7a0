/**
 * The report for people and machines: a truth table for the terminal, Markdown for a pull request,
 * JSON for tools.
 */
import { STAGES } from "../config/keys";
import { pointText, type ClaimResult, type Report } from "./analyze";
import { Change, changeLine } from "./compare";
import type { TableEntry } from "./netpol";

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

function textReport(report: Report): string {
  const lines: string[] = [];
  const title = report.stage ? `stage ${STAGES.indexOf(report.stage) + 1} ${report.stage}` : "manifests";
  lines.push(`== ${title}`);
  lines.push(`NetworkPolicies: ${report.policies.length > 0 ? report.policies.join(", ") : "none"}`);
  lines.push(`Constraints:     ${report.constraints.length > 0 ? report.constraints.join(", ") : "none"}`);
  lines.push("");
  const { rows, columns, cells } = axes(report.connectivity);
  lines.push(`Connectivity: who can open a connection to whom ("ok" allowed, "DENY" denied, "-" no such flow)`);
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
        return pad(entry ? (entry.allowed ? "ok" : "DENY") : "-", 6);
      })
      .join("");
    lines.push(`  ${pad(row, rowWidth)}${cellsText}`.trimEnd());
  });
  lines.push("  to:");
  columns.forEach((column, i) =>
    lines.push(`    [${i + 1}] ${displayTo(column.to)} ${column.port}/${column.protocol}`),
  );
  lines.push("");
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
  } else if (report.claims.length > 0) {
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

// Only "<" can open HTML in a cell (a message names "<nginx>"); ">" stays as written ("->").
const md = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;");

function markdownReport(report: Report, level = "##"): string {
  const lines: string[] = [];
  lines.push(
    `${level} ${report.stage ? `Stage ${STAGES.indexOf(report.stage) + 1}: \`${report.stage}\`` : "Manifests"}`,
  );
  lines.push("");
  lines.push(
    `NetworkPolicies: ${report.policies.length > 0 ? report.policies.map((p) => `\`${p}\``).join(", ") : "none"}  `,
  );
  lines.push(
    `Constraints: ${report.constraints.length > 0 ? report.constraints.map((c) => `\`${c}\``).join(", ") : "none"}`,
  );
  lines.push("");
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
  } else if (report.claims.length > 0) {
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
  const { rows, columns, cells } = axes(report.connectivity);
  lines.push("**Connectivity** (✅ allowed, ❌ denied; rows open connections to columns)");
  lines.push("");
  lines.push(`| from \\ to | ${columns.map((c) => `${md(displayTo(c.to))} ${c.port}/${c.protocol}`).join(" | ")} |`);
  lines.push(`|---|${columns.map(() => ":-:").join("|")}|`);
  for (const row of rows) {
    const rowCells = columns.map((column) => {
      const entry = cells.get(`${row}|${columnKey(column)}`);
      return entry ? (entry.allowed ? "✅" : "❌") : "";
    });
    lines.push(`| ${md(row)} | ${rowCells.join(" | ")} |`);
  }
  lines.push("");
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
  const staged = changes.some((c) => c.stage);
  lines.push(`${staged ? "| stage " : ""}| what | before | after |`, `${staged ? "|---" : ""}|---|---|---|`);
  for (const c of changes) {
    const mark = (value: string) => (value === "allowed" || value === "admitted" ? value : `**${value}**`);
    lines.push(
      `${staged ? `| ${c.stage ?? ""} ` : ""}| ${md(c.kind === "claim" ? `claim: ${c.subject}` : c.subject)} | ${mark(c.before)} | ${mark(c.after)} |`,
    );
  }
  lines.push("");
  return lines.join("\n") + "\n";
}

function textChanges(changes: Change[]): string {
  if (changes.length === 0) return "What changed against the base: nothing\n\n";
  return `What changed against the base (${changes.length}):\n${changes.map((c) => `  ${changeLine(c)}`).join("\n")}\n\n`;
}

/**
 * One document for one report, or for several (--all-stages); with `changes` (--compare), what
 * changed leads.
 */
export function render(reports: Report[], format: Format, changes?: Change[]): string {
  if (format === "json") {
    // The tables lead; context follows.
    const ordered = reports.map(
      ({ stage, connectivity, admission, claims, policies, constraints, gatekeeper, warnings, notes, live }) => ({
        ...(stage ? { stage } : {}),
        connectivity,
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
