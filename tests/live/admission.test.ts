// How an API server's answer to a dry-run request is read against the predicted verdict.
import type { AdmissionResult } from "../../verifier/admission";
import { failure } from "../../verifier/kube/status";
import { observeAdmission, summarizeAdmission } from "../../verifier/live/admission";

const CAUSE =
  "ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: container <nginx> has an invalid image repo <nginx>, allowed repos are [\"docker.io/library/phpmyadmin:\"]";
const VAP = failure(422, "Invalid", `pods "nginx" is forbidden: ${CAUSE}`, {
  name: "nginx",
  kind: "pods",
  causes: [{ message: CAUSE }],
});
const WEBHOOK = failure(
  403,
  "Forbidden",
  'admission webhook "validation.gatekeeper.sh" denied the request: [allowed-repos-app] container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]',
);

/** The prediction for the article's nginx pod at allowed-repos: refused by the VAP binding. */
const deniedByVap: AdmissionResult = {
  object: "Pod/app/nginx",
  allowed: false,
  violations: [],
  notes: [],
  enforcement: {
    points: [],
    deniedBy: {
      kind: "ValidatingAdmissionPolicy",
      policy: "gatekeeper-k8sallowedrepos",
      binding: "gatekeeper-k8sallowedrepos-allowed-repos-app",
      constraint: "K8sAllowedRepos/allowed-repos-app",
    },
    status: VAP,
  },
};
const admitted: AdmissionResult = { object: "Pod/app/phpmyadmin", allowed: true, violations: [], notes: [] };

describe("a dry-run answer against the prediction", () => {
  it("matches a denial only with the same Status, whole: code, reason, message and details", () => {
    expect(observeAdmission(deniedByVap, { ok: false, status: VAP })).toEqual({
      object: "Pod/app/nginx",
      observed: "denied",
      status: VAP,
      matches: true,
      evidence: `Pod/app/nginx: denied as predicted: 422 Invalid: ${VAP.message}`,
    });
    expect(observeAdmission(deniedByVap, { ok: false, status: { ...VAP, message: `${VAP.message}.` } }).matches).toBe(
      false,
    );
    expect(observeAdmission(deniedByVap, { ok: false, status: { ...VAP, reason: "Forbidden" } }).matches).toBe(false);
    // The same code, reason and message with another cause: the evidence shows both objects.
    const otherCause = { ...VAP, details: { ...VAP.details, causes: [{ field: "spec", message: CAUSE }] } };
    expect(observeAdmission(deniedByVap, { ok: false, status: otherCause })).toEqual({
      object: "Pod/app/nginx",
      observed: "denied",
      status: otherCause,
      matches: false,
      evidence: `Pod/app/nginx: denied, but not as predicted: predicted ${JSON.stringify(VAP)}, observed ${JSON.stringify(otherCause)}`,
    });
  });

  it("names the webhook answering where the binding was predicted, and whether the binding exists", () => {
    const missing = observeAdmission(
      deniedByVap,
      { ok: false, status: WEBHOOK },
      new Set(["gatekeeper-k8sallowedrepos-allowed-repos-app"]),
    );
    expect(missing).toEqual({
      object: "Pod/app/nginx",
      observed: "denied",
      status: WEBHOOK,
      matches: false,
      evidence: `Pod/app/nginx: denied, but not as predicted: predicted 422 Invalid: ${VAP.message}, observed 403 Forbidden: ${WEBHOOK.message}; the webhook answered where the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app (policy gatekeeper-k8sallowedrepos) was predicted, and that binding does not exist: Gatekeeper creates it about 30 s after the constraint, or did not create it (kubectl get validatingadmissionpolicybinding gatekeeper-k8sallowedrepos-allowed-repos-app)`,
    });
    expect(observeAdmission(deniedByVap, { ok: false, status: WEBHOOK }).evidence).toMatch(
      /; the webhook answered where the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app \(policy gatekeeper-k8sallowedrepos\) was predicted, although that binding exists$/,
    );
  });

  it("reads a denial where admission was predicted as a mismatch, whoever denied (Pod Security here)", () => {
    const podSecurity = failure(
      403,
      "Forbidden",
      'pods "phpmyadmin" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "phpmyadmin" must set securityContext.runAsNonRoot=true)',
      { name: "phpmyadmin", kind: "pods" },
    );
    expect(observeAdmission(admitted, { ok: false, status: podSecurity })).toEqual({
      object: "Pod/app/phpmyadmin",
      observed: "denied",
      status: podSecurity,
      matches: false,
      evidence: `Pod/app/phpmyadmin: predicted admitted, observed denied: 403 Forbidden: ${podSecurity.message}`,
    });
  });

  it("reads a 409 as admitted (the registry checks for the name after admission), a 404 as not probed", () => {
    const exists = failure(409, "AlreadyExists", 'deployments.apps "phpmyadmin" already exists', {
      name: "phpmyadmin",
      group: "apps",
      kind: "deployments",
    });
    expect(
      observeAdmission({ ...admitted, object: "Deployment/app/phpmyadmin" }, { ok: false, status: exists }),
    ).toEqual({
      object: "Deployment/app/phpmyadmin",
      observed: "admitted",
      matches: true,
      evidence: `Deployment/app/phpmyadmin: admitted: the dry run passed admission, then got 409 AlreadyExists: deployments.apps "phpmyadmin" already exists, as the object exists`,
    });
    const noNamespace = failure(404, "NotFound", 'namespaces "app" not found', { name: "app", kind: "namespaces" });
    expect(observeAdmission(deniedByVap, { ok: false, status: noNamespace })).toEqual({
      object: "Pod/app/nginx",
      observed: "not probed",
      status: noNamespace,
      matches: false,
      evidence:
        'Pod/app/nginx: not probed: the request did not reach admission: 404 NotFound: namespaces "app" not found',
    });
  });

  it("reads an admission where a denial was predicted as a mismatch", () => {
    expect(observeAdmission(deniedByVap, { ok: true, object: {} })).toEqual({
      object: "Pod/app/nginx",
      observed: "admitted",
      matches: false,
      evidence: `Pod/app/nginx: predicted denied (422 Invalid: ${VAP.message}), observed admitted (dry run)`,
    });
  });
});

describe("a claim row from its requests", () => {
  const row = (...observed: ("admitted" | "denied" | "not probed")[]) =>
    summarizeAdmission(
      observed.map((o, i) => ({
        object: `Pod/app/p${i}`,
        observed: o,
        matches: o !== "not probed",
        evidence: `p${i}`,
      })),
    );

  it("is admitted when every request is, denied when one is, not probed when one was not", () => {
    expect(row("admitted", "admitted")).toEqual({ observed: "admitted", matches: true, evidence: "p0; p1" });
    expect(row("denied", "admitted")).toEqual({ observed: "denied", matches: true, evidence: "p0; p1" });
    expect(row("denied", "not probed")).toEqual({ observed: "not probed", matches: false, evidence: "p0; p1" });
  });
});
