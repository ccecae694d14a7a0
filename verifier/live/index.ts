/**
 * Live mode: the claims of docs/lab.md observed on a running cluster, beside the offline
 * prediction for the same configuration and stage.
 *
 * - Admission: each claim's request is sent with dryRun=All. Admission runs in full on a dry run
 *   (Gatekeeper's webhook declares no side effects), and nothing is stored. The observed Status
 *   (code, reason and message) is compared with the predicted one, exactly.
 * - Connectivity: real connections between the claims' peers (verifier/live/plan.ts), through
 *   `exec`, each bounded by a timeout, all by the run's deadline, a few at a time.
 *
 * The run creates only probe pods (and their namespace) from images the stage admits, labelled
 * as probes; it deletes them at the end, after a failure and after Ctrl-C too, and removes those
 * an earlier run left. Nothing the lab owns is changed.
 */
import type { Stage } from "../../config/keys";
import { admissionEngine, analyzeJudged, type LiveAdmission, type Report } from "../analyze";
import type { AdmissionEngine, AdmissionResult } from "../admission";
import { objectKey } from "../kube/object";
import { ADMISSION_CLAIMS, type AdmissionProbe, CONNECTIVITY_CLAIMS, LOAD_BALANCER_CLAIMS } from "../lab/claims";
import { VerifyInputError, type ClusterModel, type KubeObject } from "../model";
import { observeAdmission, summarizeAdmission } from "./admission";
import { Bounds, Interrupted, LIVE_WAITS, Limiter, type LiveWaits } from "./bounds";
import { Connectivity } from "./connectivity";
import {
  PROBE_IMAGE,
  PROBE_LABEL,
  PROBE_NAMESPACE,
  PROBE_SELECTOR,
  probeNamespace,
  probePod,
  probeRefusal,
} from "./plan";
import { ProbeLog } from "./log";
import { stackKubeconfig } from "./stack";
import { ApiError, KubeconfigError, TransportError, UnreachableError, type Kube } from "./transport";

export interface LiveOptions {
  /** The stack whose configuration the prediction is made for and, without `kubeconfig`, whose cluster. */
  stack?: string;
  stage?: Stage;
  /** The cluster's kubeconfig file. */
  kubeconfig?: string;
  /**
   * The cluster's kubeconfig itself, for a caller that has read the stack's output already (the
   * class, through its own Automation API workspace); the file wins when both are given.
   */
  kubeconfigText?: string;
  context?: string;
  /** Bound on one connection or DNS lookup. */
  probeTimeoutSeconds: number;
  /** Bound on the whole run, probe pods' start included (not their deletion). */
  deadlineSeconds: number;
  /** How many execs run at once. */
  concurrency: number;
  /** A file to write every request and probe of the run to, as JSON lines. */
  probeLog?: string;
  /** Ctrl-C: stops the run, which then deletes its probes. */
  signal: AbortSignal;
  /** An exercise folder graded in place of the stack's (absolute, or relative to the project). */
  exercise?: string;
  /** How long it waits on the cluster (bounds.ts); LIVE_WAITS when absent. */
  waits?: LiveWaits;
}

/** Bound on the deletion of the probes after the run (and of an earlier run's leftovers). */
const CLEANUP_SECONDS = 60;

/**
 * Observes the claims of a stage on a cluster; the report carries both verdicts of each claim.
 * `projectDir` holds the stack files (default: this project).
 */
export async function verifyLive(options: LiveOptions, projectDir?: string): Promise<Report> {
  const log = new ProbeLog();
  try {
    return await run(options, projectDir, log);
  } finally {
    if (options.probeLog !== undefined) log.write(options.probeLog);
  }
}

async function run(options: LiveOptions, projectDir: string | undefined, log: ProbeLog): Promise<Report> {
  // The target first: a wrong kubeconfig or a cluster that does not answer is known in seconds,
  // before the prediction is computed, and before lab mode (the Pulumi SDK and the program) loads.
  const lab = () => import("../lab");
  const target =
    options.kubeconfig !== undefined
      ? { file: options.kubeconfig }
      : {
          text:
            options.kubeconfigText ?? (await stackKubeconfig(options.stack!, projectDir ?? (await lab()).PROJECT_DIR)),
        };
  const { connect } = await import("./kube");
  const bounds = new Bounds(options.deadlineSeconds, options.signal);
  const waits = options.waits ?? LIVE_WAITS;
  const connectTo = (signal: AbortSignal) =>
    connect({ ...target, context: options.context, requestTimeoutMs: waits.requestMs, signal });
  let kube: Kube;
  try {
    kube = connectTo(bounds.signal);
  } catch (error) {
    if (error instanceof KubeconfigError) throw new VerifyInputError(error.problems);
    throw error;
  }
  try {
    log.record({ event: "version", server: kube.server, version: await kube.version() });
  } catch (error) {
    if (error instanceof TransportError || error instanceof ApiError) {
      throw new UnreachableError(kube.server, error.message);
    }
    throw error;
  }

  const { configNotes, configuredStage, labModel, readLabConfig } = await lab();
  const config = readLabConfig(options.stack, projectDir, options.exercise);
  const stage = options.stage ?? configuredStage(config);
  const { model, exercise } = await labModel(config, stage);
  const report: Report = await analyzeJudged(model, { stage, notes: configNotes(config) });

  // Deletion must work after Ctrl-C and after the deadline: a client the run's signal does not
  // stop (each of its requests is still bounded by waits.requestMs, each wait by CLEANUP_SECONDS).
  const cleanup = new Cleanup(connectTo(new AbortController().signal), log, waits);
  const housekeeping: string[] = [];
  try {
    try {
      housekeeping.push(...(await cleanup.removeLeftovers(bounds)));
    } catch (error) {
      // Listing every namespace's pods takes more than the run itself needs: without that right
      // (a trainee's RBAC), the run goes on and says what it could not do.
      if (!(error instanceof ApiError || error instanceof TransportError)) throw error;
      housekeeping.push(`could not look for probes an earlier run left (label ${PROBE_SELECTOR}): ${error.message}`);
    }
    const live = new LiveRun(kube, model, report, options, waits, bounds, log, cleanup);
    await live.observe();
    report.live = {
      server: kube.server,
      peers: [...live.peers(), ...live.bindingNotes],
      admission: live.admission,
      housekeeping,
    };
    if (exercise !== undefined) {
      const { gradeObserved, gradeOf } = await import("../lab/grade");
      const { claims, differences } = gradeObserved(report, model, exercise);
      report.exercise = exercise.folder;
      report.grade = gradeOf(stage, claims);
      report.live.differences = differences;
    }
  } finally {
    const deleted = await cleanup.deleteCreated();
    if (report.live !== undefined) report.live.housekeeping.push(...deleted);
    else housekeeping.push(...deleted);
  }
  if (bounds.interrupted) throw new Interrupted(housekeeping);
  return report;
}

/** The objects the run created, deleted at the end whatever happened. */
class Cleanup {
  private readonly created: { kind: "Pod" | "Namespace"; namespace?: string; name: string }[] = [];

  constructor(
    private readonly kube: Kube,
    private readonly log: ProbeLog,
    private readonly waits: LiveWaits,
  ) {}

  /** Remembers an object to delete; before it is created, so that a create cut short is not lost. */
  track(kind: "Pod" | "Namespace", namespace: string | undefined, name: string) {
    this.created.push({ kind, namespace, name });
  }

  /** Forgets an object the API server refused to create: there is nothing of the run's to delete. */
  untrack(kind: "Pod" | "Namespace", namespace: string | undefined, name: string) {
    const i = this.created.findIndex((o) => o.kind === kind && o.namespace === namespace && o.name === name);
    if (i >= 0) this.created.splice(i, 1);
  }

  /** Deletes probes an earlier run left (a killed run, a second Ctrl-C), and waits until they are gone. */
  async removeLeftovers(bounds: Bounds): Promise<string[]> {
    const lines: string[] = [];
    const pods = await this.kube.list("Pod", undefined, PROBE_SELECTOR);
    const namespaces = await this.kube.list("Namespace", undefined, PROBE_SELECTOR);
    const leftovers = [
      ...pods.map((p) => ({
        kind: "Pod" as const,
        namespace: String(p.metadata.namespace),
        name: String(p.metadata.name),
      })),
      ...namespaces.map((n) => ({ kind: "Namespace" as const, namespace: undefined, name: String(n.metadata.name) })),
    ];
    for (const leftover of leftovers) {
      await this.kube.delete(leftover.kind, leftover.namespace, leftover.name);
      this.log.record({ event: "delete-leftover", ...leftover });
    }
    for (const leftover of leftovers) {
      const gone = await this.waitGone(leftover.kind, leftover.namespace, leftover.name, bounds);
      lines.push(
        `removed ${describe(leftover)}, left by an earlier run${gone ? "" : " (still terminating when the wait ended)"}`,
      );
    }
    return lines;
  }

  /** Deletes what this run created; one line each for the report. */
  async deleteCreated(): Promise<string[]> {
    const lines: string[] = [];
    // Pods first: a namespace's deletion would take them too, but only after its finalizers.
    const ordered = [...this.created].sort((a, b) => Number(a.kind === "Namespace") - Number(b.kind === "Namespace"));
    for (const object of ordered) {
      try {
        // Only what carries the probe label: a create cut short may or may not have happened, and
        // an object of that name that is not a probe is not the run's to delete.
        const found = await this.kube.get(object.kind, object.namespace, object.name);
        if (found?.metadata?.labels?.[PROBE_LABEL] !== "true") {
          this.log.record({ event: "not-deleted", ...object, exists: found !== undefined });
          lines.push(
            found === undefined
              ? `${describe(object)} was not created, nothing to delete`
              : `left ${describe(object).replace("the probe ", "the ")} as it was: it is not a probe (no label ${PROBE_SELECTOR})`,
          );
          continue;
        }
        const existed = await this.kube.delete(object.kind, object.namespace, object.name);
        this.log.record({ event: "delete", ...object, existed });
        lines.push(existed ? `deleted ${describe(object)}` : `${describe(object)} was not created, nothing to delete`);
      } catch (error) {
        this.log.record({ event: "delete-failed", ...object, error: (error as Error).message });
        lines.push(
          `could not delete ${describe(object)}: ${(error as Error).message}; the next run removes it (label ${PROBE_SELECTOR})`,
        );
      }
    }
    this.created.length = 0;
    return lines;
  }

  private async waitGone(kind: "Pod" | "Namespace", namespace: string | undefined, name: string, bounds: Bounds) {
    const until = Math.min(Date.now() + CLEANUP_SECONDS * 1000, bounds.end);
    while (Date.now() < until) {
      if ((await this.kube.get(kind, namespace, name)) === undefined) return true;
      if (!(await bounds.sleep(this.waits.podPollMs))) return false;
    }
    return false;
  }
}

const describe = (o: { kind: string; namespace?: string; name: string }) =>
  o.kind === "Namespace" ? `the probe namespace ${o.name}` : `the probe pod ${o.namespace}/${o.name}`;

/** One run's observations. */
class LiveRun {
  readonly admission: LiveAdmission[] = [];
  private readonly connectivity: Connectivity;

  constructor(
    private readonly kube: Kube,
    private readonly model: ClusterModel,
    private readonly report: Report,
    private readonly options: LiveOptions,
    private readonly waits: LiveWaits,
    private readonly bounds: Bounds,
    private readonly log: ProbeLog,
    private readonly cleanup: Cleanup,
  ) {
    this.connectivity = new Connectivity(kube, model, {
      probeTimeoutSeconds: options.probeTimeoutSeconds,
      podPollMs: waits.podPollMs,
      limiter: new Limiter(options.concurrency),
      bounds,
      log,
      startProbePod: (namespace, name, labels) => this.startProbePod(namespace, name, labels),
    });
  }

  /** How the peers were stood for, for the report. */
  peers(): string[] {
    return this.connectivity.peerNotes();
  }

  async observe(): Promise<void> {
    // Probe pods start pulling their image while the admission requests run.
    const connectivity = this.observeConnectivity();
    await this.observeAdmissionClaims();
    await connectivity;
  }

  /**
   * Creates a probe pod once the prediction admits it (and its namespace when it is the run's
   * own); the pod as created, or why not.
   */
  private readonly started = new Map<string, Promise<{ ok: true } | { ok: false; why: string }>>();
  startProbePod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    container: { name: string; image: string } = { name: "probe", image: PROBE_IMAGE },
  ): Promise<{ ok: true } | { ok: false; why: string }> {
    const key = `${namespace}/${name}`;
    if (!this.started.has(key)) this.started.set(key, this.createProbePod(namespace, name, labels, container));
    return this.started.get(key)!;
  }

  private engine?: AdmissionEngine;
  private namespaceCreated?: Promise<{ ok: true } | { ok: false; why: string }>;

  private async createProbePod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    container: { name: string; image: string },
  ): Promise<{ ok: true } | { ok: false; why: string }> {
    const pod = probePod(namespace, name, labels, container, this.options.deadlineSeconds + CLEANUP_SECONDS);
    this.engine ??= admissionEngine(this.model);
    const refusal = probeRefusal(this.engine, pod);
    if (refusal !== undefined) return { ok: false, why: refusal };
    if (namespace === PROBE_NAMESPACE) {
      this.namespaceCreated ??= this.create(probeNamespace());
      const created = await this.namespaceCreated;
      if (!created.ok) return created;
    }
    return this.create(pod);
  }

  private async create(object: KubeObject): Promise<{ ok: true } | { ok: false; why: string }> {
    const kind = object.kind as "Pod" | "Namespace";
    const namespace = object.metadata.namespace as string | undefined;
    this.cleanup.track(kind, namespace, object.metadata.name);
    const answer = await this.kube.create(object, { dryRun: false });
    this.log.record({
      event: "create",
      kind,
      namespace,
      name: object.metadata.name,
      answer: answer.ok ? "created" : answer.status,
    });
    if (answer.ok) return { ok: true };
    this.cleanup.untrack(kind, namespace, object.metadata.name);
    return {
      ok: false,
      why: `creating the ${kind === "Pod" ? "probe pod" : "probe namespace"} ${objectKey(object)} was refused: ${answer.status.code} ${answer.status.reason}: ${answer.status.message}`,
    };
  }

  private async observeConnectivity(): Promise<void> {
    const claims = [...CONNECTIVITY_CLAIMS, ...LOAD_BALANCER_CLAIMS];
    await Promise.all(
      this.report.claims
        .filter((result) => result.kind === "connectivity")
        .map(async (result) => {
          const claim = claims.find((c) => c.flow === result.claim)!;
          Object.assign(result, await this.connectivity.observe(claim, result.computed));
        }),
    );
  }

  /** What became of the bindings the prediction names, for the report. */
  readonly bindingNotes: string[] = [];
  private readonly missingBindings = new Set<string>();

  /**
   * Gatekeeper creates a constraint's ValidatingAdmissionPolicy binding some 30 s after the
   * constraint; until then its webhook answers instead. Right after `pulumi up` the run waits for
   * the bindings the prediction names (bounded: at most waits.bindingsMs, a minute, and a quarter of
   * what is left of the deadline), so that it observes the cluster as it settles rather than as it starts.
   */
  private async waitForBindings(): Promise<void> {
    const bindings = [
      ...new Set(
        this.report.admission.flatMap((r) =>
          (r.enforcement?.points ?? []).flatMap((p) => (p.kind === "ValidatingAdmissionPolicy" ? [p.binding] : [])),
        ),
      ),
    ].sort();
    const since = Date.now();
    const until = Math.min(since + this.waits.bindingsMs, since + (this.bounds.end - since) / 4);
    for (const binding of bindings) {
      for (;;) {
        if ((await this.kube.get("ValidatingAdmissionPolicyBinding", undefined, binding)) !== undefined) break;
        const next = Math.min(this.waits.bindingPollMs, Math.max(0, until - Date.now()));
        if (Date.now() >= until || !(await this.bounds.sleep(next))) {
          this.missingBindings.add(binding);
          break;
        }
      }
    }
    const waited = Math.round((Date.now() - since) / 1000);
    for (const binding of bindings) {
      this.bindingNotes.push(
        this.missingBindings.has(binding)
          ? `the ValidatingAdmissionPolicy binding ${binding}, which the prediction names, did not exist after ${waited} s`
          : `the ValidatingAdmissionPolicy binding ${binding}, which the prediction names, exists`,
      );
    }
  }

  private async observeAdmissionClaims(): Promise<void> {
    try {
      await this.waitForBindings();
    } catch (error) {
      this.bindingNotes.push(`the ValidatingAdmissionPolicy bindings could not be read: ${(error as Error).message}`);
    }
    const predicted = new Map(this.report.admission.map((r) => [r.object, r]));
    const claimResults = this.report.claims.filter((r) => r.kind === "admission");
    for (const claim of ADMISSION_CLAIMS) {
      const result = claimResults.find((r) => r.claim === claim.object)!;
      const probes: AdmissionProbe[] =
        claim.probes === "lab-workloads" ? this.model.admissionObjects.map((object) => ({ object })) : claim.probes;
      const observed: LiveAdmission[] = [];
      for (const probe of probes) {
        const key = objectKey(probe.object);
        observed.push(await this.observeProbe(probe, predicted.get(key)!));
      }
      this.admission.push(...observed);
      Object.assign(result, summarizeAdmission(observed));
    }
    // In the order of the report's admission table.
    const order = this.report.admission.map((r) => r.object);
    this.admission.sort((a, b) => order.indexOf(a.object) - order.indexOf(b.object));
  }

  private async observeProbe(probe: AdmissionProbe, predicted: AdmissionResult): Promise<LiveAdmission> {
    if (this.bounds.signal.aborted) {
      return {
        object: predicted.object,
        observed: "not probed",
        matches: false,
        evidence: `${predicted.object}: not probed: ${this.bounds.why()}`,
      };
    }
    try {
      if (probe.update === undefined) {
        const answer = await this.kube.create(probe.object, { dryRun: true });
        this.log.record({ event: "dry-run", object: predicted.object, answer: answer.ok ? "admitted" : answer.status });
        return observeAdmission(predicted, answer, this.missingBindings);
      }
      return await this.observeEphemeralProbe(probe, predicted);
    } catch (error) {
      const why = this.bounds.signal.aborted ? this.bounds.why() : (error as Error).message;
      return {
        object: predicted.object,
        observed: "not probed",
        matches: false,
        evidence: `${predicted.object}: not probed: ${why}`,
      };
    }
  }

  /**
   * The API server refuses ephemeral containers in a Pod's create, so the claim's request is the
   * UPDATE `kubectl debug` sends: the pod (the claim's `oldObject`, with an admitted image) is
   * created for real, as a probe, and the ephemeral container is added to it with dryRun=All.
   */
  private async observeEphemeralProbe(probe: AdmissionProbe, predicted: AdmissionResult): Promise<LiveAdmission> {
    const old = probe.update!.oldObject as KubeObject;
    const namespace = String(old.metadata.namespace);
    const name = String(old.metadata.name);
    const container = old.spec.containers[0] as { name: string; image: string };
    const started = await this.startProbePod(namespace, name, old.metadata.labels ?? {}, container);
    if (!started.ok) {
      return {
        object: predicted.object,
        observed: "not probed",
        matches: false,
        evidence: `${predicted.object}: not probed: ${started.why}`,
      };
    }
    const added = (probe.object as KubeObject).spec.ephemeralContainers as KubeObject[];
    const answer = await this.kube.addEphemeralContainer(namespace, name, added[added.length - 1], { dryRun: true });
    this.log.record({
      event: "dry-run",
      object: predicted.object,
      subresource: "ephemeralcontainers",
      answer: answer.ok ? "admitted" : answer.status,
    });
    return observeAdmission(predicted, answer, this.missingBindings);
  }
}
