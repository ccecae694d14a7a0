// The lab's resource graph, as the mock runtime records it: which resources each stage registers,
// how they are wired, and what they are given.
import { IMAGES } from "../config/images";
import { LabCapture, MOCK_AKS_KUBECONFIG } from "../verifier/lab/capture";
import { APP_STAGE_RESOURCES, byName, plaintextOf, resourceSet, runLab, transitiveDependencies } from "./helpers";

const DEFAULT_DENY = [
  "k8s-hardening-lab:index:NetworkPolicies lab-netpol",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-netpol-data-default-deny-all",
];
const ALLOW_PHPMYADMIN = [
  "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-netpol-data-allow-from-phpmyadmin-ingress",
];
const ALLOWED_REPOS = [
  "k8s-hardening-lab:index:AllowedRepos lab-allowed-repos",
  "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate lab-allowed-repos-template",
  "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sAllowedRepos lab-allowed-repos-app",
  "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sAllowedRepos lab-allowed-repos-data",
  "kubernetes:expansion.gatekeeper.sh/v1beta1:ExpansionTemplate lab-allowed-repos-expand-workloads",
  "kubernetes:expansion.gatekeeper.sh/v1beta1:ExpansionTemplate lab-allowed-repos-expand-cronjobs",
];
const ZERO_TRUST = [
  "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-netpol-app-default-deny-all",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-netpol-app-allow-dns-egress",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-netpol-app-allow-mysql-egress",
];

const ZERO_TRUST_KUBERNETES_OBJECTS = [
  ...APP_STAGE_RESOURCES,
  ...DEFAULT_DENY,
  ...ALLOW_PHPMYADMIN,
  ...ZERO_TRUST,
  ...ALLOWED_REPOS,
]
  .filter((entry) => entry.startsWith("kubernetes:"))
  .map((entry) => entry.split(" ")[1]);

describe("the resource set of each stage", () => {
  const expected: Record<string, string[]> = {
    app: APP_STAGE_RESOURCES,
    "default-deny": [...APP_STAGE_RESOURCES, ...DEFAULT_DENY],
    "allow-phpmyadmin": [...APP_STAGE_RESOURCES, ...DEFAULT_DENY, ...ALLOW_PHPMYADMIN],
    "allowed-repos": [...APP_STAGE_RESOURCES, ...DEFAULT_DENY, ...ALLOW_PHPMYADMIN, ...ALLOWED_REPOS],
    "zero-trust": [...APP_STAGE_RESOURCES, ...DEFAULT_DENY, ...ALLOW_PHPMYADMIN, ...ZERO_TRUST, ...ALLOWED_REPOS],
  };
  it.each(Object.keys(expected))("stage %s", async (stage) => {
    const capture = await runLab({ stage });
    expect(capture.error).toBeUndefined();
    expect(resourceSet(capture)).toEqual([...expected[stage]].sort());
  });

  it("stage numbers name the same stages", async () => {
    expect(resourceSet(await runLab({ stage: "3" }))).toEqual(resourceSet(await runLab({ stage: "allow-phpmyadmin" })));
  });

  it("zero-trust with a load balancer adds the allow-from-allowed-sources policy", async () => {
    const capture = await runLab({
      phpMyAdminExposure: "loadbalancer",
      allowedSourceRanges: ["203.0.113.7/32", "198.51.100.0/24"],
    });
    expect(resourceSet(capture)).toEqual(
      [
        ...expected["zero-trust"],
        "kubernetes:networking.k8s.io/v1:NetworkPolicy lab-netpol-app-allow-from-allowed-sources",
      ].sort(),
    );
    expect(byName(capture, "lab-netpol-app-allow-from-allowed-sources").inputs.spec).toEqual({
      podSelector: { matchLabels: { app: "phpmyadmin" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ ipBlock: { cidr: "203.0.113.7/32" } }, { ipBlock: { cidr: "198.51.100.0/24" } }],
          ports: [{ protocol: "TCP", port: 80 }],
        },
      ],
    });
  });
});

describe("the default lab (zero-trust, AKS)", () => {
  let capture: LabCapture;
  beforeAll(async () => {
    capture = await runLab({});
    expect(capture.error).toBeUndefined();
  });

  it("creates AKS with Azure CNI overlay, Calico, a System pool, a system-assigned identity and RBAC", () => {
    const aks = byName(capture, "lab-cluster-aks").inputs;
    expect(aks.networkProfile).toEqual({
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      networkPolicy: "calico",
      loadBalancerSku: "standard",
      // The SDK's defaults, sent as inputs: the overlay's pod range stays off the VNet.
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      outboundType: "loadBalancer",
    });
    expect(aks.agentPoolProfiles).toEqual([
      {
        name: "system",
        mode: "System",
        count: 2,
        vmSize: "Standard_D2s_v5",
        osType: "Linux",
        type: "VirtualMachineScaleSets",
      },
    ]);
    expect(aks.identity).toEqual({ type: "SystemAssigned" });
    expect(aks.enableRBAC).toBe(true);
    expect(aks.addonProfiles).toEqual({ azurepolicy: { enabled: false } });
    expect(aks.dnsPrefix).toBe("lab-test");
    expect(aks.kubernetesVersion).toBeUndefined();
  });

  it("gets the kubeconfig from the cluster's user credentials", () => {
    expect(capture.invokes).toEqual(["azure-native:containerservice:listManagedClusterUserCredentials"]);
    expect(capture.outputs.kubeconfig).toBe(MOCK_AKS_KUBECONFIG);
    expect(byName(capture, "lab-cluster-provider").inputs.kubeconfig).toBe(MOCK_AKS_KUBECONFIG);
  });

  it("has the article's default-deny-all policy, field for field", () => {
    const policy = byName(capture, "lab-netpol-data-default-deny-all").inputs;
    expect(policy).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny-all", namespace: "data" },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
  });

  it("has the article's allow-from-phpmyadmin-ingress policy, field for field", () => {
    const policy = byName(capture, "lab-netpol-data-allow-from-phpmyadmin-ingress").inputs;
    expect(policy).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-from-phpmyadmin-ingress", namespace: "data" },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { tier: "app" } },
                podSelector: { matchLabels: { app: "phpmyadmin" } },
              },
            ],
            ports: [{ protocol: "TCP", port: 3306 }],
          },
        ],
      },
    });
  });

  it("makes the template wait until Gatekeeper has created the constraint CRD", () => {
    const template = byName(capture, "lab-allowed-repos-template").inputs;
    expect(template.metadata.name).toBe("k8sallowedrepos");
    expect(template.metadata.annotations["pulumi.com/waitFor"]).toBe("jsonpath={.status.created}=true");
  });

  it("chains constraint -> template -> Gatekeeper release -> provider -> cluster", () => {
    const urn = (name: string) => byName(capture, name).urn;
    const provider = byName(capture, "lab-cluster-provider");
    for (const constraint of ["lab-allowed-repos-app", "lab-allowed-repos-data"]) {
      expect(byName(capture, constraint).dependencies).toEqual([urn("lab-allowed-repos-template")]);
    }
    expect(byName(capture, "lab-allowed-repos-template").dependencies).toEqual([urn("lab-gatekeeper-release")]);
    expect(byName(capture, "lab-gatekeeper-release").provider).toBe(`${provider.urn}::lab-cluster-provider-id`);
    expect(provider.dependencies).toContain(urn("lab-cluster-aks"));
    expect(provider.propertyDependencies.kubeconfig).toEqual(
      expect.arrayContaining([urn("lab-cluster-rg"), urn("lab-cluster-aks")]),
    );
  });

  it("deploys the app in parallel with Gatekeeper: no app resource waits for the release", () => {
    const release = byName(capture, "lab-gatekeeper-release").urn;
    const appResources = capture.resources.filter((r) => r.name.startsWith("lab-app-"));
    expect(appResources).toHaveLength(8);
    for (const resource of appResources) {
      expect([resource.name, transitiveDependencies(capture, resource).has(release)]).toEqual([resource.name, false]);
    }
  });

  it("parents every child to its component, and uses the lab's provider for every Kubernetes object", () => {
    const components = capture.resources.filter((r) => r.type.startsWith("k8s-hardening-lab:"));
    const provider = byName(capture, "lab-cluster-provider").urn;
    for (const resource of capture.resources) {
      if (resource.name === "lab") {
        expect(resource.parent).toBeUndefined();
        continue;
      }
      // The closest component whose name prefixes the child's name is its parent.
      const owner = components
        .filter((c) => resource.name.startsWith(`${c.name}-`))
        .sort((a, b) => b.name.length - a.name.length)[0];
      expect([resource.name, resource.parent]).toEqual([resource.name, owner.urn]);
      if (resource.type.startsWith("kubernetes:")) {
        expect([resource.name, resource.provider]).toEqual([resource.name, `${provider}::lab-cluster-provider-id`]);
      }
    }
  });

  it("keeps the kubeconfig and the MySQL password secret, and plaintext nowhere", () => {
    const password = "mock-generated-password-lab-app-mysql-root-password";
    expect(capture.outputs.mysqlRootPassword).toBe(password);
    expect(capture.secretOutputs.sort()).toEqual(["kubeconfig", "mysqlRootPassword"]);
    expect(byName(capture, "lab-app-mysql-root").inputs.stringData).toEqual({ password });
    const plaintext = JSON.stringify(capture.resources.map((r) => plaintextOf(r.wireInputs)));
    const publicOutputs = JSON.stringify(
      Object.entries(capture.outputs).filter(([key]) => !capture.secretOutputs.includes(key)),
    );
    for (const secret of [password, MOCK_AKS_KUBECONFIG, "mock-aks-user-token-0123456789"]) {
      expect(plaintext.includes(secret)).toBe(false);
      expect(publicOutputs.includes(secret)).toBe(false);
    }
  });

  it("pins every image, to exactly the lab's two images", () => {
    const images: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
          if (key === "image" && typeof item === "string") images.push(item);
          else walk(item);
        }
      }
    };
    capture.resources.forEach((r) => walk(r.inputs));
    expect(images.sort()).toEqual(["docker.io/library/mysql:8.4.11", "docker.io/library/phpmyadmin:5.2.3"]);
    expect(images).toEqual([IMAGES.mysql, IMAGES.phpmyadmin]);
    for (const image of images) expect(image).toMatch(/^docker\.io\/library\/[a-z0-9-]+:\d+(\.\d+)+$/);
  });

  it("labels the namespaces for NetworkPolicy and Pod Security, enforcing what each official image runs under", () => {
    const labels = (name: string) => byName(capture, name).inputs.metadata.labels;
    const pss = (enforce: string) => ({
      "pod-security.kubernetes.io/enforce": enforce,
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "latest",
    });
    expect(labels("lab-app-app-ns")).toEqual({ tier: "app", ...pss("baseline") });
    expect(labels("lab-app-data-ns")).toEqual({ tier: "data", ...pss("restricted") });
  });

  it("runs MySQL as its own user, read-only, with its data on a persistent volume", () => {
    const spec = byName(capture, "lab-app-mysql").inputs.spec;
    const pod = spec.template.spec;
    const [container] = pod.containers;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container.args).toEqual(["--datadir=/var/lib/mysql/data"]);
    expect(container.env).toEqual([
      { name: "MYSQL_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: "mysql-root", key: "password" } } },
    ]);
    expect(container.readinessProbe.tcpSocket).toEqual({ port: "mysql" });
    expect(container.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual([
      "/var/lib/mysql",
      "/var/run/mysqld",
      "/tmp",
    ]);
    expect(spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "8Gi" } },
    });
    expect(byName(capture, "lab-app-mysql-svc").inputs.spec.ports).toEqual([
      { name: "mysql", port: 3306, targetPort: "mysql", protocol: "TCP" },
    ]);
  });

  it("points phpMyAdmin at MySQL's Service, with a readiness probe and no capability beyond what Apache needs", () => {
    const pod = byName(capture, "lab-app-phpmyadmin").inputs.spec.template.spec;
    const [container] = pod.containers;
    expect(container.env).toEqual([
      { name: "PMA_HOST", value: "mysql.data.svc.cluster.local" },
      { name: "PMA_PORT", value: "3306" },
      { name: "MEMORY_LIMIT", value: "256M" },
    ]);
    // PHP's per-request limit stays below the container's, so a large import fails the request
    // instead of getting the pod OOM-killed.
    expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/", port: "http" });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({ seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: {
        drop: ["ALL"],
        add: ["NET_BIND_SERVICE", "SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE"],
      },
    });
  });

  it("pins the newest Gatekeeper chart and gives it every value the lab decides, nothing left to beta defaults", () => {
    const release = byName(capture, "lab-gatekeeper-release").inputs;
    expect(release.chart).toBe("gatekeeper");
    expect(release.version).toBe("3.23.0");
    expect(release.namespace).toBe("gatekeeper-system");
    expect(release.repositoryOpts).toEqual({ repo: "https://open-policy-agent.github.io/gatekeeper/charts" });
    const exempt = ["kube-system", "kube-public", "kube-node-lease", "calico-system", "tigera-operator"];
    const write = ["CREATE", "UPDATE"];
    expect(release.values).toEqual({
      // Two webhook pods by default, on different nodes where there are several, one evictable at a time.
      replicas: 2,
      pdb: { controllerManager: { minAvailable: 1 } },
      controllerManager: {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "DoNotSchedule",
            nodeTaintsPolicy: "Honor",
            labelSelector: { matchLabels: { "gatekeeper.sh/operation": "webhook" } },
          },
        ],
        exemptNamespaces: exempt,
      },
      validatingWebhookFailurePolicy: "Fail",
      // Only what the lab's policies judge: no cluster-scoped built-in kind, no Secret, no Node.
      validatingWebhookCustomRules: [
        {
          apiGroups: [""],
          apiVersions: ["v1"],
          operations: write,
          resources: ["pods", "pods/ephemeralcontainers"],
          scope: "Namespaced",
        },
        {
          apiGroups: ["apps"],
          apiVersions: ["v1"],
          operations: write,
          resources: ["deployments", "statefulsets", "daemonsets", "replicasets"],
          scope: "Namespaced",
        },
        {
          apiGroups: ["batch"],
          apiVersions: ["v1"],
          operations: write,
          resources: ["jobs", "cronjobs"],
          scope: "Namespaced",
        },
        {
          apiGroups: ["templates.gatekeeper.sh", "constraints.gatekeeper.sh", "expansion.gatekeeper.sh"],
          apiVersions: ["*"],
          operations: write,
          resources: ["*"],
          scope: "Cluster",
        },
      ],
      validatingWebhookExemptNamespacesLabels: { "kubernetes.io/metadata.name": exempt },
      validatingWebhookCheckIgnoreFailurePolicy: "Fail",
      defaultCreateVAPForTemplates: true,
      defaultCreateVAPBindingForConstraints: true,
      enableGeneratorResourceExpansion: true,
      enableK8sNativeValidation: true,
      disabledBuiltins: ["http.send"],
      disableMutation: true,
    });
  });

  it("sets only values the 3.21.0 to 3.23.0 charts read", async () => {
    // Each path is in charts/gatekeeper/values.yaml at 3.21.0, 3.22.0 and 3.23.0, except the VAP
    // keys, which the audit and controller-manager templates read with `hasKey` (not in
    // values.yaml): syncVAPEnforcementScope, the audit template only, and only 3.21.x is given it.
    const oldest = await runLab({ gatekeeperVersion: "3.21.0" });
    expect(oldest.error).toBeUndefined();
    const CHART_VALUES = [
      "replicas",
      "pdb.controllerManager.minAvailable",
      "controllerManager.topologySpreadConstraints",
      "controllerManager.exemptNamespaces",
      "validatingWebhookFailurePolicy",
      "validatingWebhookCustomRules",
      "validatingWebhookExemptNamespacesLabels",
      "validatingWebhookCheckIgnoreFailurePolicy",
      "defaultCreateVAPForTemplates",
      "defaultCreateVAPBindingForConstraints",
      "syncVAPEnforcementScope",
      "enableGeneratorResourceExpansion",
      "enableK8sNativeValidation",
      "disabledBuiltins",
      "disableMutation",
    ];
    // A value is a leaf, or a list or a map the chart renders whole (toYaml).
    const WHOLE = [
      "controllerManager.topologySpreadConstraints",
      "validatingWebhookCustomRules",
      "validatingWebhookExemptNamespacesLabels",
    ];
    const paths = (value: Record<string, unknown>, prefix = ""): string[] =>
      Object.entries(value).flatMap(([key, v]) => {
        const path = prefix + key;
        const isMap = typeof v === "object" && v !== null && !Array.isArray(v);
        return isMap && !WHOLE.includes(path) ? paths(v as Record<string, unknown>, `${path}.`) : [path];
      });
    const read = [capture, oldest].flatMap((c) => paths(byName(c, "lab-gatekeeper-release").inputs.values));
    expect([...new Set(read)].sort()).toEqual([...CHART_VALUES].sort());
  });

  it("outputs the stage, the cluster and resource group names, and how to reach phpMyAdmin", () => {
    expect(capture.outputs.stage).toBe("zero-trust");
    expect(capture.outputs.clusterName).toBe("lab-cluster-aks");
    expect(capture.outputs.resourceGroupName).toBe("lab-cluster-rg");
    expect(capture.outputs.phpMyAdmin).toBe(
      "kubectl port-forward -n app svc/phpmyadmin 8080:80, then open http://localhost:8080",
    );
  });
});

describe("the Gatekeeper charts accepted", () => {
  const release = async (gatekeeperVersion?: string) => {
    const capture = await runLab(gatekeeperVersion === undefined ? {} : { gatekeeperVersion });
    expect(capture.error).toBeUndefined();
    return byName(capture, "lab-gatekeeper-release").inputs;
  };

  it("gives the oldest, 3.21.0, the webhook's scope for its generated policies through syncVAPEnforcementScope", async () => {
    // One after the other: the mock runtime is one per process.
    const oldest = await release("3.21.0");
    const newest = await release();
    expect(oldest.version).toBe("3.21.0");
    expect(newest.version).toBe("3.23.0");
    // Everything else as the default chart's values, which the default lab's test spells out.
    expect(oldest.values).toEqual({ ...newest.values, syncVAPEnforcementScope: true });
    expect(newest.values.syncVAPEnforcementScope).toBeUndefined();
  });

  it("leaves the flag to the chart from 3.22.0, where it is on by default", async () => {
    const scopedByDefault = await release("3.22.0");
    const newest = await release();
    expect(scopedByDefault.version).toBe("3.22.0");
    expect(scopedByDefault.values).toEqual(newest.values);
  });
});

describe("bring your own cluster", () => {
  const kubeconfig =
    "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: me\n  user: {token: byo-cluster-token-42}\n";
  let capture: LabCapture;
  beforeAll(async () => {
    capture = await runLab({ kubeconfig }, ["kubeconfig"]);
    expect(capture.error).toBeUndefined();
  });

  it("registers no Azure resource and calls no Azure function", () => {
    expect(capture.resources.filter((r) => r.type.startsWith("azure-native:"))).toEqual([]);
    expect(capture.invokes).toEqual([]);
    expect(capture.outputs.clusterName).toBeUndefined();
    expect(capture.outputs.resourceGroupName).toBeUndefined();
  });

  it("installs the lab into that cluster, keeping the kubeconfig secret", () => {
    expect(byName(capture, "lab-cluster-provider").inputs.kubeconfig).toBe(kubeconfig);
    expect(byName(capture, "lab-cluster-provider").dependencies).toEqual([]);
    expect(capture.secretOutputs.sort()).toEqual(["kubeconfig", "mysqlRootPassword"]);
    const plaintext = JSON.stringify(capture.resources.map((r) => plaintextOf(r.wireInputs)));
    expect(plaintext.includes("byo-cluster-token-42")).toBe(false);
    const kubernetesObjects = capture.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.name);
    expect(kubernetesObjects).toHaveLength(18);
    expect(kubernetesObjects.sort()).toEqual([...ZERO_TRUST_KUBERNETES_OBJECTS].sort());
  });
});

describe("a configured MySQL password", () => {
  it("replaces the generated one and stays secret", async () => {
    const capture = await runLab({ mysqlRootPassword: "configured-secret-pw-1" }, ["mysqlRootPassword"]);
    expect(capture.error).toBeUndefined();
    expect(capture.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword")).toBe(false);
    expect(capture.outputs.mysqlRootPassword).toBe("configured-secret-pw-1");
    expect(capture.secretOutputs).toContain("mysqlRootPassword");
    const plaintext = JSON.stringify(capture.resources.map((r) => plaintextOf(r.wireInputs)));
    expect(plaintext.includes("configured-secret-pw-1")).toBe(false);
  });
});
