// `npm run e2e`: the stage walk over the Automation API (a stand-in of its shape: there is no
// Pulumi CLI here), with `verify --live` run for real, as a child process, against the stand-in
// API server playing the lab at allowed-repos.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../../verifier/lab";
import {
  backendEnv,
  parseE2eArgs,
  verifyArgs,
  verifyCommand,
  walk,
  type E2eAutomationApi,
} from "../../verifier/live/e2e";
import { VerifyInputError } from "../../verifier/model";
import { labCluster } from "./lab-cluster";
import { kubeconfigFor, StandIn } from "./stand-in";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const problems = (argv: string[]): string[] => {
  try {
    parseE2eArgs(argv);
  } catch (error) {
    if (error instanceof VerifyInputError) return error.problems;
    throw error;
  }
  return [];
};

describe("npm run e2e: arguments and backend", () => {
  it("walks all five stages by default, on stack e2e, logging to e2e-logs", () => {
    const kubeconfig = path.join(dir, "k");
    fs.writeFileSync(kubeconfig, "");
    expect(parseE2eArgs(["--kubeconfig", kubeconfig])).toEqual({
      kubeconfig,
      stack: "e2e",
      stages: ["app", "default-deny", "allow-phpmyadmin", "allowed-repos", "zero-trust"],
      logs: "e2e-logs",
      help: false,
    });
    expect(parseE2eArgs(["--kubeconfig", kubeconfig, "--stages", "4,zero-trust", "--stack", "kind-1"]).stages).toEqual([
      "allowed-repos",
      "zero-trust",
    ]);
  });

  it("names every problem at once", () => {
    expect(problems(["--stages", "6,app", "--stack", "a b", "--logs"])).toEqual([
      '--stages: "6" is not a stage; expected app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5',
      '--stack: "a b" is not accepted; expected letters, digits, "_", "." and "-"',
      "--logs: needs a value",
      "--kubeconfig: required; the cluster to walk the lab on",
    ]);
    expect(problems(["--kubeconfig", path.join(dir, "none")])).toEqual([
      `--kubeconfig: cannot read ${path.join(dir, "none")}: no such file`,
    ]);
  });

  it("uses a throwaway local backend unless one is given, and then wants its passphrase", () => {
    const env = backendEnv({}, dir);
    expect(env.PULUMI_CONFIG_PASSPHRASE).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(backendEnv({}, dir).PULUMI_CONFIG_PASSPHRASE).not.toBe(env.PULUMI_CONFIG_PASSPHRASE);
    expect(backendEnv({ PULUMI_CONFIG_PASSPHRASE: "mine" }, dir).PULUMI_CONFIG_PASSPHRASE).toBe("mine");
    expect(env.PULUMI_BACKEND_URL).toMatch(new RegExp(`^file://${dir}/k8s-hardening-lab-e2e-state-`));
    expect(fs.existsSync(env.PULUMI_BACKEND_URL.slice("file://".length))).toBe(true);
    expect(backendEnv({ PULUMI_BACKEND_URL: "s3://b", PULUMI_CONFIG_PASSPHRASE: "p" }, dir)).toEqual({});
    expect(() => backendEnv({ PULUMI_BACKEND_URL: "s3://b" }, dir)).toThrow(
      "PULUMI_BACKEND_URL is set but PULUMI_CONFIG_PASSPHRASE is not: the stack's kubeconfig is a secret, encrypted with it",
    );
  });

  it("runs verify with the same arguments a person would type", () => {
    expect(verifyArgs("/k/kind.yaml", "default-deny", "logs/2-default-deny-probes.jsonl")).toEqual([
      "--live",
      "--kubeconfig",
      "/k/kind.yaml",
      "--stage",
      "default-deny",
      "--probe-log",
      "logs/2-default-deny-probes.jsonl",
    ]);
  });
});

describe("npm run e2e: the walk", () => {
  /** The Automation API's shape: records what the walk asks, `up` failing for the stages named. */
  function automation(calls: string[], failUp: string[] = []): E2eAutomationApi {
    let stage = "";
    const stack = {
      setConfig: (key: string, value: { value: string; secret?: boolean }) => {
        if (key.endsWith(":stage")) stage = value.value;
        calls.push(
          `setConfig ${key} ${key.endsWith(":kubeconfig") ? `(${value.value.length} characters)` : value.value}${value.secret ? " secret" : ""}`,
        );
        return Promise.resolve();
      },
      up: (options?: { onOutput?: (out: string) => void }) => {
        calls.push(`up ${stage}`);
        options?.onOutput?.(`Updating (e2e): stage ${stage}\n`);
        return failUp.includes(stage)
          ? Promise.reject(new Error("code: 255\n stdout: \n stderr: error: update failed"))
          : Promise.resolve({ summary: { result: "succeeded" } });
      },
      destroy: (options?: { onOutput?: (out: string) => void }) => {
        calls.push(`destroy ${stage}`);
        options?.onOutput?.(`Destroying (e2e): stage ${stage}\n`);
        return Promise.resolve({ summary: { result: "succeeded" } });
      },
      workspace: {
        removeStack: (name: string) => {
          calls.push(`removeStack ${name}`);
          return Promise.resolve();
        },
      },
    };
    return {
      PulumiCommand: { get: () => Promise.resolve({ command: "pulumi" }) },
      LocalWorkspace: {
        selectStack: () => Promise.reject(new Error("not used")),
        createOrSelectStack: (args, options) => {
          calls.push(`createOrSelectStack ${args.stackName} ${args.workDir} ${JSON.stringify(options?.envVars)}`);
          return Promise.resolve(stack);
        },
      },
    };
  }

  it("for each stage in order: up, verify --live, destroy; then removes the stack; exit 1 when a stage does not match", async () => {
    const standIn = new StandIn(labCluster());
    const kubeconfig = path.join(dir, "kind.kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigFor(await standIn.start()));
    const logs = path.join(dir, "logs");
    const calls: string[] = [];
    let printed = "";
    const out = (text: string) => (printed += text);
    const status = await walk(
      { kubeconfig, stack: "e2e", stages: ["allowed-repos", "zero-trust"], logs, help: false },
      automation(calls),
      verifyCommand(kubeconfig, out),
      out,
      () => ({ PULUMI_BACKEND_URL: "file:///tmp/state", PULUMI_CONFIG_PASSPHRASE: "e2e" }),
    );
    await standIn.stop();
    expect(status).toBe(1);
    expect(calls).toEqual([
      `createOrSelectStack e2e ${PROJECT_DIR} {"PULUMI_BACKEND_URL":"file:///tmp/state","PULUMI_CONFIG_PASSPHRASE":"e2e"}`,
      `setConfig k8s-hardening-lab:kubeconfig (${fs.readFileSync(kubeconfig, "utf8").length} characters) secret`,
      "setConfig k8s-hardening-lab:stage allowed-repos",
      "up allowed-repos",
      "destroy allowed-repos",
      "setConfig k8s-hardening-lab:stage zero-trust",
      "up zero-trust",
      "destroy zero-trust",
      "removeStack e2e",
    ]);
    // The cluster plays allowed-repos: that stage matches its prediction, zero-trust does not.
    expect(fs.readFileSync(path.join(logs, "summary.txt"), "utf8")).toBe(
      [
        "stage 4 allowed-repos: pulumi up ok; verify --live: every claim observed as predicted; pulumi destroy ok",
        "stage 5 zero-trust: pulumi up ok; verify --live: FAILED: a claim observed otherwise, or not probed (see the report); pulumi destroy ok",
        "",
      ].join("\n"),
    );
    expect(fs.readdirSync(logs).sort()).toEqual([
      "4-allowed-repos-destroy.log",
      "4-allowed-repos-probes.jsonl",
      "4-allowed-repos-up.log",
      "4-allowed-repos-verify.txt",
      "5-zero-trust-destroy.log",
      "5-zero-trust-probes.jsonl",
      "5-zero-trust-up.log",
      "5-zero-trust-verify.txt",
      "summary.txt",
    ]);
    expect(fs.readFileSync(path.join(logs, "4-allowed-repos-up.log"), "utf8")).toBe(
      "Updating (e2e): stage allowed-repos\n",
    );
    expect(fs.readFileSync(path.join(logs, "4-allowed-repos-verify.txt"), "utf8")).toMatch(
      /: 16 match, 0 mismatch, 0 not probed\n/,
    );
    expect(fs.readFileSync(path.join(logs, "5-zero-trust-verify.txt"), "utf8")).toContain(
      "mismatch (stage zero-trust): phpmyadmin → internet: predicted denied, observed allowed;",
    );
    expect(fs.readFileSync(path.join(logs, "4-allowed-repos-probes.jsonl"), "utf8")).toContain('"event":"exec"');
    expect(printed).toContain("== stage 4 allowed-repos: pulumi up\n");
    expect(printed).toContain("== stage 4 allowed-repos: verify --live\n");
  });

  it("skips verify when pulumi up fails, still destroys, and goes on to the next stage", async () => {
    const calls: string[] = [];
    const verified: string[] = [];
    const logs = path.join(dir, "logs-failing");
    const kubeconfig = path.join(dir, "unused.kubeconfig");
    fs.writeFileSync(kubeconfig, "apiVersion: v1\n");
    const status = await walk(
      { kubeconfig, stack: "e2e", stages: ["app", "default-deny"], logs, help: false },
      automation(calls, ["app"]),
      (stage) => {
        verified.push(stage);
        return Promise.resolve(0);
      },
      () => undefined,
      () => ({}),
    );
    expect(status).toBe(1);
    expect(verified).toEqual(["default-deny"]);
    expect(calls.filter((c) => /^(up|destroy)/.test(c))).toEqual([
      "up app",
      "destroy app",
      "up default-deny",
      "destroy default-deny",
    ]);
    expect(fs.readFileSync(path.join(logs, "summary.txt"), "utf8")).toBe(
      [
        "stage 1 app: pulumi up failed (error: update failed); verify --live: not run, as pulumi up failed; pulumi destroy ok",
        "stage 2 default-deny: pulumi up ok; verify --live: every claim observed as predicted; pulumi destroy ok",
        "",
      ].join("\n"),
    );
  });
});
