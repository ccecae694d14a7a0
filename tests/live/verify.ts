/**
 * `npm run verify`, as verifier/cli.ts runs it, waiting less long on the cluster: the first
 * argument is JSON of the waits to shorten (verifier/live/bounds.ts, LiveWaits), the rest are the
 * command's. A test plays a cluster that takes its time (a binding that never comes, a server that
 * never answers) without waiting for it in real time.
 *
 *   node --import tsx tests/live/verify.ts '{"requestMs": 500}' --live --kubeconfig FILE ...
 */
import { main } from "../../verifier/cli";
import { runCommand } from "../../verifier/command";
import { LIVE_WAITS, type LiveWaits } from "../../verifier/live/bounds";

const [shorter, ...argv] = process.argv.slice(2);
const waits: LiveWaits = { ...LIVE_WAITS, ...(JSON.parse(shorter) as Partial<LiveWaits>) };
runCommand("verify", (_all, out, err) => main(argv, out, err, undefined, waits));
