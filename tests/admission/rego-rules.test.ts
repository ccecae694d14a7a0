// Gatekeeper's rules for the Rego of a ConstraintTemplate, one by one, on small templates.
import { regoOf, regoProblems } from "../support/rego-rules";

const template = (code: object[], rego?: string) => ({
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8sx" },
  spec: {
    crd: { spec: { names: { kind: "K8sX" } } },
    targets: [{ target: "admission.k8s.gatekeeper.sh", ...(rego === undefined ? {} : { rego }), code }],
  },
});
const v1 = (rego: string) => template([{ engine: "Rego", source: { version: "v1", rego } }]);
const AT = "ConstraintTemplate k8sx spec.targets[0].code[0].source";

describe("regoOf()", () => {
  it("reads a code block's version, v0 unless it says v1; the legacy field is always v0 and wins", () => {
    expect(regoOf(v1("package x"))).toEqual({
      field: "spec.targets[0].code[0].source",
      rego: "package x",
      version: "v1",
    });
    expect(regoOf(template([{ engine: "Rego", source: { rego: "package x" } }]))?.version).toBe("v0");
    expect(regoOf(template([{ engine: "Rego", source: { rego: "a" } }], "b"))).toEqual({
      field: "spec.targets[0].rego",
      rego: "b",
      version: "v0",
    });
    expect(regoOf(template([{ engine: "K8sNativeValidation", source: {} }]))).toBeUndefined();
  });
});

describe("regoProblems()", () => {
  it("accepts imports of data.lib and future, and a violation rule", () => {
    const rego =
      'package x\nimport data.lib.helpers\nimport future.keywords.in\nviolation contains {"msg": m} if { m := data.lib.helpers.x }\n';
    expect(regoProblems(v1(rego))).toEqual([]);
  });

  it("refuses rego.v1, input and any other import, as Gatekeeper words it", () => {
    const rego =
      'package x\nimport rego.v1\nimport input.review\nimport data.inventory\nviolation contains {"msg": "m"} if { true }\n';
    expect(regoProblems(v1(rego))).toEqual([
      `${AT}: invalid import: bad import: "rego.v1" (a template imports only data.lib.* and future.*)`,
      `${AT}: invalid import: cannot import input: "input.review"`,
      `${AT}: invalid import: bad import: "data.inventory" (a template imports only data.lib.* and future.*)`,
    ]);
  });

  it("requires the violation rule, reads data only under lib and inventory, and knows http.send is disabled", () => {
    const rego =
      'package x\ndeny contains "m" if { data.inventory.cluster; data.other.x; http.send({"url": "https://example.com"}) }\n';
    expect(regoProblems(v1(rego))).toEqual([
      `${AT}: invalid rego: invalid module: missing required rules: [violation]`,
      `${AT}: invalid data references: disallowed ref data.other (only data.lib and data.inventory)`,
      `${AT}: calls http.send, which Gatekeeper disables (undefined function http.send)`,
    ]);
  });

  it("looks at code only: comments and strings may say anything", () => {
    const rego =
      '# import rego.v1\npackage x\nviolation contains {"msg": m} if { m := "import rego.v1 reads data.secret" }\n';
    expect(regoProblems(v1(rego))).toEqual([]);
  });

  it("accepts v0 Rego as v0 writes it, and v1 keywords in v0 only when imported from future.keywords", () => {
    const v0 = 'package x\nviolation[{"msg": m}] { m := "x" }\n';
    expect(regoProblems(template([], v0))).toEqual([]);
    const withFuture = 'package x\nimport future.keywords\nviolation contains {"msg": m} if { m := "x" }\n';
    expect(regoProblems(template([], withFuture))).toEqual([]);
    const withoutPackage = 'violation[{"msg": "m"}] { true }\n';
    expect(regoProblems(template([], withoutPackage))).toEqual([
      "ConstraintTemplate k8sx spec.targets[0].rego: has no package line (OPA: package expected)",
    ]);
  });
});
