// Bad configuration is refused before any resource is registered, with every problem named:
// the key, the value and what is accepted.
import { LabConfigError } from "../config";
import { captureLab } from "../verifier/lab/capture";
import { runLab } from "./helpers";

const K = "k8s-hardening-lab";
const header = (n: number) => `the stack's configuration has ${n} problem${n === 1 ? "" : "s"}; nothing was created:\n`;
const KEYS =
  "k8s-hardening-lab:stage, k8s-hardening-lab:exercise, k8s-hardening-lab:kubeconfig, k8s-hardening-lab:nodeCount, k8s-hardening-lab:nodeVmSize, " +
  "k8s-hardening-lab:kubernetesVersion, k8s-hardening-lab:gatekeeperVersion, k8s-hardening-lab:gatekeeperReplicas, " +
  "k8s-hardening-lab:webhookFailurePolicy, k8s-hardening-lab:allowedReposApp, k8s-hardening-lab:allowedReposData, " +
  "k8s-hardening-lab:phpMyAdminExposure, k8s-hardening-lab:allowedSourceRanges, k8s-hardening-lab:mysqlRootPassword";

interface BadCase {
  what: string;
  values: Record<string, string | string[] | number>;
  secret?: string[];
  message: string;
}

const BAD: BadCase[] = [
  {
    what: "an unknown stage",
    values: { stage: "prod" },
    message: `${K}:stage: "prod" is not a stage; expected one of app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5`,
  },
  {
    what: "a stage number out of range",
    values: { stage: "6" },
    message: `${K}:stage: "6" is not a stage; expected one of app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5`,
  },
  {
    what: "zero nodes",
    values: { nodeCount: "0" },
    message: `${K}:nodeCount: "0" is not accepted; expected an integer from 1 to 100`,
  },
  {
    what: "a node count in words",
    values: { nodeCount: "two" },
    message: `${K}:nodeCount: "two" is not accepted; expected an integer from 1 to 100`,
  },
  {
    what: "a fractional node count",
    values: { nodeCount: "2.5" },
    message: `${K}:nodeCount: "2.5" is not accepted; expected an integer from 1 to 100`,
  },
  {
    what: "a VM size with a space",
    values: { nodeVmSize: "Standard D2s" },
    message: `${K}:nodeVmSize: "Standard D2s" is not accepted; expected an Azure VM size such as Standard_D2s_v5`,
  },
  {
    what: "a Kubernetes version of latest",
    values: { kubernetesVersion: "latest" },
    message: `${K}:kubernetesVersion: "latest" is not accepted; expected a version such as 1.33 or 1.33.2, or empty for the region's default`,
  },
  {
    what: "Gatekeeper 3.17.0, whose generated bindings cannot take the webhook's scope",
    values: { gatekeeperVersion: "3.17.0" },
    message: `${K}:gatekeeperVersion: "3.17.0" is not accepted; expected a Gatekeeper chart version from 3.21.0 to 3.x (such as 3.23.0): before 3.21.0 the ValidatingAdmissionPolicy bindings Gatekeeper generates cannot take the webhook's enforcement scope (--sync-vap-enforcement-scope), so they would judge in the namespaces the webhook exempts (kube-system among them) and miss the ephemeral containers kubectl debug adds`,
  },
  {
    what: "Gatekeeper 3.20.1, the last chart without --sync-vap-enforcement-scope",
    values: { gatekeeperVersion: "3.20.1" },
    message: `${K}:gatekeeperVersion: "3.20.1" is not accepted; expected a Gatekeeper chart version from 3.21.0 to 3.x (such as 3.23.0): before 3.21.0 the ValidatingAdmissionPolicy bindings Gatekeeper generates cannot take the webhook's enforcement scope (--sync-vap-enforcement-scope), so they would judge in the namespaces the webhook exempts (kube-system among them) and miss the ephemeral containers kubectl debug adds`,
  },
  {
    what: "a Gatekeeper 2.x chart",
    values: { gatekeeperVersion: "2.9.0" },
    message: `${K}:gatekeeperVersion: "2.9.0" is not accepted; expected a Gatekeeper chart version from 3.21.0 to 3.x (such as 3.23.0): before 3.21.0 the ValidatingAdmissionPolicy bindings Gatekeeper generates cannot take the webhook's enforcement scope (--sync-vap-enforcement-scope), so they would judge in the namespaces the webhook exempts (kube-system among them) and miss the ephemeral containers kubectl debug adds`,
  },
  {
    what: "a Gatekeeper 4.x chart",
    values: { gatekeeperVersion: "4.0.0" },
    message: `${K}:gatekeeperVersion: "4.0.0" is not accepted; expected a Gatekeeper chart version from 3.21.0 to 3.x (such as 3.23.0)`,
  },
  {
    what: "a Gatekeeper version with a v",
    values: { gatekeeperVersion: "v3.23.0" },
    message: `${K}:gatekeeperVersion: "v3.23.0" is not accepted; expected a Gatekeeper chart version from 3.21.0 to 3.x (such as 3.23.0)`,
  },
  {
    what: "negative replicas",
    values: { gatekeeperReplicas: "-1" },
    message: `${K}:gatekeeperReplicas: "-1" is not accepted; expected an integer from 1 to 10`,
  },
  {
    what: "a lower-case failure policy",
    values: { webhookFailurePolicy: "fail" },
    message: `${K}:webhookFailurePolicy: "fail" is not accepted; expected one of Fail, Ignore`,
  },
  {
    what: "a repository list that is a plain string",
    values: { allowedReposApp: "phpmyadmin" },
    message: `${K}:allowedReposApp: "phpmyadmin" is not accepted; expected an array of strings (pulumi config set --path 'allowedReposApp[0]' VALUE)`,
  },
  {
    what: "an empty repository prefix",
    values: { allowedReposApp: ["docker.io/library/phpmyadmin:", ""] },
    message: `${K}:allowedReposApp[1]: "" is not accepted; an empty prefix admits every image. Expected a repository prefix such as "docker.io/library/phpmyadmin:"`,
  },
  {
    what: "a repository list of numbers",
    values: { allowedReposData: "[1]" },
    message: `${K}:allowedReposData: "[1]" is not accepted; expected an array of strings (pulumi config set --path 'allowedReposData[0]' VALUE)`,
  },
  {
    what: "a repository list that denies the lab's own MySQL",
    values: { allowedReposData: ["docker.io/library/postgres:"] },
    message: `${K}:allowedReposData: ["docker.io/library/postgres:"] does not admit the lab's own image docker.io/library/mysql:8.4.11, so the lab would deny itself; expected a list with an entry such as "docker.io/library/mysql:"`,
  },
  {
    what: "an empty repository list",
    values: { allowedReposApp: [] },
    message: `${K}:allowedReposApp: [] does not admit the lab's own image docker.io/library/phpmyadmin:5.2.3, so the lab would deny itself; expected a list with an entry such as "docker.io/library/phpmyadmin:"`,
  },
  {
    what: "an unknown exposure",
    values: { phpMyAdminExposure: "nodeport" },
    message: `${K}:phpMyAdminExposure: "nodeport" is not accepted; expected one of port-forward, loadbalancer`,
  },
  {
    what: "a load balancer without source ranges",
    values: { phpMyAdminExposure: "loadbalancer" },
    message: `${K}:allowedSourceRanges: [] is not accepted with phpMyAdminExposure=loadbalancer; expected at least one CIDR of the trainees' addresses, such as 203.0.113.7/32`,
  },
  {
    what: "a prefix length over 32",
    values: { phpMyAdminExposure: "loadbalancer", allowedSourceRanges: ["10.0.0.0/33"] },
    message: `${K}:allowedSourceRanges[0]: "10.0.0.0/33" is not a CIDR; expected an address with a prefix length, such as 203.0.113.7/32`,
  },
  {
    what: "an address without a prefix",
    values: { phpMyAdminExposure: "loadbalancer", allowedSourceRanges: ["203.0.113.7"] },
    message: `${K}:allowedSourceRanges[0]: "203.0.113.7" is not a CIDR; expected an address with a prefix length, such as 203.0.113.7/32`,
  },
  {
    what: "the whole internet",
    values: { phpMyAdminExposure: "loadbalancer", allowedSourceRanges: ["0.0.0.0/0"] },
    message: `${K}:allowedSourceRanges[0]: "0.0.0.0/0" would expose phpMyAdmin to the whole internet; expected the trainees' own addresses, such as 203.0.113.7/32`,
  },
  {
    what: "host bits set",
    values: { phpMyAdminExposure: "loadbalancer", allowedSourceRanges: ["203.0.113.5/24"] },
    message: `${K}:allowedSourceRanges[0]: "203.0.113.5/24" is not accepted; host bits are set or the form is not canonical, expected 203.0.113.0/24`,
  },
  {
    what: "a plaintext MySQL password",
    values: { mysqlRootPassword: "plaintext-password" },
    message: `${K}:mysqlRootPassword: is stored in plaintext; set it with \`pulumi config set --secret mysqlRootPassword ...\``,
  },
  {
    what: "a short MySQL password",
    values: { mysqlRootPassword: "short" },
    secret: ["mysqlRootPassword"],
    message: `${K}:mysqlRootPassword: (secret value) is too short; expected at least 12 characters`,
  },
  {
    what: "a plaintext kubeconfig",
    values: { kubeconfig: "apiVersion: v1\nkind: Config\n" },
    message: `${K}:kubeconfig: is stored in plaintext; set it with \`pulumi config set --secret kubeconfig ...\``,
  },
  {
    what: "a kubeconfig that is a path",
    values: { kubeconfig: "~/.kube/config" },
    secret: ["kubeconfig"],
    message: `${K}:kubeconfig: (secret value) is not a kubeconfig; expected the YAML or JSON of a kubeconfig file (pulumi config set --secret kubeconfig < ~/.kube/config)`,
  },
  {
    what: "a misspelt key",
    values: { stgae: "app" },
    message: `${K}:stgae: unknown key (a typo?); the lab reads ${KEYS}`,
  },
];

describe("bad configuration", () => {
  it("has at least 15 cases", () => expect(BAD.length).toBeGreaterThanOrEqual(15));

  it.each(BAD.map((c) => [c.what, c] as const))("refuses %s before registering anything", async (_what, bad) => {
    const capture = await runLab(bad.values, bad.secret);
    expect(capture.error).toBeInstanceOf(LabConfigError);
    expect(capture.error!.message).toBe(`${header(1)}  - ${bad.message}`);
    expect(capture.resources).toEqual([]);
  });

  it("reports every problem at once, in key order", async () => {
    const capture = await runLab({ stage: "prod", nodeCount: "0", webhookFailurePolicy: "Open" });
    expect(capture.error!.message).toBe(
      header(3) +
        `  - ${K}:stage: "prod" is not a stage; expected one of app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5\n` +
        `  - ${K}:nodeCount: "0" is not accepted; expected an integer from 1 to 100\n` +
        `  - ${K}:webhookFailurePolicy: "Open" is not accepted; expected one of Fail, Ignore`,
    );
    expect(capture.resources).toEqual([]);
  });

  it("needs an Azure region for AKS, from the provider's config or ARM_LOCATION, and none for a cluster of one's own", async () => {
    const none = await captureLab({ config: {} });
    expect(none.error!.message).toBe(
      `${header(1)}  - azure-native:location: not set; the AKS cluster needs an Azure region (pulumi config set azure-native:location westeurope), or set kubeconfig to bring your own cluster`,
    );
    expect(none.resources).toEqual([]);
    const armLocation = process.env.ARM_LOCATION;
    process.env.ARM_LOCATION = "northeurope";
    try {
      expect((await captureLab({ config: {} })).error).toBeUndefined();
    } finally {
      if (armLocation === undefined) delete process.env.ARM_LOCATION;
      else process.env.ARM_LOCATION = armLocation;
    }
    const byo = await captureLab({
      config: { "k8s-hardening-lab:kubeconfig": "apiVersion: v1\nkind: Config\n" },
      secretKeys: ["k8s-hardening-lab:kubeconfig"],
    });
    expect(byo.error).toBeUndefined();
  });

  it("never echoes a secret value in a message", async () => {
    const capture = await runLab({ mysqlRootPassword: "tiny-pw" }, ["mysqlRootPassword"]);
    expect(capture.error!.message.includes("tiny-pw")).toBe(false);
  });
});

describe("accepted configuration", () => {
  it("takes every key at a valid non-default value", async () => {
    const capture = await runLab(
      {
        stage: "4",
        nodeCount: "3",
        nodeVmSize: "Standard_D4s_v5",
        kubernetesVersion: "1.33",
        gatekeeperVersion: "3.21.0",
        gatekeeperReplicas: "3",
        webhookFailurePolicy: "Ignore",
        allowedReposApp: ["docker.io/library/phpmyadmin:", "myregistry.azurecr.io/tools/"],
        allowedReposData: ["docker.io/library/mysql@", "docker.io/library/mysql:"],
        phpMyAdminExposure: "loadbalancer",
        allowedSourceRanges: ["203.0.113.0/24", "2001:db8::/48"],
        mysqlRootPassword: "a-long-enough-password",
        "azure-native:location": "westeurope",
      },
      ["mysqlRootPassword"],
    );
    expect(capture.error).toBeUndefined();
    expect(capture.warnings).toEqual([]);
    const aks = capture.resources.find((r) => r.name === "lab-cluster-aks")!.inputs;
    expect([aks.kubernetesVersion, aks.agentPoolProfiles[0].count, aks.agentPoolProfiles[0].vmSize]).toEqual([
      "1.33",
      3,
      "Standard_D4s_v5",
    ]);
    const release = capture.resources.find((r) => r.name === "lab-gatekeeper-release")!.inputs;
    expect([release.version, release.values.replicas, release.values.validatingWebhookFailurePolicy]).toEqual([
      "3.21.0",
      3,
      "Ignore",
    ]);
    // The oldest chart accepted gets the webhook's scope for its policies by a value of its own.
    expect(release.values.syncVAPEnforcementScope).toBe(true);
    // Both webhooks and the generated ValidatingAdmissionPolicy fail the way the trainer chose.
    expect(release.values.validatingWebhookCheckIgnoreFailurePolicy).toBe("Ignore");
    const template = capture.resources.find((r) => r.name === "lab-allowed-repos-template")!.inputs;
    expect(template.spec.targets[0].code[0].source.failurePolicy).toBe("Ignore");
    const svc = capture.resources.find((r) => r.name === "lab-app-phpmyadmin-svc")!.inputs.spec;
    expect(svc).toEqual({
      type: "LoadBalancer",
      selector: { app: "phpmyadmin", tier: "app" },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      loadBalancerSourceRanges: ["203.0.113.0/24", "2001:db8::/48"],
      externalTrafficPolicy: "Local",
    });
    expect(capture.outputs.phpMyAdmin).toBe("http://198.51.100.10");
    const constraint = capture.resources.find((r) => r.name === "lab-allowed-repos-app")!.inputs;
    expect(constraint.spec.parameters).toEqual({
      repos: ["docker.io/library/phpmyadmin:", "myregistry.azurecr.io/tools/"],
    });
  });

  it("warns about an entry that admits look-alike repositories, and is silent for the defaults", async () => {
    const capture = await runLab({
      stage: "allowed-repos",
      allowedReposApp: ["phpmyadmin", "docker.io/library/phpmyadmin:"],
    });
    expect(capture.error).toBeUndefined();
    expect(capture.warnings).toEqual([
      `${K}:allowedReposApp entry "phpmyadmin" admits look-alike repositories (it would admit "phpmyadminevil/miner"); end it with "/", ":" or "@"`,
    ]);
    expect((await runLab({})).warnings).toEqual([]);
  });

  it("warns that a single Gatekeeper replica leaves the webhook without a pod while it moves, and lets drains evict it", async () => {
    const capture = await runLab({ gatekeeperReplicas: "1" });
    expect(capture.error).toBeUndefined();
    expect(capture.warnings).toEqual([
      `${K}:gatekeeperReplicas: 1 leaves the admission webhook a single pod; while it restarts or moves off a drained node, requests the webhook covers (Pods and workloads in the lab's namespaces) are refused (failurePolicy Fail). 2 or more, spread over nodes, avoid that`,
    ]);
    const values = capture.resources.find((r) => r.name === "lab-gatekeeper-release")!.inputs.values;
    // A budget of minAvailable 1 over one pod would forbid every eviction and stall the drain.
    expect([values.replicas, values.pdb]).toEqual([1, { controllerManager: { minAvailable: 0 } }]);
    const ignore = await runLab({ gatekeeperReplicas: "1", webhookFailurePolicy: "Ignore" });
    expect(ignore.warnings[0]).toContain("are admitted unchecked (failurePolicy Ignore)");
  });

  it("warns about keys that have no effect", async () => {
    const capture = await runLab(
      { kubeconfig: "apiVersion: v1\nkind: Config\n", nodeCount: "3", allowedSourceRanges: ["203.0.113.0/24"] },
      ["kubeconfig"],
    );
    expect(capture.error).toBeUndefined();
    expect(capture.warnings).toEqual([
      `${K}:nodeCount is ignored: kubeconfig is set, so no AKS cluster is created`,
      `${K}:allowedSourceRanges is ignored: phpMyAdminExposure is port-forward`,
    ]);
  });
});
