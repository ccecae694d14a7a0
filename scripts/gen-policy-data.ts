/**
 * Writes the files each policy folder (policies/<policy>/, with a suite.yaml) derives from its
 * sources: the Rego module its `opa test` unit tests read (samples.generated.rego, from the suite
 * and samples/), and its ConstraintTemplate once per engine variant (template*.generated.yaml,
 * from template.ts), which the gator Suite names.
 *
 *   npm run gen:policies       write the files
 *   npm run check:policies     exit 1, naming them, when a file is stale
 *
 * tests/policies/rego-samples.test.ts runs the same check, so a stale file fails CI.
 */
import * as fs from "fs";
import * as path from "path";
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

/** Every generated file of the policy folders under `root`, with the text it must hold. */
export function generatedFiles(root: string = POLICIES_DIR): { file: string; text: string }[] {
  return policyDirs(root).flatMap((dir) => {
    const build = TEMPLATES[path.basename(dir)];
    const templates =
      build === undefined
        ? []
        : TEMPLATE_VARIANTS.map((v) => ({
            file: templateVariantPath(dir, v),
            text: renderTemplateVariant(build(), v),
          }));
    // The templates first: the suite names them, so reading it needs them on disk.
    return [...templates, { file: regoSamplesPath(dir), text: renderRegoSamples(loadPolicySuite(dir)) }];
  });
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
    const build = TEMPLATES[path.basename(dir)];
    for (const variant of build === undefined ? [] : TEMPLATE_VARIANTS) {
      write(templateVariantPath(dir, variant), renderTemplateVariant(build(), variant));
    }
    write(regoSamplesPath(dir), renderRegoSamples(loadPolicySuite(dir)));
  }
  return 0;
}

function write(file: string, text: string): void {
  fs.writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
