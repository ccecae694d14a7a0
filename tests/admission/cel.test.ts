/** The K8sNativeValidation engine: bindings, messages, errors, and what it refuses to guess. */
import { allowedReposTemplate } from "../../policies/k8sallowedrepos/template";
import { AdmissionEngine, AdmissionInputError } from "../../verifier/admission";
import { celTemplate, constraintOf, engine, labAppConstraint, pod, type Obj } from "./fixtures";

const podKinds = { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] };
const nginx = pod("app", "nginx", [{ name: "nginx", image: "nginx" }]);

/** An engine with one CEL template of kind K8sTest and one constraint on Pods. */
function testEngine(source: Obj, spec: Obj = {}): AdmissionEngine {
  return engine({
    templates: [celTemplate("K8sTest", source)],
    constraints: [constraintOf("K8sTest", "test", { match: podKinds, ...spec })],
  });
}

const messages = (e: AdmissionEngine, obj: Obj = nginx, op?: "CREATE" | "UPDATE", old?: Obj): string[] =>
  e.review(obj, op, old).violations.map((v) => v.message);

describe("enforcementAction", () => {
  it.each(["warn", "dryrun"])("reports a %s violation with its action and admits the object", (action) => {
    const result = engine({ constraints: [labAppConstraint({ enforcementAction: action })] }).review(nginx);
    expect(result.allowed).toBe(true);
    expect(result.violations).toEqual([
      {
        constraint: "K8sAllowedRepos/allowed-repos-app",
        enforcementAction: action,
        message:
          'container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]',
      },
    ]);
  });

  it("denies when any matching constraint denies", () => {
    const warn = constraintOf("K8sAllowedRepos", "warn-only", {
      match: podKinds,
      enforcementAction: "warn",
      parameters: { repos: [] },
    });
    const result = engine({ constraints: [warn, labAppConstraint()] }).review(nginx);
    expect(result.allowed).toBe(false);
    expect(result.violations.map((v) => `${v.constraint} ${v.enforcementAction}`)).toEqual([
      "K8sAllowedRepos/warn-only warn",
      "K8sAllowedRepos/allowed-repos-app deny",
    ]);
  });

  it("refuses an action it does not know", () => {
    expect(() => engine({ constraints: [labAppConstraint({ enforcementAction: "scoped" })] })).toThrow(
      new AdmissionInputError(
        'K8sAllowedRepos/allowed-repos-app: spec.enforcementAction is "scoped"; accepted: deny, warn, dryrun',
      ),
    );
  });
});

describe("templates the engine cannot or will not evaluate", () => {
  const regoOnly: Obj = {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: { name: "k8sfoo" },
    spec: {
      crd: { spec: { names: { kind: "K8sFoo" } } },
      targets: [{ target: "admission.k8s.gatekeeper.sh", rego: 'package k8sfoo\nviolation[{"msg": "no"}] { true }\n' }],
    },
  };

  it("says plainly that a Rego-only template was not evaluated, and leaves the verdict unjudged", () => {
    const e = engine({
      templates: [regoOnly],
      constraints: [constraintOf("K8sFoo", "bar", { match: { namespaces: ["app"] } })],
    });
    const why =
      "no Rego engine was run; gator (https://open-policy-agent.github.io/gatekeeper/website/docs/gator) or opa judges it";
    expect(e.review(nginx)).toEqual({
      object: "Pod/app/nginx",
      allowed: true,
      violations: [],
      notes: [
        `K8sFoo/bar: template k8sfoo has only Rego and was not judged, so this object's verdict ignores it: ${why}`,
      ],
      judged: false,
      notJudgedBy: [{ constraint: "K8sFoo/bar", template: "k8sfoo", why }],
    });
    // Not selected: judged.
    expect(e.review(pod("data", "db", []))).toEqual({
      object: "Pod/data/db",
      allowed: true,
      violations: [],
      notes: [],
    });
  });

  it("judges what a CEL constraint denies whatever a Rego-only one would say, and a Rego constraint that only warns", () => {
    const e = engine({
      templates: [regoOnly, allowedReposTemplate()],
      constraints: [
        constraintOf("K8sFoo", "bar", { match: { namespaces: ["app"] } }),
        constraintOf("K8sFoo", "warns", { enforcementAction: "warn", match: { namespaces: ["data"] } }),
        labAppConstraint(),
      ],
    });
    const denied = e.review(nginx);
    expect([denied.allowed, denied.judged, denied.notJudgedBy]).toEqual([false, undefined, undefined]);
    const warned = e.review(pod("data", "db", []));
    expect([warned.allowed, warned.judged, warned.notJudgedBy]).toEqual([true, undefined, undefined]);
  });

  it("uses the CEL of a template that has both engines", () => {
    const template = allowedReposTemplate();
    expect(template.spec.targets[0].code.map((c) => c.engine)).toEqual(["K8sNativeValidation", "Rego"]);
    expect(engine({ templates: [template] }).review(nginx).notes).toEqual([]);
  });

  it("refuses a constraint whose template is missing", () => {
    expect(() => engine({ constraints: [labAppConstraint(), constraintOf("K8sMissing", "x")] })).toThrow(
      new AdmissionInputError("K8sMissing/x: no ConstraintTemplate among the templates defines kind K8sMissing"),
    );
  });

  it("refuses a function of Gatekeeper's environment that it does not implement", () => {
    expect(() => testEngine({ validations: [{ expression: "object.metadata.name.find('[a-z]+') == 'x'" }] })).toThrow(
      new AdmissionInputError(
        "ConstraintTemplate k8stest: validations[0].expression \"object.metadata.name.find('[a-z]+') == 'x'\" does not compile: <input>:1:21: function 'find' belongs to Gatekeeper's CEL environment, but this offline evaluator does not implement it",
      ),
    );
  });
});

describe("the CEL environment", () => {
  it("accepts the standard library, its macros, type names and the strings extension", () => {
    const expressions = [
      "[1, 2].exists_one(x, x == 1) && [1, 2].all(x, x > 0) && [1, 2, 3].map(x, x > 1, x * 2) == [4, 6]",
      "type(object.spec.containers) == list && int('3') == 3 && string(1u) == '1' && dyn(1) == 1",
      "'a,b'.split(',').join('-') == 'a-b' && 'Ab'.lowerAscii() == 'ab' && strings.quote('a') == '\"a\"'",
      "object.metadata.name.matches('^ng') && object.metadata.name.indexOf('i') == 2 && 'x' in ['x']",
      "duration('2s') > duration('1s') && [object, oldObject].exists(o, o != null && o.kind == 'Pod')",
    ];
    const e = testEngine({ validations: expressions.map((expression) => ({ expression })) });
    expect(messages(e)).toEqual([]);
  });
});

describe("compile errors", () => {
  it("name the template, the expression and the CEL error, all at once", () => {
    const template = allowedReposTemplate();
    const variables = template.spec.targets[0].code[0].source.variables;
    variables[0].expression = "variables.repos";
    variables[2].expression = "has(variables.anyObject.spec) &&";
    expect(() => engine({ templates: [template] })).toThrow(
      new AdmissionInputError([
        "ConstraintTemplate k8sallowedrepos: variables[0].expression \"variables.repos\" does not compile: <input>:1:10: undefined field 'repos'",
        'ConstraintTemplate k8sallowedrepos: variables[2].expression "has(variables.anyObject.spec) &&" does not compile: <input>:1:31: found & but expecting end of input',
      ]),
    );
  });

  it("catch undeclared identifiers and reserved variable names", () => {
    expect(() =>
      testEngine({
        variables: [{ name: "params", expression: "1" }],
        validations: [{ expression: "obj.spec == null", messageExpression: "params.spec" }],
      }),
    ).toThrow(
      new AdmissionInputError([
        "ConstraintTemplate k8stest: variables[0].name params is reserved by Gatekeeper",
        "ConstraintTemplate k8stest: validations[0].expression \"obj.spec == null\" does not compile: <input>:1:1: undeclared reference to 'obj' (in container '')",
        "ConstraintTemplate k8stest: validations[0].messageExpression \"params.spec\" does not compile: <input>:1:1: undeclared reference to 'params' (in container '')",
      ]),
    );
  });
});

describe("runtime errors", () => {
  it("deny with the failed expression and the error (Gatekeeper fails closed)", () => {
    const result = testEngine({ validations: [{ expression: "object.spec.nodeName == 'x'" }] }).review(nginx);
    expect(result.allowed).toBe(false);
    expect(result.violations).toEqual([
      {
        constraint: "K8sTest/test",
        enforcementAction: "deny",
        message: "expression 'object.spec.nodeName == 'x'' resulted in error: field not found: nodeName",
      },
    ]);
  });

  it("admit, with a note, under failurePolicy Ignore", () => {
    const result = testEngine({
      failurePolicy: "Ignore",
      validations: [{ expression: "object.spec.nodeName == 'x'" }],
    }).review(nginx);
    expect(result).toEqual({
      object: "Pod/app/nginx",
      allowed: true,
      violations: [],
      notes: [
        "K8sTest/test: validations[0] could not be evaluated and the template's failurePolicy Ignore admits it: expression 'object.spec.nodeName == 'x'' resulted in error: field not found: nodeName",
      ],
    });
  });

  it("surface from a variable only where the variable is used", () => {
    const e = testEngine({
      variables: [{ name: "node", expression: "variables.anyObject.spec.nodeName" }],
      validations: [{ expression: "true || variables.node == 'x'" }, { expression: "variables.node == 'x'" }],
    });
    expect(messages(e)).toEqual(["expression 'variables.node == 'x'' resulted in error: field not found: nodeName"]);
  });
});

describe("messages", () => {
  it("fall back from a multi-line messageExpression to message, then to the expression", () => {
    const e = testEngine({
      validations: [
        { expression: "1 == 2", messageExpression: "'two\\nlines'", message: "  the message  " },
        { expression: " 1 == 3 ", messageExpression: "''" },
        { expression: "1 == 4", messageExpression: "1" },
      ],
    });
    expect(messages(e)).toEqual(["the message", "failed expression: 1 == 3", "failed expression: 1 == 4"]);
  });

  it("come from messageExpression, trimmed", () => {
    const e = testEngine({
      validations: [{ expression: "false", messageExpression: "'  pod ' + object.metadata.name + ' '" }],
    });
    expect(messages(e)).toEqual(["pod nginx"]);
  });
});

describe("bindings", () => {
  it("bind variables.params to the constraint's parameters, and earlier variables in order", () => {
    const e = testEngine(
      {
        variables: [
          { name: "limit", expression: "variables.params.limit" },
          { name: "twice", expression: "variables.limit * 2" },
        ],
        validations: [{ expression: "false", messageExpression: "string(variables.twice)" }],
      },
      { parameters: { limit: 21 } },
    );
    expect(messages(e)).toEqual(["42"]);
  });

  it("bind variables.params to null when the constraint has no parameters", () => {
    const e = testEngine({ validations: [{ expression: "variables.params != null", message: "no parameters" }] });
    expect(messages(e)).toEqual(["no parameters"]);
  });

  it("bind oldObject to null on CREATE and to the previous object on UPDATE", () => {
    const e = testEngine({
      validations: [
        {
          expression: "false",
          messageExpression:
            "request.operation + ' old=' + (oldObject == null ? 'null' : oldObject.metadata.labels.v) + ' any=' + variables.anyObject.metadata.labels.v",
        },
      ],
    });
    const v2 = pod("app", "web", [], { labels: { v: "2" } });
    const v1 = pod("app", "web", [], { labels: { v: "1" } });
    expect(messages(e, v2)).toEqual(["CREATE old=null any=2"]);
    expect(messages(e, v2, "UPDATE", v1)).toEqual(["UPDATE old=1 any=2"]);
    expect(messages(e, v2, "UPDATE")).toEqual(["UPDATE old=2 any=2"]);
  });

  it("bind namespaceObject and whole JSON numbers as CEL ints", () => {
    const e = testEngine({
      validations: [
        {
          expression: "false",
          messageExpression:
            "namespaceObject.metadata.labels.tier + ' ' + string(object.spec.priority + 1) + ' ' + string(object.spec.ratio)",
        },
      ],
    });
    expect(messages(e, pod("app", "p", [], { spec: { priority: 41, ratio: 0.5 } }))).toEqual(["app 42 0.5"]);
  });
});

describe("the reviewed object", () => {
  it("must have apiVersion, kind and a name", () => {
    expect(() => engine().review({ kind: "Pod", metadata: { name: "x" } })).toThrow(
      new AdmissionInputError("the reviewed object needs apiVersion, kind and metadata.name"),
    );
  });
});
