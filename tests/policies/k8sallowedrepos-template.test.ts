/** The ConstraintTemplate assembled from the policy's files, and the look-alike lint. */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { lookAlikeEntries, lookAlikeWarning } from "../../policies/k8sallowedrepos/look-alike";
import { ALLOWED_REPOS_KIND, allowedReposTemplate } from "../../policies/k8sallowedrepos/template";
import { regoOf, regoProblems } from "../../verifier/admission/rego-rules";

const policyDir = path.join(__dirname, "..", "..", "policies", "k8sallowedrepos");
const read = (file: string): string => fs.readFileSync(path.join(policyDir, file), "utf8");

describe("allowedReposTemplate()", () => {
  it("is the templates.gatekeeper.sh/v1 ConstraintTemplate built from src.rego and src.cel.yaml", () => {
    expect(allowedReposTemplate()).toEqual({
      apiVersion: "templates.gatekeeper.sh/v1",
      kind: "ConstraintTemplate",
      metadata: {
        name: "k8sallowedrepos",
        annotations: {
          description:
            "Requires container images (containers, initContainers and ephemeralContainers) to begin with a repo string from a specified list.",
        },
      },
      spec: {
        crd: {
          spec: {
            names: { kind: "K8sAllowedRepos" },
            validation: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  repos: {
                    type: "array",
                    description:
                      'The prefixes an image must begin with. End each with "/", ":" or "@" so that it cannot admit look-alike repositories.',
                    items: { type: "string" },
                  },
                },
              },
            },
          },
        },
        targets: [
          {
            target: "admission.k8s.gatekeeper.sh",
            code: [
              {
                engine: "K8sNativeValidation",
                source: { ...parseYaml(read("src.cel.yaml")), generateVAP: true, failurePolicy: "Fail" },
              },
              { engine: "Rego", source: { version: "v1", rego: read("src.rego") } },
            ],
          },
        ],
      },
    });
  });

  it("carries src.rego byte for byte (the text opa test runs), as Rego v1 in a code block, with no legacy rego field", () => {
    const [target] = allowedReposTemplate().spec.targets;
    expect(Object.keys(target).sort()).toEqual(["code", "target"]);
    expect(target.code[1]).toEqual({ engine: "Rego", source: { version: "v1", rego: read("src.rego") } });
    expect(target.code[1].source.rego).toMatch(/^package k8sallowedrepos$/m);
    expect(target.code[1].source.rego).toContain('violation contains {"msg": msg} if {');
    expect(target.code[1].source.rego).not.toMatch(/^\s*import\b/m);
  });

  it("gives the generated ValidatingAdmissionPolicy the failure policy it is asked for", () => {
    expect(allowedReposTemplate({ failurePolicy: "Ignore" }).spec.targets[0].code[0].source).toMatchObject({
      generateVAP: true,
      failurePolicy: "Ignore",
    });
  });

  it("carries a CEL source with variables and one validation with a messageExpression", () => {
    const [code] = allowedReposTemplate().spec.targets[0].code;
    expect(code.engine).toBe("K8sNativeValidation");
    expect(code.source.variables.map((v) => v.name)).toEqual([
      "containers",
      "initContainers",
      "ephemeralContainers",
      "allContainers",
      "repos",
      "reposText",
      "badContainers",
    ]);
    expect(code.source.validations).toHaveLength(1);
    expect(code.source.validations[0].messageExpression).toContain("variables.reposText");
  });

  it("defines the kind the constraints use, and returns a fresh object on every call", () => {
    expect(ALLOWED_REPOS_KIND).toBe("K8sAllowedRepos");
    const first = allowedReposTemplate();
    first.metadata.name = "changed";
    expect(allowedReposTemplate().metadata.name).toBe("k8sallowedrepos");
  });
});

describe("lookAlikeEntries()", () => {
  it("flags the article's bare prefix with an image it would wrongly admit", () => {
    expect(lookAlikeEntries(["phpmyadmin"])).toEqual([{ entry: "phpmyadmin", example: "phpmyadminevil/miner" }]);
  });

  it("is silent for entries that end at a tag, a namespace or a digest", () => {
    expect(lookAlikeEntries(["docker.io/library/phpmyadmin:", "registry.example/team/", "repo@"])).toEqual([]);
  });

  it("flags each bad entry of a mixed list, in order, including a registry without its slash", () => {
    expect(lookAlikeEntries(["docker.io/library/mysql:", "docker.io", "mysql"])).toEqual([
      { entry: "docker.io", example: "docker.ioevil/miner" },
      { entry: "mysql", example: "mysqlevil/miner" },
    ]);
  });
});

describe("lookAlikeWarning()", () => {
  it("is the one sentence the config and the verifier print", () => {
    expect(lookAlikeWarning("allowedReposApp", "phpmyadmin", "phpmyadminevil/miner")).toBe(
      'allowedReposApp entry "phpmyadmin" admits look-alike repositories (it would admit "phpmyadminevil/miner"); end it with "/", ":" or "@"',
    );
  });
});

describe("the template against Gatekeeper's rules for Rego", () => {
  /** The template as Gatekeeper's Rego engine sees it when the CEL engine is off: no CEL block. */
  const withoutCel = () => {
    const template = allowedReposTemplate() as any;
    template.spec.targets[0].code = template.spec.targets[0].code.filter(
      (c: any) => c.engine !== "K8sNativeValidation",
    );
    return template;
  };

  it("is accepted by Gatekeeper's Rego engine with its CEL block removed, read as Rego v1", () => {
    const template = withoutCel();
    expect(template.spec.targets[0].code.map((c: any) => c.engine)).toEqual(["Rego"]);
    expect(regoOf(template)).toEqual({
      field: "spec.targets[0].code[0].source",
      rego: read("src.rego"),
      version: "v1",
    });
    expect(regoProblems(template)).toEqual([]);
  });

  it("would be refused as it shipped before: import rego.v1 in the legacy rego field, read as v0", () => {
    const template = withoutCel();
    template.spec.targets[0] = {
      target: "admission.k8s.gatekeeper.sh",
      rego: read("src.rego").replace("package k8sallowedrepos\n", "package k8sallowedrepos\n\nimport rego.v1\n"),
    };
    expect(regoProblems(template)).toEqual([
      'ConstraintTemplate k8sallowedrepos spec.targets[0].rego: invalid import: bad import: "rego.v1" (a template imports only data.lib.* and future.*)',
      'ConstraintTemplate k8sallowedrepos spec.targets[0].rego: is read as Rego v0, where "if", "contains", "in" need import future.keywords (rego_parse_error); ship Rego v1 in a code block with version "v1"',
    ]);
  });

  it('would be read as v0 under any version but "v1", and refuses the legacy field beside a code block', () => {
    const template = withoutCel();
    template.spec.targets[0].code[0].source.version = "V1";
    expect(regoProblems(template)).toEqual([
      'ConstraintTemplate k8sallowedrepos spec.targets[0].code[0].source.version: "V1" is read as Rego v0; Gatekeeper knows "v0" and "v1"',
      'ConstraintTemplate k8sallowedrepos spec.targets[0].code[0].source: is read as Rego v0, where "if", "contains", "in" need import future.keywords (rego_parse_error); ship Rego v1 in a code block with version "v1"',
    ]);
    const both = withoutCel();
    both.spec.targets[0].rego = 'package x\nviolation[{"msg": m}] { m := "x" }\n';
    expect(regoProblems(both)).toEqual([
      "ConstraintTemplate k8sallowedrepos spec.targets[0].rego: overrides the Rego code block, and is read as Rego v0; keep the Rego in one place",
    ]);
  });
});
