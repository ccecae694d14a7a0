/**
 * The YAML documents of a manifest file, with one shortcut for what `kubectl get … -o yaml`
 * prints: a single `List` document whose items start at column 0 (`- apiVersion: v1`).
 *
 * Parsed whole, such a document holds the `yaml` library's syntax tree of every item at once:
 * for a dump of 10,000 pods (33 MB) that is about 1.9 GB and 25 s on these machines. Parsed item
 * by item, each item's tree is dropped once it has become plain data: about 0.3 GB, and the
 * collector has a small heap to scan. The items of a block sequence are independent nodes, so the
 * values are the same; whatever could tie them together (anchors and aliases, directives, other
 * documents) sends the file down the ordinary path, as does any item that does not parse alone,
 * so that errors are reported exactly as before.
 */
import { parseAllDocuments, parseDocument } from "yaml";

/** What the reader uses of a parsed document. */
export type ParsedDocument = Pick<ReturnType<typeof parseDocument>, "errors" | "toJS">;

/** Every document of the text; a kubectl List comes back as one document, its items parsed one at a time. */
export function parseDocuments(text: string): ParsedDocument[] {
  return parseKubectlList(text) ?? parseAllDocuments(text);
}

const ITEM = /^-( |$)/;

/** The List as one document, or null when the text is not a List in kubectl's shape. */
function parseKubectlList(text: string): ParsedDocument[] | null {
  // Directives, document markers, anchors, aliases and tags: not kubectl's output, or things
  // whose meaning could cross items. (A quoted value starting so after a space lands here too.)
  if (/^(%|---|\.\.\.)|(^|[\s[{,])[&*!][^\s]/m.test(text)) return null;
  const lines = text.split("\n");
  const itemsAt = lines.indexOf("items:");
  if (itemsAt < 0 || !lines.includes("kind: List")) return null;
  // The items: from `items:` to the next line at column 0 that starts neither an item nor a comment.
  let end = itemsAt + 1;
  while (end < lines.length && (lines[end] === "" || /^[ #-]/.test(lines[end]))) end++;
  const starts: number[] = [];
  for (let i = itemsAt + 1; i < end; i++) if (ITEM.test(lines[i])) starts.push(i);
  const firstContent = lines.slice(itemsAt + 1, end).findIndex((line) => line.trim() !== "" && !line.startsWith("#"));
  if (starts.length === 0 || firstContent + itemsAt + 1 !== starts[0]) return null;
  const head = parseDocument([...lines.slice(0, itemsAt), ...lines.slice(end)].join("\n"));
  const list: unknown = head.errors.length === 0 ? head.toJS() : null;
  if (list === null || typeof list !== "object" || Array.isArray(list) || (list as { kind?: unknown }).kind !== "List")
    return null;
  if ("items" in list) return null;
  const items: unknown[] = [];
  for (let k = 0; k < starts.length; k++) {
    const chunk = lines.slice(starts[k], starts[k + 1] ?? end);
    // `- key: value` becomes `  key: value`: the item's node, indented as it was.
    chunk[0] = ` ${chunk[0].slice(1)}`;
    const item = parseDocument(chunk.join("\n"));
    if (item.errors.length > 0) return null;
    items.push(item.toJS());
  }
  const value = { ...list, items };
  return [{ errors: [], toJS: () => value }];
}
