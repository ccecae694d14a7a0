import * as pulumi from "@pulumi/pulumi";
import { loadLabConfig } from "../config";
import { HardeningLab } from "./lab";

/**
 * The program: validate the configuration once, build the lab, return the stack outputs.
 * `index.ts` calls this; the offline verifier and the tests call it under the mock runtime, so
 * they see the very graph `pulumi up` would create.
 */
export function deployLab() {
  const config = loadLabConfig();
  const lab = new HardeningLab("lab", config);
  return {
    stage: pulumi.output(config.stage),
    kubeconfig: lab.cluster.kubeconfig,
    clusterName: lab.cluster.clusterName,
    resourceGroupName: lab.cluster.resourceGroupName,
    phpMyAdmin: lab.app.phpMyAdminAccess,
    mysqlRootPassword: lab.app.mysqlRootPassword,
  };
}
