/**
 * What a trainee is asked at each stage of an exercise: what to write, and the claims it is graded
 * against (verifier/lab/claims.ts, the tables of docs/lab.md). docs/exercises.md is written from
 * here, and a trainee's folder can carry the same words.
 */
import { STAGES, type Stage } from "../../config/keys";
import { ADMISSION_CLAIMS, CONNECTIVITY_CLAIMS, LOAD_BALANCER_CLAIMS, LOAD_BALANCER_CLAIM_STAGES } from "./claims";

/** What a trainee writes in their folder at each stage: the objects the lab itself deploys there. */
export const STAGE_TASKS: Record<Stage, string> = {
  app: "Nothing yet: this stage is the application without a policy, where every flow is open and every Pod admitted. An exercise holds at least one object, so this stage is verified without one (`npm run verify -- --stage app`).",
  "default-deny":
    "A NetworkPolicy in `data` that selects every pod (`podSelector: {}`) and isolates it for both Ingress and Egress, with no rule: nothing reaches MySQL, and MySQL reaches nothing (`exercises/example` is this answer).",
  "allow-phpmyadmin":
    "The default deny, and a NetworkPolicy in `data` that admits TCP 3306 from the pods labelled `app=phpmyadmin` in the namespaces labelled `tier=app`: one peer holding both selectors, so that a pod must match both.",
  "allowed-repos":
    "Both policies, and an admission policy: a ConstraintTemplate (in CEL, `K8sNativeValidation`, which the verifier judges offline; Rego alone is judged with gator only), a constraint limiting the images of Pods in `app` to phpMyAdmin's repository and one limiting those in `data` to MySQL's, and an ExpansionTemplate so that workloads are judged by the Pods they would create. Every container list counts: `containers`, `initContainers` and `ephemeralContainers`.",
  "zero-trust":
    "Everything above, a default deny in `app` too, and only what the app needs: phpMyAdmin's egress to cluster DNS (UDP and TCP 53 to `k8s-app=kube-dns` in `kube-system`) and to MySQL on TCP 3306; with phpMyAdmin behind a load balancer, its ingress on TCP 80 from the allowed source ranges.",
};

const connectivity = (expected: boolean) => (expected ? "allowed" : "denied");
const admission = (expected: boolean) => (expected ? "admitted" : "denied");

/** A stage's section of docs/exercises.md: what to write, and the claims that grade it. */
export function stageObjective(stage: Stage, heading = "###"): string {
  const lines = [
    `${heading} Stage ${STAGES.indexOf(stage) + 1}: \`${stage}\``,
    "",
    `**Write:** ${STAGE_TASKS[stage]}`,
    "",
    `**Graded against** the claims of docs/lab.md for \`${stage}\`:`,
    "",
    "| claim | expected |",
    "|---|---|",
    ...CONNECTIVITY_CLAIMS.map((c) => `| ${c.flow} | ${connectivity(c.expected[stage])} |`),
    ...(LOAD_BALANCER_CLAIM_STAGES.includes(stage)
      ? LOAD_BALANCER_CLAIMS.map(
          (c) => `| ${c.flow} (with \`phpMyAdminExposure: loadbalancer\`) | ${connectivity(c.expected[stage])} |`,
        )
      : []),
    ...ADMISSION_CLAIMS.map((c) => `| ${c.object} | ${admission(c.expected[stage])} |`),
  ];
  return lines.join("\n");
}
