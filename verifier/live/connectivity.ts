/**
 * Connectivity, observed: each claim's connection made for real, from a pod of the source to the
 * destination, through `exec` (verifier/live/probes.ts has the commands and how they are read).
 *
 * A verdict is given only when it can mean what the claim says:
 * - a destination pod must listen on the port, checked from inside it on 127.0.0.1 (loopback is
 *   not subject to NetworkPolicy), so that nothing listening cannot pass for a denial;
 * - the internet and cluster DNS must answer a control from the outsider, a pod no NetworkPolicy
 *   selects, so that a cluster without egress (or a DNS outage) cannot pass for one either;
 * - only a timeout is a denial, the way NetworkPolicy denies (the packet is dropped); a refusal
 *   is reported as such.
 */
import type { ClaimResult } from "../analyze";
import type { ConnectivityClaim } from "../lab/claims";
import type { ClusterModel } from "../model";
import type { Bounds, Limiter } from "./bounds";
import type { ProbeLog } from "./log";
import { peerFor, selectorOf, PROBE_IMAGE, PROBE_NAMESPACE, type Peer } from "./plan";
import {
  classifyDns,
  classifyTcp,
  dnsProbeCommand,
  DNS_PROBE_NAME,
  INTERNET_PROBE_ADDRESS,
  probeText,
  shellQuote,
  tcpProbeCommand,
  type ProbeOutput,
} from "./probes";
import type { Kube, KubeObject } from "./transport";

/** How long a pod may take to start (an image pull on a fresh node), within the run's deadline. */
export const POD_START_SECONDS = 120;
/** Room for the exec's own set-up on top of the probe's timeout. */
const EXEC_MARGIN_SECONDS = 10;

/** A pod to exec in, or to connect to. */
interface Endpoint {
  namespace: string;
  pod: string;
  container: string;
  ip: string;
}

type Resolved = { ok: true; endpoint: Endpoint } | { ok: false; why: string };

export interface ConnectivityOptions {
  probeTimeoutSeconds: number;
  /** Between two looks at a pod that is not running yet. */
  podPollMs: number;
  bounds: Bounds;
  limiter: Limiter;
  log: ProbeLog;
  /** Creates a probe pod (once per name): whether it was created, or why not. */
  startProbePod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
  ): Promise<{ ok: true } | { ok: false; why: string }>;
}

type Observation = Required<Pick<ClaimResult, "observed" | "matches" | "evidence">>;

/** The run stopped (deadline or Ctrl-C) before a probe ended. */
class Stopped extends Error {}

export class Connectivity {
  private readonly resolved = new Map<string, Promise<Resolved>>();
  private readonly checks = new Map<string, Promise<{ output: ProbeOutput; text: string }>>();
  private readonly notes = new Map<string, string>();
  /** The peers in the order the claims name them, so that the notes keep that order. */
  private readonly order: string[] = [];

  constructor(
    private readonly kube: Kube,
    private readonly model: ClusterModel,
    private readonly options: ConnectivityOptions,
  ) {}

  /** How each peer that was used was stood for, in the order the claims name them. */
  peerNotes(): string[] {
    return this.order.flatMap((ref) => (this.notes.has(ref) ? [this.notes.get(ref)!] : []));
  }

  /** The claim observed; never throws (what went wrong is the evidence of a claim not probed). */
  async observe(claim: ConnectivityClaim, computed: ClaimResult["computed"]): Promise<Observation> {
    const verdict = (observed: Observation["observed"], evidence: string): Observation => ({
      observed,
      matches: observed === computed,
      evidence,
    });
    for (const ref of [claim.from, claim.to]) if (!this.order.includes(ref)) this.order.push(ref);
    try {
      const from = peerFor(claim.from, this.model);
      const to = peerFor(claim.to, this.model);
      for (const peer of [from, to]) {
        if (peer.kind === "outside") return verdict("not probed", `not probed: ${peer.ref} is ${peer.why}`);
      }
      const source = await this.resolve(from);
      if (!source.ok) return verdict("not probed", `not probed: ${source.why}`);
      const src = source.endpoint;
      const t = this.options.probeTimeoutSeconds;

      if (to.kind === "dns") {
        this.notes.set(
          to.ref,
          `${to.ref} is cluster DNS as each pod's resolver reaches it: getent hosts ${DNS_PROBE_NAME}`,
        );
        if (claim.protocol !== "UDP" || claim.port !== 53)
          throw new Error(`DNS is probed on 53/UDP, not ${claim.port}/${claim.protocol}`);
        const control = await this.control("dns");
        if (!control.ok) return verdict("not probed", `not probed: ${control.why}`);
        const output = await this.exec(src, dnsProbeCommand(DNS_PROBE_NAME, t));
        const outcome = classifyDns(output);
        const seen = `${name(src)} looking up ${DNS_PROBE_NAME} through its resolver (cluster DNS, which answers ${control.what})`;
        if (outcome === "answered") return verdict("allowed", `answered: ${seen}: ${probeText(output)}`);
        if (outcome === "timed out") return verdict("denied", `timed out after ${t} s: ${seen}`);
        return verdict("not probed", `not probed: ${outcome}: ${seen}: ${probeText(output)}`);
      }

      if (claim.protocol !== "TCP") {
        return verdict("not probed", `not probed: only TCP connections, and DNS over UDP, are probed`);
      }
      let target: string;
      let destination: string;
      if (to.kind === "internet") {
        this.notes.set(
          to.ref,
          `${to.ref} is ${INTERNET_PROBE_ADDRESS}:443, a public address (no DNS lookup, which the stage may deny), after a control from the outsider`,
        );
        const control = await this.control("internet");
        if (!control.ok) return verdict("not probed", `not probed: ${control.why}`);
        target = INTERNET_PROBE_ADDRESS;
        destination = `the internet, which answers ${control.what}`;
      } else {
        const resolved = await this.resolve(to);
        if (!resolved.ok) return verdict("not probed", `not probed: ${resolved.why}`);
        const dst = resolved.endpoint;
        const listening = await this.check(dst, "127.0.0.1", claim.port);
        const outcome = classifyTcp(listening.output);
        if (outcome !== "connected") {
          return verdict(
            "not probed",
            `not probed: ${name(dst)} does not listen on ${claim.port} (127.0.0.1:${claim.port} from inside it: ${outcome}${listening.text ? `: ${listening.text}` : ""}), so a refusal could not be told from a policy decision`,
          );
        }
        target = dst.ip;
        destination = `${name(dst)}, which listens: 127.0.0.1:${claim.port} connected from inside it`;
      }
      const output = await this.exec(src, tcpProbeCommand(target, claim.port, t));
      const outcome = classifyTcp(output);
      const seen = `${name(src)} → ${target}:${claim.port} (${destination})`;
      const text = probeText(output);
      switch (outcome) {
        case "connected":
          return verdict("allowed", `connected: ${seen}`);
        case "timed out":
          return verdict("denied", `timed out after ${t} s: ${seen}`);
        case "refused":
        case "unreachable":
          return verdict(
            "refused",
            `${outcome} (${text}): ${seen}; NetworkPolicy denies by dropping, so an active refusal is no policy verdict`,
          );
        default:
          return verdict("not probed", `not probed: the probe failed (${text || "no output"}): ${seen}`);
      }
    } catch (error) {
      const why = this.options.bounds.signal.aborted ? this.options.bounds.why() : (error as Error).message;
      return verdict("not probed", `not probed: ${why}`);
    }
  }

  /**
   * The control for the internet or DNS, run once from the outsider (a pod of the run's own
   * namespace, which no NetworkPolicy selects): what it proved, or why there is no verdict.
   */
  private async control(kind: "internet" | "dns"): Promise<{ ok: true; what: string } | { ok: false; why: string }> {
    const outsider = await this.resolve(peerFor("default/outsider", this.model));
    if (!outsider.ok)
      return { ok: false, why: `no control for the ${kind === "dns" ? "DNS" : "internet"} probes: ${outsider.why}` };
    const from = name(outsider.endpoint);
    const t = this.options.probeTimeoutSeconds;
    if (kind === "internet") {
      const { output, text } = await this.check(outsider.endpoint, INTERNET_PROBE_ADDRESS, 443);
      const outcome = classifyTcp(output);
      if (outcome === "connected")
        return {
          ok: true,
          what: `the control from ${from}, a pod without NetworkPolicy, on ${INTERNET_PROBE_ADDRESS}:443`,
        };
      return {
        ok: false,
        why: `the control from ${from}, a pod without NetworkPolicy, could not reach ${INTERNET_PROBE_ADDRESS}:443 (${outcome === "timed out" ? `timed out after ${t} s` : outcome}${text ? `: ${text}` : ""}): this cluster has no internet egress to judge the policy by`,
      };
    }
    const key = `dns ${outsider.endpoint.namespace}/${outsider.endpoint.pod}`;
    if (!this.checks.has(key)) {
      this.checks.set(
        key,
        this.exec(outsider.endpoint, dnsProbeCommand(DNS_PROBE_NAME, t)).then((output) => ({
          output,
          text: probeText(output),
        })),
      );
    }
    const { output, text } = await this.checks.get(key)!;
    const outcome = classifyDns(output);
    if (outcome === "answered") return { ok: true, what: `the control from ${from}, a pod without NetworkPolicy` };
    return {
      ok: false,
      why: `cluster DNS did not answer the control from ${from}, a pod without NetworkPolicy (${outcome === "timed out" ? `timed out after ${t} s` : outcome}${text ? `: ${text}` : ""}), so a lookup that fails says nothing of the policy`,
    };
  }

  /** A TCP connection from `endpoint` to host:port, made once however many claims need it. */
  private check(endpoint: Endpoint, host: string, port: number): Promise<{ output: ProbeOutput; text: string }> {
    const key = `${endpoint.namespace}/${endpoint.pod} ${host}:${port}`;
    if (!this.checks.has(key)) {
      this.checks.set(
        key,
        this.exec(endpoint, tcpProbeCommand(host, port, this.options.probeTimeoutSeconds)).then((output) => ({
          output,
          text: probeText(output),
        })),
      );
    }
    return this.checks.get(key)!;
  }

  /** Runs a probe command, a few at a time, bounded; every run goes to the probe log. */
  private exec(endpoint: Endpoint, command: string[]): Promise<ProbeOutput> {
    const { bounds, limiter, log, probeTimeoutSeconds } = this.options;
    return limiter.run(async () => {
      if (bounds.signal.aborted) throw new Stopped(bounds.why());
      const started = Date.now();
      const boundSeconds = probeTimeoutSeconds + EXEC_MARGIN_SECONDS;
      const result = await this.kube.exec(
        endpoint.namespace,
        endpoint.pod,
        endpoint.container,
        command,
        boundSeconds * 1000,
      );
      log.record({
        event: "exec",
        pod: `${endpoint.namespace}/${endpoint.pod}`,
        container: endpoint.container,
        command: shellQuote(command),
        stdout: result.stdout,
        stderr: result.stderr,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        ms: Date.now() - started,
      });
      if (result.timedOut) {
        throw new Stopped(
          bounds.signal.aborted ? bounds.why() : `the exec in ${name(endpoint)} did not end within ${boundSeconds} s`,
        );
      }
      return result;
    });
  }

  /** The pod that stands for a peer, running (and, for the lab's, ready), once per peer. */
  private resolve(peer: Peer): Promise<Resolved> {
    if (!this.resolved.has(peer.ref)) this.resolved.set(peer.ref, this.resolveOnce(peer));
    return this.resolved.get(peer.ref)!;
  }

  private async resolveOnce(peer: Peer): Promise<Resolved> {
    const until = Math.min(Date.now() + POD_START_SECONDS * 1000, this.options.bounds.end);
    if (peer.kind === "lab") {
      const selector = selectorOf(peer.labels);
      const found = await this.waitFor(until, async () => {
        const pods = await this.kube.list("Pod", peer.namespace, selector);
        const ready = pods.find(isReady);
        if (ready !== undefined) return { pod: ready };
        return {
          state:
            pods.length === 0
              ? `no pod labelled ${selector} in ${peer.namespace}`
              : pods.map((p) => `${p.metadata.namespace}/${p.metadata.name} ${podState(p)}`).join("; "),
        };
      });
      if (!found.ok) return { ok: false, why: `the lab's ${peer.workload} has no ready pod: ${found.why}` };
      const endpoint = endpointOf(found.pod, peer.container);
      this.notes.set(
        peer.ref,
        `${peer.ref} is the lab's pod ${name(endpoint)} (${peer.workload}, selected by ${selector})`,
      );
      return { ok: true, endpoint };
    }
    if (peer.kind !== "probe") throw new Error(`${peer.ref} is not a pod`);
    const started = await this.options.startProbePod(peer.namespace, peer.name, peer.labels);
    if (!started.ok) return { ok: false, why: started.why };
    const found = await this.waitFor(until, async () => {
      const pod = await this.kube.get("Pod", peer.namespace, peer.name);
      if (pod === undefined) return { state: "it is gone" };
      if (isRunning(pod)) return { pod };
      if (["Succeeded", "Failed"].includes(pod.status?.phase)) return { final: podState(pod) };
      return { state: podState(pod) };
    });
    if (!found.ok) return { ok: false, why: `the probe pod ${peer.namespace}/${peer.name} ${found.why}` };
    const endpoint = endpointOf(found.pod, "probe");
    const moved =
      peer.namespace === PROBE_NAMESPACE && !peer.ref.startsWith(`${PROBE_NAMESPACE}/`)
        ? `, in ${PROBE_NAMESPACE}: a namespace the run creates and deletes, without the lab's tier label as ${peer.ref.split("/")[0]} is, so that nothing is created in ${peer.ref.split("/")[0]}`
        : "";
    this.notes.set(
      peer.ref,
      `${peer.ref} is the probe pod ${name(endpoint)} (labels ${selectorOf(peer.labels)}, image ${PROBE_IMAGE})${moved}`,
    );
    return { ok: true, endpoint };
  }

  /** Polls `look` every podPollMs until it finds the pod, it says the wait is over, or the bound. */
  private async waitFor(
    until: number,
    look: () => Promise<{ pod: KubeObject } | { state: string } | { final: string }>,
  ): Promise<{ ok: true; pod: KubeObject } | { ok: false; why: string }> {
    const { bounds } = this.options;
    const since = Date.now();
    let state = "not seen yet";
    for (;;) {
      let seen: Awaited<ReturnType<typeof look>>;
      try {
        seen = await look();
      } catch (error) {
        // A request cut short by the deadline or Ctrl-C: say where the pod stood when last seen.
        if (!bounds.signal.aborted) throw error;
        return { ok: false, why: `was not running when ${bounds.why()}: ${state}` };
      }
      if ("pod" in seen) return { ok: true, pod: seen.pod };
      if ("final" in seen) return { ok: false, why: `ended without running: ${seen.final}` };
      state = seen.state;
      const waited = Math.round((Date.now() - since) / 1000);
      if (Date.now() >= until) return { ok: false, why: `did not start within ${waited} s: ${state}` };
      if (!(await bounds.sleep(Math.min(this.options.podPollMs, Math.max(0, until - Date.now()))))) {
        return { ok: false, why: `was not running when ${bounds.why()}: ${state}` };
      }
    }
  }
}

const name = (e: Endpoint) => `${e.namespace}/${e.pod}`;

function endpointOf(pod: KubeObject, container: string): Endpoint {
  return { namespace: pod.metadata.namespace, pod: pod.metadata.name, container, ip: pod.status?.podIP ?? "" };
}

/** Running, with every container running (a probe pod has no readiness probe). */
function isRunning(pod: KubeObject): boolean {
  const statuses: KubeObject[] = pod.status?.containerStatuses ?? [];
  return (
    pod.status?.phase === "Running" && statuses.length > 0 && statuses.every((s) => s.state?.running !== undefined)
  );
}

/** Running and Ready: the lab's pods have readiness probes, and listen once ready. */
function isReady(pod: KubeObject): boolean {
  return (
    pod.status?.phase === "Running" &&
    (pod.status?.conditions ?? []).some((c: KubeObject) => c.type === "Ready" && c.status === "True") &&
    pod.metadata?.deletionTimestamp === undefined
  );
}

/** Where a pod stands, in words: its phase, why its containers wait, why it is not scheduled. */
export function podState(pod: KubeObject): string {
  const parts = [String(pod.status?.phase ?? "no status yet")];
  for (const status of (pod.status?.containerStatuses ?? []) as KubeObject[]) {
    const waiting = status.state?.waiting;
    if (waiting !== undefined) {
      parts.push(
        `container ${status.name} waiting: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ""}`,
      );
    }
  }
  const unscheduled = ((pod.status?.conditions ?? []) as KubeObject[]).find(
    (c) => c.type === "PodScheduled" && c.status === "False",
  );
  if (unscheduled !== undefined) parts.push(`not scheduled: ${unscheduled.message ?? unscheduled.reason}`);
  return parts.join(", ");
}
