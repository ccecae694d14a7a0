import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config";
import { STAGES, Stage } from "../config/keys";
import { AllowedRepos } from "./allowed-repos";
import { TwoTierApp } from "./app";
import { LabCluster } from "./cluster";
import { TraineePolicies } from "./exercise";
import { Gatekeeper } from "./gatekeeper";
import { LabNetworkPolicies } from "./network-policies";

const atLeast = (stage: Stage, from: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(from);

/**
 * The whole hardening lab for one trainee, as one dependency graph: the cluster and its provider,
 * Gatekeeper, the two-tier app, and, as the stage grows, the NetworkPolicies and the
 * allowed-repositories policy. With an exercise, the lab stays as at stage `app` and the trainee's
 * own policies take the place of the lab's (the stage then names the claims they are graded on).
 */
export class HardeningLab extends pulumi.ComponentResource {
  readonly cluster: LabCluster;
  readonly gatekeeper: Gatekeeper;
  readonly app: TwoTierApp;
  readonly networkPolicies?: LabNetworkPolicies;
  readonly allowedRepos?: AllowedRepos;
  readonly trainee?: TraineePolicies;

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

    const namespaces = { app: this.app.appNamespace.metadata.name, data: this.app.dataNamespace.metadata.name };
    if (config.exercise) {
      this.trainee = new TraineePolicies(
        `${name}-exercise`,
        {
          provider,
          gatekeeper: this.gatekeeper.release,
          namespaces,
          objects: config.exercise.objects.map((o) => o.object),
        },
        { parent: this },
      );
    }
    // The lab's own policies, unless the trainee's take their place.
    const deployed: Stage = config.exercise ? "app" : config.stage;
    if (atLeast(deployed, "default-deny")) {
      this.networkPolicies = new LabNetworkPolicies(
        `${name}-netpol`,
        {
          provider,
          stage: deployed,
          exposure: config.exposure,
          namespaces,
        },
        { parent: this },
      );
    }
    if (atLeast(deployed, "allowed-repos")) {
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
