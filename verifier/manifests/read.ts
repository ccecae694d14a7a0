/**
 * Manifests mode: Kubernetes objects read from YAML files or folders of them (multi-document,
 * `List` objects unwrapped), each remembered with its file for messages.
 */
import * as fs from "fs";
import * as path from "path";
import { KubeObject, SourcedObject, VerifyInputError } from "../model";
import { parseDocuments } from "./documents";

const YAML_FILE = /\.(ya?ml|json)$/i;

/** The YAML files a path names: the file itself, or the files in a folder, recursively, sorted. */
export function manifestFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new VerifyInputError([`--manifests ${target}: no such file or folder`]);
  }
  if (stat.isFile()) return [target];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (YAML_FILE.test(entry.name)) files.push(full);
    }
  };
  walk(target);
  if (files.length === 0)
    throw new VerifyInputError([`--manifests ${target}: the folder holds no .yaml, .yml or .json file`]);
  return files;
}

/** Every object of a file; a syntax error names the file and its line. */
export function readManifestFile(file: string): SourcedObject[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new VerifyInputError([`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  const objects: SourcedObject[] = [];
  const problems: string[] = [];
  parseDocuments(text).forEach((document, index) => {
    if (document.errors.length > 0) {
      const error = document.errors[0];
      const line = error.linePos?.[0]?.line;
      problems.push(
        `${file}: invalid YAML${line ? ` at line ${line}` : ""} (document ${index + 1}): ${error.message.split("\n")[0].replace(/:$/, "")}`,
      );
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return; // an empty document, as between two `---`
    const items = isList(value) ? value.items : [value];
    items.forEach((item: unknown) => {
      if (
        item === null ||
        typeof item !== "object" ||
        Array.isArray(item) ||
        typeof (item as KubeObject).kind !== "string"
      ) {
        problems.push(`${file}: document ${index + 1} is not a Kubernetes object (no kind)`);
        return;
      }
      objects.push({ object: item, source: file });
    });
  });
  if (problems.length > 0) throw new VerifyInputError(problems);
  return objects;
}

function isList(value: unknown): value is { items: unknown[] } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as KubeObject).kind === "List" &&
    Array.isArray((value as KubeObject).items)
  );
}

/** All objects of every path given with --manifests. */
export function readManifests(targets: string[]): SourcedObject[] {
  const problems: string[] = [];
  const objects: SourcedObject[] = [];
  for (const target of targets) {
    try {
      for (const file of manifestFiles(target)) objects.push(...readManifestFile(file));
    } catch (error) {
      if (error instanceof VerifyInputError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new VerifyInputError(problems);
  return objects;
}
