// An exercise graded offline: the lab built with the trainee's objects, judged against every claim
// of a stage; verdicts graded, messages shown; a hint for each unmet claim, from the verdict's
// structure, naming the trainee's file and line. Exact text, Markdown and JSON.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../verifier/cli";
import { gradeExercise, gradeStack, type Grade, type GradedClaim } from "../../verifier/lab/grade";
import { binDir, fixture, standIn } from "../admission/rego-stand-in";
import { verify } from "../helpers";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = "tests/fixtures/exercises";

const FLOWS = [
  "phpmyadmin → mysql:3306/TCP",
  "intruder → mysql:3306/TCP",
  "outsider → mysql:3306/TCP",
  "mysql → kube-dns:53/UDP",
  "mysql → internet",
  "phpmyadmin → kube-dns:53/UDP",
  "phpmyadmin → internet",
  "intruder → phpmyadmin:80/TCP",
  "outsider → phpmyadmin:80/TCP",
];
const REQUESTS = [
  "Pod `app/nginx`, image `nginx` (the article's test)",
  "Pod `app/phpmyadmin`, the lab's phpMyAdmin image",
  "Pod `data/busybox`, image `busybox`",
  "Deployment in `app` whose pod template uses `nginx`",
  "Pod in `app` with an allowed container but an `initContainer` or `ephemeralContainer` image `busybox`",
  "Pod `default/nginx` (namespace not constrained)",
  "The lab's own workloads",
];

/**
 * Every claim of a stage met, from its expectations written as docs/lab.md's tables write them
 * (A allowed or admitted, D denied), with `changes` for the claims that are not.
 */
function grade(stage: string, flows: string, requests: string, changes: Record<string, Partial<GradedClaim>> = {}) {
  const claims: GradedClaim[] = [
    ...FLOWS.map((claim, i) => ({
      claim,
      kind: "connectivity" as const,
      word: flows[i] === "A" ? "allowed" : "denied",
    })),
    ...REQUESTS.map((claim, i) => ({
      claim,
      kind: "admission" as const,
      word: requests[i] === "A" ? "admitted" : "denied",
    })),
  ].map(({ claim, kind, word }) => ({
    claim,
    kind,
    expected: word,
    found: word,
    met: true,
    hint: null,
    file: null,
    line: null,
    ...changes[claim],
  }));
  const count = (met: boolean | null) => claims.filter((c) => c.met === met).length;
  return { stage, met: count(true), unmet: count(false), notJudged: count(null), claims };
}

async function graded(folder: string, stage: string, format = "json") {
  return verify("--exercise", folder, "--stage", stage, "--format", format);
}

/** The grade section of a text report. */
const gradeSection = (text: string) => text.slice(text.indexOf("Grade:"), text.indexOf("\n\nConnectivity:"));

describe("the article's default deny (exercises/example), graded at default-deny", () => {
  it("meets every claim: exit 0, exactly this report", async () => {
    const result = await graded("exercises/example", "default-deny", "text");
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toBe(
      [
        "== exercise exercises/example, graded at stage 2 default-deny",
        "NetworkPolicies: data/default-deny-all",
        "Constraints:     none",
        "",
        "Grade: 16 met, 0 unmet, 0 not judged, of the 16 claims of docs/lab.md for stage default-deny",
        "  met         phpmyadmin → mysql:3306/TCP: expected denied, found denied",
        "  met         intruder → mysql:3306/TCP: expected denied, found denied",
        "  met         outsider → mysql:3306/TCP: expected denied, found denied",
        "  met         mysql → kube-dns:53/UDP: expected denied, found denied",
        "  met         mysql → internet: expected denied, found denied",
        "  met         phpmyadmin → kube-dns:53/UDP: expected allowed, found allowed",
        "  met         phpmyadmin → internet: expected allowed, found allowed",
        "  met         intruder → phpmyadmin:80/TCP: expected allowed, found allowed",
        "  met         outsider → phpmyadmin:80/TCP: expected allowed, found allowed",
        "  met         Pod `app/nginx`, image `nginx` (the article's test): expected admitted, found admitted",
        "  met         Pod `app/phpmyadmin`, the lab's phpMyAdmin image: expected admitted, found admitted",
        "  met         Pod `data/busybox`, image `busybox`: expected admitted, found admitted",
        "  met         Deployment in `app` whose pod template uses `nginx`: expected admitted, found admitted",
        "  met         Pod in `app` with an allowed container but an `initContainer` or `ephemeralContainer` image `busybox`: expected admitted, found admitted",
        "  met         Pod `default/nginx` (namespace not constrained): expected admitted, found admitted",
        "  met         The lab's own workloads: expected admitted, found admitted",
        "",
        'Connectivity: who can open a connection to whom ("ok" allowed, "DENY" denied, "self" a pod to itself, which Kubernetes leaves to the network plugin, "-" no such flow)',
        "  from                  [1]   [2]   [3]   [4]   [5]   [6]   [7]",
        "  app/phpmyadmin        ok    self  DENY  ok    ok    ok    ok",
        "  app/intruder          self  ok    DENY  ok    ok    ok    ok",
        "",
        "  data/mysql            DENY  DENY  self  DENY  DENY  DENY  DENY",
        "",
        "  default/outsider      ok    ok    DENY  self  ok    ok    ok",
        "",
        "  kube-system/kube-dns  ok    ok    DENY  ok    self  self  ok",
        "",
        "  external:internet     ok    ok    DENY  ok    ok    ok    -",
        "  to:",
        "    [1] app/intruder 80/TCP",
        "    [2] app/phpmyadmin 80/TCP",
        "    [3] data/mysql 3306/TCP",
        "    [4] default/outsider 80/TCP",
        "    [5] kube-system/kube-dns 53/UDP",
        "    [6] kube-system/kube-dns 53/TCP",
        "    [7] internet 443/TCP",
        "",
        "Admission: what Gatekeeper would do with each object, enforced as the lab's Helm release of Gatekeeper 3.23.0 would",
        "  admitted  Deployment/app/phpmyadmin",
        "  admitted  StatefulSet/data/mysql",
        "  admitted  Pod/app/nginx",
        "  admitted  Pod/app/phpmyadmin",
        "  admitted  Pod/data/busybox",
        "  admitted  Deployment/app/nginx",
        "  admitted  Pod/app/init-busybox",
        "  admitted  Pod/app/ephemeral-busybox",
        "  admitted  Pod/default/nginx",
        "",
      ].join("\n"),
    );
  });

  it("leads its JSON with the grade", async () => {
    const result = await graded("exercises/example", "default-deny");
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).slice(0, 3)).toEqual(["grade", "exercise", "stage"]);
    expect(report.exercise).toBe("exercises/example");
    expect(report.grade).toEqual(grade("default-deny", "DDDDDAAAA", "AAAAAAA"));
  });
});

describe("a default deny with policyTypes [Ingress] only, at default-deny", () => {
  const hint = {
    met: false,
    found: "allowed",
    hint: "data/default-deny-all selects data/mysql, but its policyTypes are Ingress: without Egress, data/mysql's egress stays open; add Egress to policyTypes",
    file: `${FIXTURES}/ingress-only/deny.yaml`,
    line: 9,
  };

  it("is unmet where MySQL's egress is judged, the hint naming Egress, the file and the line: exit 1", async () => {
    const result = await graded(`${FIXTURES}/ingress-only`, "default-deny");
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).grade).toEqual(
      grade("default-deny", "DDDDDAAAA", "AAAAAAA", {
        "mysql → kube-dns:53/UDP": hint,
        "mysql → internet": hint,
      }),
    );
    expect(result.stderr).toBe(
      [
        `unmet (stage default-deny): mysql → kube-dns:53/UDP: expected denied, found allowed; hint: ${FIXTURES}/ingress-only/deny.yaml:9: ${hint.hint}`,
        `unmet (stage default-deny): mysql → internet: expected denied, found allowed; hint: ${FIXTURES}/ingress-only/deny.yaml:9: ${hint.hint}`,
        "",
      ].join("\n"),
    );
  });

  it("says the same in text", async () => {
    const { stdout } = await graded(`${FIXTURES}/ingress-only`, "default-deny", "text");
    expect(gradeSection(stdout).split("\n").slice(0, 8)).toEqual([
      "Grade: 14 met, 2 unmet, 0 not judged, of the 16 claims of docs/lab.md for stage default-deny",
      "  met         phpmyadmin → mysql:3306/TCP: expected denied, found denied",
      "  met         intruder → mysql:3306/TCP: expected denied, found denied",
      "  met         outsider → mysql:3306/TCP: expected denied, found denied",
      "  UNMET       mysql → kube-dns:53/UDP: expected denied, found allowed",
      `              hint: ${FIXTURES}/ingress-only/deny.yaml:9: ${hint.hint}`,
      "  UNMET       mysql → internet: expected denied, found allowed",
      `              hint: ${FIXTURES}/ingress-only/deny.yaml:9: ${hint.hint}`,
    ]);
  });
});

describe("an allow rule whose namespace and pod selectors are two peers, at allow-phpmyadmin", () => {
  const hint =
    'data/allow-from-phpmyadmin ingress rule 1 has two peers, one with only a namespaceSelector and one with only a podSelector, and either one admits: app/intruder gets in through the namespaceSelector alone. Written as one peer (no "-" before the second selector), both selectors must match';

  it("lets the intruder in: that claim unmet, the hint saying why, at the rule's peers", async () => {
    const result = await graded(`${FIXTURES}/two-peers`, "allow-phpmyadmin");
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).grade).toEqual(
      grade("allow-phpmyadmin", "ADDDDAAAA", "AAAAAAA", {
        "intruder → mysql:3306/TCP": {
          met: false,
          found: "allowed",
          hint,
          file: `${FIXTURES}/two-peers/policies.yaml`,
          line: 22,
        },
      }),
    );
  });

  it("in Markdown, for a pull request", async () => {
    const { stdout } = await graded(`${FIXTURES}/two-peers`, "allow-phpmyadmin", "markdown");
    expect(stdout.slice(0, stdout.indexOf("| outsider → mysql"))).toBe(
      [
        "## Exercise `tests/fixtures/exercises/two-peers`, graded at stage 3: `allow-phpmyadmin`",
        "",
        "NetworkPolicies: `data/allow-from-phpmyadmin`, `data/default-deny-all`  ",
        "Constraints: none",
        "",
        "**Grade:** 15 met, 1 unmet, 0 not judged, of the 16 claims of docs/lab.md for stage allow-phpmyadmin",
        "",
        "| claim | expected | found | met | hint |",
        "|---|---|---|---|---|",
        "| phpmyadmin → mysql:3306/TCP | allowed | allowed | ✅ |  |",
        `| intruder → mysql:3306/TCP | denied | **allowed** | ❌ | \`${FIXTURES}/two-peers/policies.yaml:22\`: ${hint} |`,
        "",
      ].join("\n"),
    );
  });
});

describe("an allow rule selecting a namespace label the namespace lacks, at allow-phpmyadmin", () => {
  it("keeps phpMyAdmin out: the hint names the label wanted and those the namespace carries", async () => {
    const result = await graded(`${FIXTURES}/namespace-label`, "allow-phpmyadmin");
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).grade).toEqual(
      grade("allow-phpmyadmin", "ADDDDAAAA", "AAAAAAA", {
        "phpmyadmin → mysql:3306/TCP": {
          met: false,
          found: "denied",
          hint: "data/allow-from-phpmyadmin ingress rule 1's namespaceSelector wants name=app, which namespace app does not carry (it carries kubernetes.io/metadata.name=app, pod-security.kubernetes.io/… (6 labels), tier=app)",
          file: `${FIXTURES}/namespace-label/policies.yaml`,
          line: 21,
        },
      }),
    );
  });
});

describe("a trainee's own CEL template, constraints on both namespaces and an ExpansionTemplate, at allowed-repos", () => {
  let report: any;
  let status: number;
  beforeAll(async () => {
    const result = await graded(`${FIXTURES}/cel-template`, "allowed-repos");
    status = result.status;
    report = JSON.parse(result.stdout);
  });

  it("meets every claim, whatever its kind and parameter are called: exit 0", () => {
    expect(status).toBe(0);
    expect(report.grade).toEqual(grade("allowed-repos", "ADDDDAAAA", "DADDDAA"));
    expect(report.constraints).toEqual(["K8sTrustedRegistries/trusted-in-app", "K8sTrustedRegistries/trusted-in-data"]);
  });

  it("shows the trainee's own messages, which are not graded", () => {
    const messages = Object.fromEntries(
      report.admission.map((a: any) => [a.object, a.violations.map((v: any) => v.message)]),
    );
    expect(messages).toEqual({
      "Deployment/app/phpmyadmin": [],
      "StatefulSet/data/mysql": [],
      "Pod/app/nginx": ["not from a trusted registry: nginx (nginx)"],
      "Pod/app/phpmyadmin": [],
      "Pod/data/busybox": ["not from a trusted registry: busybox (busybox)"],
      "Deployment/app/nginx": ["[Implied by pods-of-workloads] not from a trusted registry: nginx (nginx)"],
      "Pod/app/init-busybox": ["not from a trusted registry: setup (busybox)"],
      "Pod/app/ephemeral-busybox": ["not from a trusted registry: debugger (busybox)"],
      "Pod/default/nginx": [],
    });
    // The lab's own claim wants its template's words, which a trainee's template need not have.
    expect(report.claims.find((c: any) => c.claim === REQUESTS[0]).holds).toBe(false);
  });
});

describe("a Rego-only template, at allowed-repos", () => {
  // The Rego runner looks gator and opa up on PATH (CI's pull-request job has both): each test
  // gives it a PATH of its own, empty or with a stand-in that answers as the real gator did.
  const realPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = realPath;
  });

  it("with neither gator nor opa on PATH, leaves the admission claims it decides not judged, saying how to install gator: exit 3", async () => {
    process.env.PATH = binDir();
    const result = await graded(`${FIXTURES}/rego-only`, "allowed-repos");
    expect(result.status).toBe(3);
    const notJudged = {
      met: null,
      found: "not judged",
      hint: "K8sRegistries/registries-app's template k8sregistries has only Rego, and no Rego engine judged it: a template's only engine is Rego, and neither gator nor opa is on PATH to judge it; install gator (https://open-policy-agent.github.io/gatekeeper/website/docs/gator)",
      file: `${FIXTURES}/rego-only/policy.yaml`,
      line: 20,
    };
    expect(JSON.parse(result.stdout).grade).toEqual(
      grade(
        "allowed-repos",
        "ADDDDAAAA",
        "DADDDAA",
        // Pod default/nginx is in no namespace the constraint takes in: judged, and met.
        Object.fromEntries(REQUESTS.filter((r) => !r.includes("default/nginx")).map((r) => [r, notJudged])),
      ),
    );
    expect(result.stderr.split("\n")[0]).toBe(
      `not judged (stage allowed-repos): ${REQUESTS[0]}: expected denied, found not judged; hint: ${FIXTURES}/rego-only/policy.yaml:20: ${notJudged.hint}`,
    );
    const text = (await graded(`${FIXTURES}/rego-only`, "allowed-repos", "text")).stdout;
    expect(gradeSection(text).split("\n").slice(0, 1).concat(gradeSection(text).split("\n").slice(10, 12))).toEqual([
      "Grade: 10 met, 0 unmet, 6 not judged, of the 16 claims of docs/lab.md for stage allowed-repos",
      `  NOT JUDGED  ${REQUESTS[0]}: expected denied, found not judged`,
      `              hint: ${FIXTURES}/rego-only/policy.yaml:20: ${notJudged.hint}`,
    ]);
  });

  it("with gator on PATH, grades the Rego as gator judges it, in one gator run: the template that never looks at initContainers is unmet", async () => {
    const dir = binDir();
    // What gator v3.21.1 printed for this very input (tests/fixtures/rego/README.md).
    const gator = standIn(dir, "gator", [{ stdout: fixture("gator-test-exercise.stdout.json"), status: 1 }]);
    process.env.PATH = dir;
    const result = await graded(`${FIXTURES}/rego-only`, "allowed-repos");
    const [call, ...more] = gator.calls();
    expect(more).toEqual([]);
    expect(call.argv.slice(0, 2)).toEqual(["test", "-f"]);
    expect(call.files[call.argv[2]]).toBe(fixture("gator-test-exercise.review.yaml"));
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).grade).toEqual(
      grade("allowed-repos", "ADDDDAAAA", "DADDDAA", {
        [REQUESTS[4]]: {
          met: false,
          found: "admitted",
          hint: "the template k8sregistries never looks at initContainers, so Pod/app/init-busybox is admitted with an image there that the stage denies; check every container list of the Pod",
          file: `${FIXTURES}/rego-only/policy.yaml`,
          line: 20,
        },
      }),
    );
    // The trainee's own words, as gator gave them, are shown.
    expect(
      Object.fromEntries(
        JSON.parse(result.stdout)
          .admission.filter((r: any) => !r.allowed)
          .map((r: any) => [r.object, r.violations.map((v: any) => v.message)]),
      ),
    ).toEqual({
      "Pod/app/nginx": ["image nginx is not from a trusted registry"],
      "Pod/data/busybox": ["image busybox is not from a trusted registry"],
      "Deployment/app/nginx": ["[Implied by pods-of-workloads] image nginx is not from a trusted registry"],
    });
  });
});

describe("the hints an unmet stage gets: the example graded two stages on", () => {
  it("names the missing allow rule, the missing constraints and ExpansionTemplate", async () => {
    const result = await graded("exercises/example", "allowed-repos");
    const noConstraint = (object: string) => ({
      met: false,
      found: "admitted",
      hint: `no constraint of the exercise selects ${object}; the stage wants it denied: a constraint whose match takes it in, with a template that refuses its image`,
    });
    expect(JSON.parse(result.stdout).grade).toEqual(
      grade("allowed-repos", "ADDDDAAAA", "DADDDAA", {
        "phpmyadmin → mysql:3306/TCP": {
          met: false,
          found: "denied",
          hint: "data/mysql is isolated for ingress (by data/default-deny-all) and no ingress rule admits app/phpmyadmin on 3306/TCP; the stage wants this flow allowed: add a rule that does",
          file: "exercises/example/default-deny.yaml",
          line: 4,
        },
        [REQUESTS[0]]: noConstraint("Pod/app/nginx"),
        [REQUESTS[2]]: noConstraint("Pod/data/busybox"),
        [REQUESTS[3]]: {
          met: false,
          found: "admitted",
          hint: "Deployment/app/nginx is admitted because no ExpansionTemplate of the exercise covers apps/v1 Deployment: Gatekeeper judges a workload's pod template only when an ExpansionTemplate expands it into the Pod it would create",
        },
        [REQUESTS[4]]: noConstraint("Pod/app/init-busybox"),
      }),
    );
  });
});

describe("the grading interface (class grade, pull-request comments, the trainer's page)", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-stack-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    // A trainee's folder beside the stack file, named relative to it.
    fs.mkdirSync(path.join(dir, "exercises", "alice"), { recursive: true });
    fs.copyFileSync(
      path.join(ROOT, FIXTURES, "ingress-only", "deny.yaml"),
      path.join(dir, "exercises", "alice", "deny.yaml"),
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.alice.yaml"),
      "config:\n  azure-native:location: westeurope\n  k8s-hardening-lab:stage: default-deny\n  k8s-hardening-lab:exercise: exercises/alice\n",
    );
    fs.writeFileSync(path.join(dir, "Pulumi.bob.yaml"), "config:\n  azure-native:location: westeurope\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gradeStack grades the folder a stack file sets, relative to the project, at its stage", async () => {
    const file = path.join(dir, "exercises", "alice", "deny.yaml");
    const hint = {
      met: false,
      found: "allowed",
      hint: "data/default-deny-all selects data/mysql, but its policyTypes are Ingress: without Egress, data/mysql's egress stays open; add Egress to policyTypes",
      file,
      line: 9,
    };
    const expected = grade("default-deny", "DDDDDAAAA", "AAAAAAA", {
      "mysql → kube-dns:53/UDP": hint,
      "mysql → internet": hint,
    });
    expect(await gradeStack("alice", dir)).toEqual(expected);
    // What `verify --stack alice` grades, and its exit status.
    let out = "";
    const status = await main(
      ["--stack", "alice", "--format", "json"],
      (t) => void (out += t),
      () => {},
      dir,
    );
    expect([status, JSON.parse(out).grade]).toEqual([1, expected]);
  });

  it("grades one stage: --all-stages with a stack that sets an exercise is bad input", async () => {
    let err = "";
    const status = await main(
      ["--stack", "alice", "--all-stages"],
      () => {},
      (t) => void (err += t),
      dir,
    );
    expect([status, err]).toEqual([
      2,
      "verify: bad input:\n  --all-stages: an exercise is graded at one stage (Pulumi.alice.yaml sets exercise); give --stage S, or none for the stack's own\n",
    ]);
  });

  it("gradeExercise grades any folder at any stage; a stack without an exercise is bad input", async () => {
    const met: Grade = await gradeExercise({ exercise: "exercises/example", stage: "default-deny" });
    expect(met).toEqual(grade("default-deny", "DDDDDAAAA", "AAAAAAA"));
    await expect(gradeStack("bob", dir)).rejects.toThrow(
      "--stack bob: Pulumi.bob.yaml sets no exercise; there is nothing to grade",
    );
  });
});
