/**
 * suite.yaml through the CEL engine: every sample reviewed by the offline AdmissionEngine
 * with allowedReposTemplate(), compared message for message. (The Rego engine reads the
 * same cases in src_test.rego.)
 */
import * as path from "path";
import { lookAlikeEntries } from "../../policies/k8sallowedrepos/look-alike";
import { allowedReposTemplate } from "../../policies/k8sallowedrepos/template";
import { listSampleFiles, loadPolicySuite } from "../../policies/suite";
import { AdmissionEngine } from "../../verifier/admission";

const policyDir = path.join(__dirname, "..", "..", "policies", "k8sallowedrepos");
const suite = loadPolicySuite(policyDir);

function reviewCase(constraint: Record<string, unknown>, object: Record<string, unknown>) {
  const ns = (object.metadata as { namespace: string }).namespace;
  return new AdmissionEngine({
    templates: [allowedReposTemplate()],
    constraints: [constraint],
    expansionTemplates: [],
    namespaces: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }],
  }).review(object);
}

describe("k8sallowedrepos suite, CEL engine", () => {
  it.each(suite.cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const result = reviewCase(c.constraint, c.object);
    expect(result.violations.map((v) => v.message)).toEqual(c.violations);
    expect(result.allowed).toBe(c.violations.length === 0);
    expect(result.notes).toEqual([]);
  });
});

describe("k8sallowedrepos suite itself", () => {
  it("covers the cases the lab promises", () => {
    expect(suite.policy).toBe("k8sallowedrepos");
    expect(suite.cases.map((c) => c.id)).toEqual([
      "lab-app/lab-phpmyadmin-pod-without-initcontainers-is-allowed",
      "lab-app/allowed-initcontainer-is-allowed",
      "lab-app/article-nginx-pod-is-denied",
      "lab-app/busybox-initcontainer-is-denied",
      "lab-app/busybox-ephemeralcontainer-is-denied",
      "lab-app/two-bad-containers-are-named-in-one-message",
      "lab-app/lookalike-is-denied-by-the-lab-entry",
      "lab-data/lab-mysql-pod-is-allowed",
      "lab-data/busybox-pod-is-denied",
      "article/article-phpmyadmin-pod-is-allowed",
      "article/article-nginx-pod-is-denied",
      "article/bare-prefix-admits-a-lookalike",
      "empty-repos/everything-is-denied",
      "no-parameters/everything-is-denied",
    ]);
  });

  it("references every sample file, and nothing else", () => {
    const referenced = new Set(suite.cases.flatMap((c) => [c.constraintFile, c.objectFile]));
    expect([...referenced].sort()).toEqual(listSampleFiles(policyDir));
  });

  it("only holds objects their constraint selects, since the Rego engine sees no match", () => {
    // A deny-everything copy of each constraint must refuse each of its objects.
    for (const c of suite.cases) {
      const spec = { ...(c.constraint.spec as Record<string, unknown>), parameters: { repos: [] } };
      expect({ id: c.id, allowed: reviewCase({ ...c.constraint, spec }, c.object).allowed }).toEqual({
        id: c.id,
        allowed: false,
      });
    }
  });

  it("keeps the lab's own samples free of look-alike entries", () => {
    const labRepos = suite.cases
      .filter((c) => c.test.startsWith("lab-"))
      .flatMap((c) => (c.constraint.spec as { parameters: { repos: string[] } }).parameters.repos);
    expect(lookAlikeEntries(labRepos)).toEqual([]);
  });
});
