// The rules `npm run lint` holds the code's shape to (.dependency-cruiser.cjs), shown able to fail:
// dependency-cruiser runs, as the lint step runs it, on a copy of the project with one violation
// of each rule added, and must name exactly those. (dependency-cruiser is an ES module only, so it
// runs as its command, in a child process.)
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const FOLDERS = ["config", "components", "policies", "verifier", "class", "scripts", "bench", "tests"];
const FILES = ["index.ts", "tsconfig.json", "package.json", ".dependency-cruiser.cjs"];

let copy: string;
beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), "architecture-"));
  for (const name of FILES) fs.copyFileSync(path.join(ROOT, name), path.join(copy, name));
  for (const folder of FOLDERS) {
    fs.cpSync(path.join(ROOT, folder), path.join(copy, folder), {
      recursive: true,
      filter: (source) => fs.statSync(source).isDirectory() || /\.(ts|json)$/.test(source),
    });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
});
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

/** Adds a line at the top of a file of the copy. */
function prepend(file: string, line: string) {
  const at = path.join(copy, file);
  fs.writeFileSync(at, `${line}\n${fs.readFileSync(at, "utf8")}`);
}

/** `depcruise` as package.json's lint script runs it, in the copy: its status and its report. */
function depcruise(): { status: number | null; violations: string[] } {
  const lint = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { lint: string } })
    .scripts.lint;
  const command = lint.split(" && ").find((c) => c.startsWith("depcruise "));
  if (command === undefined) throw new Error(`the lint script runs no depcruise: ${lint}`);
  const bin = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
  const result = spawnSync(process.execPath, [bin, ...command.split(" ").slice(1)], { cwd: copy, encoding: "utf8" });
  // One violation a line, a cycle's further modules on the lines indented below it.
  const violations: string[] = [];
  for (const line of result.stdout.split("\n")) {
    if (line.startsWith("  error ")) violations.push(line.trim());
    else if (/^ {6}\S/.test(line) && violations.length > 0) violations.push(`${violations.pop()} ${line.trim()}`);
  }
  return { status: result.status, violations };
}

describe("the lint step's rules on the code's shape", () => {
  it("name exactly what was added: a cycle, a climbing arrow, an engine loading live mode, a YAML parser in the program, a product file only tests use", () => {
    // The cycle this project had: the schemas of Gatekeeper's kinds and the reader of schemas.
    prepend("verifier/kube/gatekeeper-schemas.ts", 'import type { expectedTypes } from "./schema";');
    // config/ reaching up into the components it sits below.
    prepend("config/parse.ts", 'import type { TwoTierApp } from "../components/app";');
    // The admission engine loading live mode.
    prepend("verifier/admission/wildcard.ts", 'import type { ProbeLog } from "../live/log";');
    // The program loading a YAML parser.
    prepend("components/network-policies.ts", 'import "js-yaml";');
    // A product file that only a test imports.
    fs.writeFileSync(path.join(copy, "verifier", "only-tested.ts"), "export const ONLY_TESTED = 1;\n");
    prepend("tests/lab.test.ts", 'import { ONLY_TESTED } from "../verifier/only-tested";');

    expect(depcruise()).toEqual({
      status: 5,
      violations: [
        "error program-loads-no-yaml-parser: components/network-policies.ts → node_modules/js-yaml/dist/js-yaml.cjs.js",
        "error no-product-file-only-tests-use: verifier/only-tested.ts",
        "error no-cycles: verifier/kube/gatekeeper-schemas.ts → verifier/kube/schema.ts → verifier/kube/gatekeeper-schemas.ts",
        "error engines-stand-alone: verifier/admission/wildcard.ts → verifier/live/log.ts",
        "error config-below-components: config/parse.ts → components/app.ts",
      ],
    });
  });
});
