import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import { Provider } from "@pulumi/kubernetes/provider";

export interface LabClusterArgs {
  /**
   * Bring your own cluster: the kubeconfig of a cluster that enforces NetworkPolicy (Calico on
   * kind or minikube, say). When set, no Azure resource is created and the other args are ignored.
   * Must be a secret Output. Defaults to creating an AKS cluster.
   */
  kubeconfig?: pulumi.Output<string>;
  /** Nodes of the AKS system pool. */
  nodeCount: number;
  /** Azure VM size of the AKS nodes. */
  nodeVmSize: string;
  /** AKS Kubernetes version (`1.33` or `1.33.2`). Defaults to the region's default version. */
  kubernetesVersion?: string;
}

/**
 * The cluster the lab runs in and the Kubernetes provider every lab object uses: an AKS cluster
 * whose NetworkPolicies Calico enforces, or a cluster the trainer brings.
 */
export class LabCluster extends pulumi.ComponentResource {
  /** The provider every Kubernetes resource of the lab must use explicitly. */
  readonly provider: Provider;
  /** The cluster's kubeconfig, always a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** Set when the lab created an AKS cluster. */
  readonly clusterName?: pulumi.Output<string>;
  readonly resourceGroupName?: pulumi.Output<string>;

  constructor(name: string, args: LabClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:Cluster", name, {}, opts);
    if (args.kubeconfig) {
      this.kubeconfig = pulumi.secret(args.kubeconfig);
      this.provider = new Provider(`${name}-provider`, { kubeconfig: this.kubeconfig }, { parent: this });
    } else {
      const aks = createAks(name, args, this);
      this.kubeconfig = aks.kubeconfig;
      this.clusterName = aks.cluster.name;
      this.resourceGroupName = aks.resourceGroup.name;
      // The explicit dependency makes a destroy delete the lab's Kubernetes objects (which depend
      // on the provider) before the cluster; the kubeconfig alone would only order creation.
      this.provider = new Provider(
        `${name}-provider`,
        { kubeconfig: this.kubeconfig },
        { parent: this, dependsOn: [aks.cluster] },
      );
    }
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      resourceGroupName: this.resourceGroupName,
    });
  }
}

/** A DNS prefix AKS accepts (letters, digits, hyphens; 1 to 54 characters), from the stack name. */
export function dnsPrefixFor(stack: string): string {
  const cleaned = `lab-${stack}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-");
  return cleaned.slice(0, 54).replace(/-+$/, "");
}

/** The AKS cluster, its resource group and its user kubeconfig. */
export function createAks(name: string, args: LabClusterArgs, parent: pulumi.Resource) {
  const resourceGroup = new resources.ResourceGroup(`${name}-rg`, {}, { parent });
  const cluster = new containerservice.ManagedCluster(
    `${name}-aks`,
    {
      resourceGroupName: resourceGroup.name,
      dnsPrefix: dnsPrefixFor(pulumi.getStack()),
      kubernetesVersion: args.kubernetesVersion,
      enableRBAC: true,
      identity: { type: containerservice.ResourceIdentityType.SystemAssigned },
      agentPoolProfiles: [
        {
          name: "system",
          mode: containerservice.AgentPoolMode.System,
          count: args.nodeCount,
          vmSize: args.nodeVmSize,
          osType: containerservice.OSType.Linux,
          type: containerservice.AgentPoolType.VirtualMachineScaleSets,
        },
      ],
      networkProfile: {
        // Azure CNI overlay: kubenet retires in March 2028, and overlay keeps pod addresses off
        // the VNet, as kubenet did. Calico is the engine that enforces the lab's NetworkPolicies.
        networkPlugin: containerservice.NetworkPlugin.Azure,
        networkPluginMode: containerservice.NetworkPluginMode.Overlay,
        networkPolicy: containerservice.NetworkPolicy.Calico,
        loadBalancerSku: containerservice.LoadBalancerSku.Standard,
      },
      addonProfiles: {
        // Off on purpose: the Azure Policy add-on installs a managed Gatekeeper of its own, which
        // would fight the one this lab installs from the Helm chart.
        azurepolicy: { enabled: false },
      },
      // Kept on: the lab's kubeconfig comes from the cluster's local user credentials. Entra ID
      // sign-in would need kubelogin on every trainee laptop, which a one-day course avoids.
      disableLocalAccounts: false,
      // Public API server: trainees run kubectl from their own laptops.
      apiServerAccessProfile: { enablePrivateCluster: false },
      autoUpgradeProfile: {
        upgradeChannel: containerservice.UpgradeChannel.Patch,
        nodeOSUpgradeChannel: containerservice.NodeOSUpgradeChannel.NodeImage,
      },
    },
    { parent },
  );
  const credentials = containerservice.listManagedClusterUserCredentialsOutput(
    { resourceGroupName: resourceGroup.name, resourceName: cluster.name },
    { parent },
  );
  // The credentials arrive base64-encoded; the decoded kubeconfig is a secret from the start.
  const kubeconfig = pulumi.secret(
    credentials.kubeconfigs.apply((configs) => {
      if (configs.length === 0) throw new Error("AKS returned no user kubeconfig for the lab cluster");
      return Buffer.from(configs[0].value, "base64").toString("utf8");
    }),
  );
  return { resourceGroup, cluster, kubeconfig };
}
