/**
 * The lab's connectivity table (/work/shared/LAB.md) for the stages the article defines, with the
 * article's two policies written out here as the engine receives them.
 */
import { Endpoint, NetworkPolicyEngine, NetworkPolicyObject, PodInfo, Protocol } from "../../verifier/netpol";

const pod = (namespace: string, name: string, labels: Record<string, string>, ports: PodInfo["ports"]): Endpoint => ({
  kind: "pod",
  pod: { namespace, name, labels, ports },
});

const phpmyadmin = pod("app", "phpmyadmin", { app: "phpmyadmin", tier: "app" }, [{ name: "http", port: 80, protocol: "TCP" }]);
const mysql = pod("data", "mysql", { app: "mysql", tier: "data" }, [{ name: "mysql", port: 3306, protocol: "TCP" }]);
const intruder = pod("app", "intruder", { run: "nginx" }, [{ port: 80, protocol: "TCP" }]);
const outsider = pod("default", "outsider", { run: "outsider" }, []);
const kubeDns = pod("kube-system", "kube-dns", { "k8s-app": "kube-dns" }, [
  { name: "dns", port: 53, protocol: "UDP" },
  { name: "dns-tcp", port: 53, protocol: "TCP" },
]);
const internet: Endpoint = { kind: "external", external: { name: "internet", ip: "93.184.216.34" } };

const defaultDenyAll: NetworkPolicyObject = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "default-deny-all", namespace: "data" },
  spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
};
const allowFromPhpmyadmin: NetworkPolicyObject = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "allow-from-phpmyadmin-ingress", namespace: "data" },
  spec: {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [{ namespaceSelector: { matchLabels: { tier: "app" } }, podSelector: { matchLabels: { app: "phpmyadmin" } } }],
        ports: [{ protocol: "TCP", port: 3306 }],
      },
    ],
  },
};

const STAGES: Record<string, NetworkPolicyObject[]> = {
  app: [],
  "default-deny": [defaultDenyAll],
  "allow-phpmyadmin": [defaultDenyAll, allowFromPhpmyadmin],
};

const FLOWS: [string, Endpoint, Endpoint, number, Protocol, string][] = [
  ["phpmyadmin → mysql:3306/TCP", phpmyadmin, mysql, 3306, "TCP", "ADA"],
  ["intruder → mysql:3306/TCP", intruder, mysql, 3306, "TCP", "ADD"],
  ["outsider → mysql:3306/TCP", outsider, mysql, 3306, "TCP", "ADD"],
  ["mysql → kube-dns:53/UDP", mysql, kubeDns, 53, "UDP", "ADD"],
  ["mysql → internet", mysql, internet, 443, "TCP", "ADD"],
  ["phpmyadmin → kube-dns:53/UDP", phpmyadmin, kubeDns, 53, "UDP", "AAA"],
  ["phpmyadmin → internet", phpmyadmin, internet, 443, "TCP", "AAA"],
  ["intruder → phpmyadmin:80/TCP", intruder, phpmyadmin, 80, "TCP", "AAA"],
  ["outsider → phpmyadmin:80/TCP", outsider, phpmyadmin, 80, "TCP", "AAA"],
];

function engineFor(stage: string): NetworkPolicyEngine {
  const pods = [phpmyadmin, mysql, intruder, outsider, kubeDns].map((e) => (e as { pod: PodInfo }).pod);
  return new NetworkPolicyEngine({
    namespaces: [
      { name: "app", labels: { tier: "app" } },
      { name: "data", labels: { tier: "data" } },
    ],
    pods,
    policies: STAGES[stage],
  });
}

describe("the lab's connectivity table", () => {
  test.each(Object.keys(STAGES).map((stage, column) => [stage, column]))("stage %s", (stage, column) => {
    const engine = engineFor(stage as string);
    const got = FLOWS.map(([flow, from, to, port, protocol]) => `${flow}: ${engine.judge(from, to, port, protocol).allowed ? "A" : "D"}`);
    expect(got).toEqual(FLOWS.map(([flow, , , , , expected]) => `${flow}: ${expected[column as number]}`));
  });

  test("the reasons a trainee reads at stage allow-phpmyadmin", () => {
    const engine = engineFor("allow-phpmyadmin");
    expect(engine.judge(phpmyadmin, mysql, 3306, "TCP").reason).toBe(
      "egress from app/phpmyadmin allowed: not isolated for egress; ingress to data/mysql allowed by data/allow-from-phpmyadmin-ingress rule 1",
    );
    expect(engine.judge(intruder, mysql, 3306, "TCP").reason).toBe(
      "egress from app/intruder allowed: not isolated for egress; ingress to data/mysql denied: " +
        "isolated by data/allow-from-phpmyadmin-ingress, data/default-deny-all, no ingress rule allows 3306/TCP from app/intruder",
    );
    expect(engine.judge(mysql, kubeDns, 53, "UDP").reason).toBe(
      "egress from data/mysql denied: isolated by data/default-deny-all, no egress rule allows 53/UDP to kube-system/kube-dns; " +
        "ingress to kube-system/kube-dns allowed: not isolated for ingress",
    );
    // MySQL answers phpMyAdmin although its egress is denied: replies are not judged.
    expect(engine.judge(phpmyadmin, mysql, 3306, "TCP").repliesAllowed).toBe(true);
    expect(engine.judge(mysql, internet, 443, "TCP").reason).toBe(
      "egress from data/mysql denied: isolated by data/default-deny-all, no egress rule allows 443/TCP to external:internet",
    );
  });
});
