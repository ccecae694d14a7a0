/**
 * `npm run diagram`: a Mermaid diagram of the lab's resource graph (components, their children and
 * the dependency edges), drawn from the graph the program registers under the mock runtime and
 * written into README.md between the markers. tests/diagram.test.ts fails when the README's copy
 * is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { captureLab, LabCapture, labConfig, RecordedResource } from "../verifier/lab/capture";
import { currentBlock, withBlock } from "./generated";

export const README = path.join(__dirname, "..", "README.md");
const BLOCK = "diagram";
const SCRIPT = "npm run diagram";

const shortType = (type: string) => type.split(":").pop()!;

/** The Mermaid text of a captured graph. */
export function mermaid(capture: LabCapture): string {
  // Ids and order from the logical names, which are stable; registration order is not.
  const ids = new Map(capture.resources.map((r) => [r.urn, r.name.replace(/[^A-Za-z0-9]/g, "_")]));
  const sorted = [...capture.resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const r of sorted) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines = ["flowchart LR"];
  const draw = (resource: RecordedResource, depth: number) => {
    const indent = "  ".repeat(depth);
    const id = ids.get(resource.urn)!;
    if (!resource.custom) {
      lines.push(`${indent}subgraph ${id}["${shortType(resource.type)}: ${resource.name}"]`);
      for (const child of children.get(resource.urn) ?? []) draw(child, depth + 1);
      lines.push(`${indent}end`);
    } else {
      lines.push(`${indent}${id}["${shortType(resource.type)}<br/>${resource.name}"]`);
    }
  };
  for (const root of children.get(undefined) ?? []) draw(root, 1);

  // Arrows point from what is created first to what waits for it.
  const edges = new Set<string>();
  const componentOf = new Map(capture.resources.map((r) => [r.urn, r.parent]));
  for (const r of capture.resources) {
    if (!r.custom) continue;
    for (const dependency of r.dependencies) {
      if (ids.has(dependency)) edges.add(`  ${ids.get(dependency)} --> ${ids.get(r.urn)}`);
    }
    if (r.provider) {
      // One edge from the provider to each component it serves, not one per object.
      const providerUrn = r.provider.split("::").slice(0, -1).join("::");
      const component = componentOf.get(r.urn);
      if (ids.has(providerUrn) && component && component !== componentOf.get(providerUrn)) {
        edges.add(`  ${ids.get(providerUrn)} -.->|provider| ${ids.get(component)}`);
      }
    }
  }
  return [...lines, ...[...edges].sort()].join("\n");
}

/** The diagram of the full lab (stage zero-trust, AKS) with its caption. */
export async function labDiagram(): Promise<string> {
  const capture = await captureLab({ config: labConfig({}) });
  if (capture.error) throw capture.error;
  return [
    "The full lab (stage `zero-trust`, on AKS): components as boxes, their children inside, arrows from what",
    "is created first to what waits for it (dotted: the Kubernetes provider every object of a component uses).",
    "",
    "```mermaid",
    mermaid(capture),
    "```",
  ].join("\n");
}

/** README text with the diagram block replaced. */
export function withDiagram(readme: string, diagram: string): string {
  return withBlock(readme, "README.md", BLOCK, SCRIPT, diagram);
}

/** The diagram block as the README holds it, markers included. */
export function readmeDiagram(readme: string): string {
  return currentBlock(readme, "README.md", BLOCK, SCRIPT);
}

if (require.main === module) {
  labDiagram().then(
    (diagram) => {
      fs.writeFileSync(README, withDiagram(fs.readFileSync(README, "utf8"), diagram));
      console.log(`README.md: diagram of ${diagram.split("\n").length} lines written`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
