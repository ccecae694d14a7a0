/**
 * The trainer's page (issue 19): the class at a glance, one self-contained static HTML file.
 *
 * Nothing is fetched: the style and the one small script are inline, and the page's own Content
 * Security Policy allows those two (by their hashes) and nothing else, so it reads the same opened
 * from disk, as a workflow artifact or on GitHub Pages. Everything is in the HTML: the script only
 * adds a filter, so without JavaScript the page says the same. A state is shown by a sign and a
 * word as well as a colour (readable in grey and by a screen reader). Every text from input
 * (names, hints, paths, outputs) is escaped; no secret reaches this file (class/inspect.ts's
 * stackState keeps them out).
 */
import { createHash } from "crypto";
import { STAGES, type Stage } from "../config/keys";
import type { LiveDifference } from "../verifier/analyze";
import { ADMISSION_CLAIMS, CONNECTIVITY_CLAIMS, LOAD_BALANCER_CLAIMS } from "../verifier/lab/claims";
import type { Grade, GradedClaim } from "../verifier/lab/grade";
import type { CourseEnd } from "./course";
import { hasEnded } from "./course";
import { duration } from "./display";
import { answerOf, claimLine, firstOpenClaim, type TraineeGrade, type TraineeResult } from "./grade";
import { escapeHtml as h } from "./html";
import type { StackState } from "./inspect";
import { stagePicture } from "./stage-picture";

/** A trainee's live result: from this run (--live), or the last live run's JSON. */
export interface LiveResult {
  /** Where it comes from, as the page says it. */
  source: string;
  result: TraineeResult;
  grade?: Grade;
  differences: LiveDifference[];
  problems: string[];
}

export interface PageTrainee {
  /** The offline grade: the stack file, as pulumi up deploys it. */
  grade: TraineeGrade;
  live?: LiveResult;
  /** The stack as the backend has it; undefined when the stacks were not read. */
  stack?: StackState;
}

export interface ClassPage {
  /** The roster, as the trainer named it. */
  roster: string;
  endsAt?: CourseEnd;
  /** When the page is made. */
  now: number;
  trainees: PageTrainee[];
  /** Why the stacks' last updates and outputs are not on the page, when they are not. */
  stacksNote?: string;
  /** Where the last live runs are read from, as the trainer named it (`class-report/live`). */
  liveDir: string;
}

/** A state's sign, word and class: never the colour alone. */
const STATES: Record<TraineeResult | "met" | "not a claim", { sign: string; css: string }> = {
  meets: { sign: "✓", css: "ok" },
  met: { sign: "✓", css: "ok" },
  unmet: { sign: "✗", css: "bad" },
  "not judged": { sign: "?", css: "unknown" },
  refused: { sign: "⊘", css: "bad" },
  "not graded": { sign: "–", css: "none" },
  "not a claim": { sign: "–", css: "none" },
};

const state = (word: TraineeResult | "met" | "not a claim") =>
  `<span class="sign" aria-hidden="true">${STATES[word].sign}</span> ${h(word)}`;

/** "2026-12-15 13:00 UTC", and the same instant for `datetime`. */
function time(at: number): string {
  const iso = new Date(at).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

/** Every claim a trainee may be graded against, in the order of docs/lab.md's tables. */
function claimColumns(trainees: PageTrainee[]): string[] {
  const graded = new Set(trainees.flatMap((t) => (t.grade.grade?.claims ?? []).map((c) => c.claim)));
  return [
    ...CONNECTIVITY_CLAIMS.map((c) => c.flow),
    ...LOAD_BALANCER_CLAIMS.map((c) => c.flow).filter((flow) => graded.has(flow)),
    ...ADMISSION_CLAIMS.map((c) => c.object),
  ];
}

/** A cell's title: the claim, what the stage expects and what was found, and the hint. */
function cellTitle(claim: GradedClaim): string {
  return claimLine(claim).replace("; hint: ", "\nhint: ");
}

function gradeText(grade: Grade | undefined): string {
  return grade ? `${grade.met} met, ${grade.unmet} unmet, ${grade.notJudged} not judged` : "no grade";
}

function matrix(trainees: PageTrainee[], columns: string[]): string {
  const head = [
    `<th scope="col">Trainee</th>`,
    `<th scope="col">Stage</th>`,
    `<th scope="col">Result</th>`,
    ...columns.map(
      (claim, i) =>
        `<th scope="col" class="claim" title="${h(claim)}"><span aria-hidden="true">${i + 1}</span><span class="sr-only">${h(claim)}</span></th>`,
    ),
  ];
  const rows = trainees.map(({ grade: g }) => {
    const lead = [
      `<th scope="row"><a href="#trainee-${h(g.trainee)}">${h(g.trainee)}</a></th>`,
      `<td>${h(g.stage)}</td>`,
      `<td class="${STATES[g.result].css}">${state(g.result)}</td>`,
    ];
    if (g.grade === undefined) {
      const why = g.problems[0] ?? "";
      return `<tr data-trainee="${h(g.trainee)}" data-result="${h(g.result)}">${lead.join("")}<td colspan="${columns.length}" class="${STATES[g.result].css}" title="${h(g.problems.join("\n"))}">${h(why)}</td></tr>`;
    }
    const cells = columns.map((column) => {
      const claim = g.grade!.claims.find((c) => c.claim === column);
      if (claim === undefined)
        return `<td class="none" title="${h(`${column}: not a claim of this trainee's stage`)}">${state("not a claim")}</td>`;
      const word = claim.met === true ? "met" : claim.met === false ? "unmet" : "not judged";
      return `<td class="${STATES[word].css}" title="${h(cellTitle(claim))}">${state(word)}</td>`;
    });
    return `<tr data-trainee="${h(g.trainee)}" data-result="${h(g.result)}">${[...lead, ...cells].join("")}</tr>`;
  });
  return [
    `<div class="scroll" role="region" aria-labelledby="matrix-heading" tabindex="0">`,
    `<table id="matrix">`,
    `<caption>Each trainee's grade at their own stage, claim by claim (the numbers are the claims listed below the table; a cell's title gives the claim and, when it is not met, the hint)</caption>`,
    `<thead><tr>${head.join("")}</tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody>`,
    `</table>`,
    `</div>`,
    `<ol class="claims">`,
    ...columns.map((claim) => `<li>${h(claim)}</li>`),
    `</ol>`,
  ].join("\n");
}

function claimWithHint(claim: GradedClaim): string {
  const where = claim.file === null ? "" : `<code>${h(`${claim.file}:${claim.line}`)}</code>: `;
  const hint = claim.hint === null ? "" : `<br>hint: ${where}${h(claim.hint)}`;
  return `${h(claim.claim)}: expected ${h(claim.expected)}, found ${h(claim.found)}${hint}`;
}

function liveText(live: LiveResult | undefined, file: string): string {
  if (live === undefined) {
    return `no live run: no <code>${h(file)}</code>, where the class workflow keeps the stack's last live proof; <code>npm run class -- report --live</code> probes the clusters`;
  }
  const from = `<span class="from">(${h(live.source)})</span>`;
  if (live.grade === undefined) return `${state(live.result)}: ${h(live.problems.join("; "))} ${from}`;
  const open = firstOpenClaim(live.grade);
  const differences = live.differences.map(
    (d) => `<li>${h(d.claim)}: predicted ${h(d.predicted)}, observed ${h(d.observed)}: ${h(d.evidence)}</li>`,
  );
  return [
    `${state(live.result)}: ${gradeText(live.grade)} ${from}`,
    open ? `<br>${open.met === null ? "first not judged" : "first unmet"}: ${claimWithHint(open)}` : "",
    differences.length > 0
      ? `<br>where the cluster did otherwise than the prediction from the trainee's objects:<ul>${differences.join("")}</ul>`
      : "",
  ].join("");
}

function stackText(stack: StackState | undefined, note: string | undefined): { update: string; outputs: string } {
  if (stack === undefined) return { update: h(note ?? "not read"), outputs: h(note ?? "not read") };
  const update = `${h(stack.lastUpdate)}${stack.result ? `, ${h(stack.result)}` : ""}`;
  const names = Object.keys(stack.outputs);
  const shown =
    names.length === 0
      ? "none"
      : `<dl class="outputs">${names.map((name) => `<dt>${h(name)}</dt><dd><code>${h(stack.outputs[name])}</code></dd>`).join("")}</dl>`;
  const secret =
    stack.secretOutputs.length > 0
      ? `<p class="secret">Secret, not shown: ${stack.secretOutputs.map((name) => `<code>${h(name)}</code>`).join(", ")} (the trainer hands kubeconfigs out with <code>npm run class -- outputs</code>).</p>`
      : "";
  return { update, outputs: `${shown}${secret}` };
}

function traineeSection(trainee: PageTrainee, note: string | undefined, liveDir: string): string {
  const g = trainee.grade;
  const open = firstOpenClaim(g.grade);
  const stack = stackText(trainee.stack, note);
  const row = (term: string, value: string) => `<dt>${h(term)}</dt><dd>${value}</dd>`;
  return [
    `<section class="trainee" id="trainee-${h(g.trainee)}" aria-labelledby="trainee-${h(g.trainee)}-name">`,
    `<h3 id="trainee-${h(g.trainee)}-name">${h(g.trainee)}</h3>`,
    `<dl>`,
    row("Stage", `${STAGES.indexOf(g.stage) + 1}, ${h(g.stage)}`),
    row("Exercise folder", g.exercise === undefined ? h(answerOf(g)) : `<code>${h(g.exercise)}</code>`),
    row("Grade", `${state(g.result)}: ${g.grade ? gradeText(g.grade) : h(g.problems.join("; "))}`),
    row(
      open?.met === null ? "First claim not judged" : "First unmet claim",
      open === undefined ? "none" : claimWithHint(open),
    ),
    row("Live", liveText(trainee.live, `${liveDir}/${g.trainee}.json`)),
    row("Last update", stack.update),
    row("Outputs", stack.outputs),
    `</dl>`,
    `</section>`,
  ].join("\n");
}

function courseEnd(end: CourseEnd | undefined, now: number, roster: string): string {
  if (end === undefined)
    return `not set (no <code>endsAt</code> in ${h(roster)}): nothing takes the labs down by itself`;
  const at = `<time datetime="${new Date(end.at).toISOString()}">${h(end.text)}</time>`;
  return hasEnded(end, now)
    ? `${at}: <strong>ended ${duration(now - end.at)} ago</strong>; <code>destroy --if-ended</code> takes the labs down`
    : `${at}: <strong>${duration(end.at - now)} left</strong>`;
}

const STYLE = `
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.4; color: #1f2328; background: #fff; }
body { margin: 0 auto; max-width: 84rem; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 0 0 0.4rem; }
code { font-family: ui-monospace, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
dl.course { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.course dt, .trainee dt { font-weight: 600; }
dl.course dd, .trainee dd { margin: 0; }
.scroll { overflow-x: auto; border: 1px solid #d0d7de; }
table { border-collapse: collapse; font-size: 0.85rem; }
caption { text-align: left; padding: 0.4rem; font-size: 0.85rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.4rem; text-align: left; white-space: nowrap; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
th.claim { text-align: center; min-width: 1.6rem; }
td[colspan] { white-space: normal; }
.ok { background: #dcfce7; color: #14532d; }
.bad { background: #fee2e2; color: #7f1d1d; font-weight: 600; }
.unknown { background: #fef9c3; color: #713f12; }
.none { background: #f4f4f5; color: #3f3f46; }
.sign { font-weight: 700; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
ol.claims { columns: 2 28rem; font-size: 0.85rem; }
.trainee { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.8rem 1rem; margin: 0.8rem 0; }
.trainee dl { display: grid; grid-template-columns: 10rem 1fr; gap: 0.3rem 1rem; margin: 0; }
dl.outputs { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0; }
dl.outputs dt { font-weight: 400; }
.secret, .from { color: #57606a; }
.secret { margin: 0.2rem 0 0; }
.controls { display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
figure { margin: 1rem 0; }
figcaption { font-weight: 600; }
.stage-picture { width: 100%; max-width: 820px; height: auto; border: 1px solid #d0d7de; }
.stage-picture .peer rect { fill: #f6f8fa; stroke: #57606a; }
.stage-picture .peer.external rect { stroke-dasharray: 4 3; }
.stage-picture text { font-size: 13px; text-anchor: middle; fill: #1f2328; }
.stage-picture text.sub { font-size: 10px; fill: #57606a; }
.stage-picture .flow { stroke-width: 2; fill: none; }
.stage-picture .flow.allowed { stroke: #1a7f37; }
.stage-picture .flow.denied { stroke: #b42318; stroke-dasharray: 7 5; }
.stage-picture marker.allowed path { fill: #1a7f37; }
.stage-picture marker.denied path { fill: none; stroke: #b42318; stroke-width: 1.6; }
.stage-picture text.label { font-size: 11px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.stage-picture text.label.allowed { fill: #14532d; }
.stage-picture text.label.denied { fill: #7f1d1d; }
`;

/** Adds a filter to the matrix: by name, and the trainees who do not meet their stage. */
const SCRIPT = `
"use strict";
(function () {
  var table = document.getElementById("matrix");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var controls = document.createElement("p");
  controls.className = "controls";
  function field(type, id, text) {
    var input = document.createElement("input");
    input.type = type;
    input.id = id;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    return [label, input];
  }
  var name = field("search", "filter-name", "Trainee");
  var open = field("checkbox", "filter-open", "only those who do not meet their stage");
  var shown = document.createElement("span");
  shown.setAttribute("role", "status");
  controls.append(name[0], name[1], open[1], open[0], shown);
  var region = table.parentNode;
  region.parentNode.insertBefore(controls, region);
  function update() {
    var text = name[1].value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var hide = (text !== "" && row.dataset.trainee.toLowerCase().indexOf(text) < 0) ||
        (open[1].checked && row.dataset.result === "meets");
      row.hidden = hide;
      if (!hide) count++;
    });
    shown.textContent = count + " of " + rows.length + " trainees shown";
  }
  name[1].addEventListener("input", update);
  open[1].addEventListener("change", update);
})();
`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** The page, whole. */
export function renderClassPage(page: ClassPage): string {
  const columns = claimColumns(page.trainees);
  const meets = page.trainees.filter((t) => t.grade.result === "meets").length;
  const stages = STAGES.map((stage: Stage, i) => {
    const here = page.trainees.filter((t) => t.grade.stage === stage).map((t) => t.grade.trainee);
    return [
      `<figure id="stage-${stage}">`,
      stagePicture(stage, `picture-${stage}`),
      `<figcaption>Stage ${i + 1}, ${stage}: ${here.length === 0 ? "no trainee at this stage" : h(here.join(", "))}</figcaption>`,
      `</figure>`,
    ].join("\n");
  });
  const csp = [
    "default-src 'none'",
    `style-src ${hash(STYLE)}`,
    `script-src ${hash(SCRIPT)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return [
    "<!doctype html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<title>Class report: ${h(page.roster)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<header>",
    `<h1>Class report: ${h(page.roster)}</h1>`,
    `<dl class="course">`,
    `<dt>Roster</dt><dd><code>${h(page.roster)}</code></dd>`,
    `<dt>Course ends</dt><dd id="course-end">${courseEnd(page.endsAt, page.now, page.roster)}</dd>`,
    `<dt>Trainees</dt><dd>${page.trainees.length}, of whom ${meets} meet${meets === 1 ? "s" : ""} their stage</dd>`,
    `<dt>Made</dt><dd>${time(page.now)}, offline from the stack files as <code>pulumi up</code> deploys them</dd>`,
    "</dl>",
    "</header>",
    "<main>",
    `<h2 id="matrix-heading">Claims × trainees</h2>`,
    matrix(page.trainees, columns),
    `<h2 id="trainees-heading">Trainees</h2>`,
    ...page.trainees.map((t) => traineeSection(t, page.stacksNote, page.liveDir)),
    `<h2 id="stages-heading">Who may talk to whom, stage by stage</h2>`,
    `<p>What each stage expects of the connectivity claims (docs/lab.md): a solid green line with ✓ is a flow the stage allows, a dashed red line with ✗ one it denies.</p>`,
    ...stages,
    "</main>",
    `<script>${SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
