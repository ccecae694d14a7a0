/**
 * verifier/kube/scalar.ts through the manifest reader: every plain scalar of the table
 * (tests/kube/go-yaml-scalars.ts) in a string field (a label value), in an int32 field (a
 * containerPort), in an int64 field (activeDeadlineSeconds) and as a key, read as kubectl 1.34
 * reads it and judged as the API server 1.34 decodes it, with the reader's exact message.
 */
import { jsonKey, resolvePlain } from "../../verifier/kube/scalar";
import { readKubeYaml } from "../../verifier/kube/yaml";
import { REFUSED_IN_ANY_INT, REFUSED_IN_INT32_ONLY, SCALARS, type Reading } from "./go-yaml-scalars";

const where = (line: number) => `f.yaml:${line}: Pod app/web`;

function pod(labels: string, port = "80", deadline = "60"): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: app
  labels:
    ${labels}
spec:
  activeDeadlineSeconds: ${deadline}
  containers:
    - name: web
      image: nginx
      ports:
        - containerPort: ${port}
`;
}

const LABEL_LINE = 7;
const DEADLINE_LINE = 9;
const PORT_LINE = 14;

/** An integer field of the pod: where it is, and how the API server's decoder names it. */
const INT_FIELDS = {
  int32: {
    yaml: (source: string) => pod("a: web", source),
    line: PORT_LINE,
    path: "spec.containers[0].ports[0].containerPort",
    go: "ContainerPort.spec.containers.ports.containerPort",
    value: (object: any): unknown => object.spec.containers[0].ports[0].containerPort,
    refused: { ...REFUSED_IN_ANY_INT, ...REFUSED_IN_INT32_ONLY },
  },
  int64: {
    yaml: (source: string) => pod("a: web", "80", source),
    line: DEADLINE_LINE,
    path: "spec.activeDeadlineSeconds",
    go: "PodSpec.spec.activeDeadlineSeconds",
    value: (object: any): unknown => object.spec.activeDeadlineSeconds,
    refused: REFUSED_IN_ANY_INT,
  },
};

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

  it("names only numbers of the table among those an integer field refuses", () => {
    const numbers = SCALARS.filter((r) => r.reads.tag === "int" || r.reads.tag === "float").map((r) => r.source);
    const refused = [...Object.keys(REFUSED_IN_ANY_INT), ...Object.keys(REFUSED_IN_INT32_ONLY)];
    expect(refused.filter((source) => !numbers.includes(source))).toEqual([]);
    expect([refused.length, new Set(refused).size]).toEqual([21, 21]);
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

    it.each(["int32", "int64"] as const)("in an integer field: %s", (type) => {
      const field = INT_FIELDS[type];
      const { object, problems } = read(field.yaml(source));
      const at = `${where(field.line)}: ${field.path}`;
      switch (reads.tag) {
        case "str":
          expect(problems).toEqual([`${at}: expected an integer, not the string ${JSON.stringify(source)}`]);
          break;
        case "bool":
          expect(problems).toEqual([`${at}: expected an integer, not the boolean ${reads.value}`]);
          break;
        case "null": // an absent field to the API server
          expect([problems, field.value(object)]).toEqual([[], null]);
          break;
        case "nonJson":
          expect(problems).toEqual([`${at}: ${unsupported(source, reads)}`]);
          break;
        default: {
          expect(field.value(object)).toBe(numberOf(reads));
          const sent = field.refused[source];
          expect(problems).toEqual(
            sent === undefined
              ? []
              : [
                  `${at}: kubectl sends \`${source}\` as ${sent}, which the API server refuses in an ${type} (Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number ${sent} into Go struct field ${field.go} of type ${type})`,
                ],
          );
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
