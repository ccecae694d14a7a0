// `verify --compare BASE.json`: the security diff a reviewer reads first on a pull request.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareReports } from "../verifier/compare";
import type { Report } from "../verifier/analyze";
import { verify } from "./helpers";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-compare-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function baseReport(...argv: string[]): Promise<string> {
  const file = path.join(dir, `${argv.join("_").replace(/[^a-z0-9_-]/gi, "")}.json`);
  const result = await verify(...argv, "--format", "json");
  expect(result.status).toBe(0);
  fs.writeFileSync(file, result.stdout);
  return file;
}

describe("--compare", () => {
  it("leads the Markdown with what changed from default-deny to allow-phpmyadmin", async () => {
    const base = await baseReport("--stage", "default-deny");
    const result = await verify("--stage", "allow-phpmyadmin", "--format", "markdown", "--compare", base);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n## Stage 3")[0]).toBe(
      [
        "## What changed against the base",
        "",
        "| what | before | after |",
        "|---|---|---|",
        "| app/phpmyadmin -> data/mysql:3306/TCP | **denied** | allowed |",
        "",
        "",
      ].join("\n"),
    );
    expect(result.stdout).toContain("\n## Stage 3: `allow-phpmyadmin`\n");
  });

  it("lists the admission changes from allow-phpmyadmin to allowed-repos, in text", async () => {
    const base = await baseReport("--stage", "allow-phpmyadmin");
    const result = await verify("--stage", "allowed-repos", "--compare", base);
    expect(result.stdout.split("\n\n")[0]).toBe(
      [
        "What changed against the base (5):",
        "  Pod app/nginx: admitted -> denied",
        "  Pod data/busybox: admitted -> denied",
        "  Deployment app/nginx: admitted -> denied",
        "  Pod app/init-busybox: admitted -> denied",
        "  Pod app/ephemeral-busybox: admitted -> denied",
      ].join("\n"),
    );
  });

  it("pairs stages by name with --all-stages, and says so when nothing changed", async () => {
    const base = await baseReport("--all-stages");
    const same = await verify("--all-stages", "--format", "markdown", "--compare", base);
    expect(same.stdout).toContain(
      "## What changed against the base\n\nNothing: every connectivity and admission verdict, and every claim, is as on the base.\n",
    );
    const json = await verify("--all-stages", "--format", "json", "--compare", base);
    expect(JSON.parse(json.stdout).changes).toEqual([]);
  });

  it("compares an exercise's grade with the base's: claims newly met and unmet, in text and JSON", async () => {
    const answer = (name: string) => ["--exercise", `tests/fixtures/exercises/${name}`, "--stage", "allow-phpmyadmin"];
    const base = path.join(dir, "two-peers.json");
    const before = await verify(...answer("two-peers"), "--format", "json");
    expect(before.status).toBe(1);
    fs.writeFileSync(base, before.stdout);
    const text = await verify(...answer("namespace-label"), "--compare", base);
    expect(text.status).toBe(1);
    expect(text.stdout.split("\n\n")[0]).toBe(
      [
        "What changed against the base (4):",
        "  Claims newly met: 1; newly unmet: 1",
        "  app/phpmyadmin -> data/mysql:3306/TCP: allowed -> denied",
        "  app/intruder -> data/mysql:3306/TCP: allowed -> denied",
        '  claim "phpmyadmin → mysql:3306/TCP": met -> unmet',
        '  claim "intruder → mysql:3306/TCP": unmet -> met',
      ].join("\n"),
    );
    const json = await verify(...answer("namespace-label"), "--format", "json", "--compare", base);
    expect(JSON.parse(json.stdout).changes.filter((c: { kind: string }) => c.kind === "claim")).toEqual([
      { kind: "claim", subject: "phpmyadmin → mysql:3306/TCP", before: "met", after: "unmet" },
      { kind: "claim", subject: "intruder → mysql:3306/TCP", before: "unmet", after: "met" },
    ]);
  });

  it("reports cells that appear or disappear, and claims that stop holding", () => {
    const report = (stage: Report["stage"], allowed: boolean, holds: boolean): Report => ({
      stage,
      policies: [],
      constraints: [],
      gatekeeper: "Gatekeeper 3.23.0 with its chart's default values",
      connectivity: [{ from: "app/a", to: "data/b", port: 80, protocol: "TCP", allowed, reason: "" }],
      admission: [{ object: "Pod/app/x", allowed: true, violations: [], notes: [] }],
      claims: [
        {
          kind: "connectivity",
          claim: "a → b:80/TCP",
          expected: "allowed",
          computed: allowed ? "allowed" : "denied",
          holds,
          reason: "",
        },
      ],
      warnings: [],
      notes: [],
    });
    const before = report("app", true, true);
    const after = { ...report("app", false, false), admission: [] };
    expect(compareReports([before], [after])).toEqual([
      { kind: "connectivity", subject: "app/a -> data/b:80/TCP", before: "allowed", after: "denied" },
      { kind: "admission", subject: "Pod app/x", before: "admitted", after: "absent" },
      { kind: "claim", subject: "a → b:80/TCP", before: "holds", after: "fails" },
    ]);
  });

  it("refuses a base that is not a report, as bad input", async () => {
    const file = path.join(dir, "not-a-report.json");
    fs.writeFileSync(file, '{"hello": 1}');
    const result = await verify("--stage", "app", "--compare", file);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `verify: bad input:\n  --compare ${file}: not a report of \`verify --format json\` (expected connectivity, admission and claims)\n`,
    );
    const missing = await verify("--stage", "app", "--compare", path.join(dir, "nope.json"));
    expect(missing.stderr).toBe(
      `verify: bad input:\n  --compare ${path.join(dir, "nope.json")}: cannot be read (ENOENT)\n`,
    );
  });
});
