/**
 * Runs the lab program under Pulumi's mock runtime and records the resource graph it registers:
 * every resource with its type, name, parent, dependencies, provider and inputs. The tests and the
 * offline verifier both read the lab from here, so they see the graph `pulumi up` would create.
 *
 * Only the boundary to the cloud is mocked (the engine and the providers): resources "exist" with
 * the inputs they were given, and the one invoke the lab makes (AKS user credentials) returns a
 * kubeconfig. Anything else the program asks of the engine throws, so a new dependency on the
 * cloud cannot slip in unseen.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions, disconnect } from "@pulumi/pulumi/runtime/settings";
import { setAllConfig } from "@pulumi/pulumi/runtime/config";
import { deserializeProperties, isRpcSecret, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import { type Exercise, readExercise } from "../../config/exercise";
import { PROJECT } from "../../config/keys";
import { PROJECT_ROOT } from "../../config/parse";

// Internal to the SDK (untyped): the runtime's store of engine feature flags, which setMocks sets.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> };

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** The parent's URN; undefined for a root resource. */
  parent?: string;
  /** URNs of explicit and implicit (input) dependencies, as the engine receives them. */
  dependencies: string[];
  /** For each input property, the URNs it depends on. */
  propertyDependencies: Record<string, string[]>;
  /** The provider reference (`URN::ID`) of a custom resource, when one was given. */
  provider?: string;
  /** The inputs, with secrets unwrapped. */
  inputs: Record<string, any>;
  /** The inputs as sent to the engine, secrets still wrapped in their signature objects. */
  wireInputs: Record<string, unknown>;
}

export interface LabCapture {
  resources: RecordedResource[];
  /** The stack outputs, resolved, and which of them are secret. */
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  /** Invokes the program made, by token. */
  invokes: string[];
  /** What the program logged with pulumi.log.warn. */
  warnings: string[];
  /** The error the program threw, if it did. */
  error?: Error;
}

/** The kubeconfig the mocked AKS credentials invoke returns, as AKS would: base64-encoded YAML. */
export const MOCK_AKS_KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters:",
  "- name: lab-aks",
  "  cluster: {server: 'https://lab-aks.hcp.westeurope.azmk8s.io:443', certificate-authority-data: bW9jaw==}",
  "contexts:",
  "- name: lab-aks",
  "  context: {cluster: lab-aks, user: clusterUser_lab-aks}",
  "current-context: lab-aks",
  "users:",
  "- name: clusterUser_lab-aks",
  "  user: {token: mock-aks-user-token-0123456789}",
  "",
].join("\n");

/** The resource types the lab may register; any other type is a surprise and fails the run. */
export const KNOWN_TYPES = new Set([
  "k8s-hardening-lab:index:Lab",
  "k8s-hardening-lab:index:Cluster",
  "k8s-hardening-lab:index:Gatekeeper",
  "k8s-hardening-lab:index:TwoTierApp",
  "k8s-hardening-lab:index:NetworkPolicies",
  "k8s-hardening-lab:index:AllowedRepos",
  "k8s-hardening-lab:index:TraineePolicies",
  "azure-native:resources:ResourceGroup",
  "azure-native:containerservice:ManagedCluster",
  "pulumi:providers:kubernetes",
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:core/v1:Namespace",
  "kubernetes:core/v1:Secret",
  "kubernetes:core/v1:Service",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate",
  "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sAllowedRepos",
  "kubernetes:expansion.gatekeeper.sh/v1beta1:ExpansionTemplate",
  "random:index/randomPassword:RandomPassword",
]);

/** A documentation address (TEST-NET-2) the mocked cloud gives a LoadBalancer Service. */
export const MOCK_LOAD_BALANCER_IP = "198.51.100.10";

class StrictCloud implements pulumi.runtime.Mocks {
  readonly invokes: string[] = [];

  constructor(private readonly knownTypes: ReadonlySet<string>) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    if (!this.knownTypes.has(args.type)) throw new Error(`Mock not implemented: resource ${args.type}`);
    const state: Record<string, any> = { ...args.inputs };
    switch (args.type) {
      // Azure names auto-named resources; the mock keeps the logical name.
      case "azure-native:resources:ResourceGroup":
        state.name = args.inputs.resourceGroupName ?? args.name;
        break;
      case "azure-native:containerservice:ManagedCluster":
        state.name = args.inputs.resourceName ?? args.name;
        break;
      case "random:index/randomPassword:RandomPassword":
        // The provider's output; deterministic so tests can look for it in plaintext.
        state.result = `mock-generated-password-${args.name}`;
        break;
      case "kubernetes:core/v1:Service":
        if (args.inputs.spec?.type === "LoadBalancer") {
          state.status = { loadBalancer: { ingress: [{ ip: MOCK_LOAD_BALANCER_IP }] } };
        }
        break;
    }
    return { id: `${args.name}-id`, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    this.invokes.push(args.token);
    if (args.token === "azure-native:containerservice:listManagedClusterUserCredentials") {
      return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(MOCK_AKS_KUBECONFIG).toString("base64") }] };
    }
    throw new Error(`Mock not implemented: invoke ${args.token}`);
  }
}

/** The mock monitor, recording what the SDK sends with each registration. */
class RecordingMonitor extends MockMonitor {
  readonly records: RecordedResource[] = [];

  override async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const record: RecordedResource = {
      urn: "",
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      provider: req.getProvider() || undefined,
      inputs: unwrapSecrets(deserializeProperties(req.getObject())),
      wireInputs: req.getObject().toJavaScript(),
    };
    this.records.push(record);
    return super.registerResource(req, (err: any, resp: any) => {
      if (resp) record.urn = resp.getUrn();
      callback(err, resp);
    });
  }
}

/** The value with every secret wrapper replaced by the value it holds. */
export function unwrapSecrets(value: any): any {
  if (isRpcSecret(value)) return unwrapSecrets(unwrapRpcSecret(value));
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)]));
  }
  return value;
}

function resolve(output: pulumi.Output<unknown>): Promise<unknown> {
  return new Promise((done) => output.apply((value) => done(value)));
}

export interface CaptureOptions {
  /** Stack configuration, full keys (`namespace:key`) to raw values. */
  config: Record<string, string>;
  /** Full keys set with `--secret`. */
  secretKeys?: string[];
  stack?: string;
  /** Resource types the program may register. Defaults to the lab's. */
  knownTypes?: ReadonlySet<string>;
}

/** The capture running now, which the next one waits for. */
let running: Promise<unknown> = Promise.resolve();

/**
 * Runs a Pulumi program under the recording mocks and returns what it registered. Runs one after
 * another share the process but not their state. The mock runtime's monitor and configuration are
 * the process's own (setMockOptions, setAllConfig), so captures asked for at once (a class graded
 * in parallel) run one at a time, in the order asked.
 */
export function captureProgram(
  program: () => Record<string, pulumi.Output<unknown> | undefined>,
  options: CaptureOptions,
): Promise<LabCapture> {
  const capture = running.then(() => captureNow(program, options));
  running = capture.catch(() => undefined);
  return capture;
}

async function captureNow(
  program: () => Record<string, pulumi.Output<unknown> | undefined>,
  options: CaptureOptions,
): Promise<LabCapture> {
  const cloud = new StrictCloud(options.knownTypes ?? KNOWN_TYPES);
  const monitor = new RecordingMonitor(cloud);
  const stack = options.stack ?? "test";
  // What pulumi.runtime.setMocks does, with the recording monitor in place of the plain one:
  // install the monitor, then turn on the engine features a mock monitor supports (secrets among
  // them, so secret inputs travel wrapped as they would to the engine).
  setMockOptions(monitor, PROJECT, stack, false);
  Object.assign(runtimeState.getStore(), {
    supportsSecrets: true,
    supportsResourceReferences: true,
    supportsOutputValues: false,
    supportsDeletedWith: true,
    supportsAliasSpecs: true,
    supportsTransforms: true,
    supportsInvokeTransforms: true,
  });
  setAllConfig(options.config, options.secretKeys ?? []);

  const warnings: string[] = [];
  const consoleWarn = console.warn;
  // Without an engine, pulumi.log.warn writes to console.warn with this prefix.
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (text.startsWith("warning: [runtime] ")) warnings.push(text.slice("warning: [runtime] ".length));
    else consoleWarn(...args);
  };
  try {
    let outputsIn: Record<string, pulumi.Output<unknown> | undefined>;
    try {
      outputsIn = program();
    } catch (error) {
      await disconnect();
      return {
        resources: monitor.records,
        outputs: {},
        secretOutputs: [],
        invokes: cloud.invokes,
        warnings,
        error: error as Error,
      };
    }
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, output] of Object.entries(outputsIn)) {
      if (output === undefined) continue;
      outputs[key] = await resolve(output);
      if (await pulumi.isSecret(output)) secretOutputs.push(key);
    }
    await disconnect();
    return { resources: monitor.records, outputs, secretOutputs, invokes: cloud.invokes, warnings };
  } finally {
    console.warn = consoleWarn;
  }
}

/**
 * The exercise a configuration names, read as the program reads it (relative paths from the
 * project root); undefined without one, or when the program will refuse it.
 */
export function exerciseOf(config: Record<string, string>): Exercise | undefined {
  const value = config[`${PROJECT}:exercise`];
  return value ? readExercise(value, PROJECT_ROOT).exercise : undefined;
}

/**
 * The types the lab may register: its own, and with an exercise, the types of the trainee's
 * objects (`kubernetes:<apiVersion>:<kind>`, a CustomResource's type; the constraint kinds are the
 * exercise's own), and no other.
 */
export function labTypes(exercise?: Exercise): ReadonlySet<string> {
  if (exercise === undefined) return KNOWN_TYPES;
  return new Set([
    ...KNOWN_TYPES,
    ...exercise.objects.map(({ object }) => `kubernetes:${object.apiVersion}:${object.kind}`),
  ]);
}

/** Runs the lab program itself (components/index.ts) with a stack configuration. */
export async function captureLab(options: CaptureOptions): Promise<LabCapture> {
  const { deployLab } = await import("../../components");
  return captureProgram(deployLab, {
    ...options,
    knownTypes: options.knownTypes ?? labTypes(exerciseOf(options.config)),
  });
}

/**
 * A stack's configuration in the shape `captureLab` takes, from short keys, with a region as
 * every trainee stack has one (Pulumi.dev.yaml).
 */
export function labConfig(values: Record<string, string | string[] | number>): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ "azure-native:location": "westeurope", ...values }).map(([key, value]) => [
      key.includes(":") ? key : `${PROJECT}:${key}`,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}
