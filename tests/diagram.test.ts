// The README's diagram is generated from the program; it must not drift from it.
import * as fs from "fs";
import { END, labDiagram, README, START, withDiagram } from "../scripts/diagram";

describe("the README's resource graph", () => {
  it("is what `npm run diagram` draws from the program today", async () => {
    const readme = fs.readFileSync(README, "utf8");
    const current = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    expect(current).toBe(await labDiagram());
  });

  it("draws the chain constraint <- template <- release <- provider <- cluster, and parents as boxes", async () => {
    const diagram = await labDiagram();
    for (const edge of [
      "lab_allowed_repos_template --> lab_allowed_repos_app",
      "lab_gatekeeper_release --> lab_allowed_repos_template",
      "lab_cluster_provider -.->|provider| lab_gatekeeper",
      "lab_cluster_aks --> lab_cluster_provider",
    ]) {
      expect(diagram).toContain(`  ${edge}\n`);
    }
    expect(diagram).toContain('    subgraph lab_app["TwoTierApp: lab-app"]\n');
    expect(diagram).not.toMatch(/lab_gatekeeper_release --> lab_app/);
  });

  it("replaces only the text between the markers", () => {
    expect(withDiagram(`a\n${START}\nold\n${END}\nb`, `${START}\nnew\n${END}`)).toBe(`a\n${START}\nnew\n${END}\nb`);
    expect(() => withDiagram("no markers", "x")).toThrow("README.md has no diagram markers");
  });
});
