/**
 * `init`: one `Pulumi.<trainee>.yaml` per trainee, written from the roster without the Pulumi
 * CLI. The file is edited as a YAML document, so a trainer's comments and the keys the roster does
 * not set (secrets among them, and the `encryptionsalt` Pulumi adds when it creates the stack)
 * stay as they are; only the keys the roster sets are written, in their full `namespace:key` form.
 */
import * as fs from "fs";
import * as path from "path";
import { Document, isMap, Node, parseDocument, YAMLMap } from "yaml";
import { PROJECT } from "../config/keys";
import { stackFileName } from "./names";
import { ConfigValue, RosterTrainee } from "./roster";

export interface StackFilePlan {
  trainee: string;
  file: string;
  /** The text the file should hold. */
  text: string;
  /** Whether the file exists now. */
  exists: boolean;
  /** The keys whose value the roster changes (all of them for a new file). */
  changed: string[];
}

/** What `init` would write for a trainee, given the file as it is now (undefined: none yet). */
export function planStackFile(trainee: RosterTrainee, existing: string | undefined, rosterFile: string): StackFilePlan {
  const doc = existing === undefined ? newDocument(trainee.name, rosterFile) : parseDocument(existing);
  let config = doc.get("config", true) as Node | undefined;
  if (!isMap(config)) {
    config = doc.createNode({});
    doc.set("config", config);
  }
  const map = config as YAMLMap;
  const changed: string[] = [];
  for (const [key, value] of Object.entries(trainee.config)) {
    const [namespace, name] = key.split(":");
    // Pulumi writes full keys, but a hand-written short key means the same; keep only one.
    if (namespace === PROJECT && map.has(name)) {
      map.delete(name);
      if (!changed.includes(key)) changed.push(key);
    }
    const current = map.get(key, true) as Node | undefined;
    if (current !== undefined && sameValue(current.toJSON(), value)) continue;
    const node = doc.createNode(value) as Node;
    if (current !== undefined) {
      // A comment on the old value stays with the new one.
      node.comment = current.comment;
      node.commentBefore = current.commentBefore;
    }
    map.set(key, node);
    if (!changed.includes(key)) changed.push(key);
  }
  return {
    trainee: trainee.name,
    file: stackFileName(trainee.name),
    text: existing !== undefined && changed.length === 0 ? existing : doc.toString({ lineWidth: 0 }),
    exists: existing !== undefined,
    changed,
  };
}

function newDocument(trainee: string, rosterFile: string): Document {
  const doc = new Document({ config: {} });
  doc.commentBefore = [
    ` ${trainee}'s lab, written by \`npm run class -- init\` from ${rosterFile}. The next init rewrites`,
    ` the keys ${rosterFile} sets and keeps everything else: other keys, comments, and the`,
    ` encryptionsalt the first preview or up adds when it creates the stack (commit this file then).`,
    ` Secrets: pulumi config set --secret KEY --stack ${trainee}`,
  ].join("\n");
  return doc;
}

function sameValue(a: unknown, b: ConfigValue): boolean {
  // Numbers and booleans written by hand read as the strings `pulumi config set` would write.
  const normal = (v: unknown): unknown =>
    typeof v === "number" || typeof v === "boolean"
      ? String(v)
      : Array.isArray(v)
        ? v.map(normal)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]))
          : v;
  return JSON.stringify(normal(a)) === JSON.stringify(normal(b));
}

/** Reads a trainee's stack file, or undefined when there is none. */
export function readStackFile(projectDir: string, trainee: string): string | undefined {
  try {
    return fs.readFileSync(path.join(projectDir, stackFileName(trainee)), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The plans of every trainee, against the files as they are now. */
export function planStackFiles(trainees: RosterTrainee[], projectDir: string, rosterFile: string): StackFilePlan[] {
  return trainees.map((trainee) => planStackFile(trainee, readStackFile(projectDir, trainee.name), rosterFile));
}

/**
 * Why a stack file is not what the roster says, for commands that run the stacks: their config
 * comes from the file, so a roster edited without `init` would otherwise be silently ignored.
 */
export function outOfDate(plan: StackFilePlan): string | undefined {
  if (!plan.exists) return `${plan.file}: not written yet; run \`npm run class -- init\` first`;
  if (plan.changed.length > 0) {
    return `${plan.file}: ${plan.changed.join(", ")} ${plan.changed.length === 1 ? "differs" : "differ"} from the roster; run \`npm run class -- init\` to write the roster's values`;
  }
  return undefined;
}
