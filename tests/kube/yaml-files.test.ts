// Every YAML file of the repository (policies and their samples, test fixtures, the workflow,
// Pulumi's files) reads the same under YAML 1.2, as the yaml library reads it by default, and as
// kubectl reads it, with go-yaml v2's scalars (verifier/kube/yaml.ts): a tool of either kind sees
// the same data.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { loadKubeYaml } from "../../verifier/kube/yaml";

const ROOT = path.join(__dirname, "..", "..");

/** Where the two readings of a text differ: `document N path: YAML 1.2 reads A, kubectl reads B`. */
function readingDifferences(text: string): string[] {
  const parsed = parseAllDocuments(text);
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const modernError = documents.flatMap((d) => d.errors)[0]?.message.split("\n")[0];
  let kubectl: unknown[] = [];
  let kubectlError: string | undefined;
  try {
    kubectl = loadKubeYaml(text);
  } catch (error) {
    kubectlError = (error as Error).message.split("\n")[0];
  }
  // A file that is not YAML under either reading (a fixture of bad input) reads the same: not at all.
  if (modernError !== undefined || kubectlError !== undefined) {
    return modernError !== undefined && kubectlError !== undefined
      ? []
      : [`YAML 1.2 reads ${modernError ?? "it"}, kubectl reads ${kubectlError ?? "it"}`];
  }
  const modern = documents.map((d) => d.toJS() as unknown);
  const differences: string[] = [];
  const compare = (a: unknown, b: unknown, where: string): void => {
    if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const key of keys) {
        const child = Array.isArray(a) ? `${where}[${key}]` : `${where}.${key}`;
        compare((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], child);
      }
    } else if (a !== b) {
      differences.push(`${where}: YAML 1.2 reads ${JSON.stringify(a)}, kubectl reads ${JSON.stringify(b)}`);
    }
  };
  modern.forEach((document, i) => compare(document, kubectl[i], `document ${i + 1}`));
  return differences;
}

describe("the repository's YAML files read the same as kubectl reads them and under YAML 1.2", () => {
  const files = execFileSync("git", ["ls-files", "*.yaml", "*.yml"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);

  it("finds the files git tracks: policies, samples, fixtures, the workflow, Pulumi's", () => {
    for (const expected of [
      ".github/workflows/pull-request.yml",
      "Pulumi.yaml",
      "Pulumi.dev.yaml",
      "policies/k8sallowedrepos/suite.yaml",
      "tests/fixtures/manifests/two-tier/policies.yaml",
      "tests/fixtures/manifests/kubectl-scalars/quoted.yaml",
    ]) {
      expect(files).toContain(expected);
    }
  });

  it("names no difference in any file but the fixtures written to show one", () => {
    const differences = files.flatMap((file) =>
      readingDifferences(fs.readFileSync(path.join(ROOT, file), "utf8")).map((d) => `${file}: ${d}`),
    );
    // tests/verify-kubectl-reading.test.ts refuses these, as kubectl does (and an exercise's
    // label `y`, tests/exercise/refusals.test.ts). (label-1.0.yaml is not among them: `1.0` is a
    // number under both rules, refused because a label is a string.)
    const fixtures = "tests/fixtures/manifests/kubectl-scalars";
    expect(differences).toEqual([
      `tests/fixtures/exercises/refuse-label-y/policy.yaml: document 1.spec.podSelector.matchLabels.debug: YAML 1.2 reads "y", kubectl reads true`,
      `${fixtures}/annotation-off.yaml: document 1.metadata.annotations.example.com/debug: YAML 1.2 reads "off", kubectl reads false`,
      `${fixtures}/label-y.yaml: document 1.metadata.labels.ns: YAML 1.2 reads "y", kubectl reads true`,
      `${fixtures}/namespace-n.yaml: document 1.metadata.name: YAML 1.2 reads "n", kubectl reads false`,
      `${fixtures}/namespace-n.yaml: document 2.metadata.namespace: YAML 1.2 reads "n", kubectl reads false`,
      `${fixtures}/values-on.yaml: document 1.spec.podSelector.matchExpressions[0].values[0]: YAML 1.2 reads "on", kubectl reads true`,
    ]);
  });

  it("would name each difference: a bare `on` key, booleans, numbers, octal, strconv's underscores and 0b", () => {
    const text =
      "on:\n  push: {}\nlabels:\n  a: y\n  b: 0777\n  c: 1.0\n  d: 'y'\n  e: 1_000\n  f: 0b11\n  g: e10\n---\n- off\n";
    // `1.0`, and `e10`, a string to both, read the same.
    expect(readingDifferences(text)).toEqual([
      'document 1.on: YAML 1.2 reads {"push":{}}, kubectl reads undefined',
      'document 1.labels.a: YAML 1.2 reads "y", kubectl reads true',
      "document 1.labels.b: YAML 1.2 reads 777, kubectl reads 511",
      'document 1.labels.e: YAML 1.2 reads "1_000", kubectl reads 1000',
      'document 1.labels.f: YAML 1.2 reads "0b11", kubectl reads 3',
      'document 1.true: YAML 1.2 reads undefined, kubectl reads {"push":{}}',
      'document 2[0]: YAML 1.2 reads "off", kubectl reads false',
    ]);
  });
});
