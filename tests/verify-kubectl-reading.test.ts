// `npm run verify -- --manifests FILE` reads YAML as kubectl does (verifier/kube/yaml.ts): a plain
// scalar that go-yaml v2 reads as a boolean or a number where Kubernetes expects a string is refused
// (exit 2, naming the file, the line, the object, the field and what kubectl would do); quoted, the
// same values are strings as written. What go-yaml v2 leaves a string is accepted as written, and a
// NaN or an infinity, which JSON cannot carry, is refused in any field (issue 16), and so is a
// number an int32 or int64 field cannot hold, in the API server's words. Names, labels and
// annotations the API server would refuse are refused too (issue 12).
import { verify } from "./helpers";

const SCALARS = "tests/fixtures/manifests/kubectl-scalars";
const BAD = "tests/fixtures/manifests/bad";

async function refusal(file: string): Promise<{ status: number; stderr: string; stdout: string }> {
  const result = await verify("--manifests", file);
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

const refused = (...problems: string[]) => ({
  status: 2,
  stdout: "",
  stderr: `verify: bad input:\n${problems.map((p) => `  ${p}\n`).join("")}`,
});

describe("plain scalars that kubectl reads as booleans or numbers where a string belongs", () => {
  it("a label value `y`", async () => {
    expect(await refusal(`${SCALARS}/label-y.yaml`)).toEqual(
      refused(
        `${SCALARS}/label-y.yaml:7: Namespace x: metadata.labels.ns: kubectl reads \`y\` as the boolean true; quote it`,
      ),
    );
  });

  it("a namespace named `n`, as a Namespace's name and as a Pod's namespace", async () => {
    expect(await refusal(`${SCALARS}/namespace-n.yaml`)).toEqual(
      refused(
        `${SCALARS}/namespace-n.yaml:5: Namespace n: metadata.name: kubectl reads \`n\` as the boolean false; quote it`,
        `${SCALARS}/namespace-n.yaml:11: Pod n/web: metadata.namespace: kubectl reads \`n\` as the boolean false; quote it`,
      ),
    );
  });

  it("`values: [on]` in a matchExpressions", async () => {
    expect(await refusal(`${SCALARS}/values-on.yaml`)).toEqual(
      refused(
        `${SCALARS}/values-on.yaml:12: NetworkPolicy web/flagged: spec.podSelector.matchExpressions[0].values[0]: kubectl reads \`on\` as the boolean true; quote it`,
      ),
    );
  });

  it("a label value `1.0`", async () => {
    expect(await refusal(`${SCALARS}/label-1.0.yaml`)).toEqual(
      refused(
        `${SCALARS}/label-1.0.yaml:8: Pod web/web: metadata.labels.version: kubectl reads \`1.0\` as the number 1; quote it`,
      ),
    );
  });

  it("an annotation value `off`", async () => {
    expect(await refusal(`${SCALARS}/annotation-off.yaml`)).toEqual(
      refused(
        `${SCALARS}/annotation-off.yaml:8: Deployment web/web: metadata.annotations.example.com/debug: kubectl reads \`off\` as the boolean false; quote it`,
      ),
    );
  });

  it("a label value `0o17`, which go-yaml v2 reads with strconv's 0o prefix (issue 16)", async () => {
    expect(await refusal(`${SCALARS}/label-0o17.yaml`)).toEqual(
      refused(
        `${SCALARS}/label-0o17.yaml:9: Pod web/web: metadata.labels.version: kubectl reads \`0o17\` as the number 15; quote it`,
      ),
    );
  });

  it("`replicas: .inf`: JSON cannot carry it, so kubectl refuses the file (issue 16)", async () => {
    expect(await refusal(`${SCALARS}/replicas-inf.yaml`)).toEqual(
      refused(
        `${SCALARS}/replicas-inf.yaml:9: Deployment web/web: spec.replicas: kubectl reads \`.inf\` as +Inf, which JSON cannot carry (json: unsupported value: +Inf); quote it`,
      ),
    );
  });

  it("numbers an int32 cannot hold, a fraction and a uint64, in a Deployment, a Pod and a NetworkPolicy's IntOrString port", async () => {
    const file = `${SCALARS}/int-fields.yaml`;
    const refusal32 = (kind: string, number: string, go: string) =>
      `which the API server refuses in an int32 (${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal number ${number} into Go struct field ${go} of type int32)`;
    expect(await refusal(file)).toEqual(
      refused(
        `${file}:12: Deployment web/web: spec.replicas: kubectl sends \`1.5\` as 1.5, ${refusal32("Deployment", "1.5", "DeploymentSpec.spec.replicas")}`,
        `${file}:36: Pod web/client: spec.containers[0].ports[1].containerPort: kubectl sends \`9223372036854775808\` as 9223372036854776000, ${refusal32("Pod", "9223372036854776000", "ContainerPort.spec.containers.ports.containerPort")}`,
        `${file}:48: NetworkPolicy web/web: spec.ingress[0].ports[1].port: kubectl sends \`80.5\` as 80.5, ${refusal32("NetworkPolicy", "80.5", "NetworkPolicyPort.spec.ingress.ports.port")}`,
      ),
    );
  });

  it("the same five quoted are accepted and read as written", async () => {
    // The query answers the cells to n/web, per pod, with their reasons.
    const result = await verify("--manifests", `${SCALARS}/quoted.yaml`, "--to", "n/web", "--format", "json");
    expect([result.status, result.stderr]).toEqual([0, ""]);
    const report = JSON.parse(result.stdout);
    expect(report.policies).toEqual(["n/flagged"]);
    expect(report.admission.map((r: { object: string }) => r.object)).toEqual([
      "Pod/n/web",
      "Pod/n/client",
      "Pod/other/client",
    ]);
    const toWeb = report.connectivity.filter((c: { to: string }) => c.to === "n/web");
    expect(
      toWeb.map((c: { from: string; allowed?: boolean; self?: true; reason: string }) => [
        c.from,
        c.self ? "self" : c.allowed,
        c.reason,
      ]),
    ).toEqual([
      [
        "n/web",
        "self",
        "n/web to itself: left to the network plugin (Kubernetes does not say whether NetworkPolicies apply to a pod's traffic to its own address)",
      ],
      // n/flagged selects n/web (version "1.0", flag "on") and admits namespace n (ns "y")...
      [
        "n/client",
        true,
        "egress from n/client allowed: not isolated for egress; ingress to n/web allowed by n/flagged rule 1",
      ],
      // ...and no other namespace.
      [
        "other/client",
        false,
        "egress from other/client allowed: not isolated for egress; ingress to n/web denied: isolated by n/flagged, no ingress rule allows 8080/TCP from other/client",
      ],
    ]);
  });
});

describe("what go-yaml v2 leaves a string, and numbers it reads that YAML 1.1 would not (issue 16)", () => {
  it("a pod-template-hash `e0167131` is a label as written, and a containerPort `0o120` is 80", async () => {
    const web = "shop/web-e0167131-x7k2p";
    const result = await verify("--manifests", `${SCALARS}/pod-template-hash.yaml`, "--to", web, "--format", "json");
    expect([result.status, result.stderr]).toEqual([0, ""]);
    const report = JSON.parse(result.stdout);
    expect(report.policies).toEqual(["shop/web-hash"]);
    const cells = report.connectivity.map(
      (c: { from: string; port: number; protocol: string; allowed?: boolean; self?: true }) => [
        c.from,
        `${c.port}/${c.protocol}`,
        c.self ? "self" : c.allowed,
      ],
    );
    // shop/web-hash selects web by `pod-template-hash: "e0167131"`, and web declares port 80.
    expect(cells).toEqual([
      [web, "80/TCP", "self"],
      ["shop/client", "80/TCP", true],
      ["shop/other", "80/TCP", false],
    ]);
    expect(report.connectivity[2].reason).toBe(
      `egress from shop/other allowed: not isolated for egress; ingress to ${web} denied: isolated by shop/web-hash, no ingress rule allows 80/TCP from shop/other`,
    );
  });
});

describe("bad names, labels and annotations (issue 12)", () => {
  it("a label value that is a list", async () => {
    expect(await refusal(`${BAD}/label-list.yaml`)).toEqual(
      refused(`${BAD}/label-list.yaml:8: Pod web/web: metadata.labels.x: expected a string, not a list`),
    );
  });

  it("names and labels the API server refuses, every one at once", async () => {
    const label = "at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";
    expect(await refusal(`${BAD}/names.yaml`)).toEqual(
      refused(
        `${BAD}/names.yaml: Namespace team.data: metadata.name: "team.data" is not a valid DNS label (${label})`,
        `${BAD}/names.yaml: Pod team.data/Web_1: metadata.name: "Web_1" is not a valid DNS subdomain name (at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`,
        `${BAD}/names.yaml: Pod team.data/Web_1: metadata.namespace: "team.data" is not a valid DNS label (${label})`,
        `${BAD}/names.yaml: Pod team.data/Web_1: metadata.labels: "bad key" is not a valid label key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
        `${BAD}/names.yaml: Pod team.data/Web_1: metadata.labels.app: "web server" is not a valid label value (empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      ),
    );
  });
});
