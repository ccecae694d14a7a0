/**
 * The `exercise` key: a folder of the trainee's own policies, which the program deploys instead of
 * the lab's, and the verifier grades against a stage's claims (issue 15). Read once, as kubectl
 * reads YAML (verifier/kube/yaml.ts), while the configuration is validated, so that a refused
 * folder stops the run before anything is created.
 *
 * A trainee may deploy what the course asks them to write, and nothing that could harm the
 * cluster they share the lab's program with: NetworkPolicies in the lab's two namespaces (one in
 * kube-system could cut the cluster's DNS), Gatekeeper's templates, constraints of those templates
 * and ExpansionTemplates. RBAC, Namespaces, workloads and webhooks are refused.
 */
import * as fs from "fs";
import * as path from "path";
// Plain code over objects, all three; only the YAML reader is loaded when an exercise is set.
import { regoOf, regoProblems } from "../verifier/admission/rego-rules";
import { describeObject, gvkOf, nameOf, namespaceOf, objectKey } from "../verifier/kube/object";
import { checkNetworkPolicy } from "../verifier/netpol/validate";
import type { KubeYamlFile } from "../verifier/kube/yaml";
import { APP_NAMESPACE, DATA_NAMESPACE } from "./keys";

/** One object of the trainee's, with where it is written. */
export interface ExerciseObject {
  object: Record<string, any>;
  /** The file as messages name it: relative to the project root when inside it, else absolute. */
  file: string;
  /** The line the object starts on. */
  line: number;
  /** The line of a field of the object, such as `["spec", "ingress", 0, "from"]` (see KubeYamlFile.lineOf). */
  lineOf(path: readonly (string | number)[]): number;
}

export interface Exercise {
  /** The folder, absolute. */
  dir: string;
  /** The folder as messages name it, as they name its files. */
  folder: string;
  /** Every object of its files, files in name order, objects in file order. */
  objects: ExerciseObject[];
}

/** The namespaces a trainee's NetworkPolicy may go in. */
export const EXERCISE_NAMESPACES: readonly string[] = [APP_NAMESPACE, DATA_NAMESPACE];

/**
 * What an exercise may hold: group, the versions Gatekeeper (or Kubernetes) serves, and the kind.
 * A constraint's kind is any a template of the exercise defines (`null` here). ExpansionTemplates
 * are served as v1alpha1 and v1beta1 (gatekeeper apis/expansion); constraints as v1beta1 and
 * v1alpha1 (the CRD frameworks' CreateCRD makes for a template).
 */
export const EXERCISE_KINDS: readonly { group: string; versions: readonly string[]; kind: string | null }[] = [
  { group: "networking.k8s.io", versions: ["v1"], kind: "NetworkPolicy" },
  { group: "templates.gatekeeper.sh", versions: ["v1", "v1beta1"], kind: "ConstraintTemplate" },
  { group: "constraints.gatekeeper.sh", versions: ["v1beta1", "v1alpha1"], kind: null },
  { group: "expansion.gatekeeper.sh", versions: ["v1beta1", "v1alpha1"], kind: "ExpansionTemplate" },
];

/** What an exercise may hold, in words, for every refusal. */
export const ACCEPTED_TEXT =
  "an exercise holds networking.k8s.io/v1 NetworkPolicies in app or data, templates.gatekeeper.sh/v1 (or v1beta1) ConstraintTemplates, constraints.gatekeeper.sh/v1beta1 (or v1alpha1) constraints of a kind a template of the exercise defines, and expansion.gatekeeper.sh/v1beta1 (or v1alpha1) ExpansionTemplates";

/** The kind a ConstraintTemplate defines for its constraints; "" when it says none. */
export function templateKind(template: Record<string, any>): string {
  const kind = template.spec?.crd?.spec?.names?.kind;
  return typeof kind === "string" ? kind : "";
}

const versionsText = (versions: readonly string[]) =>
  versions.length === 1 ? versions[0] : `${versions.slice(0, -1).join(", ")} or ${versions[versions.length - 1]}`;

/** How a file or folder is named in messages: relative to the project root when inside it. */
export function shownPath(file: string, projectDir: string): string {
  const relative = path.relative(projectDir, file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/**
 * Reads the folder `value` names (relative to `projectDir`, or absolute) and checks it; the
 * problems, each naming the file, the line, the object and what is accepted, are worded after the
 * key (parse.ts puts it in front). An exercise is returned only when there is no problem.
 */
export function readExercise(value: string, projectDir: string): { exercise?: Exercise; problems: string[] } {
  const dir = path.resolve(projectDir, value);
  const quoted = JSON.stringify(value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return {
      problems: [
        `${quoted} is not accepted; there is no such folder (${dir}); expected a folder of the trainee's YAML files, relative to the project root ${projectDir} or absolute`,
      ],
    };
  }
  if (!stat.isDirectory()) {
    return { problems: [`${quoted} is not accepted; it is a file, expected a folder of the trainee's YAML files`] };
  }
  // Loaded only for a stack with an exercise: the reader brings the YAML libraries and the
  // Kubernetes schemas, which a stack without one never needs (bench/program.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { yamlFilesUnder } = require("../verifier/kube/files") as typeof import("../verifier/kube/files");
  const files = yamlFilesUnder(dir);
  if (files.length === 0) {
    return {
      problems: [
        `${quoted} is not accepted; the folder holds no .yaml, .yml or .json file; expected the trainee's NetworkPolicies and Gatekeeper policies`,
      ],
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readKubeYaml } = require("../verifier/kube/yaml") as typeof import("../verifier/kube/yaml");
  const problems: string[] = [];
  const objects: ExerciseObject[] = [];
  const read: KubeYamlFile[] = [];
  /** Files the reader refused something of: their fields are not checked twice. */
  const misread = new Set<string>();
  for (const file of files) {
    const shown = shownPath(file, projectDir);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      problems.push(`${shown}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
      continue;
    }
    const yaml = readKubeYaml(text, shown);
    read.push(yaml);
    problems.push(...yaml.problems);
    if (yaml.problems.length > 0) misread.add(shown);
    yaml.objects.forEach((object, i) =>
      objects.push({ object, file: shown, line: yaml.lines[i], lineOf: (field) => yaml.lineOf(i, field) }),
    );
  }
  problems.push(...checkObjects(objects, misread));
  // A constraint's parameters are typed by its template: the exercise's own (none other is deployed).
  const templates = new Map(
    objects.filter((o) => isTemplate(o.object)).map((o) => [templateKind(o.object), o.object] as const),
  );
  for (const yaml of read) problems.push(...yaml.checkParameters((kind) => templates.get(kind)));
  return problems.length > 0
    ? { problems }
    : { exercise: { dir, folder: shownPath(dir, projectDir), objects }, problems };
}

const isTemplate = (object: Record<string, any>) =>
  gvkOf(object).group === "templates.gatekeeper.sh" && gvkOf(object).kind === "ConstraintTemplate";

/** `spec.ingress[0].from` as the path lineOf takes. */
function fieldPath(text: string): (string | number)[] {
  return text
    .split(/[.[\]]+/)
    .filter((part) => part !== "")
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * Every refusal of the objects themselves: kinds, namespaces, duplicates, templates, and a
 * NetworkPolicy the API server would refuse (unless the reader already refused its file).
 */
function checkObjects(objects: ExerciseObject[], misread: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const at = (o: ExerciseObject) => `${o.file}:${o.line}: ${describeObject(o.object)}`;
  const templates = objects.filter((o) => isTemplate(o.object));
  const defined = new Set(templates.map((t) => templateKind(t.object)).filter((kind) => kind !== ""));
  const seen = new Map<string, ExerciseObject>();

  for (const entry of objects) {
    const { object } = entry;
    const gvk = gvkOf(object);
    const accepted = EXERCISE_KINDS.find((k) => k.group === gvk.group && (k.kind === null || k.kind === gvk.kind));
    if (accepted === undefined) {
      problems.push(
        `${at(entry)}: ${object.apiVersion ?? "(no apiVersion)"} ${gvk.kind} is not accepted; ${ACCEPTED_TEXT}`,
      );
      continue;
    }
    if (!accepted.versions.includes(gvk.version)) {
      problems.push(
        `${at(entry)}: apiVersion ${JSON.stringify(object.apiVersion)} is not accepted; Gatekeeper and Kubernetes serve ${gvk.group}/${versionsText(accepted.versions)} for it`,
      );
      continue;
    }
    if (nameOf(object) === "") {
      problems.push(`${at(entry)}: metadata.name: missing; every object needs a name`);
      continue;
    }
    if (gvk.kind === "NetworkPolicy") {
      const namespace = namespaceOf(object);
      if (namespace === "") {
        problems.push(
          `${at(entry)}: metadata.namespace: missing; kubectl would put it in the current context's namespace: give app or data`,
        );
        continue;
      }
      if (!EXERCISE_NAMESPACES.includes(namespace)) {
        problems.push(
          `${at(entry)}: metadata.namespace: ${JSON.stringify(namespace)} is not accepted; an exercise's NetworkPolicies go in app or data (a policy elsewhere could cut the cluster's own traffic, such as its DNS in kube-system)`,
        );
        continue;
      }
      if (!misread.has(entry.file)) {
        const before = problems.length;
        checkNetworkPolicy(object, (field, problem) =>
          problems.push(
            `${entry.file}:${entry.lineOf(fieldPath(field))}: ${describeObject(object)}: ${field}: ${problem}`,
          ),
        );
        if (problems.length > before) continue;
      }
    } else if (namespaceOf(object) !== "") {
      problems.push(
        `${at(entry)}: metadata.namespace: ${gvk.kind}s are cluster-scoped; remove the namespace ${JSON.stringify(namespaceOf(object))}`,
      );
      continue;
    }
    if (gvk.group === "constraints.gatekeeper.sh" && !defined.has(gvk.kind)) {
      problems.push(
        `${at(entry)}: no ConstraintTemplate of the exercise defines the kind ${gvk.kind} (${defined.size === 0 ? "it has no template" : `its templates define ${[...defined].sort().join(", ")}`}); a constraint needs its template in the same folder`,
      );
      continue;
    }
    if (isTemplate(object)) {
      const kind = templateKind(object);
      if (kind === "") {
        problems.push(`${at(entry)}: spec.crd.spec.names.kind: missing; the kind its constraints will have`);
        continue;
      }
      if (nameOf(object) !== kind.toLowerCase()) {
        problems.push(
          `${at(entry)}: metadata.name: Gatekeeper names a template after its kind: expected ${kind.toLowerCase()}, the lower-case ${kind}`,
        );
        continue;
      }
      if (EXERCISE_KINDS.some((k) => k.kind !== null && k.kind.toLowerCase() === kind.toLowerCase())) {
        problems.push(`${at(entry)}: spec.crd.spec.names.kind: ${kind} is a built-in kind's name; choose another`);
        continue;
      }
      const dialect = regoProblems(object);
      if (dialect.length > 0) {
        // The problems name the field the Rego is in (`spec.targets[0].code[1].source`); its
        // line is that of the Rego text itself.
        const field = fieldPath(regoOf(object)!.field);
        const line = entry.lineOf(field[field.length - 1] === "source" ? [...field, "rego"] : field);
        problems.push(...dialect.map((problem) => `${entry.file}:${line}: ${problem}`));
        continue;
      }
    }
    const key = objectKey(object);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(
        `${at(entry)}: defined twice, here and at ${first.file}:${first.line}; an exercise holds one object per kind, namespace and name`,
      );
      continue;
    }
    seen.set(key, entry);
  }
  return problems;
}
