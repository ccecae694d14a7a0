/**
 * Renders what the policies' own files are read through:
 * - every policy suite (policies/<policy>/suite.yaml + samples/) into the Rego module that the
 *   policy's `opa test` unit tests read (policies/<policy>/samples.generated.rego);
 * - every CEL source (policies/<policy>/src.cel.yaml) into the JSON the program reads
 *   (policies/<policy>/src.cel.generated.json; policies/cel-json.ts says why).
 *
 *   npx tsx scripts/gen-policy-data.ts          write the files
 *   npx tsx scripts/gen-policy-data.ts --check  exit 1, naming them, when a file is stale
 *
 * tests/policies/rego-samples.test.ts runs the same check, so a stale file fails CI.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CEL_SOURCE_FILE, celJsonPath } from "../policies/cel-json";
import { regoSamplesPath, renderRegoSamples } from "../policies/rego-samples";
import { loadPolicySuite } from "../policies/suite";

export const POLICIES_DIR = path.join(__dirname, "..", "policies");

/** Policy folders that carry a suite.yaml, sorted. */
export function policyDirs(root: string = POLICIES_DIR): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, "suite.yaml")))
    .map((e) => path.join(root, e.name))
    .sort();
}

/** A CEL source as the JSON the program reads: the same document, nothing added. */
export function renderCelJson(policyDir: string): string {
  return `${JSON.stringify(parseYaml(fs.readFileSync(path.join(policyDir, CEL_SOURCE_FILE), "utf8")), null, 2)}\n`;
}

/** Every generated file of the policies under `root`, with the text it must hold. */
function renderings(root: string): { file: string; text: string }[] {
  return policyDirs(root).flatMap((dir) => [
    { file: regoSamplesPath(dir), text: renderRegoSamples(loadPolicySuite(dir)) },
    ...(fs.existsSync(path.join(dir, CEL_SOURCE_FILE)) ? [{ file: celJsonPath(dir), text: renderCelJson(dir) }] : []),
  ]);
}

/** The generated files whose content on disk differs from a fresh render. */
export function staleFiles(root: string = POLICIES_DIR): string[] {
  return renderings(root)
    .filter(({ file, text }) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text)
    .map(({ file }) => file);
}

function main(argv: string[]): number {
  if (argv.includes("--check")) {
    const stale = staleFiles();
    for (const file of stale) console.error(`stale: ${path.relative(process.cwd(), file)}`);
    if (stale.length > 0) console.error("run: npx tsx scripts/gen-policy-data.ts");
    return stale.length === 0 ? 0 : 1;
  }
  for (const { file, text } of renderings(POLICIES_DIR)) {
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
