// How the verifier's commands end as processes (verifier/command.ts): an error they did not expect
// exits 70 (EX_SOFTWARE), apart from the statuses that say something about the lab, the input or
// an exercise's grade (1, 2, 3).
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

function run(script: string) {
  return spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8" });
}

describe("runCommand", () => {
  it("exits 70 on an error main did not expect, with its stack", () => {
    const result = run('require("./verifier/command").runCommand("demo", async () => { throw new Error("boom"); });');
    expect(result.status).toBe(70);
    expect(result.stderr.split("\n")[0]).toBe("demo: internal error: Error: boom");
  });

  it("exits with the status main returns, 3 included", () => {
    const result = run(
      'require("./verifier/command").runCommand("demo", async (argv, out) => { out("graded\\n"); return 3; });',
    );
    expect([result.status, result.stdout, result.stderr]).toEqual([3, "graded\n", ""]);
  });
});
