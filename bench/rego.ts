/**
 * `npm run bench:rego`: what judging a Rego-only answer costs with each real engine on PATH
 * (verifier/admission/rego). One grading run judges every admission object of a stage with one
 * process; a class grades one run per trainee, one after the other, as here. The run is the lab's
 * own: the Rego twin of k8sallowedrepos, its sample constraints and objects. Goal: a class of 30
 * within 30 s, i.e. one run well under 1 s.
 */
import * as path from "path";
import { loadPolicySuite } from "../policies/suite";
import { judgeRego, type RegoEngineName } from "../verifier/admission/rego";
import { findExecutable } from "../verifier/admission/rego/process";

const CLASS = Number(process.env.BENCH_CLASS ?? 30);
const searchPath = process.env.PATH ?? "";
const suite = loadPolicySuite(path.join(__dirname, "..", "policies", "k8sallowedrepos"));
const rego = suite.cases.filter((c) => c.templateFile === "template-rego.generated.yaml");
const input = {
  templates: [rego[0].template],
  constraints: [...new Set(rego.map((c) => c.constraint))],
  objects: rego.map((c) => c.object),
};

async function main(): Promise<void> {
  console.log(
    `Judging ${input.objects.length} objects against ${input.constraints.length} constraints of a Rego-only template, ${CLASS} runs in a row (a class)`,
  );
  console.log(`${"engine".padEnd(8)} ${"one run (median)".padStart(17)} ${"class".padStart(9)}  executable`);
  for (const engine of ["gator", "opa"] as RegoEngineName[]) {
    const executable = findExecutable(engine, searchPath);
    if (executable === undefined) {
      console.log(`${engine.padEnd(8)} not on PATH`);
      continue;
    }
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < CLASS; i++) {
      const t0 = Date.now();
      const judgement = await judgeRego(input, { searchPath, engines: [engine] });
      if (judgement.judgedBy === undefined) throw new Error(judgement.notJudged);
      times.push(Date.now() - t0);
    }
    const total = Date.now() - start;
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
    console.log(
      `${engine.padEnd(8)} ${`${median} ms`.padStart(17)} ${`${(total / 1000).toFixed(1)} s`.padStart(9)}  ${executable}`,
    );
  }
}

void main();
