/**
 * The connectivity probes: the commands run in a pod through `exec`, and how their output is read.
 *
 * Only bash and coreutils are needed, which the lab's images have (phpMyAdmin's is Debian, MySQL's
 * Oracle Linux): bash's `/dev/tcp` opens a TCP connection, `timeout` bounds it, and `getent hosts`
 * resolves a name through the pod's resolver (cluster DNS). Host, port and timeout are passed as
 * positional arguments, never spliced into the script, and the script prints one marker line with
 * its exit status, so the result does not depend on how the API server reports exit codes.
 *
 * The three outcomes that matter are kept apart, because only one of them is how NetworkPolicy
 * denies: Calico (and every CNI the lab targets) drops a denied packet, so a denied connection
 * times out. A connection refused means something answered with a reset: nothing listens there,
 * or a rule rejects instead of dropping; that is never taken for a policy decision.
 */

/** The TCP probe: connect to $1:$2 within $3 seconds. */
export const TCP_PROBE_SCRIPT = `timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' connect "$1" "$2" 2>&1; echo "probe-exit=$?"`;

/** The DNS probe: resolve $1 within $2 seconds. */
export const DNS_PROBE_SCRIPT = `timeout "$2" getent hosts "$1" 2>&1; echo "probe-exit=$?"`;

/**
 * The name the DNS probe resolves: the API server's Service, which every cluster has. Written
 * without the cluster domain, the resolver's search list completes it whatever the domain is.
 */
export const DNS_PROBE_NAME = "kubernetes.default.svc";

/**
 * The internet address the egress probes connect to on 443: Cloudflare's public resolver, an
 * address (no DNS needed, which the stage may deny) that answers HTTPS from anywhere. A control
 * from a pod without NetworkPolicy proves it answers from this cluster before any verdict.
 */
export const INTERNET_PROBE_ADDRESS = "1.1.1.1";

export function tcpProbeCommand(host: string, port: number, timeoutSeconds: number): string[] {
  return ["bash", "-c", TCP_PROBE_SCRIPT, "probe", host, String(port), String(timeoutSeconds)];
}

export function dnsProbeCommand(name: string, timeoutSeconds: number): string[] {
  return ["bash", "-c", DNS_PROBE_SCRIPT, "probe", name, String(timeoutSeconds)];
}

/** What a TCP probe saw. */
export type TcpOutcome = "connected" | "refused" | "unreachable" | "timed out" | "failed";

/** What a DNS probe saw. */
export type DnsOutcome = "answered" | "not found" | "timed out" | "failed";

/** What the command printed and how the exec ended, as the transport returns it. */
export interface ProbeOutput {
  stdout: string;
  stderr: string;
  /** The exec itself did not end in time (the script's own timeout should have ended it first). */
  timedOut: boolean;
}

/** The status the script printed on its marker line, or undefined when there is none. */
function markerExit(output: ProbeOutput): number | undefined {
  const match = /(?:^|\n)probe-exit=(\d+)\s*$/.exec(output.stdout);
  return match ? Number(match[1]) : undefined;
}

/** The probe's own words (bash's error, getent's answer), on one line, for evidence. */
export function probeText(output: ProbeOutput): string {
  const text = `${output.stdout.replace(/(?:^|\n)probe-exit=\d+\s*$/, "")}\n${output.stderr}`;
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("; ");
}

/**
 * `timeout` exits 124 when the connection did not complete in time; bash exits 1 with the
 * system's error text when connect() fails at once: "Connection refused" for a reset, "No route
 * to host" or "Network is unreachable" for an ICMP rejection.
 */
export function classifyTcp(output: ProbeOutput): TcpOutcome {
  const exit = markerExit(output);
  if (exit === 0) return "connected";
  if (exit === 124) return "timed out";
  const text = probeText(output);
  if (exit === 1 && /Connection refused/.test(text)) return "refused";
  if (exit === 1 && /No route to host|Network is unreachable/.test(text)) return "unreachable";
  return "failed";
}

/** getent exits 0 with an answer, 2 when the name is not found, 124 under `timeout`. */
export function classifyDns(output: ProbeOutput): DnsOutcome {
  const exit = markerExit(output);
  if (exit === 0) return "answered";
  if (exit === 124) return "timed out";
  if (exit === 2) return "not found";
  return "failed";
}

/** The probe commands, as a person would paste them into `kubectl exec`. */
export function shellQuote(argv: string[]): string {
  return argv.map((arg) => (/^[A-Za-z0-9_./:=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}
