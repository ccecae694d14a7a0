/**
 * The Rego runner against the real engines, when this machine has them (tests/rego-tools.ts):
 * each judges the lab's own samples with the Rego twin exactly as the CEL engine judges them with
 * the template the lab deploys, sees the input Gatekeeper's Rego driver gives, and still prints
 * what tests/fixtures/rego/ keeps of it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadPolicySuite } from "../../policies/suite";
import { AdmissionEngine } from "../../verifier/admission";
import { judgeRego, type RegoEngineName } from "../../verifier/admission/rego";
import { gatekeeperReview } from "../../verifier/admission/rego/review";
import { describeWith, realTool, REGO_SEARCH_PATH } from "../rego-tools";
import { BUSYBOX, NGINX_AND_BUSYBOX, RUN } from "./rego-scenario";
import { fixture } from "./rego-stand-in";

const suite = loadPolicySuite(path.join(__dirname, "..", "..", "policies", "k8sallowedrepos"));
const shipped = suite.cases.filter((c) => c.templateFile === "template.generated.yaml");
const regoOnly = suite.cases.filter((c) => c.templateFile === "template-rego.generated.yaml");

/** A Rego-only template whose one violation is Gatekeeper's input itself, as JSON. */
const DUMP_TEMPLATE = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8sdump" },
  spec: {
    crd: {
      spec: {
        names: { kind: "K8sDump" },
        validation: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    },
    targets: [
      {
        target: "admission.k8s.gatekeeper.sh",
        code: [
          {
            engine: "Rego",
            source: {
              version: "v1",
              rego: 'package k8sdump\n\nviolation contains {"msg": msg} if {\n\tmsg := json.marshal({"review": input.review, "parameters": input.parameters})\n}\n',
            },
          },
        ],
      },
    ],
  },
};
const dump = (name: string, parameters?: unknown) => ({
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sDump",
  metadata: { name },
  ...(parameters === undefined ? {} : { spec: { parameters } }),
});

for (const engine of ["gator", "opa"] as RegoEngineName[]) {
  describeWith(engine)(`the real ${engine}`, () => {
    const options = { searchPath: REGO_SEARCH_PATH, engines: [engine] };

    it("judges the lab's samples with the Rego twin as the CEL engine judges them with the deployed template", async () => {
      const judgement = await judgeRego(
        {
          templates: [regoOnly[0].template],
          constraints: [...new Set(regoOnly.map((c) => c.constraint))],
          objects: regoOnly.map((c) => c.object),
        },
        options,
      );
      expect(judgement.judgedBy?.engine).toBe(engine);
      const rego = regoOnly.map((c) => ({
        case: c.name,
        messages: judgement.messages(`K8sAllowedRepos/${(c.constraint.metadata as { name: string }).name}`, c.object),
      }));
      const cel = shipped.map((c) => {
        const ns = (c.object.metadata as { namespace: string }).namespace;
        const engineCel = new AdmissionEngine({
          templates: [c.template],
          constraints: [c.constraint],
          expansionTemplates: [],
          namespaces: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }],
        });
        return { case: c.name, messages: engineCel.review(c.object).violations.map((v) => v.message) };
      });
      expect(rego).toEqual(cel);
      expect(rego.filter((r) => r.messages!.length > 0)).toHaveLength(9);
    });

    it("gives the template Gatekeeper's input: the review of the object alone, the parameters or {}", async () => {
      const parameters = { n: 1.5, big: 12345678901, list: ["a"] };
      const judgement = await judgeRego(
        { templates: [DUMP_TEMPLATE], constraints: [dump("with", parameters), dump("without")], objects: [BUSYBOX] },
        options,
      );
      const seen = (name: string) => JSON.parse(judgement.messages(`K8sDump/${name}`, BUSYBOX)![0]);
      expect(seen("with")).toEqual({ review: gatekeeperReview(BUSYBOX), parameters });
      expect(seen("without")).toEqual({ review: gatekeeperReview(BUSYBOX), parameters: {} });
    });

    it("answers the protocol tests' run as the fixtures keep it", async () => {
      const judgement = await judgeRego(RUN, options);
      expect(judgement.messages("K8sBannedImages/banned-app", NGINX_AND_BUSYBOX)).toEqual([
        "container <fetch> uses the banned image <busybox:1.36>",
        "container <web> uses the banned image <nginx:1.27>",
      ]);
      expect(judgement.messages("K8sBannedImages/banned-nothing", BUSYBOX)).toEqual([]);
    });
  });
}

describeWith("gator")("the real gator's output", () => {
  it("is, for the fixture's input, the fixture", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gator-fixture-"));
    const file = path.join(dir, "review.yaml");
    fs.writeFileSync(file, fixture("gator-test.review.yaml"));
    const run = spawnSync(realTool("gator")!, ["test", "-f", file, "-o", "json"], { encoding: "utf8" });
    expect({ status: run.status, stdout: JSON.parse(run.stdout) }).toEqual({
      status: 1,
      stdout: JSON.parse(fixture("gator-test.stdout.json")),
    });
  });
});
