/**
 * verifier/kube/scalar.ts through the manifest reader: every plain scalar of the table
 * (tests/kube/go-yaml-scalars.ts) in a string field (a label value), in an integer field (a
 * containerPort) and as a key, read as kubectl 1.34 reads it, with the reader's exact message.
 */
import { jsonKey, resolvePlain } from "../../verifier/kube/scalar";
import { readKubeYaml } from "../../verifier/kube/yaml";
import { SCALARS, type Reading } from "./go-yaml-scalars";

const where = (line: number) => `f.yaml:${line}: Pod app/web`;

function pod(labels: string, port = "80"): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: app
  labels:
    ${labels}
spec:
  containers:
    - name: web
      image: nginx
      ports:
        - containerPort: ${port}
`;
}

const LABEL_LINE = 7;
const PORT_LINE = 13;

function read(text: string) {
  const { objects, problems } = readKubeYaml(text, "f.yaml");
  return { object: objects[0], problems };
}

/** The number kubectl sends, as the reader holds it. */
const numberOf = (reads: Reading) => (reads.tag === "int" || reads.tag === "float" ? Number(reads.json) : NaN);

/** How the reader names a value in a message. */
function described(reads: Reading): string {
  if (reads.tag === "bool") return `the boolean ${reads.value}`;
  if (reads.tag === "int" || reads.tag === "float") return `the number ${reads.json}`;
  throw new Error(`no description of ${reads.tag}`);
}

/** The JSON key sigs.k8s.io/yaml makes of a key, or undefined where it refuses it (null, uint64). */
function jsonKeyOf(source: string, reads: Reading): string | undefined {
  switch (reads.tag) {
    case "str":
      return source;
    case "bool":
      return String(reads.value);
    case "int":
      return reads.uint64 ? undefined : reads.json;
    case "null":
      return undefined;
    default:
      return reads.key;
  }
}

const unsupported = (source: string, reads: Reading & { tag: "nonJson" }) =>
  `kubectl reads \`${source}\` as ${reads.go}, which JSON cannot carry (json: unsupported value: ${reads.go}); quote it`;

describe("plain scalars as kubectl reads them (go-yaml v2's resolve.go)", () => {
  it("covers at least 80 scalars, each once", () => {
    expect(SCALARS.length).toBeGreaterThanOrEqual(80);
    expect(new Set(SCALARS.map((r) => r.source)).size).toBe(SCALARS.length);
  });

  describe.each(SCALARS.map((r) => [JSON.stringify(r.source), r.rule, r] as const))("%s (%s)", (_, __, row) => {
    const { source, reads } = row;

    it("in a string field: a label value", () => {
      const { object, problems } = read(pod(`a: ${source}`));
      const at = `${where(LABEL_LINE)}: metadata.labels.a`;
      switch (reads.tag) {
        case "str":
          expect([problems, object.metadata.labels.a]).toEqual([[], source]);
          break;
        case "null": // null in a map of strings is "" to kubectl
          expect([problems, object.metadata.labels.a]).toEqual([[], ""]);
          break;
        case "nonJson":
          expect(problems).toEqual([`${at}: ${unsupported(source, reads)}`]);
          break;
        default:
          expect(problems).toEqual([`${at}: kubectl reads \`${source}\` as ${described(reads)}; quote it`]);
      }
    });

    it("in an integer field: a containerPort", () => {
      const { object, problems } = read(pod("a: web", source));
      const port: unknown = object.spec.containers[0].ports[0].containerPort;
      const at = `${where(PORT_LINE)}: spec.containers[0].ports[0].containerPort`;
      switch (reads.tag) {
        case "str":
          expect(problems).toEqual([`${at}: expected an integer, not the string ${JSON.stringify(source)}`]);
          break;
        case "bool":
          expect(problems).toEqual([`${at}: expected an integer, not the boolean ${reads.value}`]);
          break;
        case "null": // an absent field to the API server
          expect([problems, port]).toEqual([[], null]);
          break;
        case "nonJson":
          expect(problems).toEqual([`${at}: ${unsupported(source, reads)}`]);
          break;
        default: {
          const value = numberOf(reads);
          expect(port).toBe(value);
          // The API server refuses a fraction or more than 32 bits in an int32, which the reader
          // does not check yet, so only an int32 is asserted to pass.
          if (value === (value | 0)) expect(problems).toEqual([]);
        }
      }
    });

    if (source !== "") {
      it("as a key", () => {
        const { problems } = read(pod(`${source}: web`));
        const at = `${where(LABEL_LINE)}: metadata.labels`;
        const key = jsonKeyOf(source, reads);
        if (key === undefined) {
          const as = reads.tag === "int" ? [`the uint64 ${reads.json}`, "uint64"] : ["null", "<nil>"];
          expect(problems).toEqual([
            `${at}: kubectl reads the key \`${source}\` as ${as[0]}, which it cannot make a JSON key of (unsupported map key of type: ${as[1]}); quote it`,
          ]);
        } else if (key === source) {
          expect(problems).toEqual([]);
        } else {
          expect(problems).toEqual([`${at}: kubectl reads the key \`${source}\` as ${JSON.stringify(key)}; quote it`]);
        }
        expect(jsonKey(resolvePlain(source))).toBe(key);
      });
    }
  });
});
