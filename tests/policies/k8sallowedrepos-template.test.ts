/** The ConstraintTemplate assembled from the policy's files, and the look-alike lint. */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import {
  ALLOWED_REPOS_KIND,
  allowedReposTemplate,
  lookAlikeEntries,
  lookAlikeWarning,
} from "../../policies/k8sallowedrepos/template";

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
            rego: read("src.rego"),
            code: [{ engine: "K8sNativeValidation", source: parseYaml(read("src.cel.yaml")) }],
          },
        ],
      },
    });
  });

  it("carries the rego byte for byte, in the modern syntax", () => {
    const rego = allowedReposTemplate().spec.targets[0].rego;
    expect(rego).toBe(read("src.rego"));
    expect(rego).toMatch(/^package k8sallowedrepos$/m);
    expect(rego).toMatch(/^import rego\.v1$/m);
    expect(rego).toContain('violation contains {"msg": msg} if {');
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
