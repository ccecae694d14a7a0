// The reader's shortcut for kubectl's `List`: item by item, the same values as the whole document,
// and the whole document (with its exact errors) whenever the shortcut could differ.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { generateDumpCluster, writeDump } from "../bench/dump";
import { parseDocuments } from "../verifier/manifests/documents";

const whole = (text: string) => parseAllDocuments(text) as ReturnType<typeof parseDocuments>;
/** A document the `yaml` library composed has contents; the shortcut's has none. */
const tookShortcut = (text: string) => parseDocuments(text).every((document) => !("contents" in document));

const LIST = `apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    labels:
      app: web
    name: web-1
    namespace: shop
  spec:
    containers:
    - image: "registry.example/web:1"
      name: main
      ports:
      - containerPort: 8080
        name: http
# a comment at column 0 between items
- apiVersion: v1
  kind: Namespace
  metadata:
    annotations:
      note: |
        two lines
        of text
    name: shop
-
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: deny, namespace: shop}
  spec:
    podSelector: {}
    ingress: []
kind: List
metadata:
  resourceVersion: ""
`;

describe("a kubectl List", () => {
  it("is read item by item, to the values of the whole document", () => {
    expect(tookShortcut(LIST)).toBe(true);
    const [list] = parseDocuments(LIST);
    expect(list.errors).toEqual([]);
    expect(list.toJS()).toEqual(whole(LIST)[0].toJS());
    expect((list.toJS() as { items: { kind: string }[] }).items.map((item) => item.kind)).toEqual([
      "Pod",
      "Namespace",
      "NetworkPolicy",
    ]);
  });

  it("gives the values of the whole document for the benchmark's dump, every field of every object", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "documents-"));
    try {
      const file = path.join(dir, "dump.yaml");
      writeDump(generateDumpCluster({ pods: 120, namespaces: 6, policies: 40, replicas: 5, seed: 7 }), file);
      const text = fs.readFileSync(file, "utf8");
      expect(tookShortcut(text)).toBe(true);
      const items = (parseDocuments(text)[0].toJS() as { items: unknown[] }).items;
      expect(items).toHaveLength(6 + 120 + 40);
      expect(parseDocuments(text)[0].toJS()).toEqual(whole(text)[0].toJS());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the whole document is parsed instead", () => {
  const cases: [string, string][] = [
    [
      "an alias to an anchor of another item",
      LIST.replace("app: web", "app: &app web").replace("name: shop\n-", "name: *app\n-"),
    ],
    ["a second document", `${LIST}---\napiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n`],
    ["a directive", `%YAML 1.2\n---\n${LIST}`],
    ["items indented under their key", LIST.replace(/^(-| {2})/gm, (m) => (m === "-" ? "  -" : "    "))],
    ["a List without items at column 0", "apiVersion: v1\nitems: []\nkind: List\n"],
  ];
  it.each(cases)("for %s", (_what, text) => {
    expect(tookShortcut(text)).toBe(false);
    expect(parseDocuments(text).map((d) => d.toJS())).toEqual(whole(text).map((d) => d.toJS()));
  });

  it("for an item that does not parse, whose error is the whole document's, line and all", () => {
    const broken = LIST.replace("        name: http", "        name: [http");
    const errors = parseDocuments(broken)[0].errors;
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => [e.message, e.linePos?.[0]?.line])).toEqual(
      whole(broken)[0].errors.map((e) => [e.message, e.linePos?.[0]?.line]),
    );
  });
});
