/**
 * Which files of a folder are Kubernetes manifests: those kubectl's `-f DIR` reads (`.yaml`,
 * `.yml`, `.json`), here also in subfolders (as `-R` would), in name order so that every reading
 * lists problems and objects in the same order.
 */
import * as fs from "fs";
import * as path from "path";

const YAML_FILE = /\.(ya?ml|json)$/i;

/** The manifest files under a folder, recursively, sorted by name at each level. */
export function yamlFilesUnder(folder: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (YAML_FILE.test(entry.name)) files.push(full);
    }
  };
  walk(folder);
  return files;
}
