/**
 * The API server's Status, as it writes one for a refused request, and what kubectl prints for it.
 *
 * The object is metav1.Status as Go's encoding/json writes it: its fields in the struct's order
 * (kind, apiVersion, metadata, status, message, reason, details, code), every field but metadata
 * left out when empty (`omitempty`; metadata is a struct, which encoding/json never leaves out).
 *
 * kubectl's printing is k8s.io/kubectl's pkg/cmd/util/helpers.go: `checkErr` (a 422 Invalid is
 * printed from its details: "The KIND "NAME" is invalid: " and each cause as "FIELD: MESSAGE"),
 * `StandardErrorMessage` (any other Status: "Error from server (REASON): MESSAGE"), `fatal` (a
 * final newline), and `AddSourceToErr`, through which `kubectl create -f FILE` prefixes the
 * message with `error when creating "FILE": `; apimachinery's StatusError.Error() is the message.
 */

export interface StatusCause {
  /** metav1.CauseType, written `reason`. */
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  /** The resource, such as `pods` (apimachinery puts the resource in `kind`). */
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A non-empty string field, or nothing: `omitempty`. */
const some = <K extends string>(key: K, value: string | undefined): { [P in K]?: string } =>
  (value === undefined || value === "" ? {} : { [key]: value }) as { [P in K]?: string };

/** A refusal's Status, its fields in Go's order and the empty ones left out as Go leaves them out. */
export function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    ...some("message", message),
    ...some("reason", reason),
  } as Status;
  if (details !== undefined) {
    status.details = {
      ...some("name", details.name),
      ...some("group", details.group),
      ...some("kind", details.kind),
      ...some("uid", details.uid),
      ...(details.causes !== undefined && details.causes.length > 0
        ? {
            causes: details.causes.map((c) => ({
              ...some("reason", c.reason),
              ...some("message", c.message),
              ...some("field", c.field),
            })),
          }
        : {}),
      ...(details.retryAfterSeconds ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
    };
  }
  status.code = code;
  return status;
}

/** A Status read from JSON (an API server's answer); undefined when the value is not one. */
export function readStatus(value: unknown): Status | undefined {
  if (typeof value !== "object" || value === null || (value as { kind?: unknown }).kind !== "Status") return undefined;
  const raw = value as Record<string, any>;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  const details = typeof raw.details === "object" && raw.details !== null ? raw.details : undefined;
  return failure(
    Number(raw.code ?? 0),
    text(raw.reason) ?? "",
    text(raw.message) ?? "",
    details === undefined
      ? undefined
      : {
          name: text(details.name),
          group: text(details.group),
          kind: text(details.kind),
          uid: text(details.uid),
          causes: Array.isArray(details.causes)
            ? details.causes.map((c: Record<string, unknown>) => ({
                reason: text(c?.reason),
                message: text(c?.message),
                field: text(c?.field),
              }))
            : undefined,
          retryAfterSeconds: typeof details.retryAfterSeconds === "number" ? details.retryAfterSeconds : undefined,
        },
  );
}

/**
 * Go's `%q` of a string: double quotes, with `"` and `\` escaped, the usual escapes for control
 * characters and `\x`/`\u` for the rest that is not printable.
 */
export function goQuote(text: string): string {
  const escapes: Record<string, string> = {
    "\x07": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
  };
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (escapes[char] !== undefined) quoted += escapes[char];
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (/[\p{C}\p{Z}]/u.test(char) && char !== " ") {
      quoted += code > 0xffff ? `\\U${code.toString(16).padStart(8, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    } else quoted += char;
  }
  return `${quoted}"`;
}

/** How kubectl sent the request: `kubectl create -f FILE` names its source ("STDIN" for `-f -`). */
export interface KubectlSource {
  verb: "creating";
  file: string;
}

/** IsInvalid: the reason Invalid, or a 422 whose reason is none apimachinery knows. */
const KNOWN_REASONS = new Set([
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Gone",
  "Invalid",
  "ServerTimeout",
  "StorageReadError",
  "Timeout",
  "TooManyRequests",
  "BadRequest",
  "MethodNotAllowed",
  "NotAcceptable",
  "RequestEntityTooLarge",
  "UnsupportedMediaType",
  "InternalError",
  "Expired",
  "ServiceUnavailable",
]);
const isInvalid = (status: Status) =>
  status.reason === "Invalid" || (!KNOWN_REASONS.has(status.reason ?? "") && status.code === 422);

/** What kubectl prints on stderr when the API server refuses its request with `status`, final newline included. */
export function kubectlPrints(status: Status, source?: KubectlSource): string {
  const withNewline = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);
  if (isInvalid(status)) {
    // Printed from the details alone: the source AddSourceToErr adds to the message never shows.
    const details = status.details;
    if (details === undefined) return withNewline("The request is invalid");
    const head =
      (details.kind ?? "") !== "" || (details.name ?? "") !== ""
        ? `The ${details.kind ?? ""} ${goQuote(details.name ?? "")} is invalid`
        : "The request is invalid";
    const causes = [...new Set((details.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`))];
    if (causes.length === 0) return withNewline(head);
    if (causes.length === 1) return `${head}: ${causes[0]}\n`;
    return `${head}: \n${causes.map((c) => `* ${c}\n`).join("")}`;
  }
  const message =
    source === undefined
      ? (status.message ?? "")
      : `error when ${source.verb} ${goQuote(source.file)}: ${status.message ?? ""}`;
  if (status.reason === "Unauthorized") return withNewline(`error: You must be logged in to the server (${message})`);
  if ((status.reason ?? "") !== "") return withNewline(`Error from server (${status.reason}): ${message}`);
  return withNewline(`Error from server: ${message}`);
}
