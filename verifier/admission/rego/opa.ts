/**
 * Judging with `opa eval` when gator is not there: the template's Rego (and its libs) loaded as
 * modules, evaluated as Gatekeeper's Rego driver evaluates it: `violation[r]` with
 * `input = {"review": …, "parameters": …}` and an empty `data.inventory` (the lab syncs nothing
 * into Gatekeeper's cache), keeping the results that carry a `msg`.
 *
 * One process judges every constraint of a batch of templates on every object: the query is one
 * expression, an object holding per template a comprehension over the constraints and reviews in
 * `--input`. `opa eval --format json` prints (internal/presentation in OPA's source)
 *
 *   {"result": [{"expressions": [{"value": …, "text": "<query>", "location": {"row": 1, "col": 1}}]}]}
 *
 * and `{}` when the query is undefined; on an error, status 2 and
 * `{"errors": [{"message": …, "code": …, "location": {"file": …, "row": …, "col": …}}]}`.
 *
 * Gatekeeper compiles each template apart; OPA loads one tree of packages. So templates go to one
 * process only when their packages are distinct (libs of equal text are shared), and in the Rego
 * version Gatekeeper reads them in (`--v0-compatible` for v0).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Messages, RunOutcome } from "./gator";
import { runProcess } from "./process";
import { contentKey, gatekeeperParameters, gatekeeperReview } from "./review";
import type { RegoConstraint, RegoTemplate } from "./templates";
import type { KubeObject } from "../types";
import { isRecord } from "../../kube/object";

export async function judgeWithOpa(
  opa: string,
  templates: RegoTemplate[],
  constraints: RegoConstraint[],
  objects: KubeObject[],
  timeoutMs: number,
): Promise<RunOutcome> {
  const unique = [...new Map(objects.map((o) => [contentKey(o), o])).values()];
  const messages: Messages = new Map();
  const noPackage = templates.find((t) => t.packageRef === undefined);
  if (noPackage !== undefined) return { ok: false, reason: `ConstraintTemplate ${noPackage.name} has no package line` };
  for (const batch of batchesByPackage(templates)) {
    const batchConstraints = constraints.filter((c) => batch.some((t) => t.kind === c.kind));
    if (batchConstraints.length === 0) continue;
    const outcome = await runOpa(opa, batch, batchConstraints, unique, timeoutMs);
    if (!outcome.ok) return outcome;
    for (const [id, perObject] of outcome.messages) messages.set(id, perObject);
  }
  return { ok: true, messages };
}

async function runOpa(
  opa: string,
  templates: RegoTemplate[],
  constraints: RegoConstraint[],
  objects: KubeObject[],
  timeoutMs: number,
): Promise<RunOutcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-opa-"));
  try {
    const modules = moduleFiles(templates);
    const args = ["eval", "--format", "json", "--input", path.join(dir, "input.json")];
    for (const m of modules) {
      fs.writeFileSync(path.join(dir, m.file), m.text);
      args.push("--data", path.join(dir, m.file));
    }
    if (templates[0].version === "v0") args.push("--v0-compatible");
    const input = {
      reviews: objects.map(gatekeeperReview),
      constraints: constraints.map((c) => ({
        template: templates.findIndex((t) => t.kind === c.kind),
        parameters: gatekeeperParameters(c.object),
      })),
    };
    fs.writeFileSync(path.join(dir, "input.json"), JSON.stringify(input));
    args.push(query(templates));
    const command = `${opa} eval --format json`;
    const run = await runProcess(opa, args, timeoutMs);
    if (run.ended === "failed to start") return { ok: false, reason: `${command} could not start: ${run.error}` };
    if (run.ended === "timed out") return { ok: false, reason: `${command} did not finish within ${timeoutMs} ms` };
    const value = run.status === 0 ? expressionValue(run.stdout) : undefined;
    if (value === undefined) {
      // The modules' temporary paths, which opa's messages name, as the template parts they are.
      const said = modules.reduce(
        (text, m) => text.split(path.join(dir, m.file)).join(m.what),
        opaError(run.stdout, run.stderr),
      );
      return { ok: false, reason: `${command} exited with status ${run.status}: ${said}` };
    }
    return collect(value, templates, constraints, objects);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `{"0": [{"c": i, "o": j, "v": [violation…]} for each constraint i of template 0 and review j], …}`.
 * The template's input is built in a variable before `with` replaces `input`: written inside the
 * `with`, `con.parameters` is read from the replaced input (found with OPA 1.10: undefined).
 */
function query(templates: RegoTemplate[]): string {
  const perTemplate = templates.map(
    (t, i) =>
      `"${i}": [r | some c, o; con := input.constraints[c]; con.template == ${i}; ` +
      `inp := {"review": input.reviews[o], "parameters": con.parameters}; ` +
      `vs := [v | ${t.packageRef}.violation[v] with input as inp with data.inventory as {}]; ` +
      `r := {"c": c, "o": o, "v": vs}]`,
  );
  return `{${perTemplate.join(", ")}}`;
}

function collect(
  value: unknown,
  templates: RegoTemplate[],
  constraints: RegoConstraint[],
  objects: KubeObject[],
): RunOutcome {
  const messages: Messages = new Map(constraints.map((c) => [c.id, new Map<string, string[]>()]));
  for (let i = 0; i < templates.length; i++) {
    const rows = isRecord(value) ? value[String(i)] : undefined;
    if (!Array.isArray(rows)) return { ok: false, reason: `opa eval's result lacks template ${templates[i].name}` };
    for (const row of rows) {
      const constraint = isRecord(row) && typeof row.c === "number" ? constraints[row.c] : undefined;
      const object = isRecord(row) && typeof row.o === "number" ? objects[row.o] : undefined;
      const violations = isRecord(row) && Array.isArray(row.v) ? row.v : undefined;
      if (constraint === undefined || object === undefined || violations === undefined) {
        return { ok: false, reason: `opa eval's result for template ${templates[i].name} is not the query's shape` };
      }
      const found: string[] = [];
      for (const v of violations) {
        // Gatekeeper keeps a violation only with a msg, and refuses the review when it is no string.
        if (!isRecord(v) || v.msg === undefined) continue;
        if (typeof v.msg !== "string") {
          return { ok: false, reason: `ConstraintTemplate ${templates[i].name}: a violation's msg is not a string` };
        }
        found.push(v.msg);
      }
      messages.get(constraint.id)!.set(contentKey(object), found);
    }
    const covered = constraints.filter((c) => c.kind === templates[i].kind);
    if (covered.some((c) => messages.get(c.id)!.size !== objects.length)) {
      return { ok: false, reason: `opa eval's result for template ${templates[i].name} is not the query's shape` };
    }
  }
  return { ok: true, messages };
}

/** The value of the query's one expression, or undefined when the output is not a result. */
function expressionValue(stdout: string): unknown {
  try {
    const output: unknown = JSON.parse(stdout);
    const result = isRecord(output) && Array.isArray(output.result) ? output.result[0] : undefined;
    const expression = isRecord(result) && Array.isArray(result.expressions) ? result.expressions[0] : undefined;
    return isRecord(expression) ? expression.value : undefined;
  } catch {
    return undefined;
  }
}

/** The first of opa's errors as `code: message (file:row)`, or its first line of stderr. */
function opaError(stdout: string, stderr: string): string {
  try {
    const output: unknown = JSON.parse(stdout);
    const first = isRecord(output) && Array.isArray(output.errors) ? output.errors[0] : undefined;
    if (isRecord(first) && typeof first.message === "string") {
      const location = isRecord(first.location) ? first.location : {};
      const at = typeof location.file === "string" ? ` (${location.file}:${String(location.row)})` : "";
      return `${typeof first.code === "string" ? `${first.code}: ` : ""}${first.message.split("\n")[0]}${at}`;
    }
    if (isRecord(output) && output.result === undefined && output.errors === undefined) return "the query is undefined";
  } catch {
    // Not JSON: opa failed before evaluating (a flag it does not know, an unreadable file).
  }
  return (
    stderr
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? "nothing"
  );
}

interface ModuleFile {
  file: string;
  text: string;
  /** The template part it is, for messages. */
  what: string;
}

/** The modules of a batch; a lib of the same text as an earlier one is loaded once. */
function moduleFiles(templates: RegoTemplate[]): ModuleFile[] {
  const files: ModuleFile[] = [];
  templates.forEach((t, i) => {
    files.push({ file: `${i}-${t.name}.rego`, text: t.rego, what: `ConstraintTemplate ${t.name}` });
    t.libs.forEach((lib, k) => {
      if (files.some((f) => f.text === lib)) return;
      files.push({ file: `${i}-${t.name}.lib${k}.rego`, text: lib, what: `ConstraintTemplate ${t.name} libs[${k}]` });
    });
  });
  return files;
}

/**
 * Templates grouped by Rego version, then so that no package is declared twice in a group: a
 * template's own package is its alone; a lib's may recur only with the same text.
 */
function batchesByPackage(templates: RegoTemplate[]): RegoTemplate[][] {
  const batches: { version: string; templates: RegoTemplate[]; owned: Set<string>; libs: Map<string, string> }[] = [];
  for (const template of templates) {
    const own = template.packageRef!;
    const libs = new Map<string, string>();
    for (const lib of template.libs) {
      const pkg = /^\s*package\s+([^\s#]+)/m.exec(lib)?.[1];
      if (pkg !== undefined) libs.set(`data.${pkg}`, lib);
    }
    const fits = (b: (typeof batches)[number]) =>
      b.version === template.version &&
      !b.owned.has(own) &&
      !b.libs.has(own) &&
      [...libs].every(([pkg, text]) => !b.owned.has(pkg) && (b.libs.get(pkg) ?? text) === text);
    let batch = batches.find(fits);
    if (batch === undefined) {
      batch = { version: template.version, templates: [], owned: new Set(), libs: new Map() };
      batches.push(batch);
    }
    batch.templates.push(template);
    batch.owned.add(own);
    for (const [pkg, text] of libs) batch.libs.set(pkg, text);
  }
  return batches.map((b) => b.templates);
}
