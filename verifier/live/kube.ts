/**
 * The one door to the Kubernetes API: every call live mode makes goes through here, over the
 * official client, @kubernetes/client-node. No other file imports the client, and this file is
 * loaded only when a live run starts (`await import("./kube")`), because the client is an ES module
 * only: the CLI (tsx, or Node 22 with require(esm)) loads it. Jest 30 requires ES modules only on
 * Node 24.9 and later, and otherwise only through a transform of the client and its ES module
 * dependencies (some 2,700 files); so the tests run live mode as a user does, the CLI against a
 * stand-in API server (tests/live/).
 *
 * Every HTTP request is bounded (a timeout, and the run's own signal for Ctrl-C), and answers come
 * back as plain JSON objects and Status objects, so nothing else needs the client's types.
 */
import * as k8s from "@kubernetes/client-node";
import { Writable } from "stream";
import { failure, readStatus, type Status } from "../kube/status";
import {
  ApiError,
  KubeconfigError,
  TransportError,
  type Answer,
  type ExecResult,
  type Kind,
  type Kube,
  type KubeObject,
} from "./transport";

export interface ConnectOptions {
  /** The kubeconfig as text (a stack output), or undefined to read `file`. */
  text?: string;
  file?: string;
  context?: string;
  /** Bound on every HTTP request. */
  requestTimeoutMs: number;
  /** Aborts every request in flight (Ctrl-C). */
  signal: AbortSignal;
}

/** Loads the kubeconfig and picks its context; throws KubeconfigError naming the flag and file. */
function loadConfig(options: ConnectOptions): k8s.KubeConfig {
  const where = options.file !== undefined ? `--kubeconfig ${options.file}` : "the stack's kubeconfig output";
  const kc = new k8s.KubeConfig();
  try {
    if (options.text !== undefined) kc.loadFromString(options.text);
    else kc.loadFromFile(options.file!);
  } catch (error) {
    throw new KubeconfigError([`${where}: ${firstLine(error)}`]);
  }
  const contexts = kc.getContexts().map((c) => c.name);
  if (options.context !== undefined) {
    if (!contexts.includes(options.context)) {
      throw new KubeconfigError([
        `--context: "${options.context}" is not a context of ${where}; it has ${contexts.length > 0 ? contexts.join(", ") : "none"}`,
      ]);
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new KubeconfigError([
      `${where}: no current context with a cluster; name one with --context (it has ${contexts.length > 0 ? contexts.join(", ") : "none"})`,
    ]);
  }
  if (!/^https?:\/\//.test(cluster.server)) {
    throw new KubeconfigError([`${where}: cluster ${cluster.name}: server "${cluster.server}" is not an http(s) URL`]);
  }
  return kc;
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split("\n")[0];

/**
 * The Status in an ApiException's body, whole; when the body is none (a proxy's page), a Status
 * of the exception's code with the body as its message and no reason.
 */
function statusOf(error: k8s.ApiException<unknown>): Status {
  let body: unknown = error.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const status = readStatus(body);
  if (status !== undefined) return status.code === 0 ? { ...status, code: error.code } : status;
  return failure(error.code, "", typeof error.body === "string" ? error.body : error.message);
}

/** Connects to the kubeconfig's cluster (no request yet: call `version()` to prove it answers). */
export function connect(options: ConnectOptions): Kube {
  const kc = loadConfig(options);
  const server = kc.getCurrentCluster()!.server;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const admissionregistration = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const versionApi = kc.makeApiClient(k8s.VersionApi);

  /** Each request ends by its timeout or the run's signal, whichever comes first. */
  const bounded = (timeoutMs = options.requestTimeoutMs) => ({
    middleware: [
      {
        pre: (context: k8s.RequestContext) => {
          context.setSignal(AbortSignal.any([AbortSignal.timeout(timeoutMs), options.signal]));
          return new k8s.Observable(Promise.resolve(context));
        },
        post: (context: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  });

  /** Runs a request: the API server's refusal as an ApiError, no answer as a TransportError. */
  async function call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof k8s.ApiException) throw new ApiError(statusOf(error));
      const cause = (error as { cause?: unknown })?.cause;
      const name = (error as Error)?.name;
      const text =
        name === "AbortError" || name === "TimeoutError"
          ? options.signal.aborted
            ? "interrupted"
            : `no answer within ${options.requestTimeoutMs / 1000} s`
          : // fetch fails with "fetch failed"; what happened to the connection is its cause.
            firstLine(cause ?? error);
      throw new TransportError(server, text);
    }
  }

  // The client's model classes hold timestamps as Dates; everything else in live mode reads JSON.
  const plain = (object: unknown): KubeObject => JSON.parse(JSON.stringify(object));

  async function answer(request: () => Promise<unknown>): Promise<Answer> {
    try {
      return { ok: true, object: plain(await call(request)) };
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, status: error.status };
      throw error;
    }
  }

  const dryRunOf = (options: { dryRun: boolean }) => (options.dryRun ? "All" : undefined);

  return {
    server,

    async version() {
      const info = await call(() => versionApi.getCode({}, bounded()));
      return info.gitVersion;
    },

    create(object, createOptions) {
      const namespace = String(object.metadata?.namespace ?? "");
      const dryRun = dryRunOf(createOptions);
      const o = bounded();
      switch (object.kind as Kind) {
        case "Pod":
          return answer(() => core.createNamespacedPod({ namespace, body: object, dryRun }, o));
        case "Namespace":
          return answer(() => core.createNamespace({ body: object, dryRun }, o));
        case "Deployment":
          return answer(() => apps.createNamespacedDeployment({ namespace, body: object, dryRun }, o));
        case "StatefulSet":
          return answer(() => apps.createNamespacedStatefulSet({ namespace, body: object, dryRun }, o));
        case "DaemonSet":
          return answer(() => apps.createNamespacedDaemonSet({ namespace, body: object, dryRun }, o));
        case "ReplicaSet":
          return answer(() => apps.createNamespacedReplicaSet({ namespace, body: object, dryRun }, o));
        case "Job":
          return answer(() => batch.createNamespacedJob({ namespace, body: object, dryRun }, o));
        case "CronJob":
          // The client types a CronJob's spec as required; the object is checked by the API server.
          return answer(() => batch.createNamespacedCronJob({ namespace, body: object as k8s.V1CronJob, dryRun }, o));
        default:
          throw new Error(`live mode cannot create a ${String(object.kind)}`);
      }
    },

    async addEphemeralContainer(namespace, name, container, updateOptions) {
      const pod = await call(() => core.readNamespacedPod({ name, namespace }, bounded()));
      pod.spec = { ...pod.spec!, ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), container as any] };
      return answer(() =>
        core.replaceNamespacedPodEphemeralcontainers(
          { name, namespace, body: pod, dryRun: dryRunOf(updateOptions) },
          bounded(),
        ),
      );
    },

    async get(kind, namespace, name) {
      const o = bounded();
      const request = (): Promise<unknown> => {
        switch (kind) {
          case "Pod":
            return core.readNamespacedPod({ name, namespace: namespace! }, o);
          case "Namespace":
            return core.readNamespace({ name }, o);
          case "ValidatingAdmissionPolicyBinding":
            return admissionregistration.readValidatingAdmissionPolicyBinding({ name }, o);
          default:
            throw new Error(`live mode does not read a ${kind}`);
        }
      };
      try {
        return plain(await call(request));
      } catch (error) {
        if (error instanceof ApiError && error.status.code === 404) return undefined;
        throw error;
      }
    },

    async list(kind, namespace, labelSelector) {
      const o = bounded();
      if (kind === "Namespace") {
        const list = await call(() => core.listNamespace({ labelSelector }, o));
        return list.items.map((item) => plain(item));
      }
      const list = await call(() =>
        namespace === undefined
          ? core.listPodForAllNamespaces({ labelSelector }, o)
          : core.listNamespacedPod({ namespace, labelSelector }, o),
      );
      return list.items.map((item) => plain(item));
    },

    async delete(kind, namespace, name) {
      const o = bounded();
      try {
        if (kind === "Pod")
          await call(() => core.deleteNamespacedPod({ name, namespace: namespace!, gracePeriodSeconds: 0 }, o));
        else await call(() => core.deleteNamespace({ name }, o));
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status.code === 404) return false;
        throw error;
      }
    },

    async exec(namespace, pod, container, command, timeoutMs) {
      const stdout = collector();
      const stderr = collector();
      let exitCode: number | undefined;
      const socket = await new k8s.Exec(kc)
        .exec(namespace, pod, container, command, stdout.stream, stderr.stream, null, false, (status) => {
          exitCode = exitCodeOf(status);
        })
        .catch((error: unknown) => {
          throw new TransportError(
            server,
            `exec in ${namespace}/${pod}: ${firstLine((error as any)?.message ?? error)}`,
          );
        });
      return new Promise<ExecResult>((resolve) => {
        let finished = false;
        const finish = (timedOut: boolean) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          options.signal.removeEventListener("abort", abort);
          resolve({ stdout: stdout.text(), stderr: stderr.text(), exitCode, timedOut });
        };
        const timer = setTimeout(() => {
          socket.close();
          finish(true);
        }, timeoutMs);
        const abort = () => {
          socket.close();
          finish(true);
        };
        options.signal.addEventListener("abort", abort, { once: true });
        socket.onclose = () => finish(false);
      });
    },
  };
}

/** The exit code a Status from the exec's status channel reports. */
function exitCodeOf(status: k8s.V1Status): number | undefined {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  return cause?.message !== undefined ? Number(cause.message) : undefined;
}

/** A writable stream that keeps what it is given, as text. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}
