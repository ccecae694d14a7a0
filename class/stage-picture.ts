/**
 * The lab's picture of who may talk to whom at a stage, as inline SVG for the trainer's page: the
 * peers of the connectivity claims as boxes, each claim a line from its source to its destination,
 * drawn from what the stage expects (verifier/lab/claims.ts, the connectivity table of
 * docs/lab.md). Allowed and denied differ by colour, by line (solid, dashed) and by the label's
 * word and sign, so the picture reads in grey and, through its title and description, to a
 * screen reader. Drawn here, once, so the page needs no script to show it.
 */
import { STAGES, type Stage } from "../config/keys";
import {
  CONNECTIVITY_CLAIMS,
  type ConnectivityClaim,
  LOAD_BALANCER_CLAIMS,
  LOAD_BALANCER_CLAIM_STAGES,
} from "../verifier/lab/claims";
import { escapeHtml } from "./html";

const WIDTH = 820;
const HEIGHT = 420;
const BOX = { w: 150, h: 40 };

/**
 * Where each peer of the claims sits. A claim whose peer has no place here fails the page (and
 * tests/class/report.test.ts): a new peer needs a place where its lines cross no other's label.
 */
const PLACES: Record<string, { x: number; y: number; label: string; sub: string }> = {
  "app/intruder": { x: 80, y: 50, label: "intruder", sub: "app, no app=phpmyadmin" },
  "external:allowed-source": { x: 80, y: 160, label: "allowed source", sub: "in allowedSourceRanges" },
  "external:disallowed-source": { x: 80, y: 260, label: "disallowed source", sub: "outside the ranges" },
  "default/outsider": { x: 80, y: 370, label: "outsider", sub: "default, no tier=app" },
  "app/phpmyadmin": { x: 380, y: 210, label: "phpmyadmin", sub: "app" },
  "external:internet": { x: 560, y: 40, label: "internet", sub: "outside the cluster" },
  "kube-system/kube-dns": { x: 560, y: 380, label: "kube-dns", sub: "kube-system" },
  "data/mysql": { x: 735, y: 210, label: "mysql", sub: "data" },
};

/** Where on its line a claim's label sits (0 source, 1 destination), where it meets no other label. */
const LABEL_AT: Record<string, number> = {
  "intruder → mysql:3306/TCP": 0.72,
  "outsider → mysql:3306/TCP": 0.72,
};

/** The claims a stage's picture draws: the connectivity table, and with a load balancer its two rows. */
export function stageFlows(stage: Stage): { claim: ConnectivityClaim; allowed: boolean; loadBalancer: boolean }[] {
  return [
    ...CONNECTIVITY_CLAIMS.map((claim) => ({ claim, allowed: claim.expected[stage], loadBalancer: false })),
    ...(LOAD_BALANCER_CLAIM_STAGES.includes(stage)
      ? LOAD_BALANCER_CLAIMS.map((claim) => ({ claim, allowed: claim.expected[stage], loadBalancer: true }))
      : []),
  ];
}

const place = (peer: string) => {
  const found = PLACES[peer];
  if (found === undefined) throw new Error(`the stage picture has no place for the peer ${peer}`);
  return found;
};

/** Where the line from a box's centre towards (dx, dy) leaves the box. */
function border(x: number, y: number, dx: number, dy: number): { x: number; y: number } {
  const t = Math.min(dx === 0 ? Infinity : BOX.w / 2 / Math.abs(dx), dy === 0 ? Infinity : BOX.h / 2 / Math.abs(dy));
  return { x: x + dx * t, y: y + dy * t };
}

const n = (value: number) => String(Math.round(value * 10) / 10);

/** The port a flow is judged on, as its label says it. */
const portText = (claim: ConnectivityClaim) => `${claim.port}/${claim.protocol}`;

/** One stage's picture; `id` makes its element ids unique on the page. */
export function stagePicture(stage: Stage, id: string): string {
  const flows = stageFlows(stage);
  const peers = [...new Set(flows.flatMap(({ claim }) => [claim.from, claim.to]))];
  const number = STAGES.indexOf(stage) + 1;
  const title = `Stage ${number}, ${stage}: who may talk to whom`;
  const desc = flows
    .map(
      ({ claim, allowed, loadBalancer }) =>
        `${claim.flow}${claim.flow.includes(portText(claim)) ? "" : ` (${portText(claim)})`}: ${allowed ? "allowed" : "denied"}${loadBalancer ? " (with a load balancer)" : ""}`,
    )
    .join("; ");
  const lines: string[] = [];
  const labels: string[] = [];
  for (const { claim, allowed } of flows) {
    const a = place(claim.from);
    const b = place(claim.to);
    const [dx, dy] = [b.x - a.x, b.y - a.y];
    const start = border(a.x, a.y, dx, dy);
    const end = border(b.x, b.y, -dx, -dy);
    const kind = allowed ? "allowed" : "denied";
    lines.push(
      `<line class="flow ${kind}" x1="${n(start.x)}" y1="${n(start.y)}" x2="${n(end.x)}" y2="${n(end.y)}" marker-end="url(#${id}-${kind})"/>`,
    );
    const t = LABEL_AT[claim.flow] ?? 0.5;
    const [lx, ly] = [a.x + dx * t, a.y + dy * t];
    const text = `${allowed ? "✓" : "✗"} ${portText(claim)} ${kind}`;
    labels.push(`<text class="label ${kind}" x="${n(lx)}" y="${n(ly + 4)}">${escapeHtml(text)}</text>`);
  }
  const boxes = peers.map((peer) => {
    const p = place(peer);
    const external = peer.startsWith("external:");
    return [
      `<g class="peer${external ? " external" : ""}">`,
      `<rect x="${n(p.x - BOX.w / 2)}" y="${n(p.y - BOX.h / 2)}" width="${BOX.w}" height="${BOX.h}" rx="6"/>`,
      `<text x="${n(p.x)}" y="${n(p.y - 3)}">${escapeHtml(p.label)}</text>`,
      `<text class="sub" x="${n(p.x)}" y="${n(p.y + 12)}">${escapeHtml(p.sub)}</text>`,
      `</g>`,
    ].join("");
  });
  const marker = (kind: string, shape: string) =>
    `<marker id="${id}-${kind}" class="${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">${shape}</marker>`;
  return [
    `<svg class="stage-picture" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-title">${escapeHtml(title)}</title>`,
    `<desc id="${id}-desc">${escapeHtml(desc)}</desc>`,
    `<defs>${marker("allowed", '<path d="M0,0 L10,5 L0,10 z"/>')}${marker("denied", '<path d="M2,0 L10,5 L2,10 M10,0 L10,10"/>')}</defs>`,
    ...lines,
    ...boxes,
    ...labels,
    `</svg>`,
  ].join("\n");
}
