/**
 * Admission, observed: what the API server answered a claim's dry-run request, beside what the
 * verifier predicted. A denial matches only with the same Status, whole (code, reason, message
 * and details with their causes): the same verdict said differently means the cluster enforces
 * it somewhere else (the webhook, while the ValidatingAdmissionPolicy binding is not there yet;
 * Pod Security admission; RBAC). The prediction knows every field the API server fills for these
 * two denials: neither NewForbidden nor the webhook's Status carries a uid or a retry delay.
 */
import { isDeepStrictEqual } from "util";
import { pointText, type ClaimResult, type LiveAdmission } from "../analyze";
import type { AdmissionResult } from "../admission";
import type { Status } from "../kube/status";
import type { Answer } from "./transport";

const statusText = (s: Status) => `${s.code} ${s.reason ?? ""}: ${s.message ?? ""}`;

/**
 * A dry-run answer read as an admission verdict. 201 is admitted; 409 AlreadyExists too, since the
 * API server checks for an existing object only after admission has let the request through (the
 * lab's own workloads exist); 404 means the request never got to admission (no such namespace or
 * pod). Any other refusal is the cluster's denial, whoever made it.
 */
export function observeAdmission(
  predicted: AdmissionResult,
  answer: Answer,
  missingBindings: ReadonlySet<string> = new Set(),
): LiveAdmission {
  const object = predicted.object;
  const status = predicted.enforcement?.status;
  if (answer.ok || answer.status.code === 409) {
    const how = answer.ok
      ? "admitted (dry run)"
      : `admitted: the dry run passed admission, then got ${statusText(answer.status)}, as the object exists`;
    return predicted.allowed
      ? { object, observed: "admitted", matches: true, evidence: `${object}: ${how}` }
      : {
          object,
          observed: "admitted",
          matches: false,
          evidence: `${object}: predicted denied${status ? ` (${statusText(status)})` : ""}, observed ${how}`,
        };
  }
  if (answer.status.code === 404) {
    return {
      object,
      observed: "not probed",
      status: answer.status,
      matches: false,
      evidence: `${object}: not probed: the request did not reach admission: ${statusText(answer.status)}`,
    };
  }
  const observed = { object, observed: "denied" as const, status: answer.status };
  if (predicted.allowed) {
    return {
      ...observed,
      matches: false,
      evidence: `${object}: predicted admitted, observed denied: ${statusText(answer.status)}`,
    };
  }
  if (status !== undefined && isDeepStrictEqual(status, answer.status)) {
    return { ...observed, matches: true, evidence: `${object}: denied as predicted: ${statusText(answer.status)}` };
  }
  const deniedBy = predicted.enforcement?.deniedBy;
  let where = "";
  if (
    deniedBy?.kind === "ValidatingAdmissionPolicy" &&
    (answer.status.message ?? "").startsWith("admission webhook ")
  ) {
    where = missingBindings.has(deniedBy.binding)
      ? `; the webhook answered where ${pointText(deniedBy)} was predicted, and that binding does not exist: Gatekeeper creates it about 30 s after the constraint, or did not create it (kubectl get validatingadmissionpolicybinding ${deniedBy.binding})`
      : `; the webhook answered where ${pointText(deniedBy)} was predicted, although that binding exists`;
  }
  // The same code, reason and message, other details: the objects say where they differ.
  const [predictedText, observedText] =
    status !== undefined && statusText(status) === statusText(answer.status)
      ? [JSON.stringify(status), JSON.stringify(answer.status)]
      : [status ? statusText(status) : "a denial", statusText(answer.status)];
  return {
    ...observed,
    matches: false,
    evidence: `${object}: denied, but not as predicted: predicted ${predictedText}, observed ${observedText}${where}`,
  };
}

/** A claim row's live verdict from its requests: admitted when all are, matching when all do. */
export function summarizeAdmission(observed: LiveAdmission[]): Pick<ClaimResult, "observed" | "matches" | "evidence"> {
  const verdict = observed.some((o) => o.observed === "not probed")
    ? "not probed"
    : observed.every((o) => o.observed === "admitted")
      ? "admitted"
      : "denied";
  return {
    observed: verdict,
    matches: observed.every((o) => o.matches),
    evidence: observed.map((o) => o.evidence).join("; "),
  };
}
