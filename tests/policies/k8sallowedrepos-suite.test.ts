/**
 * suite.yaml, the policy's gator Suite, run by the project's own runner (policies/suite.ts): the
 * tests whose template has CEL through the offline AdmissionEngine, the Rego-only tests through a
 * real Rego engine when gator or opa is there (tests/rego-tools.ts). A copy with expectations
 * flipped fails the runner, and `gator verify` too, with the same reasons.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lookAlikeEntries } from "../../policies/k8sallowedrepos/look-alike";
import {
  anchoredLiteral,
  assertionFailure,
  listSampleFiles,
  literalPattern,
  loadPolicySuite,
  runPolicySuite,
  type PolicySuite,
  type SuiteCase,
} from "../../policies/suite";
import { TEMPLATE_VARIANTS } from "../../policies/template-variants";
import { AdmissionEngine } from "../../verifier/admission";
import { judgeRego, type RegoJudgement } from "../../verifier/admission/rego";
import { describeWith, realTool, REGO_SEARCH_PATH } from "../rego-tools";

const policyDir = path.join(__dirname, "..", "..", "policies", "k8sallowedrepos");
const suite = loadPolicySuite(policyDir);

const hasCel = (c: SuiteCase) =>
  JSON.stringify((c.template.spec as any).targets[0].code.map((x: any) => x.engine)).includes("K8sNativeValidation");

function celMessages(c: SuiteCase, constraint = c.constraint): string[] {
  const ns = (c.object.metadata as { namespace: string }).namespace;
  const result = new AdmissionEngine({
    templates: [c.template],
    constraints: [constraint],
    expansionTemplates: [],
    namespaces: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }],
  }).review(c.object);
  expect(result.notes).toEqual([]);
  return result.violations.map((v) => v.message);
}

/** The Rego-only cases of a suite, judged in one run of the real engine found (if any). */
async function regoJudgement(s: PolicySuite): Promise<RegoJudgement> {
  const rego = s.cases.filter((c) => !hasCel(c));
  return judgeRego(
    {
      templates: [rego[0].template],
      constraints: [...new Set(rego.map((c) => c.constraint))],
      objects: rego.map((c) => c.object),
    },
    { searchPath: REGO_SEARCH_PATH },
  );
}

/** The runner's judge: CEL offline, Rego as the judgement says (or why it does not). */
function judgeWith(rego: RegoJudgement) {
  return (c: SuiteCase): string[] | string => {
    if (hasCel(c)) return celMessages(c);
    const id = `${c.constraint.kind as string}/${(c.constraint.metadata as { name: string }).name}`;
    return rego.messages(id, c.object) ?? rego.notJudged!;
  };
}

describe("k8sallowedrepos suite, run by the project's runner", () => {
  it("passes every case judged: CEL offline, and the Rego twin when gator or opa is there", async () => {
    const rego = await regoJudgement(suite);
    const outcomes = await runPolicySuite(suite, judgeWith(rego));
    const judged = outcomes.filter((o) => o.outcome !== "not judged");
    expect(judged.filter((o) => o.outcome !== "pass")).toEqual([]);
    expect(judged.length).toBe(rego.judgedBy === undefined ? 28 : 42);
    if (rego.judgedBy === undefined) console.warn(`the Rego-only tests were not judged: ${rego.notJudged}`);
  });

  it("gives, on the Rego-only variant, the very messages the CEL engine gives (when gator or opa is there)", async () => {
    const rego = await regoJudgement(suite);
    if (rego.judgedBy === undefined) return console.warn(`skipped: ${rego.notJudged}`);
    for (const c of suite.cases.filter((x) => !hasCel(x))) {
      const shipped = suite.cases.find((x) => x.id === c.id.replace("-rego/", "/"))!;
      expect({ id: c.id, messages: judgeWith(rego)(c) }).toEqual({ id: c.id, messages: celMessages(shipped) });
    }
  });
});

describe("k8sallowedrepos suite itself", () => {
  const scenarios = ["lab-app", "lab-data", "article", "empty-repos", "no-parameters"];

  it("is a gator Suite: one test per sample scenario and engine variant, each with its template file", () => {
    expect(suite.name).toBe("k8sallowedrepos");
    const tests = [...new Map(suite.cases.map((c) => [c.test, c.templateFile])).entries()];
    expect(tests).toEqual(
      scenarios.flatMap((s) => [
        [s, "template.generated.yaml"],
        [`${s}-cel`, "template-cel.generated.yaml"],
        [`${s}-rego`, "template-rego.generated.yaml"],
      ]),
    );
    expect(TEMPLATE_VARIANTS.map((v) => v.file)).toEqual([
      "template.generated.yaml",
      "template-cel.generated.yaml",
      "template-rego.generated.yaml",
    ]);
  });

  it("covers the cases the lab promises, the same in every variant", () => {
    const names = (test: string) => suite.cases.filter((c) => c.test === test).map((c) => c.name);
    expect(scenarios.map((s) => [s, names(s)])).toEqual([
      [
        "lab-app",
        [
          "lab-phpmyadmin-pod-without-initcontainers-is-allowed",
          "allowed-initcontainer-is-allowed",
          "article-nginx-pod-is-denied",
          "busybox-initcontainer-is-denied",
          "busybox-ephemeralcontainer-is-denied",
          "two-bad-containers-are-named-in-one-message",
          "lookalike-is-denied-by-the-lab-entry",
        ],
      ],
      ["lab-data", ["lab-mysql-pod-is-allowed", "busybox-pod-is-denied"]],
      [
        "article",
        ["article-phpmyadmin-pod-is-allowed", "article-nginx-pod-is-denied", "bare-prefix-admits-a-lookalike"],
      ],
      ["empty-repos", ["everything-is-denied"]],
      ["no-parameters", ["everything-is-denied"]],
    ]);
    for (const s of scenarios) {
      const cases = (test: string) =>
        suite.cases.filter((c) => c.test === test).map(({ name, assertions }) => ({ name, assertions }));
      expect(cases(`${s}-cel`)).toEqual(cases(s));
      expect(cases(`${s}-rego`)).toEqual(cases(s));
    }
  });

  it("pins every case's exact messages, as the old suite did", () => {
    const php = '["docker.io/library/phpmyadmin:"]';
    const exact = Object.fromEntries(
      suite.cases.filter((c) => c.templateFile === "template.generated.yaml").map((c) => [c.id, c.exactMessages]),
    );
    expect(exact).toEqual({
      "lab-app/lab-phpmyadmin-pod-without-initcontainers-is-allowed": [],
      "lab-app/allowed-initcontainer-is-allowed": [],
      "lab-app/article-nginx-pod-is-denied": [
        `container <nginx> has an invalid image repo <nginx>, allowed repos are ${php}`,
      ],
      "lab-app/busybox-initcontainer-is-denied": [
        `container <init> has an invalid image repo <busybox>, allowed repos are ${php}`,
      ],
      "lab-app/busybox-ephemeralcontainer-is-denied": [
        `container <debugger> has an invalid image repo <busybox>, allowed repos are ${php}`,
      ],
      "lab-app/two-bad-containers-are-named-in-one-message": [
        `container <nginx> has an invalid image repo <nginx:1.27>, allowed repos are ${php}; container <fetch> has an invalid image repo <busybox:1.36>, allowed repos are ${php}`,
      ],
      "lab-app/lookalike-is-denied-by-the-lab-entry": [
        `container <miner> has an invalid image repo <phpmyadminevil/miner>, allowed repos are ${php}`,
      ],
      "lab-data/lab-mysql-pod-is-allowed": [],
      "lab-data/busybox-pod-is-denied": [
        'container <busybox> has an invalid image repo <busybox>, allowed repos are ["docker.io/library/mysql:"]',
      ],
      "article/article-phpmyadmin-pod-is-allowed": [],
      "article/article-nginx-pod-is-denied": [
        'container <nginx> has an invalid image repo <nginx>, allowed repos are ["phpmyadmin"]',
      ],
      "article/bare-prefix-admits-a-lookalike": [],
      "empty-repos/everything-is-denied": [
        "container <phpmyadmin> has an invalid image repo <docker.io/library/phpmyadmin:5.2.3>, allowed repos are []",
      ],
      "no-parameters/everything-is-denied": [
        "container <phpmyadmin> has an invalid image repo <docker.io/library/phpmyadmin:5.2.3>, allowed repos are []",
      ],
    });
  });

  it("references every sample file, and nothing else", () => {
    const referenced = new Set(suite.cases.flatMap((c) => [c.constraintFile, c.objectFile]));
    expect([...referenced].sort()).toEqual(listSampleFiles(policyDir));
  });

  it("only holds objects their constraint selects, since the Rego engine sees no match", () => {
    // A deny-everything copy of each constraint must refuse each of its objects.
    for (const c of suite.cases.filter(hasCel)) {
      const spec = { ...(c.constraint.spec as Record<string, unknown>), parameters: { repos: [] } };
      expect({ id: c.id, denied: celMessages(c, { ...c.constraint, spec }).length }).toEqual({ id: c.id, denied: 1 });
    }
  });

  it("keeps the lab's own samples free of look-alike entries", () => {
    const labRepos = suite.cases
      .filter((c) => c.test.startsWith("lab-"))
      .flatMap((c) => (c.constraint.spec as { parameters: { repos: string[] } }).parameters.repos);
    expect(lookAlikeEntries(labRepos)).toEqual([]);
  });
});

describe("the runner's reading of a Suite", () => {
  it("checks assertions with gator's rules and words: a count, yes, no, a message pattern", () => {
    const m = ["container <a> is bad", "container <b> is bad"];
    expect(assertionFailure([{ violations: "no" }], [])).toBeUndefined();
    expect(assertionFailure([{ violations: "yes" }], [])).toBe(
      "unexpected number of violations: got 0 violations but want at least 1: got messages []",
    );
    expect(assertionFailure([{ violations: "no" }], m)).toBe(
      "unexpected number of violations: got 2 violations but want none: got messages [container <a> is bad container <b> is bad]",
    );
    expect(assertionFailure([{ violations: 2 }, { violations: 1, message: "<b>" }], m)).toBeUndefined();
    expect(assertionFailure([{ violations: 1, message: "^container <c>" }], m)).toBe(
      'unexpected number of violations: got 0 violations containing "^container <c>" but want exactly 1: got messages [container <a> is bad container <b> is bad]',
    );
    expect(assertionFailure([{ violations: "no", message: "bad$" }], m)).toBe(
      'unexpected number of violations: got 2 violations containing "bad$" but want none: got messages [container <a> is bad container <b> is bad]',
    );
    expect(assertionFailure([{ violations: "yes", message: "<z>" }], m)).toBe(
      'unexpected number of violations: got 0 violations containing "<z>" but want at least 1: got messages [container <a> is bad container <b> is bad]',
    );
  });

  it("reads back the literal of an anchored, escaped pattern, and nothing else", () => {
    const text = "a.b [c] (d) {e} f|g h+i? j* ^k$ \\l";
    expect(anchoredLiteral(literalPattern(text))).toBe(text);
    expect(new RegExp(literalPattern(text)).test(text)).toBe(true);
    expect(anchoredLiteral("^a.b$")).toBeUndefined();
    expect(anchoredLiteral("a\\.b")).toBeUndefined();
    expect(anchoredLiteral("^a\\qb$")).toBeUndefined();
  });

  /** A copy of the policy folder whose suite.yaml `edit` changes; loaded, or the loader's error. */
  function copyWith(edit: (text: string) => string): { dir: string; load: () => PolicySuite } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "suite-"));
    const dir = path.join(root, "k8sallowedrepos");
    fs.cpSync(policyDir, dir, { recursive: true });
    const file = path.join(dir, "suite.yaml");
    fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
    return { dir, load: () => loadPolicySuite(dir) };
  }

  it("refuses, naming each, what gator would skip or refuse: another kind, a bare no, no assertions, RE2's missing look-around, a missing file", () => {
    const broken = [
      "apiVersion: test.gatekeeper.sh/v1alpha1",
      "kind: Tests",
      "metadata:",
      "  name: broken",
      "tests:",
      "  - name: t",
      "    template: template.generated.yaml",
      "    constraint: samples/lab-app/constraint.yaml",
      "    cases:",
      "      - name: bare-no",
      "        object: samples/lab-app/example_allowed.yaml",
      "        assertions:",
      "          - violations: no",
      "      - name: none",
      "        object: samples/lab-app/example_allowed.yaml",
      "        assertions: []",
      "      - name: lookahead",
      "        object: samples/lab-app/example_disallowed.yaml",
      "        assertions:",
      '          - message: "(?=container)"',
      "      - name: missing",
      "        object: samples/lab-app/nope.yaml",
      "        assertions:",
      '          - violations: "yes"',
      "",
    ].join("\n");
    const { dir, load } = copyWith(() => broken);
    expect(() => load()).toThrow(
      new Error(
        [
          `${dir}/suite.yaml:`,
          'suite.yaml: apiVersion "test.gatekeeper.sh/v1alpha1", kind "Tests" is not a gator Suite (apiVersion test.gatekeeper.sh/v1alpha1, kind Suite)',
          'suite.yaml: tests[0].cases[0] (bare-no).assertions[0].violations is false; accepted: a count ≥ 0, "yes" or "no"',
          "suite.yaml: tests[0].cases[1] (none): assertions must be a non-empty list",
          'suite.yaml: tests[0].cases[2] (lookahead).assertions[0].message "(?=container)" uses look-around or a back-reference, which gator\'s RE2 refuses',
          "samples/lab-app/nope.yaml: no such file",
        ].join("\n"),
      ),
    );
  });

  it("fails a copy with two expectations flipped, exactly where they were flipped, in every engine variant", async () => {
    const { load } = copyWith(flip);
    const copy = load();
    const rego = await regoJudgement(copy);
    const failures = (await runPolicySuite(copy, judgeWith(rego))).filter((o) => o.outcome !== "pass");
    const flipped = [
      ["lab-app/lab-phpmyadmin-pod-without-initcontainers-is-allowed", NO_TO_YES],
      ["lab-data/busybox-pod-is-denied", MYSQL_TO_MARIADB],
    ];
    const rows = (variant: string) =>
      flipped.map(([id, reason]) => ({ id: id.replace("/", `${variant}/`), outcome: "fail", reason }));
    const regoRows =
      rego.judgedBy === undefined
        ? copy.cases
            .filter((c) => c.test.endsWith("-rego"))
            .map((c) => ({ id: c.id, outcome: "not judged", reason: rego.notJudged }))
        : rows("-rego");
    const order = (list: { id: string }[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(order(failures)).toEqual(order([...rows(""), ...rows("-cel"), ...regoRows]));
  });

  describeWith("gator")("and gator verify on the same copy", () => {
    it("fails the same cases with the same reasons; passes the suite as it is", () => {
      const gator = realTool("gator")!;
      const ok = spawnSync(gator, ["verify", `${policyDir}/...`], { encoding: "utf8" });
      expect({ status: ok.status, last: ok.stdout.trim().split("\n").pop() }).toEqual({ status: 0, last: "PASS" });
      const { dir } = copyWith(flip);
      const run = spawnSync(gator, ["verify", `${dir}/...`], { encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(gatorFailures(run.stdout)).toEqual([
        ...["", "-cel", "-rego"].map((v) => ({
          id: `lab-app${v}/lab-phpmyadmin-pod-without-initcontainers-is-allowed`,
          reason: NO_TO_YES,
        })),
        ...["", "-cel", "-rego"].map((v) => ({ id: `lab-data${v}/busybox-pod-is-denied`, reason: MYSQL_TO_MARIADB })),
      ]);
    });
  });
});

const NO_TO_YES = "unexpected number of violations: got 0 violations but want at least 1: got messages []";
const MYSQL_TO_MARIADB =
  'unexpected number of violations: got 0 violations containing "^container <busybox> has an invalid image repo <busybox>, allowed repos are \\\\[\\"docker\\\\.io/library/mariadb:\\"\\\\]$" but want exactly 1: got messages [container <busybox> has an invalid image repo <busybox>, allowed repos are ["docker.io/library/mysql:"]]';

/** The suite with two expectations flipped: an allowed Pod said to be denied, and a repo renamed. */
function flip(text: string): string {
  const flipped = text
    .replace('          - violations: "no"', '          - violations: "yes"')
    .replace("docker\\.io/library/mysql:", "docker\\.io/library/mariadb:");
  expect(flipped.split("\n").filter((l, i) => l !== text.split("\n")[i])).toHaveLength(2);
  return flipped;
}

/** `gator verify`'s failed cases, as `test/case` and the reason it prints under each. */
function gatorFailures(stdout: string): { id: string; reason: string }[] {
  const failures: { id: string; reason: string }[] = [];
  let pending: { name: string; reason: string }[] = [];
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const caseFail = /^ {4}--- FAIL: (\S+)\t/.exec(lines[i]);
    const testFail = /^--- FAIL: (\S+)\t/.exec(lines[i]);
    if (caseFail) pending.push({ name: caseFail[1], reason: lines[++i].trim() });
    if (testFail) {
      failures.push(...pending.map((p) => ({ id: `${testFail[1]}/${p.name}`, reason: p.reason })));
      pending = [];
    }
  }
  return failures;
}
