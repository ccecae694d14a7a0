/**
 * Manifests mode: Kubernetes objects read from YAML files or folders of them (multi-document,
 * `List` objects unwrapped), as kubectl reads them (verifier/kube/yaml.ts), each remembered with
 * its file for messages.
 */
import * as fs from "fs";
import { labTemplate } from "../analyze";
import { yamlFilesUnder } from "../kube/files";
import { readKubeYaml, type KubeYamlFile } from "../kube/yaml";
import { KubeObject, SourcedObject, VerifyInputError } from "../model";

/** The YAML files a path names: the file itself, or the files in a folder, recursively, sorted. */
export function manifestFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new VerifyInputError([`--manifests ${target}: no such file or folder`]);
  }
  if (stat.isFile()) return [target];
  const files = yamlFilesUnder(target);
  if (files.length === 0)
    throw new VerifyInputError([`--manifests ${target}: the folder holds no .yaml, .yml or .json file`]);
  return files;
}

/** A file read as kubectl reads it (verifier/kube/yaml.ts); an unreadable file is bad input. */
export function readManifestFile(file: string): KubeYamlFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new VerifyInputError([`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  return readKubeYaml(text, file);
}

/** All objects of every path given with --manifests. */
export function readManifests(targets: string[]): SourcedObject[] {
  const problems: string[] = [];
  const objects: SourcedObject[] = [];
  const files: KubeYamlFile[] = [];
  for (const target of targets) {
    try {
      for (const file of manifestFiles(target)) {
        const read = readManifestFile(file);
        files.push(read);
        problems.push(...read.problems);
        objects.push(...read.objects.map((object) => ({ object, source: file })));
      }
    } catch (error) {
      if (error instanceof VerifyInputError) problems.push(...error.problems);
      else throw error;
    }
  }
  // A constraint's parameters are typed by its template, from any file or from policies/.
  const templates = new Map<unknown, KubeObject>();
  for (const { object } of objects) {
    if (object.kind === "ConstraintTemplate") templates.set(object.spec?.crd?.spec?.names?.kind, object);
  }
  for (const read of files) problems.push(...read.checkParameters((kind) => templates.get(kind) ?? labTemplate(kind)));
  if (problems.length > 0) throw new VerifyInputError(problems);
  return objects;
}
