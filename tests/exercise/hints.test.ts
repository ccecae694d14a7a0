// Each hint from its structural check, on a small exercise made for it: what the check finds in
// the trainee's objects against the verdict, and the file and line it points at.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gradeExercise } from "../../verifier/lab/grade";
import { connectivityHint, HintContext, HINTS } from "../../verifier/lab/hints";
import { labModel, readLabConfig } from "../../verifier/lab";
import type { Stage } from "../../config/keys";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "exercise-hints-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** An exercise folder of one file, `policies.yaml`. */
function exercise(yaml: string): string {
  const dir = path.join(root, `e${++folders}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "policies.yaml"), yaml);
  return dir;
}

/** The unmet claims of a folder at a stage: claim, hint, and the line in policies.yaml. */
async function unmet(dir: string, stage: Stage) {
  const grade = await gradeExercise({ exercise: dir, stage });
  return grade.claims
    .filter((c) => c.met === false)
    .map((c) => ({
      claim: c.claim,
      hint: c.hint,
      at: c.file === null ? null : `${path.relative(dir, c.file)}:${c.line}`,
    }));
}

const DEFAULT_DENY_DATA = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: data}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`;

const allow = (ingress: string) => `${DEFAULT_DENY_DATA}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow, namespace: data}
spec:
  podSelector: {}
  ingress:
${ingress}`;

describe("connectivity", () => {
  it("no policy selects the pod; and a flow the stage allows that a policy shuts, with no rule near it", async () => {
    const dir = exercise(DEFAULT_DENY_DATA.replace("namespace: data", "namespace: app"));
    const noPolicy =
      "no NetworkPolicy of the exercise selects data/mysql, so its ingress stays open: write one in namespace data whose podSelector matches it ({} matches every pod), with Ingress in its policyTypes";
    const noEgress =
      "no NetworkPolicy of the exercise selects data/mysql, so its egress stays open: write one in namespace data whose podSelector matches it ({} matches every pod), with Egress in its policyTypes";
    const shut = (peer: string, port: string) =>
      `app/phpmyadmin is isolated for egress (by app/default-deny-all) and no egress rule admits ${peer} on ${port}; the stage wants this flow allowed: add a rule that does`;
    expect(await unmet(dir, "default-deny")).toEqual([
      // app's deny already keeps phpMyAdmin and the intruder from MySQL: met, for the wrong reason.
      { claim: "outsider → mysql:3306/TCP", hint: noPolicy, at: null },
      { claim: "mysql → kube-dns:53/UDP", hint: noEgress, at: null },
      { claim: "mysql → internet", hint: noEgress, at: null },
      { claim: "phpmyadmin → kube-dns:53/UDP", hint: shut("kube-system/kube-dns", "53/UDP"), at: "policies.yaml:1" },
      { claim: "phpmyadmin → internet", hint: shut("external:internet", "443/TCP"), at: "policies.yaml:1" },
      {
        claim: "intruder → phpmyadmin:80/TCP",
        hint: "app/phpmyadmin is isolated for ingress (by app/default-deny-all) and no ingress rule admits app/intruder on 80/TCP; the stage wants this flow allowed: add a rule that does",
        at: "policies.yaml:1",
      },
      {
        claim: "outsider → phpmyadmin:80/TCP",
        hint: "app/phpmyadmin is isolated for ingress (by app/default-deny-all) and no ingress rule admits default/outsider on 80/TCP; the stage wants this flow allowed: add a rule that does",
        at: "policies.yaml:1",
      },
    ]);
  });

  it("the policy's podSelector wants a label the pod does not carry (name both)", async () => {
    const dir = exercise(DEFAULT_DENY_DATA.replace("podSelector: {}", "podSelector: {matchLabels: {app: mysqld}}"));
    const hint =
      "data/default-deny-all's podSelector wants app=mysqld, which pod data/mysql does not carry (it carries app=mysql, tier=data)";
    expect((await unmet(dir, "default-deny")).map((u) => [u.claim, u.hint, u.at])).toEqual(
      [
        "phpmyadmin → mysql:3306/TCP",
        "intruder → mysql:3306/TCP",
        "outsider → mysql:3306/TCP",
        "mysql → kube-dns:53/UDP",
        "mysql → internet",
      ].map((claim) => [claim, hint, "policies.yaml:5"]),
    );
  });

  it("the rule's port or protocol does not match", async () => {
    const dir = exercise(
      allow(`    - from:
        - namespaceSelector: {matchLabels: {tier: app}}
          podSelector: {matchLabels: {app: phpmyadmin}}
      ports:
        - {protocol: UDP, port: 3306}
        - port: 3307
`),
    );
    expect(await unmet(dir, "allow-phpmyadmin")).toEqual([
      {
        claim: "phpmyadmin → mysql:3306/TCP",
        hint: "data/allow ingress rule 1 admits app/phpmyadmin on 3306/UDP, 3307/TCP only, not on 3306/TCP",
        at: "policies.yaml:17",
      },
    ]);
  });

  it("a peer without a namespaceSelector is in the policy's own namespace", async () => {
    const dir = exercise(
      allow(`    - from:
        - podSelector: {matchLabels: {app: phpmyadmin}}
      ports:
        - port: 3306
`),
    );
    expect(await unmet(dir, "allow-phpmyadmin")).toEqual([
      {
        claim: "phpmyadmin → mysql:3306/TCP",
        hint: "data/allow ingress rule 1's peer, which has no namespaceSelector (its own namespace only), wants kubernetes.io/metadata.name=data, which namespace app does not carry (it carries kubernetes.io/metadata.name=app, pod-security.kubernetes.io/… (6 labels), tier=app)",
        at: "policies.yaml:15",
      },
    ]);
  });

  it("a rule of one peer that admits too much", async () => {
    const dir = exercise(
      allow(`    - from:
        - namespaceSelector: {matchLabels: {tier: app}}
      ports:
        - port: 3306
`),
    );
    expect(await unmet(dir, "allow-phpmyadmin")).toEqual([
      {
        claim: "intruder → mysql:3306/TCP",
        hint: "data/allow ingress rule 1 admits app/intruder on 3306/TCP; the stage wants this flow denied",
        at: "policies.yaml:14",
      },
    ]);
  });

  it("falls back to the verdict's own reason where no check applies", async () => {
    const config = readLabConfig(undefined, undefined, "exercises/example");
    const { model, exercise: written } = await labModel(config, "default-deny");
    const context = new HintContext(
      model,
      new Map(written!.objects.map((o) => [`NetworkPolicy/data/${o.object.metadata.name}`, o])),
    );
    const verdict = {
      allowed: true,
      reason: "egress from default/outsider allowed: not isolated for egress",
      from: "default/outsider",
      to: "external:internet",
      port: 443,
      protocol: "TCP" as const,
      self: false,
      egress: {
        direction: "egress" as const,
        endpoint: "default/outsider",
        isolatedBy: [],
        allowed: true,
        allowedBy: null,
        reason: "egress from default/outsider allowed: not isolated for egress",
      },
      ingress: null,
      repliesAllowed: true,
    };
    expect(connectivityHint(verdict, false, context)).toEqual({
      text: HINTS.fallback.text({ expected: "denied", found: "allowed", reason: verdict.reason }),
      file: null,
      line: null,
    });
    expect(HINTS.fallback.text({ expected: "denied", found: "allowed", reason: "R" })).toBe(
      "the stage expects denied, the exercise's objects give allowed: R",
    );
  });
});

/** A CEL template of allowed image prefixes that looks at the lists named, constraints as given. */
function admissionExercise(lists: string[], constraints: string): string {
  const images = lists.map((l) => `(has(object.spec.${l}) ? object.spec.${l} : [])`).join(" + ");
  return exercise(`${DEFAULT_DENY_DATA}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow, namespace: data}
spec:
  podSelector: {}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {tier: app}}
          podSelector: {matchLabels: {app: phpmyadmin}}
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8simages}
spec:
  crd:
    spec:
      names: {kind: K8sImages}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            validations:
              - expression: "(${images}).all(c, variables.params.prefixes.exists(p, c.image.startsWith(p)))"
                message: image not allowed
---
apiVersion: expansion.gatekeeper.sh/v1beta1
kind: ExpansionTemplate
metadata: {name: workloads}
spec:
  applyTo: [{groups: [apps], kinds: [Deployment, StatefulSet], versions: [v1]}]
  templateSource: spec.template
  generatedGVK: {kind: Pod, group: "", version: v1}
${constraints}`);
}

const constraint = (name: string, match: string, prefixes: string[]) => `---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sImages
metadata: {name: ${name}}
spec:
  match:
    kinds: [{apiGroups: [""], kinds: [Pod]}]
${match}
  parameters:
    prefixes: ${JSON.stringify(prefixes)}
`;

const APP = ["docker.io/library/phpmyadmin:"];
const DATA = ["docker.io/library/mysql:"];

describe("admission", () => {
  it("the template never looks at initContainers or ephemeralContainers", async () => {
    const dir = admissionExercise(
      ["containers"],
      constraint("app", "    namespaces: [app]", APP) + constraint("data", "    namespaces: [data]", DATA),
    );
    expect(await unmet(dir, "allowed-repos")).toEqual([
      {
        claim: "Pod in `app` with an allowed container but an `initContainer` or `ephemeralContainer` image `busybox`",
        hint: "the template k8simages never looks at initContainers, so Pod/app/init-busybox is admitted with an image there that the stage denies; check every container list of the Pod",
        at: "policies.yaml:26",
      },
    ]);
  });

  it("the constraint's match leaves the namespace out; a template that finds nothing wrong", async () => {
    const lists = ["containers", "initContainers", "ephemeralContainers"];
    const dir = admissionExercise(
      lists,
      constraint("app", "    namespaces: [app]", [...APP, "docker.io/library/nginx", "nginx"]),
    );
    expect(await unmet(dir, "allowed-repos")).toEqual([
      {
        claim: "Pod `app/nginx`, image `nginx` (the article's test)",
        hint: "K8sImages/app selects Pod/app/nginx, but its template k8simages finds nothing wrong with it; the stage wants it denied: check the template's logic and the constraint's parameters",
        at: "policies.yaml:49",
      },
      {
        claim: "Pod `data/busybox`, image `busybox`",
        hint: "the match of K8sImages/app leaves namespace data out (its namespaces are app), so it never judges Pod/data/busybox",
        at: "policies.yaml:48",
      },
      {
        claim: "Deployment in `app` whose pod template uses `nginx`",
        hint: "K8sImages/app selects Deployment/app/nginx, but its template k8simages finds nothing wrong with it; the stage wants it denied: check the template's logic and the constraint's parameters",
        at: "policies.yaml:49",
      },
    ]);
  });

  it("a request the stage admits, denied: where the match takes it in", async () => {
    const lists = ["containers", "initContainers", "ephemeralContainers"];
    const dir = admissionExercise(lists, constraint("everywhere", "", [...APP, ...DATA]));
    expect(await unmet(dir, "allowed-repos")).toEqual([
      {
        claim: "Pod `default/nginx` (namespace not constrained)",
        hint: "K8sImages/everywhere denies Pod/default/nginx (image not allowed); the stage wants it admitted",
        at: "policies.yaml:46",
      },
    ]);
  });
});
