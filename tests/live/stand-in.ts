/**
 * A stand-in for the Kubernetes API server, on loopback, for the calls live mode makes: the real
 * REST paths, Status objects for every refusal, dryRun=All (admission runs, nothing is stored;
 * an existing name is a 409 after admission, as the registry checks it after admission), label
 * selectors through the labelSelector parameter, and exec over WebSocket with the channel
 * subprotocols (v5.channel.k8s.io, v4.channel.k8s.io) as the API server speaks them: one byte of
 * channel (1 stdout, 2 stderr, 3 the Status) before each message.
 *
 * Behind exec is a pretend container: for the two probe programs of verifier/live/probes.ts it
 * answers what bash and getent print (tests/live/probes.test.ts holds the texts to real bash),
 * over the pretend network the test describes: who connects, who is refused, who is dropped.
 * A dropped packet ends the probe when its timeout kills it; live mode reads only what the probe
 * printed, so the pretend container prints that at once instead of making the test wait out the
 * timeout.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { WebSocketServer, type WebSocket } from "ws";
import { compileLabelSelector, selectorMatches } from "../../verifier/kube/selector";

export type KubeObject = Record<string, any>;

export interface Status {
  code: number;
  reason: string;
  message: string;
}

/** An admission request as the stand-in's admission chain sees it. */
export interface AdmissionRequest {
  operation: "CREATE" | "UPDATE";
  /** "pods", "deployments", … */
  resource: string;
  subresource: string;
  namespace: string;
  object: KubeObject;
}

/** What a connection does on the pretend network. */
export type Fate = "connect" | "refuse" | "drop";

export interface StandInOptions {
  /** Namespaces and their labels (the API server adds kubernetes.io/metadata.name). */
  namespaces: Record<string, Record<string, string>>;
  /** Objects that exist before the run (the lab's pods and workloads, leftovers). */
  objects: KubeObject[];
  /**
   * The Status object admission refuses a request with, whole, as the API server writes it (see
   * status()), or undefined to admit it.
   */
  admit(request: AdmissionRequest): KubeObject | undefined;
  /**
   * A TCP connection from a pod to host:port; `to` is the pod with that address, if any
   * (127.0.0.1 is decided by `listens`).
   */
  network(from: KubeObject, to: KubeObject | undefined, host: string, port: number): Fate;
  /** A DNS lookup from a pod: answered, or dropped. */
  dns(from: KubeObject): "answer" | "drop";
  /** The ports each pod listens on, by pod name. */
  listens: Record<string, number[]>;
  /** Whether a pod the run creates starts; by default it runs at once. */
  start?(pod: KubeObject): "running" | { reason: string; message: string };
  /** The ValidatingAdmissionPolicyBindings that exist. */
  bindings: string[];
  /** The WebSocket subprotocols offered for exec, in preference. */
  execProtocols?: string[];
  /** RBAC: the Status a request is forbidden with, or undefined to let it through. */
  authorize?(method: string, path: string): Status | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body?: KubeObject;
  /** For exec: the command and the subprotocol agreed. */
  command?: string[];
  protocol?: string;
}

const WORKLOADS: Record<string, { group: string; version: string; kind: string }> = {
  deployments: { group: "apps", version: "v1", kind: "Deployment" },
  statefulsets: { group: "apps", version: "v1", kind: "StatefulSet" },
  daemonsets: { group: "apps", version: "v1", kind: "DaemonSet" },
  replicasets: { group: "apps", version: "v1", kind: "ReplicaSet" },
  jobs: { group: "batch", version: "v1", kind: "Job" },
  cronjobs: { group: "batch", version: "v1", kind: "CronJob" },
};

/**
 * A Status as the API server writes it: metav1.Status's fields in Go's order, the empty ones left
 * out (`omitempty`), metadata always there (a struct, which encoding/json never leaves out).
 */
export function status(code: number, reason: string, message: string, details?: KubeObject): KubeObject {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export class StandIn {
  readonly requests: RecordedRequest[] = [];
  /** Every object by `kind/namespace/name`. */
  readonly objects = new Map<string, KubeObject>();
  private server?: http.Server;
  private readonly sockets = new Set<import("net").Socket>();
  private nextIp = 20;

  constructor(private readonly options: StandInOptions) {
    for (const [name, labels] of Object.entries(options.namespaces)) this.putNamespace(name, labels);
    for (const object of options.objects) {
      if (object.kind === "Namespace") this.objects.set(`Namespace//${object.metadata.name}`, object);
      else this.objects.set(`${object.kind}/${object.metadata.namespace}/${object.metadata.name}`, object);
    }
  }

  /** Starts on a free loopback port; the address to put in a kubeconfig. */
  async start(): Promise<string> {
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered) =>
        (this.options.execProtocols ?? ["v5.channel.k8s.io", "v4.channel.k8s.io"]).find((p) => offered.has(p)) ?? false,
    });
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(status(500, "InternalError", String(error))));
      });
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.server.on("upgrade", (req, socket, head) => {
      const url = new URL(req.url!, "http://stand-in");
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      const pod = match ? this.objects.get(`Pod/${match[1]}/${match[2]}`) : undefined;
      const command = url.searchParams.getAll("command");
      this.requests.push({ method: "GET", path: url.pathname, query: queryOf(url), command });
      if (pod === undefined) {
        socket.end("HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.requests[this.requests.length - 1].protocol = ws.protocol;
        this.exec(ws, pod, command);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The pods and namespaces carrying the probe label. */
  probes(): string[] {
    return [...this.objects.entries()]
      .filter(([, o]) => o.metadata?.labels?.["k8s-hardening-lab/verify-probe"] === "true")
      .map(([key]) => key)
      .sort();
  }

  private putNamespace(name: string, labels: Record<string, string>) {
    this.objects.set(`Namespace//${name}`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { ...labels, "kubernetes.io/metadata.name": name }, uid: `uid-ns-${name}` },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url!, "http://stand-in");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as KubeObject) : undefined;
    const method = req.method!;
    this.requests.push({ method, path: url.pathname, query: queryOf(url), ...(body ? { body } : {}) });
    const send = (code: number, object: KubeObject) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(object));
    };
    const forbidden = this.options.authorize?.(method, url.pathname);
    if (forbidden) return send(forbidden.code, status(forbidden.code, forbidden.reason, forbidden.message));
    const dryRun = url.searchParams.get("dryRun") === "All";
    const p = url.pathname.replace(/\/$/, "");
    let m: RegExpExecArray | null;

    if (p === "/version" && method === "GET") {
      return send(200, { major: "1", minor: "33", gitVersion: "v1.33.1", platform: "linux/amd64" });
    }
    const podList = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(p);
    if (podList !== null && method === "GET") {
      const namespace = podList[1];
      const selected = this.select("Pod", namespace, url.searchParams.get("labelSelector"));
      if ("code" in selected) return send(selected.code, status(selected.code, selected.reason, selected.message));
      return send(200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: selected });
    }
    if (p === "/api/v1/namespaces" && method === "GET") {
      const selected = this.select("Namespace", "", url.searchParams.get("labelSelector"));
      if ("code" in selected) return send(selected.code, status(selected.code, selected.reason, selected.message));
      return send(200, {
        kind: "NamespaceList",
        apiVersion: "v1",
        metadata: { resourceVersion: "1" },
        items: selected,
      });
    }
    if (p === "/api/v1/namespaces" && method === "POST") {
      const name = body!.metadata.name;
      if (this.objects.has(`Namespace//${name}`)) {
        return send(
          409,
          status(409, "AlreadyExists", `namespaces "${name}" already exists`, { name, kind: "namespaces" }),
        );
      }
      if (!dryRun) this.putNamespace(name, body!.metadata.labels ?? {});
      return send(201, this.objects.get(`Namespace//${name}`) ?? body!);
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p)) !== null) {
      const key = `Namespace//${m[1]}`;
      const namespace = this.objects.get(key);
      if (namespace === undefined) {
        return send(404, status(404, "NotFound", `namespaces "${m[1]}" not found`, { name: m[1], kind: "namespaces" }));
      }
      if (method === "GET") return send(200, namespace);
      if (method === "DELETE") {
        // Deleted at once, with its pods (a real namespace terminates for a while first).
        this.objects.delete(key);
        for (const k of [...this.objects.keys()]) if (k.startsWith(`Pod/${m[1]}/`)) this.objects.delete(k);
        return send(200, { ...namespace, status: { phase: "Terminating" } });
      }
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p)) !== null && method === "POST") {
      return this.createObject(send, "pods", m[1], { group: "", version: "v1", kind: "Pod" }, body!, dryRun);
    }
    if ((m = /^\/apis\/(apps|batch)\/v1\/namespaces\/([^/]+)\/([a-z]+)$/.exec(p)) !== null && method === "POST") {
      const kind = WORKLOADS[m[3]];
      if (kind !== undefined && kind.group === m[1]) return this.createObject(send, m[3], m[2], kind, body!, dryRun);
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/ephemeralcontainers)?$/.exec(p)) !== null) {
      const [, namespace, name, sub] = m;
      const key = `Pod/${namespace}/${name}`;
      const pod = this.objects.get(key);
      if (pod === undefined) {
        return send(404, status(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" }));
      }
      if (method === "GET" && sub === undefined) return send(200, pod);
      if (method === "DELETE" && sub === undefined) {
        this.objects.delete(key);
        return send(200, pod);
      }
      if (method === "PUT" && sub !== undefined) {
        // The registry keeps everything of the stored pod but its ephemeral containers.
        const updated = { ...pod, spec: { ...pod.spec, ephemeralContainers: body!.spec?.ephemeralContainers ?? [] } };
        const refusal = this.options.admit({
          operation: "UPDATE",
          resource: "pods",
          subresource: "ephemeralcontainers",
          namespace,
          object: updated,
        });
        if (refusal) return send(refusal.code, refusal);
        if (!dryRun) this.objects.set(key, updated);
        return send(200, updated);
      }
    }
    if (
      (m = /^\/apis\/admissionregistration\.k8s\.io\/v1\/validatingadmissionpolicybindings\/([^/]+)$/.exec(p)) !==
        null &&
      method === "GET"
    ) {
      if (this.options.bindings.includes(m[1])) {
        return send(200, {
          apiVersion: "admissionregistration.k8s.io/v1",
          kind: "ValidatingAdmissionPolicyBinding",
          metadata: { name: m[1] },
          spec: { validationActions: ["Deny"] },
        });
      }
      return send(
        404,
        status(404, "NotFound", `validatingadmissionpolicybindings.admissionregistration.k8s.io "${m[1]}" not found`),
      );
    }
    return send(404, status(404, "NotFound", "the server could not find the requested resource"));
  }

  private select(
    kind: "Pod" | "Namespace",
    namespace: string | undefined,
    labelSelector: string | null,
  ): KubeObject[] | Status {
    // Equality selectors only (`k=v,k=v`), the form live mode sends; anything else is refused as
    // the API server refuses a selector it cannot parse.
    const matchLabels: Record<string, string> = {};
    for (const term of (labelSelector ?? "").split(",").filter((t) => t !== "")) {
      const eq = /^([^=!]+)=([^=]*)$/.exec(term);
      if (!eq) return { code: 400, reason: "BadRequest", message: `unable to parse requirement: ${term}` };
      matchLabels[eq[1]] = eq[2];
    }
    const selector = compileLabelSelector({ matchLabels });
    const prefix = kind === "Namespace" ? "Namespace//" : namespace === undefined ? "Pod/" : `Pod/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([, object]) => object)
      .filter((object) => selectorMatches(selector, object.metadata?.labels ?? {}));
  }

  private createObject(
    send: (code: number, object: KubeObject) => void,
    resource: string,
    namespace: string,
    kind: { group: string; version: string; kind: string },
    body: KubeObject,
    dryRun: boolean,
  ) {
    if (!this.objects.has(`Namespace//${namespace}`)) {
      return send(
        404,
        status(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces" }),
      );
    }
    const name = body.metadata.name;
    const object: KubeObject = { ...body, metadata: { ...body.metadata, namespace, uid: `uid-${namespace}-${name}` } };
    const refusal = this.options.admit({ operation: "CREATE", resource, subresource: "", namespace, object });
    if (refusal) return send(refusal.code, refusal);
    const key = `${kind.kind}/${namespace}/${name}`;
    const qualified = kind.group === "" ? resource : `${resource}.${kind.group}`;
    if (this.objects.has(key)) {
      return send(
        409,
        status(409, "AlreadyExists", `${qualified} "${name}" already exists`, {
          name,
          group: kind.group,
          kind: resource,
        }),
      );
    }
    if (kind.kind === "Pod") {
      const fate = this.options.start?.(object) ?? "running";
      const container = object.spec.containers[0].name;
      object.status =
        fate === "running"
          ? {
              phase: "Running",
              podIP: `10.244.0.${this.nextIp++}`,
              conditions: [{ type: "Ready", status: "True" }],
              containerStatuses: [
                { name: container, ready: true, state: { running: { startedAt: "2026-01-01T00:00:00Z" } } },
              ],
            }
          : {
              phase: "Pending",
              conditions: [{ type: "PodScheduled", status: "True" }],
              containerStatuses: [{ name: container, ready: false, state: { waiting: fate } }],
            };
    }
    if (!dryRun) this.objects.set(key, object);
    return send(201, object);
  }

  private podAt(ip: string): KubeObject | undefined {
    return [...this.objects.values()].find((o) => o.kind === "Pod" && o.status?.podIP === ip);
  }

  /** The pretend container: the probe programs, over the pretend network. */
  private exec(ws: WebSocket, pod: KubeObject, command: string[]): void {
    const write = (channel: number, text: string) =>
      ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
    const [shell, flag, script, , ...args] = command;
    let stdout: string;
    if (shell === "bash" && flag === "-c" && script.includes("/dev/tcp/")) {
      const [host, port] = [args[0], Number(args[1])];
      const fate: Fate =
        host === "127.0.0.1"
          ? (this.options.listens[pod.metadata.name] ?? []).includes(port)
            ? "connect"
            : "refuse"
          : this.options.network(pod, this.podAt(host), host, port);
      stdout = tcpProbeOutput(fate, host, port);
    } else if (shell === "bash" && flag === "-c" && script.includes("getent hosts")) {
      const name = args[0];
      if (this.options.dns(pod) === "drop") {
        stdout = "probe-exit=124\n";
      } else {
        stdout = `10.96.0.1       ${name}.cluster.local\nprobe-exit=0\n`;
      }
    } else {
      write(2, `stand-in: ${command[0]}: not a probe this container knows\n`);
      write(
        3,
        JSON.stringify({
          metadata: {},
          status: "Failure",
          message: `command terminated with non-zero exit code: exit status 127`,
          reason: "NonZeroExitCode",
          details: { causes: [{ reason: "ExitCode", message: "127" }] },
        }),
      );
      ws.close();
      return;
    }
    write(1, stdout);
    write(3, JSON.stringify({ metadata: {}, status: "Success" }));
    ws.close();
  }
}

/** What bash prints for the TCP probe (tests/live/probes.test.ts holds these to real bash). */
export function tcpProbeOutput(fate: Fate, host: string, port: number): string {
  if (fate === "connect") return "probe-exit=0\n";
  if (fate === "drop") return "probe-exit=124\n";
  return `connect: connect: Connection refused\nconnect: line 1: /dev/tcp/${host}/${port}: Connection refused\nprobe-exit=1\n`;
}

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

/**
 * A kubeconfig for the stand-in, with a bearer token as a kind or AKS kubeconfig has credentials.
 * The stand-in speaks plain HTTP, which the client accepts only with TLS verification off.
 */
export function kubeconfigFor(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: stand-in",
    `  cluster: {server: '${server}', insecure-skip-tls-verify: true}`,
    "contexts:",
    "- name: stand-in",
    "  context: {cluster: stand-in, user: tester}",
    "current-context: stand-in",
    "users:",
    "- name: tester",
    "  user: {token: stand-in-token}",
    "",
  ].join("\n");
}
