/**
 * Lab mode: the objects the lab program would create for a stack's configuration, captured under
 * the mock runtime, plus the synthetic peers the specification judges the lab with.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT } from "../../config/keys";
import { parseCidr, cidrContains, parseIp } from "../../config/cidr";
import { installFromChart, type GatekeeperInstall } from "../admission/enforcement";
import type { Exercise } from "../../config/exercise";
import { objectKey } from "../kube/object";
import { captureLab, exerciseOf, labTypes } from "./capture";
import { ClusterModel, KubeObject, LAB_SOURCE, SourcedObject, VerifyInputError } from "../model";
import type { ExternalPeer, PodInfo } from "../netpol";

/** A secret a stack file holds encrypted: the verifier cannot decrypt it, nor does it need to. */
const SECRET_PLACEHOLDERS: Record<string, string> = {
  [`${PROJECT}:kubeconfig`]: "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
  [`${PROJECT}:mysqlRootPassword`]: "verifier-placeholder-password",
};

export interface StackConfig {
  values: Record<string, string>;
  secretKeys: string[];
  /** Keys whose encrypted values were replaced by placeholders. */
  placeholders: string[];
}

/** Reads `Pulumi.<stack>.yaml` beside Pulumi.yaml, as Pulumi would hand it to the program. */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new VerifyInputError([
      `--stack ${stack}: cannot read ${file}; expected a stack settings file Pulumi.${stack}.yaml`,
    ]);
  }
  return parseStackConfig(text, file);
}

/** A stack file's text (`file` names it in messages), as Pulumi would hand it to the program. */
export function parseStackConfig(text: string, file: string): StackConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new VerifyInputError([`${file}: invalid YAML: ${(error as Error).message.split("\n")[0]}`]);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new VerifyInputError([`${file}: config: expected a mapping of configuration keys`]);
  }
  const result: StackConfig = { values: {}, secretKeys: [], placeholders: [] };
  for (const [rawKey, value] of Object.entries(config)) {
    const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
    if (holdsSecure(value)) {
      result.values[key] = SECRET_PLACEHOLDERS[key] ?? "verifier-placeholder";
      result.secretKeys.push(key);
      result.placeholders.push(key);
    } else {
      result.values[key] = rawConfigValue(value);
    }
  }
  return result;
}

/**
 * A stack file's value as the program receives it: strings as they are, structured values (lists
 * set with `--path`, numbers written unquoted) as JSON.
 */
export function rawConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** True when a stack value is, or holds, an encrypted `{ secure: ... }` value. */
export function holdsSecure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecure);
  if (typeof value !== "object" || value === null) return false;
  return "secure" in value || Object.values(value).some(holdsSecure);
}

const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * Runs the lab program for a configuration: the Kubernetes objects it would create, and the
 * Gatekeeper its Helm release would install (which decides where the API server enforces the
 * policy). With an exercise, the trainee's objects are named by their file and line, and the
 * exercise comes back with them.
 */
export async function labObjects(
  config: StackConfig,
): Promise<{ objects: SourcedObject[]; gatekeeper: GatekeeperInstall; exercise?: Exercise }> {
  const exercise = exerciseOf(config.values);
  const capture = await captureLab({
    config: config.values,
    secretKeys: config.secretKeys,
    knownTypes: labTypes(exercise),
  });
  if (capture.error) throw new VerifyInputError([`${LAB_SOURCE}: ${capture.error.message}`]);
  const written = new Map(exercise?.objects.map((o) => [objectKey(o.object), o]));
  const objects = capture.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== RELEASE)
    .map((r) => {
      const trainee = written.get(objectKey(r.inputs));
      return { object: r.inputs as KubeObject, source: trainee ? `${trainee.file}:${trainee.line}` : LAB_SOURCE };
    });
  const release = capture.resources.find((r) => r.type === RELEASE && r.inputs.chart === "gatekeeper");
  if (release === undefined) throw new VerifyInputError([`${LAB_SOURCE}: no Gatekeeper Helm release`]);
  const version = String(release.inputs.version);
  return {
    objects,
    ...(exercise ? { exercise } : {}),
    gatekeeper: installFromChart(
      version,
      release.inputs.values ?? {},
      `the lab's Helm release of Gatekeeper ${version}`,
    ),
  };
}

/** Documentation addresses (RFC 5737) for the synthetic external clients. */
const EXTERNAL_CANDIDATES = ["192.0.2.80", "198.51.100.80", "203.0.113.80", "192.0.2.200", "198.51.100.200"];

/** The load balancer's allowed source ranges, read from the captured phpMyAdmin Service. */
export function allowedSourceRanges(objects: SourcedObject[]): string[] | undefined {
  const service = objects.find(
    ({ object }) =>
      object.kind === "Service" && object.metadata?.namespace === "app" && object.metadata?.name === "phpmyadmin",
  )?.object;
  return service?.spec?.type === "LoadBalancer" ? (service.spec.loadBalancerSourceRanges as string[]) : undefined;
}

/** An address inside the first range (its first host), and one outside all of them. */
export function sourceClients(ranges: string[], taken: string[] = []): { inside: string; outside: string } {
  const cidrs = ranges.map((r) => parseCidr(r)!);
  const first = cidrs[0];
  const hostOffset = first.prefix >= (first.family === 4 ? 31 : 127) ? 0n : 1n;
  const inside = formatIp(first.family, first.address + hostOffset);
  const outside = EXTERNAL_CANDIDATES.find(
    (ip) => !taken.includes(ip) && !cidrs.some((c) => cidrContains(c, parseIp(ip)!)),
  )!;
  return { inside, outside };
}

function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(":");
}

/**
 * The peers the specification judges the lab with, beyond its own workloads: a pod in `app` without the
 * phpMyAdmin label (the article's nginx test pod), a pod in a namespace without `tier=app`,
 * cluster DNS, the internet, and, with a load balancer, a client inside and one outside the
 * allowed source ranges.
 */
export function addLabPeers(model: ClusterModel, ranges: string[] | undefined): ClusterModel {
  const synthetic: PodInfo[] = [
    {
      namespace: "app",
      name: "intruder",
      labels: { run: "intruder" },
      ports: [{ name: "http", port: 80, protocol: "TCP" }],
    },
    {
      namespace: "default",
      name: "outsider",
      labels: { run: "outsider" },
      ports: [{ name: "http", port: 80, protocol: "TCP" }],
    },
    {
      namespace: "kube-system",
      name: "kube-dns",
      labels: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
      ],
    },
  ];
  const usedByRanges = (ip: string) => (ranges ?? []).some((r) => cidrContains(parseCidr(r)!, parseIp(ip)!));
  const externals: ExternalPeer[] = [{ name: "internet", ip: EXTERNAL_CANDIDATES.find((ip) => !usedByRanges(ip))! }];
  if (ranges && ranges.length > 0) {
    const clients = sourceClients(ranges, [externals[0].ip]);
    externals.push({ name: "allowed-source", ip: clients.inside }, { name: "disallowed-source", ip: clients.outside });
  }
  const namespaces = [...model.namespaces];
  const namespaceObjects = [...model.namespaceObjects];
  for (const name of ["default", "kube-system"]) {
    if (!namespaces.some((n) => n.name === name)) {
      namespaces.push({ name, labels: {} });
      namespaceObjects.push({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
      });
    }
  }
  return {
    ...model,
    namespaces,
    namespaceObjects,
    pods: [...model.pods, ...synthetic],
    externals: [...model.externals, ...externals],
  };
}
