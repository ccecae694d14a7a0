/**
 * Writes the files each policy folder (policies/<policy>/, with a suite.yaml) derives from its
 * sources, in the order they are read through:
 * - its CEL source (src.cel.yaml) as the JSON the program reads (src.cel.generated.json;
 *   policies/cel-json.ts says why);
 * - its ConstraintTemplate once per engine variant (template*.generated.yaml, from template.ts,
 *   which reads that JSON), which the gator Suite names;
 * - the Rego module its `opa test` unit tests read (samples.generated.rego, from the suite and
 *   samples/).
 *
 *   npm run gen:policies       write the files
 *   npm run check:policies     exit 1, naming them, when a file is stale
 *
 * tests/policies/rego-samples.test.ts runs the same check, so a stale file fails CI.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CEL_SOURCE_FILE, celJsonPath } from "../policies/cel-json";
import { allowedReposTemplate, type ConstraintTemplateObject } from "../policies/k8sallowedrepos/template";
import { regoSamplesPath, renderRegoSamples } from "../policies/rego-samples";
import { loadPolicySuite } from "../policies/suite";
import { renderTemplateVariant, TEMPLATE_VARIANTS, templateVariantPath } from "../policies/template-variants";

export const POLICIES_DIR = path.join(__dirname, "..", "policies");

/** The ConstraintTemplate each policy folder assembles in code, by folder name. */
const TEMPLATES: Record<string, () => ConstraintTemplateObject> = {
  k8sallowedrepos: allowedReposTemplate,
};

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

/**
 * The generated files of one policy folder, with the text each must hold, rendered lazily in the
 * order they are read through: each reads the files before it from disk.
 */
function folderFiles(dir: string): { file: string; text: () => string }[] {
  const build = TEMPLATES[path.basename(dir)];
  return [
    ...(fs.existsSync(path.join(dir, CEL_SOURCE_FILE))
      ? [{ file: celJsonPath(dir), text: () => renderCelJson(dir) }]
      : []),
    ...(build === undefined ? [] : TEMPLATE_VARIANTS).map((v) => ({
      file: templateVariantPath(dir, v),
      text: () => renderTemplateVariant(build(), v),
    })),
    { file: regoSamplesPath(dir), text: () => renderRegoSamples(loadPolicySuite(dir)) },
  ];
}

/** Every generated file of the policy folders under `root`, with the text it must hold. */
export function generatedFiles(root: string = POLICIES_DIR): { file: string; text: string }[] {
  return policyDirs(root).flatMap((dir) => folderFiles(dir).map(({ file, text }) => ({ file, text: text() })));
}

/** The generated files whose content on disk differs from a fresh render. */
export function staleFiles(root: string = POLICIES_DIR): string[] {
  return generatedFiles(root)
    .filter(({ file, text }) => !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text)
    .map(({ file }) => file);
}

function main(argv: string[]): number {
  if (argv.includes("--check")) {
    const stale = staleFiles();
    for (const file of stale) console.error(`stale: ${path.relative(process.cwd(), file)}`);
    if (stale.length > 0) console.error("run: npm run gen:policies");
    return stale.length === 0 ? 0 : 1;
  }
  for (const dir of policyDirs()) {
    // Written one by one, so that each is rendered from the files written before it.
    for (const { file, text } of folderFiles(dir)) {
      fs.writeFileSync(file, text());
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
