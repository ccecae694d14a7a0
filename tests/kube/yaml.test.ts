/** verifier/kube/yaml.ts: YAML as kubectl reads it, field by field, and where its field types come from. */
import { BUILT_IN_KINDS, schemasAreCurrent } from "../../scripts/gen-kube-schemas";
import { POD_TEMPLATE_PATHS } from "../../verifier/model";
import { labTemplate } from "../../verifier/analyze";
import { readKubeYaml } from "../../verifier/kube/yaml";
import type { Schema } from "../../verifier/kube/json-schema";
import generated from "../../verifier/kube/schemas.generated.json";

const pod = (metadata: string, container = "") => `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: app
${metadata}
spec:
  containers:
    - name: web
      image: nginx
${container}`;

function read(text: string) {
  const file = readKubeYaml(text, "f.yaml");
  return { objects: file.objects, problems: file.problems, file };
}

describe("values where Kubernetes expects a number or a boolean are read as kubectl reads them", () => {
  it("hex, octal and exponent numbers, and YAML 1.1 booleans", () => {
    const { objects, problems } = read(
      pod(
        "",
        `      ports:
        - containerPort: 0x50
        - containerPort: 0777
        - containerPort: 1e3
      stdin: yes
      tty: off`,
      ),
    );
    expect(problems).toEqual([]);
    const container = objects[0].spec.containers[0];
    expect([
      container.ports.map((p: { containerPort: number }) => p.containerPort),
      container.stdin,
      container.tty,
    ]).toEqual([[80, 511, 1000], true, false]);
  });

  it("a quoted number or a word where a number belongs is refused, as the API server refuses it", () => {
    expect(
      read(pod("", `      ports:\n        - containerPort: "80"\n        - containerPort: http`)).problems,
    ).toEqual([
      'f.yaml:12: Pod app/web: spec.containers[0].ports[0].containerPort: expected an integer, not the string "80"',
      'f.yaml:13: Pod app/web: spec.containers[0].ports[1].containerPort: expected an integer, not the string "http"',
    ]);
  });
});

describe("numbers a Go int32 or int64 cannot hold are refused in the API server's words (kube-apiserver 1.34)", () => {
  const refusal = (kind: string, source: string, sent: string, go: string, type: string) =>
    `kubectl sends \`${source}\` as ${sent}, which the API server refuses in an ${type} (${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal number ${sent} into Go struct field ${go} of type ${type})`;

  it("an int64's limits, as kubectl sends them: a uint64 as a float64", () => {
    const { objects, problems } = read(
      pod(
        "",
        `      securityContext:
        runAsUser: 9223372036854775807
        runAsGroup: -9223372036854775808
  securityContext:
    supplementalGroups: [0, 9223372036854775808, -9223372036854775809]`,
      ),
    );
    expect(problems).toEqual([
      `f.yaml:15: Pod app/web: spec.securityContext.supplementalGroups[1]: ${refusal("Pod", "9223372036854775808", "9223372036854776000", "PodSecurityContext.spec.securityContext.supplementalGroups", "int64")}`,
      `f.yaml:15: Pod app/web: spec.securityContext.supplementalGroups[2]: ${refusal("Pod", "-9223372036854775809", "-9223372036854776000", "PodSecurityContext.spec.securityContext.supplementalGroups", "int64")}`,
    ]);
    expect(objects[0].spec.containers[0].securityContext).toEqual({ runAsUser: 2 ** 63, runAsGroup: -(2 ** 63) });
  });

  it("a Go struct deep in a CronJob, through a List, an alias and a merge; an IntOrString's int32", () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: nightly
      namespace: app
      generation: &big 2147483648
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          backoffLimit: *big
          template:
            spec:
              restartPolicy: Never
              containers:
                - name: job
                  image: nginx
                  livenessProbe:
                    <<: {periodSeconds: 2.5e0}
                    httpGet: {port: 65536.5}
                    tcpSocket: {port: 1e10}
                    grpc: {port: 0x80000000}`;
    // The alias is reported where its anchor writes the number; the API server sees it in backoffLimit.
    const at = (line: number, field: string, sent: string, go: string, source = sent) =>
      `f.yaml:${line}: CronJob app/nightly: spec.jobTemplate.spec.${field}: ${refusal("CronJob", source, sent, `${go}.spec.jobTemplate.spec.${field.replace("[0]", "")}`, "int32")}`;
    const probe = "template.spec.containers[0].livenessProbe";
    expect(read(text).problems).toEqual([
      at(9, "backoffLimit", "2147483648", "JobSpec"),
      at(22, `${probe}.periodSeconds`, "2.5", "Probe", "2.5e0"),
      at(23, `${probe}.httpGet.port`, "65536.5", "HTTPGetAction"),
      at(24, `${probe}.tcpSocket.port`, "10000000000", "TCPSocketAction", "1e10"),
      at(25, `${probe}.grpc.port`, "2147483648", "GRPCAction", "0x80000000"),
    ]);
  });

  it("numbers an int field takes: an exponent, a float with no fraction, an underflow, -0, an int64 in an int64", () => {
    const { objects, problems } = read(
      pod(
        "  generation: 9223372036854775807",
        `      ports:
        - containerPort: 8.080e3
        - containerPort: !!float 443
        - containerPort: 1e-999
        - containerPort: -0.0
      readinessProbe:
        httpGet: {port: 8080.0}`,
      ),
    );
    expect(problems).toEqual([]);
    expect(objects[0].spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([
      8080, 443, 0, -0,
    ]);
  });

  it("a Gatekeeper kind is no Go struct: an integer there is only checked to be one", () => {
    const text = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sReplicaLimits
metadata:
  name: limits
  generation: 1.5
spec:
  parameters:
    ranges: [{min_replicas: 2.5}]`;
    const { file, problems } = read(text);
    expect(problems).toEqual([
      "f.yaml:5: K8sReplicaLimits limits: metadata.generation: expected an integer, not the number 1.5",
    ]);
    const template = {
      spec: {
        crd: {
          spec: {
            validation: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  ranges: {
                    type: "array",
                    items: { type: "object", properties: { min_replicas: { type: "integer", format: "int32" } } },
                  },
                },
              },
            },
          },
        },
      },
    };
    expect(file.checkParameters(() => template)).toEqual([
      "f.yaml:8: K8sReplicaLimits limits: spec.parameters.ranges[0].min_replicas: expected an integer, not the number 2.5",
    ]);
  });
});

describe("what go-yaml v2 leaves a string stays one", () => {
  it("timestamps, sexagesimal numbers and `yEs` (not a YAML 1.1 boolean)", () => {
    const { objects, problems } = read(
      pod(
        "  creationTimestamp: 2024-01-01T00:00:00Z",
        `      env:\n        - name: WINDOW\n          value: 1:20\n        - name: MODE\n          value: yEs`,
      ),
    );
    expect(problems).toEqual([]);
    expect([
      objects[0].metadata.creationTimestamp,
      objects[0].spec.containers[0].env.map((e: { value: string }) => e.value),
    ]).toEqual(["2024-01-01T00:00:00Z", ["1:20", "yEs"]]);
  });

  it("an empty label value is the empty string, as kubectl reads it", () => {
    const { objects, problems } = read(pod("  labels:\n    canary:\n    app: web"));
    expect(problems).toEqual([]);
    expect(objects[0].metadata.labels).toEqual({ canary: "", app: "web" });
  });
});

describe("refusals beyond plain values", () => {
  it("a key YAML 1.1 reads as a boolean, a merged anchor, an explicit tag", () => {
    const text = pod(
      "  annotations: &common\n    team: off\n  labels:\n    on: web\n    <<: *common\n    count: !!int 5",
    );
    expect(read(text).problems).toEqual([
      "f.yaml:7: Pod app/web: metadata.annotations.team: kubectl reads `off` as the boolean false; quote it",
      'f.yaml:9: Pod app/web: metadata.labels: kubectl reads the key `on` as "true"; quote it',
      // The merged mapping is checked where the anchor writes it.
      "f.yaml:7: Pod app/web: metadata.labels.team: kubectl reads `off` as the boolean false; quote it",
      "f.yaml:11: Pod app/web: metadata.labels.count: expected a string, not the number 5",
    ]);
  });

  it("NaN and the infinities in any field, known or not, and through an alias: kubectl refuses the file", () => {
    const text = pod(
      "  labels:\n    a: .nan\n  annotations:\n    limit: &top .INF",
      "      ports:\n        - containerPort: -.inf\nextra:\n  floor: [1, *top]",
    );
    const json = (go: string) => `which JSON cannot carry (json: unsupported value: ${go}); quote it`;
    expect(read(text).problems).toEqual([
      `f.yaml:7: Pod app/web: metadata.labels.a: kubectl reads \`.nan\` as NaN, ${json("NaN")}`,
      `f.yaml:9: Pod app/web: metadata.annotations.limit: kubectl reads \`.INF\` as +Inf, ${json("+Inf")}`,
      `f.yaml:15: Pod app/web: spec.containers[0].ports[0].containerPort: kubectl reads \`-.inf\` as -Inf, ${json("-Inf")}`,
      `f.yaml:17: Pod app/web: extra.floor[1]: kubectl reads \`*top\` as +Inf, ${json("+Inf")}`,
    ]);
  });

  it("the keys sigs.k8s.io/yaml cannot make JSON keys of (null, a uint64) and a float key in float32 digits", () => {
    const text = pod(
      "  labels:\n    null: a\n    18446744073709551615: c\n    123456789.0: d\n    .nan: e\n  annotations:\n    ~: b",
    );
    const refused = (line: number, field: string, as: string, type: string) =>
      `f.yaml:${line}: Pod app/web: metadata.${field}: kubectl reads the key ${as}, which it cannot make a JSON key of (unsupported map key of type: ${type}); quote it`;
    expect(read(text).problems).toEqual([
      refused(7, "labels", "`null` as null", "<nil>"),
      refused(8, "labels", "`18446744073709551615` as the uint64 18446744073709551615", "uint64"),
      'f.yaml:9: Pod app/web: metadata.labels: kubectl reads the key `123456789.0` as "1.2345679e+08"; quote it',
      // `.nan` is the key ".nan" as written.
      refused(12, "annotations", "`~` as null", "<nil>"),
    ]);
  });

  it("an alias to an anchor of another document is a YAML error, not a crash", () => {
    expect(read("a: &x 1\n---\n" + pod("  labels: *x")).problems).toEqual([
      'f.yaml: invalid YAML at line 8: unidentified alias "x"',
    ]);
  });

  it("Gatekeeper's kinds, by their schemas: an enforcement action and a template's kind", () => {
    const text = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: owner
spec:
  enforcementAction: off
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredlabels
spec:
  crd:
    spec:
      names:
        kind: yes`;
    expect(read(text).problems).toEqual([
      "f.yaml:6: K8sRequiredLabels owner: spec.enforcementAction: kubectl reads `off` as the boolean false; quote it",
      "f.yaml:16: ConstraintTemplate k8srequiredlabels: spec.crd.spec.names.kind: kubectl reads `yes` as the boolean true; quote it",
    ]);
  });

  it("a constraint's parameters, typed by its template once the caller has it (here the lab's own)", () => {
    const { file, problems } = read(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAllowedRepos
metadata:
  name: repos
spec:
  parameters:
    repos: ["registry.example/", on]`);
    expect(problems).toEqual([]);
    expect(file.checkParameters(() => undefined)).toEqual([]);
    expect(file.checkParameters(labTemplate)).toEqual([
      "f.yaml:7: K8sAllowedRepos repos: spec.parameters.repos[1]: kubectl reads `on` as the boolean true; quote it",
    ]);
  });
});

describe("where each object and each of its fields is written", () => {
  const text = `# a trainee's policies
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: data}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
---
kind: List
apiVersion: v1
items:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: allow
      namespace: data
    spec:
      podSelector: {}
      ingress:
        - from:
            - namespaceSelector:
                matchLabels: {tier: app}
            - podSelector: &pma
                matchLabels:
                  app: phpmyadmin
          ports:
            - port: 3306
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: again, namespace: app}
    spec:
      podSelector: *pma
`;

  it("gives the line each object starts on, a List's items each their own", () => {
    const { file, problems } = read(text);
    expect(problems).toEqual([]);
    expect(file.objects.map((o) => o.metadata.name)).toEqual(["deny", "allow", "again"]);
    expect(file.lines).toEqual([2, 13, 29]);
  });

  it("gives the line of a field by its path: a key's line, a list item's line, through an alias", () => {
    const { file } = read(text);
    expect(file.lineOf(0, ["spec", "policyTypes"])).toBe(7);
    expect(file.lineOf(0, ["spec", "policyTypes", 0])).toBe(7);
    expect(file.lineOf(1, ["spec", "ingress", 0, "from"])).toBe(21);
    expect(file.lineOf(1, ["spec", "ingress", 0, "from", 1, "podSelector"])).toBe(24);
    expect(file.lineOf(1, ["spec", "ingress", 0, "from", 1, "podSelector", "matchLabels", "app"])).toBe(26);
    expect(file.lineOf(1, ["spec", "ingress", 0, "ports", 0, "port"])).toBe(28);
    expect(file.lineOf(2, ["spec", "podSelector", "matchLabels", "app"])).toBe(26);
  });

  it("for a field the file does not write, gives the line of the deepest part that it does", () => {
    const { file } = read(text);
    expect(file.lineOf(0, ["spec", "egress", 0])).toBe(5);
    expect(file.lineOf(1, ["spec", "ingress", 3, "from"])).toBe(20);
    expect(file.lineOf(0, [])).toBe(2);
  });
});

describe("the field types: verifier/kube/schemas.generated.json", () => {
  it("is what scripts/gen-kube-schemas.ts makes of the installed kubernetes-models", () => {
    expect(schemasAreCurrent()).toBe(true);
  });

  it("keeps the schema's integers and their Go types, which kubernetes-models' declarations lose", () => {
    const fields = (definition: string) => (generated.definitions as Record<string, Schema>)[definition].properties;
    expect([
      fields("v1/ContainerPort")!.containerPort,
      fields("v1/PodSpec")!.activeDeadlineSeconds,
      fields("v1/PodSecurityContext")!.supplementalGroups,
      fields("networking.k8s.io/v1/NetworkPolicyPort")!.port,
      fields("apps/v1/RollingUpdateDeployment")!.maxSurge,
      fields("v1/ResourceRequirements")!.limits,
      fields("apimachinery/apis/meta/v1/ObjectMeta")!.generation,
    ]).toEqual([
      { type: "integer", format: "int32" },
      { type: "integer", format: "int64" },
      { type: "array", items: { type: "integer", format: "int64" } },
      // IntOrString
      { type: ["integer", "string"], format: "int32" },
      { type: ["integer", "string"], format: "int32" },
      // Quantity: a number or a string, no Go integer
      { type: "object", additionalProperties: { type: ["number", "string"] } },
      { type: "integer", format: "int64" },
    ]);
  });

  it("covers every built-in kind the model reads", () => {
    const read = ["Namespace", "Pod", "NetworkPolicy", ...Object.keys(POD_TEMPLATE_PATHS)].sort();
    expect(BUILT_IN_KINDS.map((k) => k.kind).sort()).toEqual(read);
  });
});
