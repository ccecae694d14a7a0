// `npm run verify -- --live` where it cannot do everything: probe pods that do not start (the
// deadline, Ctrl-C), objects of its probes' names that are someone else's, and a trainee's RBAC;
// against the stand-in API server playing the lab at stage allowed-repos (tests/live/lab-cluster.ts).
// tests/live/verify-cli.ts runs the CLI as a user does.
import { IMAGES } from "../../config/images";
import { labCluster, PHPMYADMIN_POD } from "./lab-cluster";
import type { KubeObject } from "./stand-in";
import { cluster, liveJsonArgs, tempDir, verify } from "./verify-cli";

const dir = tempDir();

describe("verify --live when the probe pods do not start", () => {
  const pending = { reason: "ImagePullBackOff", message: `Back-off pulling image "${IMAGES.phpmyadmin}"` };

  it("bounds the wait by the deadline, reports the claims not probed with why, exits 1 and deletes the probes", async () => {
    // The intruder never starts; MySQL does not listen (its claims cannot be told from a refusal).
    const { standIn, kubeconfig } = await cluster(
      dir(),
      labCluster({
        start: (pod) => (pod.metadata.name === "intruder" ? pending : "running"),
        listens: { [PHPMYADMIN_POD]: [80], "mysql-0": [] },
      }),
    );
    const run = await verify(liveJsonArgs(kubeconfig, "--deadline", "12"));
    await standIn.stop();
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    const intruder = report.claims.filter((c: any) => c.claim.startsWith("intruder"));
    expect(intruder.map((c: any) => [c.observed, c.matches])).toEqual([
      ["not probed", false],
      ["not probed", false],
    ]);
    for (const claim of intruder) {
      expect(claim.evidence).toMatch(
        /^not probed: the probe pod app\/intruder (did not start within 1[0-2] s|was not running when the run's deadline \(12 s\) passed first): Pending, container probe waiting: ImagePullBackOff \(Back-off pulling image "docker\.io\/library\/phpmyadmin:5\.2\.3"\)$/,
      );
    }
    expect(report.claims.find((c: any) => c.claim === "outsider → mysql:3306/TCP").evidence).toBe(
      `not probed: data/mysql-0 does not listen on 3306 (127.0.0.1:3306 from inside it: refused: connect: connect: Connection refused; connect: line 1: /dev/tcp/127.0.0.1/3306: Connection refused), so a refusal could not be told from a policy decision`,
    );
    // The others were probed meanwhile.
    expect(report.claims.filter((c: any) => c.observed === "not probed").map((c: any) => c.claim)).toEqual([
      "phpmyadmin → mysql:3306/TCP",
      "intruder → mysql:3306/TCP",
      "outsider → mysql:3306/TCP",
      "intruder → phpmyadmin:80/TCP",
    ]);
    expect(run.stderr).toContain(
      "not probed (stage allowed-repos): intruder → mysql:3306/TCP: not probed: the probe pod app/intruder ",
    );
    expect(report.live.housekeeping).toEqual([
      "deleted the probe pod app/intruder",
      "deleted the probe pod lab-verify-probes/outsider",
      "deleted the probe pod app/ephemeral-busybox",
      "deleted the probe namespace lab-verify-probes",
    ]);
    expect(standIn.probes()).toEqual([]);
  });

  it("stops on Ctrl-C: deletes the probes it created, says so, and exits 130", async () => {
    const { standIn, kubeconfig } = await cluster(dir(), labCluster({ start: () => pending }));
    const run = await verify(["--live", "--kubeconfig", kubeconfig, "--stage", "allowed-repos"], (child) => {
      // Interrupt once the three probe pods exist, while the run waits for them to start.
      const poll = setInterval(() => {
        const made = standIn.probes();
        if (made.length === 4) {
          clearInterval(poll);
          child.kill("SIGINT");
        }
      }, 100);
      child.on("exit", () => clearInterval(poll));
    });
    await standIn.stop();
    expect([run.status, run.signal]).toEqual([130, null]);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "verify: interrupted (Ctrl-C)",
        "  deleted the probe pod app/intruder",
        "  deleted the probe pod lab-verify-probes/outsider",
        "  deleted the probe pod app/ephemeral-busybox",
        "  deleted the probe namespace lab-verify-probes",
        "",
      ].join("\n"),
    );
    expect(standIn.probes()).toEqual([]);
  });
});

describe("verify --live and objects that are not its probes", () => {
  it("creates nothing over them, deletes none of them, and says which claims it could not probe", async () => {
    // Someone's own namespace of the probe namespace's name, and a pod named as the intruder.
    const base = labCluster();
    const theirs: KubeObject[] = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "lab-verify-probes", labels: { team: "qa" } } },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "intruder", namespace: "app", labels: { run: "intruder" } },
        spec: { containers: [{ name: "c", image: IMAGES.phpmyadmin }] },
        status: { phase: "Running", podIP: "10.244.0.98" },
      },
    ];
    const { standIn, kubeconfig } = await cluster(dir(), { ...base, objects: [...base.objects, ...theirs] });
    const run = await verify(liveJsonArgs(kubeconfig));
    await standIn.stop();
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    const evidence = (claim: string) => report.claims.find((c: any) => c.claim === claim).evidence;
    expect(evidence("outsider → mysql:3306/TCP")).toBe(
      'not probed: creating the probe namespace Namespace/lab-verify-probes was refused: 409 AlreadyExists: namespaces "lab-verify-probes" already exists',
    );
    expect(evidence("intruder → mysql:3306/TCP")).toBe(
      'not probed: creating the probe pod Pod/app/intruder was refused: 409 AlreadyExists: pods "intruder" already exists',
    );
    expect(evidence("mysql → internet")).toBe(
      'not probed: no control for the internet probes: creating the probe namespace Namespace/lab-verify-probes was refused: 409 AlreadyExists: namespaces "lab-verify-probes" already exists',
    );
    expect(standIn.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([
      "/api/v1/namespaces/app/pods/ephemeral-busybox",
    ]);
    expect(standIn.objects.has("Namespace//lab-verify-probes")).toBe(true);
    expect(standIn.objects.has("Pod/app/intruder")).toBe(true);
    expect(report.live.housekeeping).toEqual(["deleted the probe pod app/ephemeral-busybox"]);
  });
});

describe("verify --live without the right to list every namespace's pods", () => {
  it("goes on without looking for an earlier run's probes, and says so", async () => {
    const forbidden = {
      code: 403,
      reason: "Forbidden",
      message: 'pods is forbidden: User "trainee" cannot list resource "pods" in API group "" at the cluster scope',
    };
    const { standIn, kubeconfig } = await cluster(
      dir(),
      labCluster({ authorize: (method, p) => (method === "GET" && p === "/api/v1/pods" ? forbidden : undefined) }),
    );
    const run = await verify(liveJsonArgs(kubeconfig));
    await standIn.stop();
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(JSON.parse(run.stdout).live.housekeeping[0]).toBe(
      `could not look for probes an earlier run left (label k8s-hardening-lab/verify-probe=true): 403 Forbidden: ${forbidden.message}`,
    );
    expect(standIn.probes()).toEqual([]);
  });
});
