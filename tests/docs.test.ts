// docs/lab.md is the repository's own specification: its tables are generated from the claims
// the verifier checks, and must not drift from them. The repository reads nothing outside itself.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { EXERCISES_DOC, LAB_DOC, renderExercisesDoc, renderLabDoc } from "../scripts/docs";
import { currentBlock, withBlock } from "../scripts/generated";
import type { AdmissionResult } from "../verifier/admission";
import { objectKey } from "../verifier/kube/object";
import { kubectlPrints, type KubectlSource, type Status } from "../verifier/kube/status";
import { ADMISSION_CLAIMS } from "../verifier/lab/claims";
import { HINTS } from "../verifier/lab/hints";
import { verify } from "./helpers";
import { BINDINGS, gatekeeper } from "./live/lab-cluster";

const ROOT = path.join(__dirname, "..");
const doc = fs.readFileSync(LAB_DOC, "utf8");
// Spelled in parts so that this file does not match its own search.
const SHARED = ["..", "shared"].join("/");

describe("docs/lab.md", () => {
  it("is what `npm run docs` writes from the claims today", async () => {
    expect(await renderLabDoc(doc)).toBe(doc);
  });

  it("shows what kubectl prints for the article's test, from the ValidatingAdmissionPolicy", () => {
    expect(doc).toContain(
      [
        "- `Pod/app/nginx` with `kubectl run nginx -n app --image=nginx`: refused by the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app (policy gatekeeper-k8sallowedrepos)",
        "",
        "  ```text",
        `  The pods "nginx" is invalid: : ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]`,
        "  ```",
      ].join("\n"),
    );
  });

  it("states the connectivity claims row by row, A and D per stage", () => {
    expect(doc).toContain(
      [
        "| flow | app | default-deny | allow-phpmyadmin | allowed-repos | zero-trust |",
        "|---|---|---|---|---|---|",
        "| phpmyadmin → mysql:3306/TCP | A | D | A | A | A |",
        "| intruder → mysql:3306/TCP | A | D | D | D | D |",
        "| outsider → mysql:3306/TCP | A | D | D | D | D |",
        "| mysql → kube-dns:53/UDP | A | D | D | D | D |",
        "| mysql → internet | A | D | D | D | D |",
        "| phpmyadmin → kube-dns:53/UDP | A | A | A | A | A |",
        "| phpmyadmin → internet | A | A | A | A | D |",
        "| intruder → phpmyadmin:80/TCP | A | A | A | A | D |",
        "| outsider → phpmyadmin:80/TCP | A | A | A | A | D |",
      ].join("\n"),
    );
  });

  it("states the admission claims, and what a denial must name", () => {
    expect(doc).toContain(
      "| Pod `app/nginx`, image `nginx` (the article's test) | admitted | denied, the message names `container <nginx>` and `image repo <nginx>` |",
    );
    expect(doc).toContain("| Pod `default/nginx` (namespace not constrained) | admitted | admitted |");
  });

  it("names the pinned images as the program pins them", () => {
    expect(doc).toContain(
      "| `data` | `tier=data` | MySQL (`app=mysql`, `tier=data`) | `docker.io/library/mysql:8.4.11` | 3306/TCP |",
    );
  });

  it("the drift check fails on a stale table", async () => {
    const stale = withBlock(doc, "docs/lab.md", "connectivity", "npm run docs", "| flow | app |\n|---|---|");
    expect(await renderLabDoc(stale)).toBe(doc);
    expect(stale).not.toBe(doc);
  });
});

describe("What a trainee sees, from the API server's Status objects by kubectl's printing rules", () => {
  // Each refusal the document shows: the object, the command, and the text kubectl prints.
  const refusals = [
    ...currentBlock(doc, "docs/lab.md", "denied-requests", "npm run docs").matchAll(
      /^- `([^`]+)` with `([^`]+)`: .*\n\n {2}```text\n {2}(.*)\n {2}```$/gm,
    ),
  ].map(([, object, command, text]) => ({ object, command, text }));
  let predicted: AdmissionResult[];
  beforeAll(async () => {
    const run = await verify("--stage", "allowed-repos", "--format", "json");
    predicted = (JSON.parse(run.stdout) as { admission: AdmissionResult[] }).admission;
  });

  /** The Status the stand-in API server answers the probe with, written from the API server's sources. */
  const served = (object: string): Status => {
    const probe = ADMISSION_CLAIMS.flatMap((c) => (c.probes === "lab-workloads" ? [] : c.probes)).find(
      (p) => objectKey(p.object) === object,
    )!;
    const metadata = probe.object.metadata as { namespace: string };
    return gatekeeper(BINDINGS)({
      operation: probe.update ? "UPDATE" : "CREATE",
      resource: `${String(probe.object.kind).toLowerCase()}s`,
      subresource: probe.update?.subresource ?? "",
      namespace: metadata.namespace,
      object: probe.object,
    }) as Status;
  };
  const sourceOf = (command: string): KubectlSource | undefined =>
    command.startsWith("kubectl create -f ")
      ? { verb: "creating", file: command === "kubectl create -f -" ? "STDIN" : command.slice(18) }
      : undefined;

  it("shows the five refusals of the stage allowed-repos", () => {
    expect(refusals.map((r) => r.object)).toEqual([
      "Pod/app/nginx",
      "Pod/data/busybox",
      "Deployment/app/nginx",
      "Pod/app/init-busybox",
      "Pod/app/ephemeral-busybox",
    ]);
  });

  it("prints, byte for byte, what kubectl prints for the Status the API server serves (and the verifier predicts)", () => {
    for (const { object, command, text } of refusals) {
      const status = served(object);
      expect([object, kubectlPrints(status, sourceOf(command))]).toEqual([object, `${text}\n`]);
      expect([object, predicted.find((a) => a.object === object)!.enforcement!.status]).toEqual([object, status]);
    }
  });

  it("would not, were the cause of a 422 to name a field: kubectl prints its details, not its message", () => {
    const { command, text } = refusals[0];
    const status = served("Pod/app/nginx");
    const withField = { ...status, details: { ...status.details, causes: [{ field: "spec", message: "m" }] } };
    expect(kubectlPrints(withField, sourceOf(command))).toBe('The pods "nginx" is invalid: spec: m\n');
    expect(kubectlPrints(withField, sourceOf(command))).not.toBe(`${text}\n`);
  });
});

describe("docs/exercises.md", () => {
  const exercises = fs.readFileSync(EXERCISES_DOC, "utf8");

  it("is what `npm run docs` writes from the accepted kinds, the claims and the hints today", () => {
    expect(renderExercisesDoc(exercises)).toBe(exercises);
    const stale = withBlock(exercises, "docs/exercises.md", "hints", "npm run docs", "- (none)");
    expect(stale).not.toBe(exercises);
    expect(renderExercisesDoc(stale)).toBe(exercises);
  });

  it("lists every hint, in its own words, with the parts it names", () => {
    const listed = exercises.slice(exercises.indexOf("<!-- hints:start"), exercises.indexOf("<!-- hints:end"));
    expect(listed.split("\n").filter((line) => line.startsWith("- **"))).toHaveLength(Object.keys(HINTS).length);
    expect(listed).toContain(
      "- **a flow the stage denies is open, and the policy selecting the pod does not isolate that direction**: POLICY selects POD, but its policyTypes are TYPES: without POLICY_TYPE, POD's DIRECTION stays open; add POLICY_TYPE to policyTypes",
    );
  });

  it("states each stage's objective from the claims, and what an exercise may hold", () => {
    expect(exercises).toContain(
      [
        "### Stage 2: `default-deny`",
        "",
        "**Write:** A NetworkPolicy in `data` that selects every pod (`podSelector: {}`) and isolates it for both Ingress and Egress, with no rule: nothing reaches MySQL, and MySQL reaches nothing (`exercises/example` is this answer).",
        "",
        "**Graded against** the claims of docs/lab.md for `default-deny`:",
        "",
        "| claim | expected |",
        "|---|---|",
        "| phpmyadmin → mysql:3306/TCP | denied |",
      ].join("\n"),
    );
    expect(exercises).toContain(
      "| `expansion.gatekeeper.sh/v1beta1`, `expansion.gatekeeper.sh/v1alpha1` | ExpansionTemplate | cluster-scoped |",
    );
  });

  it("is linked from the README's section on exercises", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("## Exercises");
    expect(readme).toContain("](docs/exercises.md)");
  });
});

describe("the repository", () => {
  it("links its own specification from the README, not a file outside it", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("](docs/lab.md)");
    expect(readme).not.toContain(SHARED);
  });

  it("reads nothing outside itself, except the optional comparison with the course's LAB.md", () => {
    const tracked = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((f) => /\.(ts|js|mjs|json|ya?ml|md|sh)$|^\.ci\/run$/.test(f) && f !== "package-lock.json");
    // A path out of the repository to the course material: written as a relative path, or
    // joined from its parts.
    const outside = new RegExp(`\\.\\./${"shared"}|"\\.\\.",\\s*"\\.\\.",\\s*"${"shared"}"`);
    const offenders = tracked.filter((file) => outside.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
    expect(offenders).toEqual(["tests/claims-spec.test.ts"]);
  });
});
