// The API server's Status as Go writes it, and kubectl's printing of it (k8s.io/kubectl's
// pkg/cmd/util/helpers.go: checkErr, StandardErrorMessage, MultilineError, AddSourceToErr, fatal).
import { failure, goQuote, kubectlPrints, readStatus } from "../../verifier/kube/status";

const CAUSE = "ValidatingAdmissionPolicy 'p' with binding 'b' denied request: container <nginx> has an invalid image";
const vap = failure(422, "Invalid", `pods "nginx" is forbidden: ${CAUSE}`, {
  name: "nginx",
  group: "",
  kind: "pods",
  causes: [{ message: CAUSE }],
});
const STDIN = { verb: "creating", file: "STDIN" } as const;

describe("failure()", () => {
  it("writes metav1.Status's fields in Go's order, leaving out the empty ones but metadata", () => {
    expect(JSON.stringify(vap)).toBe(
      JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `pods "nginx" is forbidden: ${CAUSE}`,
        reason: "Invalid",
        details: { name: "nginx", kind: "pods", causes: [{ message: CAUSE }] },
        code: 422,
      }),
    );
    expect(JSON.stringify(failure(500, "", ""))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","code":500}',
    );
    const cause = failure(422, "Invalid", "m", {
      causes: [{ field: "spec", reason: "FieldValueInvalid", message: "x" }],
    });
    expect(JSON.stringify(cause.details)).toBe(
      '{"causes":[{"reason":"FieldValueInvalid","message":"x","field":"spec"}]}',
    );
  });
});

describe("readStatus()", () => {
  it("reads an API server's body into the same object, in Go's order, whatever order it came in", () => {
    const body = JSON.parse(
      `{"code":422,"details":{"causes":[{"message":${JSON.stringify(CAUSE)}}],"kind":"pods","name":"nginx"},"reason":"Invalid","message":${JSON.stringify(vap.message)},"status":"Failure","metadata":{},"apiVersion":"v1","kind":"Status"}`,
    );
    expect(JSON.stringify(readStatus(body))).toBe(JSON.stringify(vap));
    expect(readStatus({ kind: "Pod" })).toBeUndefined();
    expect(readStatus("Status")).toBeUndefined();
  });
});

describe("goQuote()", () => {
  it("quotes as Go's %q does", () => {
    expect(goQuote("nginx")).toBe('"nginx"');
    expect(goQuote('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(goQuote("line\nnext\ttab\x00\x7f")).toBe('"line\\nnext\\ttab\\x00\\x7f"');
    expect(goQuote("café ☕")).toBe('"café ☕"');
    expect(goQuote("\u200b\u00a0")).toBe('"\\u200b\\u00a0"');
  });
});

describe("kubectlPrints()", () => {
  it("prints a 422 from its details: kind, quoted name, each cause as FIELD: MESSAGE (an empty field gives ': : ')", () => {
    expect(kubectlPrints(vap)).toBe(`The pods "nginx" is invalid: : ${CAUSE}\n`);
  });

  it("never shows the source kubectl create -f adds to a 422's message: it prints the details", () => {
    expect(kubectlPrints(vap, STDIN)).toBe(`The pods "nginx" is invalid: : ${CAUSE}\n`);
  });

  it("lists several causes one per line after the head, dropping repeated ones", () => {
    const invalid = failure(422, "Invalid", "ignored", {
      name: "web",
      group: "apps",
      kind: "Deployment",
      causes: [
        { reason: "FieldValueRequired", field: "spec.selector", message: "Required value" },
        { reason: "FieldValueInvalid", field: "spec.replicas", message: "must be >= 0" },
        { field: "spec.selector", message: "Required value" },
      ],
    });
    expect(kubectlPrints(invalid)).toBe(
      'The Deployment "web" is invalid: \n* spec.selector: Required value\n* spec.replicas: must be >= 0\n',
    );
  });

  it('says "The request is invalid" without details, or with neither kind nor name', () => {
    expect(kubectlPrints(failure(422, "Invalid", "m"))).toBe("The request is invalid\n");
    expect(kubectlPrints(failure(422, "Invalid", "m", { causes: [{ field: "f", message: "x" }] }))).toBe(
      "The request is invalid: f: x\n",
    );
    expect(kubectlPrints(failure(422, "Invalid", "m", { name: "n", kind: "pods" }))).toBe('The pods "n" is invalid\n');
  });

  it("reads a 422 as invalid when its reason is one apimachinery does not know, and not when it knows it", () => {
    expect(kubectlPrints(failure(422, "", "m", { name: "n", kind: "pods" }))).toBe('The pods "n" is invalid\n');
    expect(kubectlPrints(failure(422, "Forbidden", "m", { name: "n", kind: "pods" }))).toBe(
      "Error from server (Forbidden): m\n",
    );
  });

  it("prints any other refusal as Error from server (REASON), with the file kubectl create -f names", () => {
    const webhook = failure(403, "Forbidden", 'admission webhook "w" denied the request: [c] no\n[d] never');
    expect(kubectlPrints(webhook)).toBe(
      'Error from server (Forbidden): admission webhook "w" denied the request: [c] no\n[d] never\n',
    );
    expect(kubectlPrints(webhook, { verb: "creating", file: "k8s/web.yaml" })).toBe(
      'Error from server (Forbidden): error when creating "k8s/web.yaml": admission webhook "w" denied the request: [c] no\n[d] never\n',
    );
  });

  it("asks to log in for a 401, and prints a Status without reason as Error from server", () => {
    expect(kubectlPrints(failure(401, "Unauthorized", "Unauthorized"))).toBe(
      "error: You must be logged in to the server (Unauthorized)\n",
    );
    expect(kubectlPrints(failure(500, "", "etcd is down"), STDIN)).toBe(
      'Error from server: error when creating "STDIN": etcd is down\n',
    );
  });

  it("adds no second newline to a message that ends with one", () => {
    expect(kubectlPrints(failure(409, "Conflict", "try again\n"))).toBe("Error from server (Conflict): try again\n");
  });
});
