/**
 * Judging with Gatekeeper's own CLI: `gator test -f FILE -o json` (cmd/gator/test in Gatekeeper's
 * source). gator adds every ConstraintTemplate of its input, then every constraint, then reviews
 * every object against every constraint, and prints a JSON array of results, or `null` when there
 * are none; each result (pkg/gator/test GatorResult) names its constraint and carries the object
 * it judged:
 *
 *   [{"target": "admission.k8s.gatekeeper.sh", "msg": "…", "metadata": {"details": {…}},
 *     "constraint": {"apiVersion": …, "kind": "K8sAllowedRepos", "metadata": {"name": "…"}, …},
 *     "enforcementAction": "deny", "violatingObject": {…}, "trace": null}]
 *
 * Its status is 1 when a result's action is deny, and also when it fails (the reason on stderr),
 * so the output decides, not the status.
 *
 * Matching is the admission engine's, as for CEL: the constraints go to gator without their
 * `match`, so gator judges every object, and the engine keeps the verdicts of the constraints
 * that select it. gator reads YAML documents split on "\n---" with `#` lines dropped; each
 * document here is one line of JSON, which neither can cut.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProcess } from "./process";
import { contentKey, identityOf } from "./review";
import type { RegoConstraint, RegoTemplate } from "./templates";
import type { KubeObject } from "../types";
import { isRecord } from "../../kube/object";

/** Messages by constraint id, then by the object's content key. */
export type Messages = Map<string, Map<string, string[]>>;

export type RunOutcome = { ok: true; messages: Messages } | { ok: false; reason: string };

/**
 * Runs gator over `objects`, as few times as their names allow: gator's output names an object by
 * its identity (apiVersion, kind, namespace, name), so two objects of one identity go to separate
 * runs.
 */
export async function judgeWithGator(
  gator: string,
  templates: RegoTemplate[],
  constraints: RegoConstraint[],
  objects: KubeObject[],
  timeoutMs: number,
): Promise<RunOutcome> {
  const policy = [
    ...templates.map((t) => t.object),
    ...constraints.map((c) => {
      const spec = isRecord(c.object.spec) ? c.object.spec : {};
      return {
        apiVersion: c.object.apiVersion,
        kind: c.kind,
        metadata: { name: c.name },
        spec: spec.parameters === undefined ? {} : { parameters: spec.parameters },
      };
    }),
  ];
  const messages: Messages = new Map(constraints.map((c) => [c.id, new Map<string, string[]>()]));
  for (const batch of batchesByIdentity(objects)) {
    const outcome = await runGator(gator, [...policy, ...batch], timeoutMs);
    if (!outcome.ok) return outcome;
    const byIdentity = new Map(batch.map((o) => [identityOf(o), contentKey(o)]));
    for (const o of batch) for (const perObject of messages.values()) perObject.set(contentKey(o), []);
    for (const result of outcome.results) {
      const key = byIdentity.get(identityOf(result.violatingObject));
      const perObject = messages.get(result.constraint);
      if (key !== undefined && perObject !== undefined) perObject.get(key)!.push(result.msg);
    }
  }
  return { ok: true, messages };
}

interface GatorResult {
  /** "KIND/NAME" */
  constraint: string;
  msg: string;
  violatingObject: unknown;
}

async function runGator(
  gator: string,
  documents: object[],
  timeoutMs: number,
): Promise<{ ok: true; results: GatorResult[] } | { ok: false; reason: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-gator-"));
  try {
    const file = path.join(dir, "review.yaml");
    fs.writeFileSync(file, documents.map((d) => JSON.stringify(d)).join("\n---\n") + "\n");
    const run = await runProcess(gator, ["test", "-f", file, "-o", "json"], timeoutMs);
    const command = `${gator} test -f ${file} -o json`;
    if (run.ended === "failed to start") return { ok: false, reason: `${command} could not start: ${run.error}` };
    if (run.ended === "timed out") return { ok: false, reason: `${command} did not finish within ${timeoutMs} ms` };
    const results = parseResults(run.stdout);
    if (results !== undefined && (run.status === 0 || run.status === 1)) return { ok: true, results };
    const said = firstLine(run.stderr) ?? firstLine(run.stdout) ?? "nothing";
    return { ok: false, reason: `${command} exited with status ${run.status}: ${said}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** gator's JSON results, or undefined when the text is not that. */
function parseResults(stdout: string): GatorResult[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) return undefined;
  const results: GatorResult[] = [];
  for (const r of parsed) {
    const constraint = isRecord(r) && isRecord(r.constraint) ? r.constraint : undefined;
    const name = isRecord(constraint?.metadata) ? constraint.metadata.name : undefined;
    if (!isRecord(r) || typeof r.msg !== "string" || typeof constraint?.kind !== "string" || typeof name !== "string") {
      return undefined;
    }
    results.push({ constraint: `${constraint.kind}/${name}`, msg: r.msg, violatingObject: r.violatingObject });
  }
  return results;
}

/** `objects` without repeats, split so that no two in a batch share an identity. */
function batchesByIdentity(objects: KubeObject[]): KubeObject[][] {
  const batches: { objects: KubeObject[]; identities: Set<string> }[] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    const key = contentKey(object);
    if (seen.has(key)) continue;
    seen.add(key);
    const identity = identityOf(object);
    let batch = batches.find((b) => !b.identities.has(identity));
    if (batch === undefined) {
      batch = { objects: [], identities: new Set<string>() };
      batches.push(batch);
    }
    batch.objects.push(object);
    batch.identities.add(identity);
  }
  return batches.map((b) => b.objects);
}

function firstLine(text: string): string | undefined {
  const line = text.split("\n").find((l) => l.trim() !== "");
  return line?.trim();
}
