// The program with `exercise` set, under the mock runtime: the lab as at stage app, and in place of
// its own policies exactly the trainee's objects, each one resource named by kind, namespace and
// name, with the lab's dependencies.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configFingerprint } from "../../class/program";
import { LabConfigError } from "../../config";
import { exerciseOf, KNOWN_TYPES, LabCapture, labConfig, labTypes } from "../../verifier/lab/capture";
import { APP_STAGE_RESOURCES, byName, resourceSet, runLab } from "../helpers";

const ROOT = path.join(__dirname, "..", "..");
const CEL = "tests/fixtures/exercises/cel-template";

describe("a trainee's exercise, deployed", () => {
  let capture: LabCapture;
  beforeAll(async () => {
    capture = await runLab({ stage: "zero-trust", exercise: CEL });
    expect(capture.error).toBeUndefined();
  });

  it("registers the lab as at stage app and exactly the trainee's objects, none of the lab's own policies", () => {
    expect(resourceSet(capture)).toEqual(
      [
        ...APP_STAGE_RESOURCES,
        "k8s-hardening-lab:index:TraineePolicies lab-exercise",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-exercise-networkpolicy-data-default-deny-all",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-exercise-networkpolicy-data-allow-from-phpmyadmin",
        "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate lab-exercise-constrainttemplate-k8strustedregistries",
        "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sTrustedRegistries lab-exercise-k8strustedregistries-trusted-in-app",
        "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sTrustedRegistries lab-exercise-k8strustedregistries-trusted-in-data",
        "kubernetes:expansion.gatekeeper.sh/v1alpha1:ExpansionTemplate lab-exercise-expansiontemplate-pods-of-workloads",
      ].sort(),
    );
  });

  it("keeps the configured stage as the stage output: it names the claims", () => {
    expect(capture.outputs.stage).toBe("zero-trust");
  });

  it("waits as the lab's own policies do: a policy for its namespace, Gatekeeper's objects for the release, a constraint for its own template only", () => {
    const urn = (name: string) => byName(capture, name).urn;
    const dependencies = (name: string) => byName(capture, name).dependencies;
    const template = "lab-exercise-constrainttemplate-k8strustedregistries";
    expect(dependencies("lab-exercise-networkpolicy-data-default-deny-all")).toEqual([urn("lab-app-data-ns")]);
    expect(dependencies("lab-exercise-networkpolicy-data-allow-from-phpmyadmin")).toEqual([urn("lab-app-data-ns")]);
    expect(dependencies(template)).toEqual([urn("lab-gatekeeper-release")]);
    expect(dependencies("lab-exercise-expansiontemplate-pods-of-workloads")).toEqual([urn("lab-gatekeeper-release")]);
    expect(dependencies("lab-exercise-k8strustedregistries-trusted-in-app")).toEqual([urn(template)]);
    expect(dependencies("lab-exercise-k8strustedregistries-trusted-in-data")).toEqual([urn(template)]);
    const provider = `${urn("lab-cluster-provider")}::lab-cluster-provider-id`;
    for (const resource of capture.resources.filter((r) => r.name.startsWith("lab-exercise-"))) {
      expect([resource.name, resource.parent, resource.provider]).toEqual([
        resource.name,
        urn("lab-exercise"),
        provider,
      ]);
    }
    expect(byName(capture, "lab-exercise").parent).toBe(urn("lab"));
  });

  it("gives each object as written; the template also gets the lab's waitFor on its CRD", () => {
    expect(byName(capture, "lab-exercise-networkpolicy-data-allow-from-phpmyadmin").inputs).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-from-phpmyadmin", namespace: "data" },
      spec: {
        podSelector: { matchLabels: { app: "mysql" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { tier: "app" } },
                podSelector: { matchLabels: { app: "phpmyadmin" } },
              },
            ],
            ports: [{ port: 3306 }],
          },
        ],
      },
    });
    expect(byName(capture, "lab-exercise-k8strustedregistries-trusted-in-data").inputs).toEqual({
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "K8sTrustedRegistries",
      metadata: { name: "trusted-in-data" },
      spec: {
        match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], namespaces: ["data"] },
        parameters: { registries: ["docker.io/library/mysql:"] },
      },
    });
    const template = byName(capture, "lab-exercise-constrainttemplate-k8strustedregistries").inputs;
    expect(template.metadata).toEqual({
      name: "k8strustedregistries",
      annotations: { "pulumi.com/waitFor": "jsonpath={.status.created}=true" },
    });
    expect(template.spec.crd.spec.names).toEqual({ kind: "K8sTrustedRegistries" });
  });
});

describe("the strict mock cloud", () => {
  it("knows the exercise's own types from the exercise, and no others", () => {
    const config = labConfig({ exercise: CEL });
    expect([...labTypes(exerciseOf(config))].filter((t) => !KNOWN_TYPES.has(t)).sort()).toEqual([
      "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sTrustedRegistries",
      "kubernetes:expansion.gatekeeper.sh/v1alpha1:ExpansionTemplate",
    ]);
  });
});

describe("a refused exercise", () => {
  it("registers nothing and lists every problem", async () => {
    const capture = await runLab({ exercise: "tests/fixtures/exercises/refuse-kube-system", nodeCount: 0 });
    expect(capture.resources).toEqual([]);
    expect(capture.error).toBeInstanceOf(LabConfigError);
    expect((capture.error as LabConfigError).problems).toEqual([
      `k8s-hardening-lab:exercise: tests/fixtures/exercises/refuse-kube-system/deny.yaml:2: NetworkPolicy kube-system/default-deny-all: metadata.namespace: "kube-system" is not accepted; an exercise's NetworkPolicies go in app or data (a policy elsewhere could cut the cluster's own traffic, such as its DNS in kube-system)`,
      'k8s-hardening-lab:nodeCount: "0" is not accepted; expected an integer from 1 to 100',
    ]);
  });
});

describe("resource names", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-rename-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("do not change when the trainee renames, merges or reorders files: nothing is replaced", async () => {
    const trainee = (capture: LabCapture) =>
      capture.resources
        .filter((r) => r.name.startsWith("lab-exercise"))
        .map((r) => ({ name: r.name, type: r.type, inputs: r.inputs }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    const before = trainee(await runLab({ stage: "allowed-repos", exercise: path.join(ROOT, CEL) }));
    // The same objects, in one file, in the opposite order.
    const texts = ["template.yaml", "network-policies.yaml", "constraints.yaml"].map((f) =>
      fs.readFileSync(path.join(ROOT, CEL, f), "utf8"),
    );
    const documents = texts.flatMap((t) => t.split(/^---$/m)).reverse();
    fs.writeFileSync(path.join(dir, "everything.yml"), documents.join("\n---\n"));
    const after = trainee(await runLab({ stage: "allowed-repos", exercise: dir }));
    expect(after).toEqual(before);
    expect(after).toHaveLength(7);
  });
});

describe("the class's notion of a stack's configuration", () => {
  it("takes in the exercise's files: a trainee's edited policy is a change for `class up` to deploy", () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-class-"));
    fs.mkdirSync(path.join(project, "exercises", "alice"), { recursive: true });
    const policy = path.join(project, "exercises", "alice", "deny.yaml");
    fs.copyFileSync(path.join(ROOT, "exercises", "example", "default-deny.yaml"), policy);
    fs.writeFileSync(
      path.join(project, "Pulumi.alice.yaml"),
      "config:\n  k8s-hardening-lab:exercise: exercises/alice\n",
    );
    const first = configFingerprint(project, "alice");
    expect(configFingerprint(project, "alice")).toBe(first);
    fs.writeFileSync(policy, fs.readFileSync(policy, "utf8").replace("    - Egress\n", ""));
    expect(configFingerprint(project, "alice")).not.toBe(first);
    fs.rmSync(project, { recursive: true, force: true });
  });
});
