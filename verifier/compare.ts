/**
 * `verify --compare BASE.json`: what a change does to the lab's security, cell by cell, against a
 * JSON report of the base branch. A reviewer reads "app/phpmyadmin -> data/mysql:3306/TCP:
 * denied -> allowed" before the full tables.
 */
import * as fs from "fs";
import type { Report } from "./analyze";
import { VerifyInputError } from "./model";

export interface Change {
  /** The stage, when the reports are the lab's. */
  stage?: string;
  kind: "connectivity" | "admission" | "claim";
  subject: string;
  before: string;
  after: string;
}

/** Reads a report written by `verify --format json` (one report, or `{ stages: [...] }`). */
export function readBaseReports(file: string): Report[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new VerifyInputError([
      `--compare ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    ]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new VerifyInputError([`--compare ${file}: not JSON (${(error as Error).message})`]);
  }
  const reports = (document as { stages?: unknown })?.stages ?? [document];
  const valid =
    Array.isArray(reports) &&
    reports.every(
      (r) =>
        r &&
        // A manifests report without a query has an overview instead of cells.
        (Array.isArray((r as Report).connectivity) || (r as { classes?: unknown }).classes !== undefined) &&
        Array.isArray((r as Report).admission) &&
        Array.isArray((r as Report).claims),
    );
  if (!valid) {
    throw new VerifyInputError([
      `--compare ${file}: not a report of \`verify --format json\` (expected connectivity, admission and claims)`,
    ]);
  }
  return reports as Report[];
}

/** Cell keys and their values, in the order of the report. */
function cells(report: Report | undefined): Map<string, { kind: Change["kind"]; value: string }> {
  const map = new Map<string, { kind: Change["kind"]; value: string }>();
  if (!report) return map;
  for (const e of report.connectivity ?? []) {
    // A pod to itself has no verdict to compare; reports before `self` was marked gave it one.
    if (e.self || e.from === e.to) continue;
    map.set(`${e.from} -> ${e.to}:${e.port}/${e.protocol}`, {
      kind: "connectivity",
      value: e.allowed ? "allowed" : "denied",
    });
  }
  for (const a of report.admission) {
    const [kind, ...rest] = a.object.split("/");
    map.set(`${kind} ${rest.join("/")}`, { kind: "admission", value: a.allowed ? "admitted" : "denied" });
  }
  // An exercise's claims are graded: met, unmet or not judged, which "holds" would blur.
  if (report.grade) {
    for (const c of report.grade.claims) map.set(`claim: ${c.claim}`, { kind: "claim", value: gradeWord(c.met) });
  } else {
    for (const c of report.claims) map.set(`claim: ${c.claim}`, { kind: "claim", value: c.holds ? "holds" : "fails" });
  }
  return map;
}

const gradeWord = (met: boolean | null) => (met === true ? "met" : met === false ? "unmet" : "not judged");

const GRADE_WORDS = new Set(["met", "unmet", "not judged"]);

/**
 * "Claims newly met: 2; newly unmet: 0": how an exercise's grade moved, when the changes hold
 * graded claims (undefined otherwise).
 */
export function gradeMovement(changes: Change[]): string | undefined {
  const graded = changes.filter((c) => c.kind === "claim" && (GRADE_WORDS.has(c.before) || GRADE_WORDS.has(c.after)));
  if (graded.length === 0) return undefined;
  const newly = (word: string) => graded.filter((c) => c.after === word).length;
  const notJudged = newly("not judged");
  return `Claims newly met: ${newly("met")}; newly unmet: ${newly("unmet")}${notJudged > 0 ? `; newly not judged: ${notJudged}` : ""}`;
}

const KIND_ORDER: Change["kind"][] = ["connectivity", "admission", "claim"];

/**
 * Every cell whose verdict differs, appeared or disappeared. Two single reports are compared with
 * each other whatever their stages (so one stage can be held against another); several are paired
 * by stage.
 */
export function compareReports(base: Report[], current: Report[]): Change[] {
  const pairs: [Report | undefined, Report][] =
    base.length === 1 && current.length === 1
      ? [[base[0], current[0]]]
      : current.map((report) => [base.find((b) => b.stage === report.stage), report]);
  const changes: Change[] = [];
  for (const [before, after] of pairs) {
    const old = cells(before);
    const now = cells(after);
    const keys = [...now.keys(), ...[...old.keys()].filter((k) => !now.has(k))];
    const stage = current.length > 1 ? after.stage : undefined;
    const found: Change[] = [];
    for (const key of keys) {
      const a = old.get(key);
      const b = now.get(key);
      if (a?.value === b?.value) continue;
      found.push({
        ...(stage ? { stage } : {}),
        kind: (b ?? a)!.kind,
        subject: key.replace(/^claim: /, ""),
        before: a?.value ?? "absent",
        after: b?.value ?? "absent",
      });
    }
    found.sort((x, y) => KIND_ORDER.indexOf(x.kind) - KIND_ORDER.indexOf(y.kind));
    changes.push(...found);
  }
  return changes;
}

/** One line a change, as a reviewer reads it. */
export function changeLine(change: Change): string {
  const subject = change.kind === "claim" ? `claim "${change.subject}"` : change.subject;
  return `${change.stage ? `[${change.stage}] ` : ""}${subject}: ${change.before} -> ${change.after}`;
}
