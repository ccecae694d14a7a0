// verifier/lab/claims.ts transcribes LAB.md's tables; this test reads the specification itself and
// fails when the two part ways. LAB.md lives beside the repository (../shared), where CI puts it.
import * as fs from "fs";
import * as path from "path";
import { STAGES } from "../config/keys";
import { ADMISSION_CLAIMS, CONNECTIVITY_CLAIMS } from "../verifier/lab/claims";

const LAB_MD = path.join(__dirname, "..", "..", "shared", "LAB.md");
const present = fs.existsSync(LAB_MD);

/** The rows of the Markdown table that follows a heading. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith("## ") && line.includes(heading));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    if (!line.startsWith("|") || /^\|[-| ]+\|$/.test(line)) continue;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

(present ? describe : describe.skip)("the claims match LAB.md", () => {
  const markdown = present ? fs.readFileSync(LAB_MD, "utf8") : "";

  it("connectivity: every row, every stage", () => {
    const [header, ...rows] = tableAfter(markdown, "connectivity");
    expect(header).toEqual(["flow", ...STAGES]);
    expect(rows.map((row) => row[0])).toEqual(CONNECTIVITY_CLAIMS.map((c) => c.flow));
    for (const row of rows) {
      const claim = CONNECTIVITY_CLAIMS.find((c) => c.flow === row[0])!;
      expect([row[0], ...STAGES.map((stage) => (claim.expected[stage] ? "A" : "D"))]).toEqual(row);
    }
  });

  it("admission: every row, before and from the stage allowed-repos", () => {
    const [header, ...rows] = tableAfter(markdown, "admission");
    expect(header).toEqual(["object", "before `allowed-repos`", "from `allowed-repos` on"]);
    expect(rows.map((row) => row[0])).toEqual(ADMISSION_CLAIMS.map((c) => c.object));
    for (const row of rows) {
      const claim = ADMISSION_CLAIMS.find((c) => c.object === row[0])!;
      const before = STAGES.slice(0, 3).map((stage) => claim.expected[stage]);
      const after = STAGES.slice(3).map((stage) => claim.expected[stage]);
      expect(new Set(before).size).toBe(1);
      expect(new Set(after).size).toBe(1);
      expect(before[0] ? "admitted" : "denied").toBe(row[1]);
      expect(row[2].startsWith(after[0] ? "admitted" : "denied")).toBe(true);
    }
  });
});
