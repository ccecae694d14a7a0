// The flags of live mode, checked before anything is done, and `--stack` reading the kubeconfig
// through the Automation API (a stand-in of its shape here; the real one needs the Pulumi CLI).
import { parseArgs } from "../../verifier/cli";
import { stackKubeconfig, type AutomationApi } from "../../verifier/live/stack";
import { VerifyInputError } from "../../verifier/model";
import { verify } from "../helpers";

const problems = (argv: string[]): string[] => {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof VerifyInputError) return error.problems;
    throw error;
  }
  return [];
};

describe("verify --live: flags", () => {
  it("takes a kubeconfig, a context, the bounds and a probe log", () => {
    expect(
      parseArgs([
        "--live",
        "--kubeconfig",
        "kind.yaml",
        "--context",
        "kind-lab",
        "--stage",
        "2",
        "--probe-timeout",
        "3",
        "--deadline",
        "120",
        "--concurrency",
        "2",
        "--probe-log",
        "probes.jsonl",
      ]),
    ).toEqual({
      allStages: false,
      manifests: [],
      externals: [],
      from: [],
      to: [],
      ports: [],
      format: "text",
      help: false,
      live: true,
      kubeconfig: "kind.yaml",
      context: "kind-lab",
      stage: "default-deny",
      probeTimeout: 3,
      deadline: 120,
      concurrency: 2,
      probeLog: "probes.jsonl",
    });
  });

  it("needs a cluster: --kubeconfig, or --stack for its kubeconfig output", () => {
    expect(problems(["--live"])).toEqual([
      "--live: needs the cluster: --kubeconfig FILE, or --stack NAME to read the stack's kubeconfig output",
    ]);
    expect(problems(["--live", "--stack", "alice"])).toEqual([]);
  });

  it("refuses what does not go with it, every problem at once", () => {
    expect(
      problems(["--live", "--kubeconfig", "k", "--manifests", "k8s/", "--all-stages", "--compare", "base.json"]),
    ).toEqual([
      "--all-stages: only in lab mode, not with --manifests",
      "--live: not with --manifests; live mode observes the lab's claims on its cluster",
      "--all-stages: not with --live; a cluster runs one stage at a time",
      "--compare: not with --live",
    ]);
  });

  it("refuses live mode's flags without --live", () => {
    expect(
      problems([
        "--kubeconfig",
        "k",
        "--context",
        "c",
        "--probe-timeout",
        "5",
        "--deadline",
        "60",
        "--concurrency",
        "2",
        "--probe-log",
        "p",
      ]),
    ).toEqual([
      "--kubeconfig: only with --live",
      "--context: only with --live",
      "--probe-timeout: only with --live",
      "--deadline: only with --live",
      "--concurrency: only with --live",
      "--probe-log: only with --live",
    ]);
  });

  it("names the bounds a number must keep", () => {
    expect(
      problems([
        "--live",
        "--kubeconfig",
        "k",
        "--probe-timeout",
        "0",
        "--deadline",
        "9",
        "--concurrency",
        "2.5",
        "--probe-log",
      ]),
    ).toEqual([
      '--probe-timeout: "0" is not accepted; expected whole seconds from 1 to 60',
      '--deadline: "9" is not accepted; expected whole seconds from 10 to 3600',
      '--concurrency: "2.5" is not accepted; expected a whole number from 1 to 16',
      "--probe-log: needs a value",
    ]);
    expect(
      problems(["--live", "--kubeconfig", "k", "--probe-timeout", "60", "--deadline", "3600", "--concurrency", "16"]),
    ).toEqual([]);
  });
});

describe("verify --live --stack: the kubeconfig output, through the Automation API", () => {
  /** The Automation API's shape, answering as the CLI would for a deployed stack. */
  const automation = (
    outputs: Record<string, { value: unknown; secret?: boolean }>,
    calls: string[] = [],
  ): AutomationApi => ({
    PulumiCommand: {
      get: (options) => {
        calls.push(`PulumiCommand.get ${JSON.stringify(options)}`);
        return Promise.resolve({ command: "pulumi" });
      },
    },
    LocalWorkspace: {
      selectStack: (args, options) => {
        calls.push(`selectStack ${args.stackName} ${args.workDir} ${JSON.stringify(options)}`);
        return Promise.resolve({ outputs: () => Promise.resolve(outputs) });
      },
    },
  });

  it("reads the stack's kubeconfig output, in the project's directory, with the CLI it found", async () => {
    const calls: string[] = [];
    const kubeconfig = "apiVersion: v1\nkind: Config\n";
    await expect(
      stackKubeconfig("alice", "/project", automation({ kubeconfig: { value: kubeconfig, secret: true } }, calls)),
    ).resolves.toBe(kubeconfig);
    expect(calls).toEqual([
      'PulumiCommand.get {"skipVersionCheck":true}',
      'selectStack alice /project {"pulumiCommand":{"command":"pulumi"}}',
    ]);
  });

  it("is bad input when the stack has no kubeconfig output yet", async () => {
    await expect(stackKubeconfig("alice", "/project", automation({ stage: { value: "app" } }))).rejects.toThrow(
      "--stack alice: the stack has no kubeconfig output; run pulumi up first, or give the cluster with --kubeconfig FILE",
    );
  });

  it("passes on what the CLI says when the stack cannot be read", async () => {
    const failing: AutomationApi = {
      ...automation({}),
      LocalWorkspace: {
        selectStack: () => Promise.reject(new Error("no stack named 'alice' found\nmore detail")),
      },
    };
    await expect(stackKubeconfig("alice", "/project", failing)).rejects.toThrow(
      "--stack alice: cannot read the stack's outputs: no stack named 'alice' found",
    );
  });

  it("without the Pulumi CLI, exits 2 saying how to install it or to use --kubeconfig", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const run = await verify("--live", "--stack", "dev");
      expect([run.status, run.stdout]).toEqual([2, ""]);
      expect(run.stderr).toBe(
        "verify: bad input:\n  --stack dev: reading the stack's kubeconfig output needs the Pulumi CLI, which did not run (spawn pulumi ENOENT: no pulumi command on the PATH); install it (https://www.pulumi.com/docs/iac/download-install/), or give the cluster with --kubeconfig FILE\n",
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
