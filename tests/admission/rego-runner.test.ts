/**
 * The Rego runner's process protocol, against stand-ins that answer with what the real gator and
 * opa printed for the very input the runner writes (tests/fixtures/rego/): the arguments, the
 * files, the parsing of the output, one process per run, and every way a run can fail.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AdmissionEngine } from "../../verifier/admission";
import {
  GATOR_INSTALL_URL,
  judgeRego,
  RegoJudgement,
  regoReviewObjects,
  type RegoJudgeInput,
} from "../../verifier/admission/rego";
import { findExecutable, runProcess } from "../../verifier/admission/rego/process";
import { LAB_NAMESPACES, pod } from "./fixtures";
import {
  BANNED_APP,
  BANNED_IMAGES_INVENTORY_TEMPLATE,
  BANNED_IMAGES_TEMPLATE,
  BUSYBOX,
  NGINX_AND_BUSYBOX,
  PHPMYADMIN,
  RUN,
  V0_RUN,
} from "./rego-scenario";
import { binDir, fixture, standIn } from "./rego-stand-in";

const FETCH = "container <fetch> uses the banned image <busybox:1.36>";
const WEB = "container <web> uses the banned image <nginx:1.27>";
const BUSYBOX_MESSAGE = "container <busybox> uses the banned image <busybox>";

/** Every verdict of the run, as `constraint object: messages`. */
function verdicts(judgement: RegoJudgement, input: RegoJudgeInput = RUN): string[] {
  return input.constraints.flatMap((c: any) =>
    input.objects.map(
      (o: any) =>
        `${c.kind}/${c.metadata.name} ${o.metadata.namespace}/${o.metadata.name}: ${JSON.stringify(judgement.messages(`${c.kind}/${c.metadata.name}`, o))}`,
    ),
  );
}

const RUN_VERDICTS = [
  `K8sBannedImages/banned-app app/nginx: ${JSON.stringify([FETCH, WEB])}`,
  `K8sBannedImages/banned-app app/phpmyadmin: []`,
  `K8sBannedImages/banned-app data/busybox: ${JSON.stringify([BUSYBOX_MESSAGE])}`,
  `K8sBannedImages/banned-nothing app/nginx: []`,
  `K8sBannedImages/banned-nothing app/phpmyadmin: []`,
  `K8sBannedImages/banned-nothing data/busybox: []`,
];

/** The temporary file a call named after `flag`, checked to be gone once the run is over. */
function tempFile(argv: string[], flag: string, prefix: string): string {
  const file = argv[argv.indexOf(flag) + 1];
  expect(path.dirname(path.dirname(file))).toBe(os.tmpdir());
  expect(path.basename(path.dirname(file))).toMatch(new RegExp(`^${prefix}`));
  expect(fs.existsSync(path.dirname(file))).toBe(false);
  return file;
}

describe("judgeRego with gator test", () => {
  it("writes the templates, the constraints without their match, and each object once, as JSON documents; runs gator test -f FILE -o json once", async () => {
    const dir = binDir();
    const gator = standIn(dir, "gator", [{ stdout: fixture("gator-test.stdout.json"), status: 1 }]);
    const judgement = await judgeRego(
      { ...RUN, objects: [...RUN.objects, structuredClone(PHPMYADMIN)] },
      { searchPath: dir },
    );
    const [call, ...more] = gator.calls();
    expect(more).toEqual([]);
    const file = tempFile(call.argv, "-f", "lab-gator-");
    expect(call.argv).toEqual(["test", "-f", file, "-o", "json"]);
    expect(call.files[file]).toBe(fixture("gator-test.review.yaml"));
    expect(call.files[file].split("\n---\n").map((d) => JSON.parse(d).metadata.name)).toEqual([
      "k8sbannedimages",
      "banned-app",
      "banned-nothing",
      "nginx",
      "phpmyadmin",
      "busybox",
    ]);
    expect(JSON.parse(call.files[file].split("\n---\n")[1])).toEqual({
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "K8sBannedImages",
      metadata: { name: "banned-app" },
      spec: { parameters: { images: ["nginx", "busybox"] } },
    });
    expect(judgement.judgedBy).toEqual({ engine: "gator", executable: path.join(dir, "gator") });
    expect(judgement.notJudged).toBeUndefined();
    expect(verdicts(judgement)).toEqual(RUN_VERDICTS);
  });

  it("reads gator's null as no violation at all", async () => {
    const dir = binDir();
    const gator = standIn(dir, "gator", [{ stdout: fixture("gator-test-none.stdout.json") }]);
    const input = { ...RUN, objects: [PHPMYADMIN] };
    const judgement = await judgeRego(input, { searchPath: dir });
    expect(gator.calls()[0].files[gator.calls()[0].argv[2]]).toBe(fixture("gator-test-none.review.yaml"));
    expect(verdicts(judgement, input)).toEqual([
      "K8sBannedImages/banned-app app/phpmyadmin: []",
      "K8sBannedImages/banned-nothing app/phpmyadmin: []",
    ]);
  });

  it("runs once more for each object whose apiVersion, kind, namespace and name another one has", async () => {
    const dir = binDir();
    const gator = standIn(dir, "gator", [
      { stdout: fixture("gator-test.stdout.json"), status: 1 },
      { stdout: fixture("gator-test-none.stdout.json") },
    ]);
    const twin = pod("app", "nginx", [{ name: "phpmyadmin", image: "docker.io/library/phpmyadmin:5.2.3" }]);
    const judgement = await judgeRego({ ...RUN, objects: [...RUN.objects, twin] }, { searchPath: dir });
    const calls = gator.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0].files[calls[0].argv[2]]).toBe(fixture("gator-test.review.yaml"));
    const second = calls[1].files[calls[1].argv[2]].split("\n---\n").map((d) => JSON.parse(d));
    expect(second.map((d) => d.metadata.name)).toEqual(["k8sbannedimages", "banned-app", "banned-nothing", "nginx"]);
    expect(second[3]).toEqual(twin);
    expect(judgement.messages("K8sBannedImages/banned-app", NGINX_AND_BUSYBOX)).toEqual([FETCH, WEB]);
    expect(judgement.messages("K8sBannedImages/banned-app", twin)).toEqual([]);
  });

  it("is not judged, in gator's words, when gator refuses the input (status 1, nothing on stdout)", async () => {
    const dir = binDir();
    standIn(dir, "gator", [{ stderr: fixture("gator-test-broken.stderr.txt"), status: 1 }]);
    const judgement = await judgeRego(RUN, { searchPath: dir });
    expect(judgement.judgedBy).toBeUndefined();
    expect(judgement.notJudged).toMatch(
      new RegExp(
        `^gator failed: ${path.join(dir, "gator")} test -f \\S+/review\\.yaml -o json exited with status 1: auditing objects: adding template "k8sbannedimages": invalid ConstraintTemplate: 1 error occurred: template:5: rego_parse_error: unexpected \\} token$`,
      ),
    );
    expect(judgement.messages("K8sBannedImages/banned-app", BUSYBOX)).toBeUndefined();
  });

  it("is not judged when its output is not its JSON, whatever its status", async () => {
    const dir = binDir();
    standIn(dir, "gator", [{ stdout: "data/busybox: [banned-app] Message: denied\n", status: 0 }]);
    const judgement = await judgeRego(RUN, { searchPath: dir });
    expect(judgement.notJudged).toMatch(/ exited with status 0: data\/busybox: \[banned-app\] Message: denied$/);
  });

  it("is not judged when a result lacks its constraint or message", async () => {
    const dir = binDir();
    standIn(dir, "gator", [{ stdout: '[{"msg": "x", "violatingObject": {}}]', status: 1 }]);
    const judgement = await judgeRego(RUN, { searchPath: dir });
    expect(judgement.notJudged).toMatch(/ exited with status 1: \[\{"msg": "x", "violatingObject": \{\}\}\]$/);
  });

  it("is not judged on a status other than 0 and 1, even with output", async () => {
    const dir = binDir();
    standIn(dir, "gator", [{ stdout: "null", stderr: "panic: runtime error\n", status: 2 }]);
    expect((await judgeRego(RUN, { searchPath: dir })).notJudged).toMatch(
      / exited with status 2: panic: runtime error$/,
    );
  });

  it("kills gator at the timeout, and says so", async () => {
    const dir = binDir();
    standIn(dir, "gator", [{ hang: true }]);
    const judgement = await judgeRego(RUN, { searchPath: dir, timeoutMs: 200 });
    expect(judgement.notJudged).toMatch(/^gator failed: \S+ test -f \S+ -o json did not finish within 200 ms$/);
  });
});

describe("judgeRego with opa eval", () => {
  const query = (pkg: string) =>
    `{"0": [r | some c, o; con := input.constraints[c]; con.template == 0; inp := {"review": input.reviews[o], "parameters": con.parameters}; vs := [v | data.${pkg}.violation[v] with input as inp with data.inventory as {}]; r := {"c": c, "o": o, "v": vs}]}`;

  it("loads the template's Rego as a module, passes Gatekeeper's input for every constraint and review, and reads the query's value", async () => {
    const dir = binDir();
    const opa = standIn(dir, "opa", [{ stdout: fixture("opa-eval.stdout.json") }]);
    const judgement = await judgeRego(RUN, { searchPath: dir });
    const [call, ...more] = opa.calls();
    expect(more).toEqual([]);
    const input = tempFile(call.argv, "--input", "lab-opa-");
    const module = path.join(path.dirname(input), "0-k8sbannedimages.rego");
    expect(call.argv).toEqual([
      "eval",
      "--format",
      "json",
      "--input",
      input,
      "--data",
      module,
      query("k8sbannedimages"),
    ]);
    expect(call.files[input]).toBe(fixture("opa-eval.input.json"));
    expect(call.files[module]).toBe((BANNED_IMAGES_TEMPLATE as any).spec.targets[0].code[0].source.rego);
    expect(JSON.parse(call.files[input]).constraints).toEqual([
      { template: 0, parameters: { images: ["nginx", "busybox"] } },
      { template: 0, parameters: {} },
    ]);
    expect(JSON.parse(call.files[input]).reviews[2]).toEqual({
      uid: "",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "", resource: "" },
      name: "busybox",
      namespace: "data",
      operation: "",
      userInfo: {},
      object: BUSYBOX,
      oldObject: null,
      options: null,
    });
    expect(judgement.judgedBy).toEqual({ engine: "opa", executable: path.join(dir, "opa") });
    expect(verdicts(judgement)).toEqual(RUN_VERDICTS);
  });

  it("reads a template of the legacy rego field as Rego v0 (--v0-compatible)", async () => {
    const dir = binDir();
    const opa = standIn(dir, "opa", [{ stdout: fixture("opa-eval-v0.stdout.json") }]);
    const judgement = await judgeRego(V0_RUN, { searchPath: dir });
    const call = opa.calls()[0];
    expect(call.argv.slice(-2)).toEqual(["--v0-compatible", query("k8sbannedimagesv0")]);
    expect(call.files[call.argv[4]]).toBe(fixture("opa-eval-v0.input.json"));
    expect(verdicts(judgement, V0_RUN)).toEqual([
      `K8sBannedImagesV0/no-busybox data/busybox: ${JSON.stringify(["container <busybox> is busybox"])}`,
    ]);
  });

  it("runs templates apart when they declare the same package, or differ in Rego version", async () => {
    const dir = binDir();
    // One constraint and one review per run: the only row each query can yield.
    const row = {
      result: [{ expressions: [{ value: { "0": [{ c: 0, o: 0, v: [] }] }, text: "", location: { row: 1, col: 1 } }] }],
    };
    const opa = standIn(dir, "opa", [{ stdout: JSON.stringify(row, null, 2) }]);
    const twin = structuredClone(BANNED_IMAGES_TEMPLATE) as any;
    twin.metadata.name = "k8stwin";
    twin.spec.crd.spec.names.kind = "K8sTwin";
    const twinConstraint = {
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "K8sTwin",
      metadata: { name: "t" },
    };
    const judgement = await judgeRego(
      {
        templates: [BANNED_IMAGES_TEMPLATE, twin, ...V0_RUN.templates],
        constraints: [BANNED_APP, twinConstraint, ...V0_RUN.constraints],
        objects: [BUSYBOX],
      },
      { searchPath: dir },
    );
    const runs = opa.calls().map((c) => ({
      modules: c.argv.filter((a) => a.endsWith(".rego")).map((a) => path.basename(a)),
      v0: c.argv.includes("--v0-compatible"),
      query: c.argv[c.argv.length - 1].includes("data.k8sbannedimages.violation"),
    }));
    expect(runs).toEqual([
      { modules: ["0-k8sbannedimages.rego"], v0: false, query: true },
      { modules: ["0-k8stwin.rego"], v0: false, query: true },
      { modules: ["0-k8sbannedimagesv0.rego"], v0: true, query: false },
    ]);
    expect(
      ["K8sBannedImages/banned-app", "K8sTwin/t", "K8sBannedImagesV0/no-busybox"].map((id) =>
        judgement.messages(id, BUSYBOX),
      ),
    ).toEqual([[], [], []]);
  });

  it("is not judged when the result leaves out a constraint and review the query covers", async () => {
    const dir = binDir();
    const output = JSON.parse(fixture("opa-eval.stdout.json"));
    output.result[0].expressions[0].value["0"].pop();
    standIn(dir, "opa", [{ stdout: JSON.stringify(output) }]);
    expect((await judgeRego(RUN, { searchPath: dir })).notJudged).toBe(
      "opa failed: opa eval's result for template k8sbannedimages is not the query's shape",
    );
  });

  it("is not judged, naming the template instead of opa's temporary file, when opa reports an error", async () => {
    const dir = binDir();
    standIn(dir, "opa", [{ stdout: fixture("opa-eval-broken.stdout.json"), status: 2 }]);
    const judgement = await judgeRego(RUN, { searchPath: dir });
    expect(judgement.notJudged).toBe(
      `opa failed: ${path.join(dir, "opa")} eval --format json exited with status 2: 1 error occurred during loading: ConstraintTemplate k8sbannedimages:5: rego_parse_error: unexpected } token`,
    );
  });

  it("reads an error split into code, message and location, as the CLI prints a compile error", async () => {
    const dir = binDir();
    const errors = {
      errors: [
        {
          code: "rego_type_error",
          message: "undefined function foo",
          location: { file: "{{--data}}", row: 7, col: 2 },
        },
      ],
    };
    standIn(dir, "opa", [{ stdout: JSON.stringify(errors, null, 2), status: 2 }]);
    expect((await judgeRego(RUN, { searchPath: dir })).notJudged).toMatch(
      / exited with status 2: rego_type_error: undefined function foo \(ConstraintTemplate k8sbannedimages:7\)$/,
    );
  });

  it("is not judged when the query is undefined, or opa fails before evaluating", async () => {
    const dir = binDir();
    standIn(dir, "opa", [{ stdout: "{}\n" }, { stderr: "Error: unknown flag: --v0-compatible\n", status: 1 }]);
    expect((await judgeRego(RUN, { searchPath: dir })).notJudged).toMatch(
      / eval --format json exited with status 0: the query is undefined$/,
    );
    expect((await judgeRego(V0_RUN, { searchPath: dir })).notJudged).toMatch(
      / eval --format json exited with status 1: Error: unknown flag: --v0-compatible$/,
    );
  });

  it("is not judged when a violation's msg is no string, which Gatekeeper refuses", async () => {
    const dir = binDir();
    const output = JSON.parse(fixture("opa-eval-v0.stdout.json"));
    output.result[0].expressions[0].value["0"][0].v = [{ msg: 42 }];
    standIn(dir, "opa", [{ stdout: JSON.stringify(output) }]);
    expect((await judgeRego(V0_RUN, { searchPath: dir })).notJudged).toBe(
      "opa failed: ConstraintTemplate k8sbannedimagesv0: a violation's msg is not a string",
    );
  });

  it("kills opa at the timeout", async () => {
    const dir = binDir();
    standIn(dir, "opa", [{ hang: true }]);
    expect((await judgeRego(RUN, { searchPath: dir, timeoutMs: 200 })).notJudged).toBe(
      `opa failed: ${path.join(dir, "opa")} eval --format json did not finish within 200 ms`,
    );
  });
});

describe("which engine judges", () => {
  it("gator when both are on PATH; opa when only it is", async () => {
    const both = binDir();
    const gator = standIn(both, "gator", [{ stdout: fixture("gator-test.stdout.json"), status: 1 }]);
    const opa = standIn(both, "opa", [{ stdout: fixture("opa-eval.stdout.json") }]);
    expect((await judgeRego(RUN, { searchPath: both })).judgedBy?.engine).toBe("gator");
    expect([gator.calls().length, opa.calls().length]).toEqual([1, 0]);
    const onlyOpa = binDir();
    standIn(onlyOpa, "opa", [{ stdout: fixture("opa-eval.stdout.json") }]);
    expect((await judgeRego(RUN, { searchPath: `${binDir()}:${onlyOpa}` })).judgedBy?.engine).toBe("opa");
  });

  it("with neither, nothing is judged and the judgement says how to install gator", async () => {
    const judgement = await judgeRego(RUN, { searchPath: binDir() });
    expect(judgement.judgedBy).toBeUndefined();
    expect(judgement.notJudged).toBe(
      `a template's only engine is Rego, and neither gator nor opa is on PATH to judge it; install gator (${GATOR_INSTALL_URL})`,
    );
    expect(GATOR_INSTALL_URL).toBe("https://open-policy-agent.github.io/gatekeeper/website/docs/gator");
    expect(verdicts(judgement)).toEqual(RUN_VERDICTS.map((v) => v.replace(/: .*$/, ": undefined")));
  });

  it("skips a file on PATH that is not executable, and a directory of that name", () => {
    const dir = binDir();
    fs.writeFileSync(path.join(dir, "gator"), "#!/bin/sh\n", { mode: 0o644 });
    const other = binDir();
    fs.mkdirSync(path.join(other, "gator"));
    const real = binDir();
    fs.writeFileSync(path.join(real, "gator"), "#!/bin/sh\n", { mode: 0o755 });
    expect(findExecutable("gator", [dir, "", other, real].join(path.delimiter))).toBe(path.join(real, "gator"));
    expect(findExecutable("gator", [dir, other].join(path.delimiter))).toBeUndefined();
  });

  it("runs nothing when the run has no Rego-only constraint", async () => {
    const dir = binDir();
    const gator = standIn(dir, "gator", [{ stdout: "null" }]);
    const judgement = await judgeRego({ ...RUN, constraints: [] }, { searchPath: dir });
    expect(gator.calls()).toEqual([]);
    expect(judgement.judgedBy?.engine).toBe("gator");
    expect(judgement.messages("K8sBannedImages/banned-app", BUSYBOX)).toBeUndefined();
  });

  it("leaves a template with CEL to the CEL engine, even with a Rego twin", async () => {
    const dir = binDir();
    const gator = standIn(dir, "gator", [{ stdout: "null" }]);
    const both = structuredClone(BANNED_IMAGES_TEMPLATE) as any;
    both.spec.targets[0].code.unshift({
      engine: "K8sNativeValidation",
      source: { validations: [{ expression: "true" }] },
    });
    await judgeRego({ ...RUN, templates: [both] }, { searchPath: dir });
    expect(gator.calls()).toEqual([]);
  });
});

describe("runProcess", () => {
  it("says when a program could not start", async () => {
    const dir = binDir();
    fs.writeFileSync(path.join(dir, "broken"), "#!/nonexistent/interpreter\n", { mode: 0o755 });
    expect(await runProcess(path.join(dir, "broken"), [], 1000)).toEqual({
      ended: "failed to start",
      error: `spawn ${path.join(dir, "broken")} ENOENT`,
    });
  });

  it("reads a death by signal as a shell does: 128 + the signal's number", async () => {
    expect(await runProcess("/bin/sh", ["-c", "kill -TERM $$"], 5000)).toEqual({
      ended: "exited",
      status: 143,
      stdout: "",
      stderr: "",
    });
  });
});

describe("the admission engine, given a Rego judgement", () => {
  const EXPAND_DEPLOYMENTS = {
    apiVersion: "expansion.gatekeeper.sh/v1beta1",
    kind: "ExpansionTemplate",
    metadata: { name: "expand-deployments" },
    spec: {
      applyTo: [{ groups: ["apps"], kinds: ["Deployment"], versions: ["v1"] }],
      templateSource: "spec.template",
      generatedGVK: { kind: "Pod", group: "", version: "v1" },
    },
  };
  const DEPLOYMENT = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "app" },
    spec: {
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
    },
  };

  async function gatorJudgement(): Promise<RegoJudgement> {
    const dir = binDir();
    standIn(dir, "gator", [{ stdout: fixture("gator-test.stdout.json"), status: 1 }]);
    return judgeRego(RUN, { searchPath: dir });
  }

  it("denies with the Rego verdict of the constraints that select the object, and keeps its own matching", async () => {
    const engine = new AdmissionEngine({
      templates: RUN.templates,
      constraints: RUN.constraints,
      expansionTemplates: [],
      namespaces: LAB_NAMESPACES,
      rego: await gatorJudgement(),
    });
    expect(engine.review(NGINX_AND_BUSYBOX)).toEqual({
      object: "Pod/app/nginx",
      allowed: false,
      violations: [
        { constraint: "K8sBannedImages/banned-app", enforcementAction: "deny", message: FETCH },
        { constraint: "K8sBannedImages/banned-app", enforcementAction: "deny", message: WEB },
      ],
      notes: [],
    });
    // gator judged data/busybox too (it sees no match); the constraints select `app` only.
    expect(engine.review(BUSYBOX)).toEqual({ object: "Pod/data/busybox", allowed: true, violations: [], notes: [] });
  });

  it("notes, without a verdict, what was not judged, and why", () => {
    const engine = new AdmissionEngine({
      templates: RUN.templates,
      constraints: [BANNED_APP],
      expansionTemplates: [],
      namespaces: LAB_NAMESPACES,
      rego: RegoJudgement.notJudged("neither gator nor opa is on PATH"),
    });
    expect(engine.review(NGINX_AND_BUSYBOX)).toEqual({
      object: "Pod/app/nginx",
      allowed: true,
      violations: [],
      notes: [
        "K8sBannedImages/banned-app: template k8sbannedimages has only Rego and was not judged, so this object's verdict ignores it: neither gator nor opa is on PATH",
      ],
      judged: false,
      notJudgedBy: [
        {
          constraint: "K8sBannedImages/banned-app",
          template: "k8sbannedimages",
          why: "neither gator nor opa is on PATH",
        },
      ],
    });
  });

  it("notes an object the judgement was not given", async () => {
    const engine = new AdmissionEngine({
      templates: RUN.templates,
      constraints: [BANNED_APP],
      expansionTemplates: [],
      namespaces: LAB_NAMESPACES,
      rego: await gatorJudgement(),
    });
    expect(engine.review(pod("app", "other", [{ name: "c", image: "nginx" }])).notes).toEqual([
      "K8sBannedImages/banned-app: template k8sbannedimages has only Rego and was not judged, so this object's verdict ignores it: the Rego engine was not given this object",
    ]);
  });

  it("notes, beside gator's verdict, that a template reading data.inventory may be judged otherwise on the cluster", async () => {
    const dir = binDir();
    const gator = standIn(dir, "gator", [{ stdout: fixture("gator-test-inventory.stdout.json") }]);
    const input = {
      templates: [BANNED_IMAGES_INVENTORY_TEMPLATE],
      constraints: RUN.constraints,
      objects: [PHPMYADMIN],
    };
    const rego = await judgeRego(input, { searchPath: dir });
    expect(gator.calls()[0].files[gator.calls()[0].argv[2]]).toBe(fixture("gator-test-inventory.review.yaml"));
    const engine = new AdmissionEngine({ ...input, expansionTemplates: [], namespaces: LAB_NAMESPACES, rego });
    expect(engine.review(PHPMYADMIN)).toEqual({
      object: "Pod/app/phpmyadmin",
      allowed: true,
      violations: [],
      notes: ["banned-app", "banned-nothing"].map(
        (name) =>
          `K8sBannedImages/${name}: its template reads data.inventory, which gator test fills with every object of the run; the lab syncs nothing into Gatekeeper's cache, so on the cluster it is empty`,
      ),
    });
    expect((await gatorJudgement()).caveat("K8sBannedImages/banned-app")).toBeUndefined();
  });

  it("judges a workload's resultants when the run lists them: regoReviewObjects", async () => {
    const objects = regoReviewObjects([DEPLOYMENT], [EXPAND_DEPLOYMENTS]);
    expect(objects).toEqual([
      DEPLOYMENT,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          labels: { app: "web" },
          name: "web-pod",
          namespace: "app",
          ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web" }],
        },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
    ]);
    const dir = binDir();
    const gatorOut = [
      {
        target: "admission.k8s.gatekeeper.sh",
        msg: "container <web> uses the banned image <nginx>",
        metadata: { details: { image: "nginx" } },
        constraint: {
          apiVersion: "constraints.gatekeeper.sh/v1beta1",
          kind: "K8sBannedImages",
          metadata: { name: "banned-app" },
        },
        enforcementAction: "deny",
        violatingObject: objects[1],
        trace: null,
      },
    ];
    const gator = standIn(dir, "gator", [{ stdout: JSON.stringify(gatorOut, null, 4), status: 1 }]);
    const rego = await judgeRego({ templates: RUN.templates, constraints: [BANNED_APP], objects }, { searchPath: dir });
    expect(gator.calls()).toHaveLength(1);
    const engine = new AdmissionEngine({
      templates: RUN.templates,
      constraints: [BANNED_APP],
      expansionTemplates: [EXPAND_DEPLOYMENTS],
      namespaces: LAB_NAMESPACES,
      rego,
    });
    expect(engine.review(DEPLOYMENT)).toEqual({
      object: "Deployment/app/web",
      allowed: false,
      violations: [
        {
          constraint: "K8sBannedImages/banned-app",
          enforcementAction: "deny",
          message: "[Implied by expand-deployments] container <web> uses the banned image <nginx>",
          impliedBy: "expand-deployments",
        },
      ],
      notes: [],
    });
  });
});
