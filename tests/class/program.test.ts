// What "the program" is (for pull requests and for `up`'s notion of done), and which Azure names
// the program derives from the stack name (for the roster's name check).
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { configFingerprint, isProgramPath, PROGRAM_PATHS, programFingerprint } from "../../class/program";
import { captureLab, labConfig } from "../../verifier/lab/capture";
import { tmpProject } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");

/** Every source file index.ts reaches through relative imports. */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [path.join(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith(".ts")) continue;
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const base = path.resolve(path.dirname(file), fileName);
      const found = [base, `${base}.ts`, path.join(base, "index.ts")].find(
        (candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile(),
      );
      if (!found) throw new Error(`${path.relative(ROOT, file)}: cannot resolve ${fileName}`);
      queue.push(found);
    }
  }
  return [...seen].map((f) => path.relative(ROOT, f)).sort();
}

describe("the program's files", () => {
  it("cover every file index.ts imports, directly or not", () => {
    const closure = importClosure("index.ts");
    expect(closure.length).toBeGreaterThan(10);
    expect(closure).toContain("components/cluster.ts");
    expect(closure).toContain("policies/k8sallowedrepos/template.ts");
    expect(closure.filter((file) => !isProgramPath(file))).toEqual([]);
  });

  it("include what the program reads at run time and its locked dependencies, and not the tooling beside it", () => {
    expect(PROGRAM_PATHS).toEqual(expect.arrayContaining(["Pulumi.yaml", "package-lock.json", "policies/"]));
    for (const file of [
      "policies/k8sallowedrepos/src.cel.yaml",
      "Pulumi.yaml",
      "package-lock.json",
      "config/keys.ts",
    ]) {
      expect([file, isProgramPath(file)]).toEqual([file, true]);
    }
    for (const file of [
      "README.md",
      "verifier/cli.ts",
      "class/cli.ts",
      "tests/lab.test.ts",
      "Pulumi.alice.yaml",
      "class.yaml",
      ".github/workflows/pull-request.yml",
      "components.md",
    ]) {
      expect([file, isProgramPath(file)]).toEqual([file, false]);
    }
  });

  it("the program's fingerprint changes with a program file, not with anything else", () => {
    const dir = tmpProject();
    fs.mkdirSync(path.join(dir, "components"));
    fs.writeFileSync(path.join(dir, "components", "lab.ts"), "export {};\n");
    fs.writeFileSync(path.join(dir, "README.md"), "a\n");
    const first = programFingerprint(dir);
    fs.writeFileSync(path.join(dir, "README.md"), "b\n");
    expect(programFingerprint(dir)).toBe(first);
    fs.writeFileSync(path.join(dir, "components", "lab.ts"), "export const x = 1;\n");
    expect(programFingerprint(dir)).not.toBe(first);
    expect(first).toMatch(/^[0-9a-f]{12}$/);
  });

  it("a stack's config fingerprint ignores comments, key order and the salt, not a value", () => {
    const dir = tmpProject();
    const file = path.join(dir, "Pulumi.alice.yaml");
    fs.writeFileSync(file, "config:\n  a:x: '1'\n  a:y: '2'\n");
    const first = configFingerprint(dir, "alice");
    fs.writeFileSync(file, "# a comment\nencryptionsalt: v1:abc\nconfig:\n  a:y: '2' # why\n  a:x: '1'\n");
    expect(configFingerprint(dir, "alice")).toBe(first);
    fs.writeFileSync(file, "config:\n  a:x: '1'\n  a:y: '3'\n");
    expect(configFingerprint(dir, "alice")).not.toBe(first);
  });
});

describe("Azure names and the stack name", () => {
  it("the only Azure name the program derives from the stack is the AKS DNS prefix (what the roster checks)", async () => {
    const azure = async (stack: string) => {
      const capture = await captureLab({ config: labConfig({ stage: "app" }), stack });
      expect(capture.error).toBeUndefined();
      return capture.resources
        .filter((r) => r.type.startsWith("azure-native:"))
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
    };
    const alice = await azure("alice");
    const bob = await azure("bob");
    expect(alice.map((r) => r.type)).toEqual([
      "azure-native:resources:ResourceGroup",
      "azure-native:containerservice:ManagedCluster",
    ]);
    // Names are given by Pulumi's auto-naming (a random suffix), never from the stack.
    expect([alice[0].inputs.resourceGroupName, alice[1].inputs.resourceName]).toEqual([undefined, undefined]);
    const strip = (rs: typeof alice) => rs.map((r) => ({ ...r, inputs: { ...r.inputs, dnsPrefix: undefined } }));
    expect(strip(bob)).toEqual(strip(alice));
    expect([alice[1].inputs.dnsPrefix, bob[1].inputs.dnsPrefix]).toEqual(["lab-alice", "lab-bob"]);
  });
});
