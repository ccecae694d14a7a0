// scripts/gatekeeper-chart.ts, which the kind workflow runs around `helm template`: the values the
// program gives the Release, and the check of a rendered chart against the verifier's model. The
// rendered charts here are written by hand, with only what the check reads (the workflow renders
// the real ones).
import { WEBHOOK_RULES } from "../components/gatekeeper";
import { checkRendered, main, releaseValues } from "../scripts/gatekeeper-chart";

const EXEMPT = ["kube-system", "kube-public", "kube-node-lease", "calico-system", "tigera-operator"];
const exemptArgs = (namespaces = EXEMPT) => namespaces.map((n) => `--exempt-namespace=${n}`);

const deployment = (name: string, args: string[]) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { template: { spec: { containers: [{ name: "manager", args }] } } },
});

/** A chart rendered as the lab's values make it, with `scope` as the audit pod's scope flags. */
function rendered(scope: string[], options: { webhookExempt?: string[]; selectorLeavesOut?: string[] } = {}) {
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "gatekeeper-system" } },
    deployment("gatekeeper-audit", [
      "--operation=generate",
      "--operation=audit",
      "--operation=status",
      ...scope,
      "--default-create-vap-for-templates=true",
      "--default-create-vap-binding-for-constraints=true",
      ...exemptArgs(),
    ]),
    deployment("gatekeeper-controller-manager", [
      "--exempt-namespace=gatekeeper-system",
      "--operation=webhook",
      ...exemptArgs(options.webhookExempt),
    ]),
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "gatekeeper-validating-webhook-configuration" },
      webhooks: [
        {
          name: "validation.gatekeeper.sh",
          namespaceSelector: {
            matchExpressions: [
              { key: "admission.gatekeeper.sh/ignore", operator: "DoesNotExist" },
              {
                key: "kubernetes.io/metadata.name",
                operator: "NotIn",
                values: options.selectorLeavesOut ?? [...EXEMPT, "gatekeeper-system"],
              },
            ],
          },
          rules: WEBHOOK_RULES,
        },
        { name: "check-ignore-label.gatekeeper.sh", rules: [] },
      ],
    },
  ];
}

describe("scripts/gatekeeper-chart.ts", () => {
  let oldest: Record<string, any>;
  let newest: Record<string, any>;
  beforeAll(async () => {
    oldest = await releaseValues("3.21.0");
    newest = await releaseValues("3.23.0");
  });

  it("passes the charts rendered as the verifier models them: the flag set on 3.21.0, left to the chart on 3.23.0", () => {
    expect(checkRendered("3.21.0", oldest, rendered(["--sync-vap-enforcement-scope=true"]))).toEqual([]);
    expect(checkRendered("3.23.0", newest, rendered([]))).toEqual([]);
  });

  it("names a 3.21.0 render whose generating pod lacks --sync-vap-enforcement-scope", () => {
    expect(checkRendered("3.21.0", oldest, rendered([]))).toEqual([
      "Deployment gatekeeper-audit: --sync-vap-enforcement-scope: expected --sync-vap-enforcement-scope=true, rendered none",
    ]);
  });

  it("names values the model would read as policies without the webhook's scope", () => {
    const unscoped = { ...oldest };
    delete unscoped.syncVAPEnforcementScope;
    expect(checkRendered("3.21.0", unscoped, rendered([]))).toEqual([
      "the verifier's model of Gatekeeper 3.21.0 with these values has policies without the webhook's scope",
    ]);
  });

  it("names a flag rendered where the lab leaves it to the chart, a missing exemption and a selector that keeps a namespace", () => {
    const render = rendered(["--sync-vap-enforcement-scope=false"], {
      webhookExempt: EXEMPT.slice(1),
      selectorLeavesOut: ["gatekeeper-system"],
    });
    expect(checkRendered("3.23.0", newest, render)).toEqual([
      "Deployment gatekeeper-audit: --sync-vap-enforcement-scope: expected none (the chart's default), rendered --sync-vap-enforcement-scope=false",
      "Deployment gatekeeper-controller-manager: --exempt-namespace=kube-system is missing",
      "validation.gatekeeper.sh: the namespaceSelector does not leave out kube-system, kube-public, kube-node-lease, calico-system, tigera-operator",
    ]);
  });

  it("names what it cannot find", () => {
    expect(checkRendered("3.23.0", newest, [])).toEqual([
      "no Deployment runs --operation=generate",
      "no Deployment runs --operation=webhook",
    ]);
  });

  describe("as a command", () => {
    const command = async (...argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const status = await main(
        argv,
        (t) => void (stdout += t),
        (t) => void (stderr += t),
      );
      return { status, stdout, stderr };
    };

    it("prints the oldest version accepted and the default, the two the workflow renders", async () => {
      expect(await command("versions")).toEqual({ status: 0, stdout: "3.21.0 3.23.0\n", stderr: "" });
    });

    it("prints the Release's values as JSON, which helm reads as YAML", async () => {
      const result = await command("values", "3.21.0");
      expect([result.status, result.stderr]).toEqual([0, ""]);
      expect(JSON.parse(result.stdout)).toEqual(oldest);
      expect(oldest.syncVAPEnforcementScope).toBe(true);
    });

    it("refuses a version the configuration refuses, with its message, as bad input", async () => {
      const result = await command("values", "3.20.1");
      expect(result.status).toBe(2);
      expect(result.stderr.split("\n")[1]).toBe(
        `  - k8s-hardening-lab:gatekeeperVersion: "3.20.1" is not accepted; expected a Gatekeeper chart version from 3.21.0 to 3.x (such as 3.23.0): before 3.21.0 the ValidatingAdmissionPolicy bindings Gatekeeper generates cannot take the webhook's enforcement scope (--sync-vap-enforcement-scope), so they would judge in the namespaces the webhook exempts (kube-system among them) and miss the ephemeral containers kubectl debug adds`,
      );
    });

    it("says how it is used when the arguments are wrong", async () => {
      expect(await command("check", "3.23.0")).toEqual({
        status: 2,
        stdout: "",
        stderr: "usage: tsx scripts/gatekeeper-chart.ts versions | values VERSION | check VERSION RENDERED.yaml\n",
      });
    });
  });
});
