// How live mode stands for each peer of the claims, and the probe pods it would create.
import { STAGES } from "../../config/keys";
import { IMAGES } from "../../config/images";
import { labNetworkPolicies } from "../../components/network-policies";
import { admissionEngine } from "../../verifier/analyze";
import { labModel, readLabConfig } from "../../verifier/lab";
import type { ClusterModel } from "../../verifier/model";
import {
  peerFor,
  PROBE_IMAGE,
  PROBE_LABEL,
  PROBE_NAMESPACE,
  probeNamespace,
  probePod,
  probeRefusal,
  selectorOf,
} from "../../verifier/live/plan";

let model: ClusterModel;
beforeAll(async () => {
  ({ model } = await labModel(readLabConfig(undefined), "allowed-repos"));
});

describe("the claims' peers on a live cluster", () => {
  it("probes the lab's own pods in place, found by their pod-template labels", () => {
    expect(peerFor("app/phpmyadmin", model)).toEqual({
      kind: "lab",
      ref: "app/phpmyadmin",
      namespace: "app",
      workload: "Deployment/app/phpmyadmin",
      labels: { app: "phpmyadmin", tier: "app" },
      container: "phpmyadmin",
    });
    expect(peerFor("data/mysql", model)).toEqual({
      kind: "lab",
      ref: "data/mysql",
      namespace: "data",
      workload: "StatefulSet/data/mysql",
      labels: { app: "mysql", tier: "data" },
      container: "mysql",
    });
    expect(selectorOf({ app: "phpmyadmin", tier: "app" })).toBe("app=phpmyadmin,tier=app");
  });

  it("creates the intruder in app, and the outsider in the run's own namespace instead of default", () => {
    expect(peerFor("app/intruder", model)).toEqual({
      kind: "probe",
      ref: "app/intruder",
      namespace: "app",
      name: "intruder",
      labels: { run: "intruder" },
    });
    expect(peerFor("default/outsider", model)).toEqual({
      kind: "probe",
      ref: "default/outsider",
      namespace: PROBE_NAMESPACE,
      name: "outsider",
      labels: { run: "outsider" },
    });
  });

  it("judges DNS and the internet from the probed pod, and leaves the load balancer's clients unprobed", () => {
    expect(peerFor("kube-system/kube-dns", model)).toEqual({ kind: "dns", ref: "kube-system/kube-dns" });
    expect(peerFor("external:internet", model)).toEqual({ kind: "internet", ref: "external:internet" });
    expect(peerFor("external:allowed-source", model)).toEqual({
      kind: "outside",
      ref: "external:allowed-source",
      why: "a client on the internet reaching the load balancer cannot be placed inside the cluster (a pod's traffic would not come from that source address); check it by hand from an address inside and one outside allowedSourceRanges",
    });
  });

  it("labels probes with a key no selector of the lab's NetworkPolicies uses, at any stage", () => {
    const keys = new Set<string>();
    const collect = (selector: any) => {
      for (const key of Object.keys(selector?.matchLabels ?? {})) keys.add(key);
      for (const expression of selector?.matchExpressions ?? []) keys.add(expression.key);
    };
    for (const stage of STAGES) {
      for (const exposure of [
        { mode: "port-forward" as const },
        { mode: "loadbalancer" as const, allowedSourceRanges: ["203.0.113.0/24"] },
      ]) {
        for (const policy of labNetworkPolicies(stage, exposure)) {
          collect(policy.spec.podSelector);
          for (const rule of [...((policy.spec.ingress as any[]) ?? []), ...((policy.spec.egress as any[]) ?? [])]) {
            for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])]) {
              collect(peer.podSelector);
              collect(peer.namespaceSelector);
            }
          }
        }
      }
    }
    expect([...keys].sort()).toEqual(["app", "k8s-app", "kubernetes.io/metadata.name", "tier"]);
    expect(keys.has(PROBE_LABEL)).toBe(false);
    // The probe namespace is selected like default: by no tier label, and by its own name only.
    expect(probeNamespace()).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "lab-verify-probes", labels: { "k8s-hardening-lab/verify-probe": "true" } },
    });
  });
});

describe("probe pods", () => {
  it("run phpMyAdmin's image with only sleep running, restricted, and stop by themselves", () => {
    expect(PROBE_IMAGE).toBe(IMAGES.phpmyadmin);
    expect(probePod("app", "intruder", { run: "intruder" }, { name: "probe", image: PROBE_IMAGE }, 360)).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "intruder",
        namespace: "app",
        labels: { run: "intruder", "k8s-hardening-lab/verify-probe": "true" },
      },
      spec: {
        automountServiceAccountToken: false,
        restartPolicy: "Never",
        activeDeadlineSeconds: 360,
        terminationGracePeriodSeconds: 0,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 33,
          runAsGroup: 33,
          seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
          {
            name: "probe",
            image: "docker.io/library/phpmyadmin:5.2.3",
            command: ["sleep", "360"],
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
            },
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
          },
        ],
      },
    });
  });

  it("are created only when the stage admits them", () => {
    const engine = admissionEngine(model);
    const pod = (image: string) => probePod("app", "intruder", { run: "intruder" }, { name: "probe", image }, 360);
    expect(probeRefusal(engine, pod(PROBE_IMAGE))).toBeUndefined();
    expect(
      probeRefusal(
        engine,
        probePod(PROBE_NAMESPACE, "outsider", { run: "outsider" }, { name: "probe", image: "busybox" }, 360),
      ),
    ).toBeUndefined();
    expect(probeRefusal(engine, pod("busybox"))).toBe(
      'the stage would refuse the probe pod Pod/app/intruder: [K8sAllowedRepos/allowed-repos-app] container <probe> has an invalid image repo <busybox>, allowed repos are ["docker.io/library/phpmyadmin:"]',
    );
  });
});
