import * as path from "path";
import { lookAlikeEntries, lookAlikeWarning } from "../policies/k8sallowedrepos/look-alike";
import { IMAGES } from "./images";
import { canonicalCidr, parseCidr } from "./cidr";
import { type Exercise, readExercise } from "./exercise";
import {
  CONFIG_KEYS,
  CONFIG_KEY_NAMES,
  ConfigKey,
  DEFAULT_GATEKEEPER_VERSION,
  MIN_GATEKEEPER_VERSION,
  PROJECT,
  STAGES,
  Stage,
  stageFrom,
} from "./keys";

/** The lab's settings once validated. Secrets stay plain strings here; `load.ts` wraps them. */
export interface LabSettings {
  /** The claims the lab proves; with an exercise, the claims the trainee's objects are graded against. */
  stage: Stage;
  /** 1 to 5, the position of `stage` in `STAGES`. */
  stageNumber: number;
  /**
   * The trainee's own policies: when set, the lab is deployed as at stage `app` with these
   * objects instead of the lab's NetworkPolicies, template, constraints and ExpansionTemplates.
   */
  exercise?: Exercise;
  /** Bring-your-own cluster when set; otherwise an AKS cluster is created. */
  kubeconfig?: string;
  aks: { nodeCount: number; nodeVmSize: string; kubernetesVersion?: string };
  gatekeeper: { version: string; replicas: number; webhookFailurePolicy: "Fail" | "Ignore" };
  allowedRepos: { app: string[]; data: string[] };
  exposure: { mode: "port-forward" } | { mode: "loadbalancer"; allowedSourceRanges: string[] };
  /** Unset: the program generates one. */
  mysqlRootPassword?: string;
}

/** What the stack's configuration holds: full keys (`namespace:key`) to raw values. */
export interface RawConfig {
  values: Record<string, string>;
  /** Full keys whose values were set with `--secret`. */
  secretKeys: ReadonlySet<string>;
  /** The ARM_LOCATION environment variable, which the azure-native provider also reads. */
  armLocation?: string;
  /**
   * The folder a relative `exercise` is read from: the project root (the folder of Pulumi.yaml,
   * where `pulumi up` runs the program), which is the default.
   */
  projectDir?: string;
}

/** The project root: the folder of Pulumi.yaml, above config/. */
export const PROJECT_ROOT = path.join(__dirname, "..");

/** The Azure provider's own key for the region, which the lab does not redefine. */
export const LOCATION_KEY = "azure-native:location";

export interface ParseResult {
  settings?: LabSettings;
  problems: string[];
  warnings: string[];
}

const fullKey = (key: string) => `${PROJECT}:${key}`;

/** Quotes a value for a message, shortening long ones; secrets are never echoed. */
function shown(key: ConfigKey, value: string): string {
  if ((CONFIG_KEYS[key] as { secret?: boolean }).secret) return "(secret value)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

/**
 * Validates the stack's configuration and applies the defaults. Every problem is collected, so a
 * trainer fixing a stack sees them all at once; each names the key, the value and what is accepted.
 */
export function parseLabConfig(raw: RawConfig): ParseResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const problem = (key: ConfigKey, value: string, accepted: string) =>
    problems.push(`${fullKey(key)}: ${shown(key, value)} ${accepted}`);

  for (const key of Object.keys(raw.values).sort()) {
    const [namespace, name] = key.split(":", 2);
    if (namespace === PROJECT && !(CONFIG_KEY_NAMES as string[]).includes(name)) {
      problems.push(`${key}: unknown key (a typo?); the lab reads ${CONFIG_KEY_NAMES.map(fullKey).join(", ")}`);
    }
  }

  const present = (key: ConfigKey) => raw.values[fullKey(key)] !== undefined && raw.values[fullKey(key)] !== "";
  const text = (key: ConfigKey): string => {
    const value = raw.values[fullKey(key)];
    const spec = CONFIG_KEYS[key];
    return value === undefined ? String(spec.default) : value;
  };
  const secret = (key: ConfigKey): string | undefined => {
    if (!present(key)) return undefined;
    if (!raw.secretKeys.has(fullKey(key))) {
      problems.push(`${fullKey(key)}: is stored in plaintext; set it with \`pulumi config set --secret ${key} ...\``);
      return undefined;
    }
    return raw.values[fullKey(key)];
  };
  const integer = (key: ConfigKey, min: number, max: number): number => {
    const value = text(key);
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      problem(key, value, `is not accepted; expected an integer from ${min} to ${max}`);
      return Number(CONFIG_KEYS[key].default);
    }
    return n;
  };
  const oneOf = <T extends string>(key: ConfigKey, accepted: readonly T[]): T => {
    const value = text(key);
    if (!(accepted as readonly string[]).includes(value)) {
      problem(key, value, `is not accepted; expected one of ${accepted.join(", ")}`);
      return CONFIG_KEYS[key].default as T;
    }
    return value as T;
  };
  const stringArray = (key: ConfigKey): string[] | undefined => {
    const rawValue = raw.values[fullKey(key)];
    if (rawValue === undefined) return [...(CONFIG_KEYS[key].default as readonly string[])];
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawValue);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== "string")) {
      problem(
        key,
        rawValue,
        `is not accepted; expected an array of strings (pulumi config set --path '${key}[0]' VALUE)`,
      );
      return undefined;
    }
    return parsed as string[];
  };

  // stage: a name or its number.
  const stageText = text("stage");
  const stage: Stage = stageFrom(stageText) ?? CONFIG_KEYS.stage.default;
  if (stageFrom(stageText) === undefined)
    problem("stage", stageText, `is not a stage; expected one of ${STAGES.join(", ")}, or 1 to 5`);

  const exerciseValue = text("exercise");
  let exercise: Exercise | undefined;
  if (exerciseValue !== "") {
    const read = readExercise(exerciseValue, raw.projectDir ?? PROJECT_ROOT);
    problems.push(...read.problems.map((p) => `${fullKey("exercise")}: ${p}`));
    exercise = read.exercise;
  }

  const kubeconfig = secret("kubeconfig");
  if (kubeconfig !== undefined && !/^\s*apiVersion:|^\s*\{|clusters:/m.test(kubeconfig)) {
    problems.push(
      `${fullKey("kubeconfig")}: (secret value) is not a kubeconfig; expected the YAML or JSON of a kubeconfig file (pulumi config set --secret kubeconfig < ~/.kube/config)`,
    );
  }

  if (
    kubeconfig === undefined &&
    !raw.values[LOCATION_KEY] &&
    !raw.armLocation &&
    !raw.secretKeys.has(fullKey("kubeconfig"))
  ) {
    // Without it the first Azure resource fails in the provider, after others were planned.
    problems.push(
      `${LOCATION_KEY}: not set; the AKS cluster needs an Azure region (pulumi config set ${LOCATION_KEY} westeurope), or set kubeconfig to bring your own cluster`,
    );
  }

  const nodeCount = integer("nodeCount", 1, 100);
  const nodeVmSize = text("nodeVmSize");
  if (!/^Standard_[A-Za-z0-9_]+$/.test(nodeVmSize)) {
    problem("nodeVmSize", nodeVmSize, "is not accepted; expected an Azure VM size such as Standard_D2s_v5");
  }
  const kubernetesVersion = text("kubernetesVersion");
  if (kubernetesVersion !== "" && !/^1\.\d{1,2}(\.\d{1,3})?$/.test(kubernetesVersion)) {
    problem(
      "kubernetesVersion",
      kubernetesVersion,
      "is not accepted; expected a version such as 1.33 or 1.33.2, or empty for the region's default",
    );
  }
  if (kubeconfig !== undefined) {
    for (const key of ["nodeCount", "nodeVmSize", "kubernetesVersion"] as const) {
      if (present(key)) warnings.push(`${fullKey(key)} is ignored: kubeconfig is set, so no AKS cluster is created`);
    }
  }

  const gatekeeperVersion = text("gatekeeperVersion");
  const gatekeeperProblem = gatekeeperVersionProblem(gatekeeperVersion);
  if (gatekeeperProblem !== undefined) problem("gatekeeperVersion", gatekeeperVersion, gatekeeperProblem);
  const replicas = integer("gatekeeperReplicas", 1, 10);
  if (replicas === 1) {
    warnings.push(
      `${fullKey("gatekeeperReplicas")}: 1 leaves the admission webhook a single pod; while it restarts or moves off a drained node, requests the webhook covers (Pods and workloads in the lab's namespaces) are ${webhookFailurePolicyText(text("webhookFailurePolicy"))}. 2 or more, spread over nodes, avoid that`,
    );
  }
  const webhookFailurePolicy = oneOf("webhookFailurePolicy", ["Fail", "Ignore"] as const);

  const allowedRepos = {
    app: checkRepos("allowedReposApp", stringArray("allowedReposApp"), IMAGES.phpmyadmin, problems, warnings),
    data: checkRepos("allowedReposData", stringArray("allowedReposData"), IMAGES.mysql, problems, warnings),
  };

  const exposureMode = oneOf("phpMyAdminExposure", ["port-forward", "loadbalancer"] as const);
  const ranges = stringArray("allowedSourceRanges") ?? [];
  const rangesOk = checkSourceRanges(ranges, problems);
  if (exposureMode === "loadbalancer" && ranges.length === 0) {
    problems.push(
      `${fullKey("allowedSourceRanges")}: [] is not accepted with phpMyAdminExposure=loadbalancer; expected at least one CIDR of the trainees' addresses, such as 203.0.113.7/32`,
    );
  }
  if (exposureMode === "port-forward" && ranges.length > 0) {
    warnings.push(`${fullKey("allowedSourceRanges")} is ignored: phpMyAdminExposure is port-forward`);
  }

  const mysqlRootPassword = secret("mysqlRootPassword");
  if (mysqlRootPassword !== undefined && mysqlRootPassword.length < 12) {
    problems.push(`${fullKey("mysqlRootPassword")}: (secret value) is too short; expected at least 12 characters`);
  }

  if (problems.length > 0) return { problems, warnings };
  return {
    problems,
    warnings,
    settings: {
      stage,
      stageNumber: STAGES.indexOf(stage) + 1,
      ...(exercise ? { exercise } : {}),
      kubeconfig,
      aks: { nodeCount, nodeVmSize, kubernetesVersion: kubernetesVersion || undefined },
      gatekeeper: { version: gatekeeperVersion, replicas, webhookFailurePolicy },
      allowedRepos: { app: allowedRepos.app ?? [], data: allowedRepos.data ?? [] },
      exposure:
        exposureMode === "loadbalancer" && rangesOk
          ? { mode: "loadbalancer", allowedSourceRanges: ranges }
          : { mode: "port-forward" },
      mysqlRootPassword,
    },
  };
}

/** What a webhook outage does to the requests it covers, for the failure policy configured. */
function webhookFailurePolicyText(policy: string): string {
  return policy === "Ignore" ? "admitted unchecked (failurePolicy Ignore)" : "refused (failurePolicy Fail)";
}

/** Why a Gatekeeper chart version is not accepted; undefined when it is. */
function gatekeeperVersionProblem(version: string): string | undefined {
  const expected = `expected a Gatekeeper chart version from ${MIN_GATEKEEPER_VERSION} to 3.x (such as ${DEFAULT_GATEKEEPER_VERSION})`;
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) return `is not accepted; ${expected}`;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [minMajor, minMinor] = MIN_GATEKEEPER_VERSION.split(".").map(Number);
  if (major > minMajor) return `is not accepted; ${expected}`;
  if (major === minMajor && minor >= minMinor) return undefined;
  // See MIN_GATEKEEPER_VERSION.
  return `is not accepted; ${expected}: before ${MIN_GATEKEEPER_VERSION} the ValidatingAdmissionPolicy bindings Gatekeeper generates cannot take the webhook's enforcement scope (--sync-vap-enforcement-scope), so they would judge in the namespaces the webhook exempts (kube-system among them) and miss the ephemeral containers kubectl debug adds`;
}

/**
 * An allowed-repositories list must admit the lab's own image (or the lab would deny itself at
 * the stage allowed-repos) and should not admit look-alike repositories.
 */
function checkRepos(
  key: "allowedReposApp" | "allowedReposData",
  repos: string[] | undefined,
  labImage: string,
  problems: string[],
  warnings: string[],
): string[] | undefined {
  if (repos === undefined) return undefined;
  const emptyAt = repos.findIndex((repo) => repo.trim() === "");
  if (emptyAt >= 0) {
    problems.push(
      `${fullKey(key)}[${emptyAt}]: "" is not accepted; an empty prefix admits every image. Expected a repository prefix such as ${JSON.stringify(CONFIG_KEYS[key].default[0])}`,
    );
    return undefined;
  }
  if (!repos.some((repo) => labImage.startsWith(repo))) {
    problems.push(
      `${fullKey(key)}: ${JSON.stringify(repos)} does not admit the lab's own image ${labImage}, so the lab would deny itself; expected a list with an entry such as ${JSON.stringify(CONFIG_KEYS[key].default[0])}`,
    );
  }
  for (const { entry, example } of lookAlikeEntries(repos))
    warnings.push(lookAlikeWarning(fullKey(key), entry, example));
  return repos;
}

function checkSourceRanges(ranges: string[], problems: string[]): boolean {
  let ok = true;
  ranges.forEach((range, i) => {
    const key = `${fullKey("allowedSourceRanges")}[${i}]`;
    const cidr = parseCidr(range);
    if (!cidr) {
      problems.push(
        `${key}: ${JSON.stringify(range)} is not a CIDR; expected an address with a prefix length, such as 203.0.113.7/32`,
      );
      ok = false;
    } else if (cidr.prefix === 0) {
      problems.push(
        `${key}: ${JSON.stringify(range)} would expose phpMyAdmin to the whole internet; expected the trainees' own addresses, such as 203.0.113.7/32`,
      );
      ok = false;
    } else if (canonicalCidr(cidr) !== range) {
      problems.push(
        `${key}: ${JSON.stringify(range)} is not accepted; host bits are set or the form is not canonical, expected ${canonicalCidr(cidr)}`,
      );
      ok = false;
    }
  });
  return ok;
}
