import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config";
import { STAGES, Stage } from "../config/keys";
import { AllowedRepos } from "./allowed-repos";
import { TwoTierApp } from "./app";
import { LabCluster } from "./cluster";
import { Gatekeeper } from "./gatekeeper";
import { LabNetworkPolicies } from "./network-policies";

const atLeast = (stage: Stage, from: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(from);

/**
 * The whole hardening lab for one trainee, as one dependency graph: the cluster and its provider,
 * Gatekeeper, the two-tier app, and, as the stage grows, the NetworkPolicies and the
 * allowed-repositories policy.
 */
export class HardeningLab extends pulumi.ComponentResource {
  readonly cluster: LabCluster;
  readonly gatekeeper: Gatekeeper;
  readonly app: TwoTierApp;
  readonly networkPolicies?: LabNetworkPolicies;
  readonly allowedRepos?: AllowedRepos;

  constructor(name: string, config: LabConfig, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-hardening-lab:index:Lab", name, {}, opts);
    this.cluster = new LabCluster(
      `${name}-cluster`,
      { kubeconfig: config.kubeconfig, ...config.aks },
      { parent: this },
    );
    const provider = this.cluster.provider;

    // Gatekeeper is a prerequisite at every stage (the article installs it first); only its
    // template and constraints come with the stage allowed-repos.
    this.gatekeeper = new Gatekeeper(`${name}-gatekeeper`, { provider, ...config.gatekeeper }, { parent: this });

    // The app deploys in parallel with Gatekeeper: nothing of it waits for the release.
    this.app = new TwoTierApp(
      `${name}-app`,
      { provider, exposure: config.exposure, mysqlRootPassword: config.mysqlRootPassword },
      { parent: this },
    );

    if (atLeast(config.stage, "default-deny")) {
      this.networkPolicies = new LabNetworkPolicies(
        `${name}-netpol`,
        {
          provider,
          stage: config.stage,
          exposure: config.exposure,
          namespaces: { app: this.app.appNamespace.metadata.name, data: this.app.dataNamespace.metadata.name },
        },
        { parent: this },
      );
    }
    if (atLeast(config.stage, "allowed-repos")) {
      this.allowedRepos = new AllowedRepos(
        `${name}-allowed-repos`,
        {
          provider,
          gatekeeper: this.gatekeeper.release,
          repos: config.allowedRepos,
          failurePolicy: config.gatekeeper.webhookFailurePolicy,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
