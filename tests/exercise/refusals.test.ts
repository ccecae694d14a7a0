// What a trainee may not deploy: each refusal exits 2 (or fails the preview) before anything is
// created, naming the file, the line, the object and what an exercise accepts.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseRoster } from "../../class/roster";
import { readExercise } from "../../config/exercise";
import { verify } from "../helpers";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = "tests/fixtures/exercises";
const KEY = "k8s-hardening-lab:exercise";
const ACCEPTED =
  "an exercise holds networking.k8s.io/v1 NetworkPolicies in app or data, templates.gatekeeper.sh/v1 (or v1beta1) ConstraintTemplates, constraints.gatekeeper.sh/v1beta1 (or v1alpha1) constraints of a kind a template of the exercise defines, and expansion.gatekeeper.sh/v1beta1 (or v1alpha1) ExpansionTemplates";

/** What `verify` prints for an exercise the program refuses. */
const refused = (...problems: string[]) =>
  [
    "verify: bad input:",
    `  the lab program: the stack's configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created:`,
    ...problems.map((p) => `  - ${KEY}: ${p}`),
    "",
  ].join("\n");

describe("verify --exercise refuses, exit 2, naming file, line, object and what is accepted", () => {
  it.each([
    [
      "a ClusterRoleBinding",
      "refuse-clusterrolebinding",
      `${FIXTURES}/refuse-clusterrolebinding/rbac.yaml:2: ClusterRoleBinding trainee-is-admin: rbac.authorization.k8s.io/v1 ClusterRoleBinding is not accepted; ${ACCEPTED}`,
    ],
    [
      "a NetworkPolicy in kube-system",
      "refuse-kube-system",
      `${FIXTURES}/refuse-kube-system/deny.yaml:2: NetworkPolicy kube-system/default-deny-all: metadata.namespace: "kube-system" is not accepted; an exercise's NetworkPolicies go in app or data (a policy elsewhere could cut the cluster's own traffic, such as its DNS in kube-system)`,
    ],
    [
      "a constraint without its template",
      "refuse-no-template",
      `${FIXTURES}/refuse-no-template/constraint.yaml:1: K8sAllowedRepos repos-in-app: no ConstraintTemplate of the exercise defines the kind K8sAllowedRepos (it has no template); a constraint needs its template in the same folder`,
    ],
    [
      "a duplicate object, naming both places",
      "refuse-duplicate",
      `${FIXTURES}/refuse-duplicate/b-deny-again.yaml:2: NetworkPolicy data/default-deny-all: defined twice, here and at ${FIXTURES}/refuse-duplicate/a-deny.yaml:4; an exercise holds one object per kind, namespace and name`,
    ],
    [
      "a template with `import rego.v1`",
      "refuse-rego-v1",
      `${FIXTURES}/refuse-rego-v1/template.yaml:16: ConstraintTemplate k8sregistries spec.targets[0].code[0].source: invalid import: bad import: "rego.v1" (a template imports only data.lib.* and future.*)`,
    ],
    [
      "a label value `y`, as kubectl reads it",
      "refuse-label-y",
      `${FIXTURES}/refuse-label-y/policy.yaml:9: NetworkPolicy app/deny-debug-pods: spec.podSelector.matchLabels.debug: kubectl reads \`y\` as the boolean true; quote it`,
    ],
    [
      "a folder with no YAML",
      "refuse-no-yaml",
      `"${path.join(ROOT, FIXTURES, "refuse-no-yaml")}" is not accepted; the folder holds no .yaml, .yml or .json file; expected the trainee's NetworkPolicies and Gatekeeper policies`,
    ],
  ])("%s", async (_what, folder, problem) => {
    const result = await verify("--exercise", `${FIXTURES}/${folder}`, "--stage", "default-deny");
    expect(result).toEqual({ status: 2, stdout: "", stderr: refused(problem) });
  });

  it("a missing folder, and a path that is a file", async () => {
    const missing = path.join(ROOT, FIXTURES, "no-such-exercise");
    expect(await verify("--exercise", `${FIXTURES}/no-such-exercise`, "--stage", "2")).toEqual({
      status: 2,
      stdout: "",
      stderr: refused(
        `"${missing}" is not accepted; there is no such folder (${missing}); expected a folder of the trainee's YAML files, relative to the project root ${ROOT} or absolute`,
      ),
    });
    const file = path.join(ROOT, "exercises/example/default-deny.yaml");
    expect((await verify("--exercise", "exercises/example/default-deny.yaml", "--stage", "2")).stderr).toBe(
      refused(`"${file}" is not accepted; it is a file, expected a folder of the trainee's YAML files`),
    );
  });

  it("needs the stage whose claims grade it, and one stage only", async () => {
    expect(await verify("--exercise", "exercises/example")).toEqual({
      status: 2,
      stdout: "",
      stderr:
        "verify: bad input:\n  --exercise: needs --stage S, the stage whose claims grade it (or --stack NAME, whose stage does)\n",
    });
    expect((await verify("--exercise", "exercises/example", "--all-stages")).stderr).toBe(
      "verify: bad input:\n  --all-stages: not with --exercise; an exercise is graded at one stage\n",
    );
    expect((await verify("--exercise", "exercises/example", "--manifests", "x.yaml")).stderr).toBe(
      "verify: bad input:\n  --exercise: only in lab mode, not with --manifests\n",
    );
  });
});

describe("readExercise: every problem of a folder at once", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-"));
    fs.writeFileSync(
      path.join(dir, "all.yaml"),
      [
        "apiVersion: v1",
        "kind: Namespace",
        "metadata: {name: mine}",
        "---",
        "apiVersion: networking.k8s.io/v1beta1",
        "kind: NetworkPolicy",
        "metadata: {name: old, namespace: data}",
        "---",
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata: {name: nowhere}",
        "spec: {podSelector: {}}",
        "---",
        "apiVersion: templates.gatekeeper.sh/v1",
        "kind: ConstraintTemplate",
        "metadata: {name: wrongname}",
        "spec: {crd: {spec: {names: {kind: K8sThing}}}, targets: [{target: admission.k8s.gatekeeper.sh, rego: 'package x'}]}",
        "---",
        "apiVersion: constraints.gatekeeper.sh/v1",
        "kind: K8sThing",
        "metadata: {name: thing}",
        "---",
        "apiVersion: expansion.gatekeeper.sh/v1alpha1",
        "kind: ExpansionTemplate",
        "metadata: {name: expand, namespace: app}",
        "---",
        "apiVersion: networking.k8s.io/v1",
        "kind: NetworkPolicy",
        "metadata: {name: typo, namespace: data}",
        "spec:",
        "  podSelector: {}",
        "  ingres: []",
        "  egress:",
        "    - ports:",
        "        - port: 70000",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("refuses other kinds, versions Gatekeeper does not serve, a policy without a namespace, a misnamed template, a namespaced cluster-scoped object, an invalid policy", () => {
    const file = path.join(dir, "all.yaml");
    expect(readExercise(dir, ROOT)).toEqual({
      problems: [
        `${file}:1: Namespace mine: v1 Namespace is not accepted; ${ACCEPTED}`,
        `${file}:5: NetworkPolicy data/old: apiVersion "networking.k8s.io/v1beta1" is not accepted; Gatekeeper and Kubernetes serve networking.k8s.io/v1 for it`,
        `${file}:9: NetworkPolicy nowhere: metadata.namespace: missing; kubectl would put it in the current context's namespace: give app or data`,
        `${file}:14: ConstraintTemplate wrongname: metadata.name: Gatekeeper names a template after its kind: expected k8sthing, the lower-case K8sThing`,
        `${file}:19: K8sThing thing: apiVersion "constraints.gatekeeper.sh/v1" is not accepted; Gatekeeper and Kubernetes serve constraints.gatekeeper.sh/v1beta1 or v1alpha1 for it`,
        `${file}:23: ExpansionTemplate app/expand: metadata.namespace: ExpansionTemplates are cluster-scoped; remove the namespace "app"`,
        // A policy the API server would refuse, or whose misspelt field would make it deny all.
        `${file}:32: NetworkPolicy data/typo: spec.ingres: unknown field`,
        `${file}:35: NetworkPolicy data/typo: spec.egress[0].ports[0].port: 70000 is not in 1-65535`,
      ],
    });
  });

  it("reads a relative folder from the project root, and names files relative to it", () => {
    const { exercise, problems } = readExercise("exercises/example", ROOT);
    expect(problems).toEqual([]);
    expect(exercise!.dir).toBe(path.join(ROOT, "exercises/example"));
    expect(exercise!.folder).toBe("exercises/example");
    expect(exercise!.objects.map((o) => [o.file, o.line, o.object.kind, o.object.metadata.name])).toEqual([
      ["exercises/example/default-deny.yaml", 4, "NetworkPolicy", "default-deny-all"],
    ]);
    expect(exercise!.objects[0].lineOf(["spec", "policyTypes"])).toBe(11);
  });
});

describe("a class roster that sets a trainee's exercise", () => {
  it("is checked through the same reading, from the project's folder, the problem on the trainee's line", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-roster-"));
    fs.cpSync(path.join(ROOT, FIXTURES, "refuse-kube-system"), path.join(project, "exercises", "bob"), {
      recursive: true,
    });
    fs.cpSync(path.join(ROOT, "exercises", "example"), path.join(project, "exercises", "alice"), { recursive: true });
    const roster = [
      "defaults:",
      "  stage: default-deny",
      "  azure-native:location: westeurope",
      "trainees:",
      "  - name: alice",
      "    exercise: exercises/alice",
      "  - name: bob",
      "    exercise: exercises/bob",
      "",
    ].join("\n");
    const result = parseRoster(roster, "class.yaml", project);
    expect(result.problems).toEqual([
      `class.yaml:8: bob: ${KEY}: exercises/bob/deny.yaml:2: NetworkPolicy kube-system/default-deny-all: metadata.namespace: "kube-system" is not accepted; an exercise's NetworkPolicies go in app or data (a policy elsewhere could cut the cluster's own traffic, such as its DNS in kube-system)`,
    ]);
    fs.rmSync(project, { recursive: true, force: true });
  });
});
