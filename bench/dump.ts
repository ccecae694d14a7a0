/**
 * A generated cluster (verifier/netpol/generate.ts) written out as `kubectl get
 * ns,pods,networkpolicies -A -o yaml` prints one: a v1 List whose Pods carry what the API server
 * fills in (uid, managed owner references, a service-account volume, tolerations, conditions,
 * container statuses), so that a dump weighs what a real one does, about 4 kB a pod.
 */
import { stringify } from "yaml";
import type { GeneratedCluster } from "../verifier/netpol/generate";
import type { PodInfo } from "../verifier/netpol";

const TIME = "2025-01-15T09:30:00Z";

function uid(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `5f0c9a2e-1b7d-4c3e-9a61-${hex}`;
}

function podObject(pod: PodInfo, n: number): object {
  const app = pod.labels.app ?? "app";
  const image = `registry.example/${pod.namespace}/${app}:1.${n % 7}.${n % 3}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      creationTimestamp: TIME,
      generateName: `${app}-7c9d8f6b5-`,
      labels: { ...pod.labels, "pod-template-hash": "7c9d8f6b5" },
      name: pod.name,
      namespace: pod.namespace,
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          blockOwnerDeletion: true,
          controller: true,
          kind: "ReplicaSet",
          name: `${app}-7c9d8f6b5`,
          uid: uid(1_000_000 + n),
        },
      ],
      resourceVersion: String(100_000 + n),
      uid: uid(n),
    },
    spec: {
      containers: [
        {
          env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
          ],
          image,
          imagePullPolicy: "IfNotPresent",
          name: app,
          ports: pod.ports.map((p) => ({
            containerPort: p.port,
            ...(p.name ? { name: p.name } : {}),
            protocol: p.protocol,
          })),
          readinessProbe: {
            failureThreshold: 3,
            periodSeconds: 10,
            successThreshold: 1,
            tcpSocket: { port: pod.ports[0].port },
            timeoutSeconds: 1,
          },
          resources: { limits: { memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
          },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          volumeMounts: [
            {
              mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
              name: "kube-api-access-x2b7q",
              readOnly: true,
            },
          ],
        },
      ],
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      nodeName: `aks-nodepool1-${10_000_000 + (n % 5)}-vmss00000${n % 3}`,
      preemptionPolicy: "PreemptLowerPriority",
      priority: 0,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      serviceAccount: "default",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists", tolerationSeconds: 300 },
        { effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 300 },
      ],
      volumes: [
        {
          name: "kube-api-access-x2b7q",
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
    status: {
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map((type) => ({
        lastProbeTime: null,
        lastTransitionTime: TIME,
        status: "True",
        type,
      })),
      containerStatuses: [
        {
          containerID: `containerd://${uid(n).replace(/-/g, "")}`,
          image,
          imageID: `${image}@sha256:${"0123456789abcdef".repeat(4)}`,
          lastState: {},
          name: app,
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: TIME } },
        },
      ],
      hostIP: `10.224.0.${4 + (n % 3)}`,
      phase: "Running",
      ...(pod.ip ? { podIP: pod.ip, podIPs: [{ ip: pod.ip }] } : {}),
      qosClass: "Burstable",
      startTime: TIME,
    },
  };
}

/** The cluster as one YAML document, a List, in kubectl's order: namespaces, pods, policies. */
export function renderDump(cluster: GeneratedCluster): string {
  const items = [
    ...cluster.namespaces.map((ns) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        creationTimestamp: TIME,
        labels: { ...ns.labels, "kubernetes.io/metadata.name": ns.name },
        name: ns.name,
        resourceVersion: "42",
        uid: uid(ns.name.length),
      },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    })),
    ...cluster.pods.map(podObject),
    ...cluster.policies,
  ];
  return stringify({ apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } }, { lineWidth: 0 });
}
