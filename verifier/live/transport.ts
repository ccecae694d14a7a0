/**
 * What live mode asks of the Kubernetes API, in its own terms: plain JSON objects, the API
 * server's Status for a refusal, and the errors a request can end in. verifier/live/kube.ts
 * implements it over @kubernetes/client-node; this file does not load the client, so the rest of
 * live mode (and jest) can use these types and errors without it.
 */

import type { Status } from "../kube/status";

export type KubeObject = Record<string, any>;

/** A request the API server answered: the object, or the Status (whole) it refused the request with. */
export type Answer = { ok: true; object: KubeObject } | { ok: false; status: Status };

/** No answer from the API server at all: refused connection, timeout, TLS or DNS failure. */
export class TransportError extends Error {
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

/** A refusal where the caller needs an answer (reads, lists, deletes). */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(`${status.code} ${status.reason ?? ""}: ${status.message ?? ""}`);
    this.name = "ApiError";
  }
}

/** The cluster does not answer: exit 2, naming its address. */
export class UnreachableError extends Error {
  constructor(
    readonly server: string,
    reason: string,
  ) {
    super(`cannot reach the cluster at ${server}: ${reason}`);
    this.name = "UnreachableError";
  }
}

/** A kubeconfig that cannot be used: bad input, naming the flag and the file. */
export class KubeconfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "KubeconfigError";
  }
}

/** What an exec returned: both streams, the exit code the API server reported, if any. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** From the status channel: 0 on success, the code of `NonZeroExitCode`. */
  exitCode?: number;
  /** The exec did not end within its bound (or the run was stopped), and was closed. */
  timedOut: boolean;
}

/** The kinds live mode creates, reads, lists or deletes. */
export type Kind =
  | "Pod"
  | "Namespace"
  | "Deployment"
  | "StatefulSet"
  | "DaemonSet"
  | "ReplicaSet"
  | "Job"
  | "CronJob"
  | "ValidatingAdmissionPolicyBinding";

export interface Kube {
  /** The API server's address, from the kubeconfig. */
  readonly server: string;
  /** GET /version: proves the server answers; throws TransportError or ApiError. */
  version(): Promise<string>;
  /** POST the object; with `dryRun`, as `dryRun=All` (admission runs, nothing is stored). */
  create(object: KubeObject, options: { dryRun: boolean }): Promise<Answer>;
  /**
   * PUT the Pod's `ephemeralcontainers` subresource with one container added, as `kubectl debug`
   * adds one: an UPDATE that admission judges.
   */
  addEphemeralContainer(
    namespace: string,
    name: string,
    container: KubeObject,
    options: { dryRun: boolean },
  ): Promise<Answer>;
  /** The object, or undefined when there is none (404). */
  get(kind: Kind, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** The objects the API server selects with `labelSelector`, in a namespace or everywhere. */
  list(kind: "Pod" | "Namespace", namespace: string | undefined, labelSelector: string): Promise<KubeObject[]>;
  /** Deletes at once (grace period 0); false when it was already gone. */
  delete(kind: "Pod" | "Namespace", namespace: string | undefined, name: string): Promise<boolean>;
  /** Runs a command in a container (the exec subresource, over WebSocket). */
  exec(namespace: string, pod: string, container: string, command: string[], timeoutMs: number): Promise<ExecResult>;
}
