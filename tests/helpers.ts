import { captureLab, LabCapture, labConfig, RecordedResource } from "../verifier/lab/capture";
import { main } from "../verifier/cli";

export { labConfig };

/** Runs the lab with short config keys; secret keys are named short too. */
export async function runLab(
  values: Record<string, string | string[] | number>,
  secretKeys: string[] = [],
): Promise<LabCapture> {
  return captureLab({ config: labConfig(values), secretKeys: secretKeys.map((k) => `k8s-hardening-lab:${k}`) });
}

/** The resources of the lab at stage app, `TYPE NAME`: what every stage and every exercise builds on. */
export const APP_STAGE_RESOURCES = [
  "k8s-hardening-lab:index:Lab lab",
  "k8s-hardening-lab:index:Cluster lab-cluster",
  "azure-native:resources:ResourceGroup lab-cluster-rg",
  "azure-native:containerservice:ManagedCluster lab-cluster-aks",
  "pulumi:providers:kubernetes lab-cluster-provider",
  "k8s-hardening-lab:index:Gatekeeper lab-gatekeeper",
  "kubernetes:helm.sh/v3:Release lab-gatekeeper-release",
  "k8s-hardening-lab:index:TwoTierApp lab-app",
  "kubernetes:core/v1:Namespace lab-app-app-ns",
  "kubernetes:core/v1:Namespace lab-app-data-ns",
  "random:index/randomPassword:RandomPassword lab-app-mysql-root-password",
  "kubernetes:core/v1:Secret lab-app-mysql-root",
  "kubernetes:apps/v1:StatefulSet lab-app-mysql",
  "kubernetes:core/v1:Service lab-app-mysql-svc",
  "kubernetes:apps/v1:Deployment lab-app-phpmyadmin",
  "kubernetes:core/v1:Service lab-app-phpmyadmin-svc",
];

/** A capture's resources as `TYPE NAME`, sorted. */
export const resourceSet = (capture: LabCapture) => capture.resources.map((r) => `${r.type} ${r.name}`).sort();

export function byName(capture: LabCapture, name: string): RecordedResource {
  const found = capture.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have ${capture.resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** Every URN a resource waits for: its dependencies and its provider's resource, transitively. */
export function transitiveDependencies(capture: LabCapture, resource: RecordedResource): Set<string> {
  const byUrn = new Map(capture.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [resource];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const next = [...current.dependencies];
    if (current.provider) next.push(current.provider.split("::").slice(0, -1).join("::"));
    for (const urn of next) {
      if (seen.has(urn)) continue;
      seen.add(urn);
      const r = byUrn.get(urn);
      if (r) stack.push(r);
    }
  }
  return seen;
}

/** The wire inputs with every secret-wrapped value cut out: what would be in plaintext. */
export function plaintextOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plaintextOf);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") return "[secret]";
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plaintextOf(v)]));
  }
  return value;
}

/** Runs `npm run verify` in-process: its exit status and what it printed. */
export async function verify(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await main(
    argv,
    (t) => {
      stdout += t;
    },
    (t) => (stderr += t),
  );
  return { status, stdout, stderr };
}
