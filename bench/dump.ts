/**
 * A generated cluster written as `kubectl get ns,pods,networkpolicies -A -o yaml` prints it: one
 * `List` whose items are Namespaces, Pods (with the fields a running pod has, `status.podIP`
 * among them) and NetworkPolicies. The benchmark feeds it to the CLI; run on its own it writes the
 * dump of a size given on the command line:
 *
 *   npx tsx bench/dump.ts --pods 3000 --namespaces 40 --policies 300 [--replicas 12] [--seed 42] OUT.yaml
 *
 * Pods come from bench/generate.ts in workloads of up to `replicas` pods, as Deployments
 * make them (`--replicas 1`: every pod drawn on its own, nearly one class per pod).
 */
import * as fs from "fs";
import { generateCluster, GeneratedCluster } from "./generate";
import type { NamespaceInfo, NetworkPolicyObject, PodInfo } from "../verifier/netpol";

export interface DumpShape {
  pods: number;
  namespaces: number;
  policies: number;
  replicas: number;
  seed: number;
}

// Plain scalars that YAML 1.1 or 1.2 would read as something other than a string: booleans, nulls,
// numbers (sexagesimal too) and timestamps. kubectl quotes exactly these.
const NEEDS_QUOTES =
  /^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN|[-+]?([0-9][0-9_]*(:[0-5]?[0-9])*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9_]+([eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7]+|0b[01_]+)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$/;
const PLAIN = /^[A-Za-z0-9./_-][A-Za-z0-9./_ -]*$/;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value !== "string") return String(value);
  return PLAIN.test(value) && !NEEDS_QUOTES.test(value) && !value.endsWith(" ") ? value : JSON.stringify(value);
}

/** Block-style YAML of plain data, as kubectl prints it (keys sorted, lists not indented under their key). */
function emit(value: unknown, indent: string, lines: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === "object") {
        const inner: string[] = [];
        emit(item, `${indent}  `, inner);
        if (inner.length === 0) lines.push(`${indent}- ${Array.isArray(item) ? "[]" : "{}"}`);
        else lines.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else {
        lines.push(`${indent}- ${scalar(item as string | number | boolean | null)}`);
      }
    }
    return;
  }
  for (const key of Object.keys(value as object).sort()) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== null && typeof child === "object") {
      const empty = Array.isArray(child) ? child.length === 0 : Object.keys(child).length === 0;
      if (empty) lines.push(`${indent}${scalar(key)}: ${Array.isArray(child) ? "[]" : "{}"}`);
      else {
        lines.push(`${indent}${scalar(key)}:`);
        emit(child, Array.isArray(child) ? indent : `${indent}  `, lines);
      }
    } else {
      lines.push(`${indent}${scalar(key)}: ${scalar(child as string | number | boolean | null)}`);
    }
  }
}

const CREATED = "2026-03-02T09:14:07Z";

function uid(kind: string, n: number): string {
  const hex = (n * 2654435761 + kind.length * 97).toString(16).padStart(12, "0").slice(-12);
  return `6f1c2e3a-${hex.slice(0, 4)}-4${hex.slice(4, 7)}-8${hex.slice(7, 10)}-${hex}`;
}

function namespaceObject(namespace: NamespaceInfo, n: number): object {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      creationTimestamp: CREATED,
      labels: { ...namespace.labels, "kubernetes.io/metadata.name": namespace.name },
      name: namespace.name,
      resourceVersion: String(1000 + n),
      uid: uid("Namespace", n),
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/** A running pod of a ReplicaSet, with the fields the API server and the kubelet add. */
function podObject(pod: PodInfo, n: number): object {
  const workload = `${pod.labels.app}-${pod.labels["pod-template-hash"] ?? pod.name}`;
  const token = `kube-api-access-${(n * 7919).toString(36).padStart(5, "0").slice(-5)}`;
  const status: Record<string, unknown> = {
    conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
      lastProbeTime: null,
      lastTransitionTime: CREATED,
      status: "True",
      type,
    })),
    containerStatuses: [
      {
        containerID: `containerd://${uid("Container", n).replace(/-/g, "")}`,
        image: `registry.example/${pod.namespace}/${pod.labels.app}:1.4.2`,
        imageID: `registry.example/${pod.namespace}/${pod.labels.app}@sha256:${"0".repeat(56)}${(n % 0xffffffff).toString(16).padStart(8, "0")}`,
        lastState: {},
        name: "main",
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: CREATED } },
      },
    ],
    hostIP: `10.224.0.${4 + (n % 3)}`,
    phase: "Running",
    qosClass: "Burstable",
    startTime: CREATED,
  };
  if (pod.ip !== undefined) {
    status.podIP = pod.ip;
    status.podIPs = [{ ip: pod.ip }];
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      creationTimestamp: CREATED,
      generateName: `${workload}-`,
      labels: pod.labels,
      name: pod.name,
      namespace: pod.namespace,
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          blockOwnerDeletion: true,
          controller: true,
          kind: "ReplicaSet",
          name: workload,
          uid: uid("ReplicaSet", n),
        },
      ],
      resourceVersion: String(200000 + n),
      uid: uid("Pod", n),
    },
    spec: {
      containers: [
        {
          image: `registry.example/${pod.namespace}/${pod.labels.app}:1.4.2`,
          imagePullPolicy: "IfNotPresent",
          name: "main",
          ports: pod.ports.map((port) => ({
            containerPort: port.port,
            ...(port.name ? { name: port.name } : {}),
            protocol: port.protocol,
          })),
          resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          volumeMounts: [{ mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", name: token, readOnly: true }],
        },
      ],
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      nodeName: `aks-nodepool1-31415926-vmss00000${n % 3}`,
      preemptionPolicy: "PreemptLowerPriority",
      priority: 0,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      serviceAccount: "default",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      tolerations: ["not-ready", "unreachable"].map((condition) => ({
        effect: "NoExecute",
        key: `node.kubernetes.io/${condition}`,
        operator: "Exists",
        tolerationSeconds: 300,
      })),
      volumes: [
        {
          name: token,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { items: [{ key: "ca.crt", path: "ca.crt" }], name: "kube-root-ca.crt" } },
              {
                downwardAPI: {
                  items: [{ fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" }, path: "namespace" }],
                },
              },
            ],
          },
        },
      ],
    },
    status,
  };
}

function policyObject(policy: NetworkPolicyObject, n: number): object {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      creationTimestamp: CREATED,
      generation: 1,
      name: policy.metadata.name,
      namespace: policy.metadata.namespace,
      resourceVersion: String(400000 + n),
      uid: uid("NetworkPolicy", n),
    },
    spec: policy.spec,
  };
}

export function generateDumpCluster(shape: DumpShape): GeneratedCluster {
  return generateCluster({
    seed: shape.seed,
    namespaces: shape.namespaces,
    podsPerNamespace: Math.round(shape.pods / shape.namespaces),
    policies: shape.policies,
    replicas: shape.replicas,
  });
}

/** Writes the dump, item by item; returns its size in bytes. */
export function writeDump(cluster: GeneratedCluster, file: string): number {
  const fd = fs.openSync(file, "w");
  let bytes = 0;
  const write = (lines: string[]) => {
    const text = lines.join("\n") + "\n";
    bytes += Buffer.byteLength(text);
    fs.writeSync(fd, text);
  };
  try {
    write(["apiVersion: v1", "items:"]);
    const items: object[] = [
      ...cluster.namespaces.map(namespaceObject),
      ...cluster.pods.map(podObject),
      ...cluster.policies.map(policyObject),
    ];
    for (let i = 0; i < items.length; i += 500) {
      const lines: string[] = [];
      emit(items.slice(i, i + 500), "", lines);
      write(lines);
    }
    write(["kind: List", "metadata:", '  resourceVersion: ""']);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) =>
    args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
  const out = args.filter((arg, i) => !arg.startsWith("--") && !args[i - 1]?.startsWith("--"))[0];
  if (!out)
    throw new Error("usage: tsx bench/dump.ts --pods N --namespaces N --policies N [--replicas N] [--seed N] OUT.yaml");
  const shape: DumpShape = {
    pods: option("--pods", 10000),
    namespaces: option("--namespaces", 100),
    policies: option("--policies", 1000),
    replicas: option("--replicas", 12),
    seed: option("--seed", 42),
  };
  const cluster = generateDumpCluster(shape);
  const bytes = writeDump(cluster, out);
  console.log(
    `${out}: ${cluster.namespaces.length} namespaces, ${cluster.pods.length} pods, ${cluster.policies.length} policies, ${(bytes / 2 ** 20).toFixed(1)} MB`,
  );
}

if (require.main === module) main();
