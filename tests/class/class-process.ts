/**
 * `npm run class` in a process of its own, against the stand-in for the Automation API: what live
 * grading needs, since under jest @kubernetes/client-node (an ES module) cannot be loaded, so
 * tests/live runs `verify` the same way. The project is CLASS_PROJECT; the stacks the stand-in
 * backend holds, with their outputs, come as JSON in CLASS_STACKS; grade --live's bounds in
 * CLASS_LIVE_BOUNDS.
 */
import type { OutputMap } from "@pulumi/pulumi/automation";
import { main } from "../../class/cli";
import { FakeBackend } from "./fake-automation";
import { NO_AZ } from "./helpers";

const stacks = JSON.parse(process.env.CLASS_STACKS ?? "{}") as Record<string, OutputMap>;
const backend = new FakeBackend();

async function run(): Promise<number> {
  for (const [name, outputs] of Object.entries(stacks)) {
    await backend.workspace().createOrSelectStack(name);
    backend.stacks.get(name)!.outputs = outputs;
    backend.record(name, { kind: "update", result: "succeeded" });
  }
  backend.calls.length = 0;
  const status = await main(process.argv.slice(2), {
    projectDir: process.env.CLASS_PROJECT!,
    workspace: () => Promise.resolve(backend.workspace()),
    az: NO_AZ,
    stdout: process.stdout,
    stderr: (text) => process.stderr.write(text),
    liveBounds: JSON.parse(process.env.CLASS_LIVE_BOUNDS ?? "{}"),
  });
  // What the class asked of the backend, for the test to read.
  process.stderr.write(`backend calls: ${JSON.stringify(backend.calls)}\n`);
  return status;
}

run().then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    process.stderr.write(`class-process: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 70;
  },
);
