/**
 * One evaluation of a program under the mock runtime, in a fresh process: `empty` registers
 * nothing, `lab` runs the whole lab (stage zero-trust, AKS). It prints one JSON line with its own
 * wall time and CPU time (from process start) and peak memory, for bench/program.ts to collect.
 */
import { performance } from "perf_hooks";
import { captureLab, captureProgram, labConfig } from "../verifier/lab/capture";

async function main(): Promise<void> {
  const which = process.argv[2];
  if (which === "empty") {
    await captureProgram(() => ({}), { config: {} });
  } else if (which === "lab") {
    const capture = await captureLab({ config: labConfig({}) });
    if (capture.error) throw capture.error;
  } else {
    throw new Error(`usage: harness.ts empty|lab (got ${which})`);
  }
  const usage = process.resourceUsage();
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  process.stdout.write(
    JSON.stringify({ which, wallMs: performance.now(), cpuMs, peakRssMb: usage.maxRSS / 1024 }) + "\n",
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
