/** verifier/kube/names.ts: names, label keys and values as the API server checks them, by kind. */
import { validateObjectMeta } from "../../verifier/kube/names";

function problems(object: Record<string, unknown>): string[] {
  const found: string[] = [];
  validateObjectMeta(object, (path, problem) => found.push(`${path}: ${problem}`));
  return found;
}

const subdomain = "at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";

describe("names, by kind", () => {
  it("a Namespace's name is a DNS label, a Pod's a DNS subdomain", () => {
    expect(problems({ kind: "Namespace", metadata: { name: "team.data" } })).toEqual([
      `metadata.name: "team.data" is not a valid DNS label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)`,
    ]);
    expect(problems({ kind: "Pod", metadata: { name: "web.v2", namespace: "app" } })).toEqual([]);
    expect(problems({ kind: "Pod", metadata: { name: "-web", namespace: "app" } })).toEqual([
      `metadata.name: "-web" is not a valid DNS subdomain name (${subdomain})`,
    ]);
  });

  it("a CronJob's name takes at most 52 characters; a constraint's is a DNS subdomain", () => {
    expect(problems({ kind: "CronJob", metadata: { name: "b".repeat(52) } })).toEqual([]);
    expect(problems({ kind: "CronJob", metadata: { name: "b".repeat(53) } })).toEqual([
      `metadata.name: "${"b".repeat(53)}" is 53 characters long; a CronJob's name takes at most 52 (its Jobs add 11)`,
    ]);
    expect(
      problems({ apiVersion: "constraints.gatekeeper.sh/v1beta1", kind: "K8sAllowedRepos", metadata: { name: "App" } }),
    ).toEqual([`metadata.name: "App" is not a valid DNS subdomain name (${subdomain})`]);
  });

  it("leaves alone the names of kinds the verifier does not read, some of which are looser", () => {
    expect(problems({ kind: "ClusterRole", metadata: { name: "system:aggregate-to-view" } })).toEqual([]);
  });
});

describe("labels and annotations", () => {
  it("label keys with a prefix, values up to 63 characters, annotation keys in any case", () => {
    expect(
      problems({
        kind: "ConfigMap",
        metadata: {
          name: "c",
          labels: { "app.kubernetes.io/name": "web", "Example.com/x": "v", long: "v".repeat(64), empty: "" },
          annotations: { "Example.com/Note": "any text at all", "a/b/c": "x" },
        },
      }),
    ).toEqual([
      `metadata.labels: "Example.com/x" is not a valid label key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      `metadata.labels.long: "${"v".repeat(64)}" is not a valid label value (empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      `metadata.annotations: "a/b/c" is not a valid annotation key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
    ]);
  });

  it("non-strings, which only the program or an API response could hand in", () => {
    expect(problems({ kind: "Pod", metadata: { name: 3, labels: { x: [1, 2] }, annotations: "a" } })).toEqual([
      "metadata.name: must be a string",
      "metadata.labels.x: must be a string",
      "metadata.annotations: must be a mapping of strings to strings",
    ]);
  });
});
