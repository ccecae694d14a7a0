// `npm run verify -- --live` against the stand-in API server playing the lab at stage
// allowed-repos (tests/live/lab-cluster.ts): a cluster that behaves as predicted, one that does
// not, and clusters it cannot use or that do not answer. tests/live/verify-cli.ts runs the CLI as a
// user does; verify-live-limits.test.ts has the runs that cannot do everything.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { IMAGES } from "../../config/images";
import { gatekeeper, labCluster, MYSQL_IP, PHPMYADMIN_IP, PHPMYADMIN_POD } from "./lab-cluster";
import { kubeconfigFor, StandIn, type KubeObject, type StandInOptions } from "./stand-in";
import { cluster, type CliRun, PROBE, probeLabelled, tempDir, verify, verifyWaiting } from "./verify-cli";

const dir = tempDir();

describe("verify --live against a cluster that behaves as predicted", () => {
  let run: CliRun;
  let standIn: StandIn;
  let server: string;
  let report: any;
  let probeLog: string[];

  beforeAll(async () => {
    // An earlier run left its probes behind (killed before it could delete them).
    const leftovers: KubeObject[] = [
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "lab-verify-probes", labels: { [PROBE]: "true" } },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "intruder", namespace: "app", labels: { run: "intruder", [PROBE]: "true" } },
        spec: { containers: [{ name: "probe", image: IMAGES.phpmyadmin }] },
        status: { phase: "Running", podIP: "10.244.0.99" },
      },
    ];
    const base = labCluster();
    const made = await cluster(dir(), { ...base, objects: [...base.objects, ...leftovers] });
    standIn = made.standIn;
    server = made.server;
    const log = path.join(dir(), "probes.jsonl");
    run = await verify([
      "--live",
      "--kubeconfig",
      made.kubeconfig,
      "--stage",
      "allowed-repos",
      "--probe-timeout",
      "1",
      "--format",
      "json",
      "--probe-log",
      log,
    ]);
    await standIn.stop();
    report = JSON.parse(run.stdout);
    probeLog = fs.readFileSync(log, "utf8").trim().split("\n");
  });

  it("exits 0: every observation matches the prediction", () => {
    expect([run.status, run.stderr]).toEqual([0, ""]);
  });

  it("observes every claim, each with its observation beside the prediction", () => {
    expect(report.claims.map((c: any) => [c.claim, c.computed, c.observed, c.matches])).toEqual([
      ["phpmyadmin → mysql:3306/TCP", "allowed", "allowed", true],
      ["intruder → mysql:3306/TCP", "denied", "denied", true],
      ["outsider → mysql:3306/TCP", "denied", "denied", true],
      ["mysql → kube-dns:53/UDP", "denied", "denied", true],
      ["mysql → internet", "denied", "denied", true],
      ["phpmyadmin → kube-dns:53/UDP", "allowed", "allowed", true],
      ["phpmyadmin → internet", "allowed", "allowed", true],
      ["intruder → phpmyadmin:80/TCP", "allowed", "allowed", true],
      ["outsider → phpmyadmin:80/TCP", "allowed", "allowed", true],
      ["Pod `app/nginx`, image `nginx` (the article's test)", "denied", "denied", true],
      ["Pod `app/phpmyadmin`, the lab's phpMyAdmin image", "admitted", "admitted", true],
      ["Pod `data/busybox`, image `busybox`", "denied", "denied", true],
      ["Deployment in `app` whose pod template uses `nginx`", "denied", "denied", true],
      [
        "Pod in `app` with an allowed container but an `initContainer` or `ephemeralContainer` image `busybox`",
        "denied",
        "denied",
        true,
      ],
      ["Pod `default/nginx` (namespace not constrained)", "admitted", "admitted", true],
      ["The lab's own workloads", "admitted", "admitted", true],
    ]);
  });

  it("says what it saw: a connection, a timeout with the destination listening, a DNS control", () => {
    const evidence = (claim: string) => report.claims.find((c: any) => c.claim === claim).evidence;
    expect(evidence("phpmyadmin → mysql:3306/TCP")).toBe(
      `connected: app/${PHPMYADMIN_POD} → ${MYSQL_IP}:3306 (data/mysql-0, which listens: 127.0.0.1:3306 connected from inside it)`,
    );
    expect(evidence("outsider → mysql:3306/TCP")).toBe(
      `timed out after 1 s: lab-verify-probes/outsider → ${MYSQL_IP}:3306 (data/mysql-0, which listens: 127.0.0.1:3306 connected from inside it)`,
    );
    expect(evidence("intruder → phpmyadmin:80/TCP")).toBe(
      `connected: app/intruder → ${PHPMYADMIN_IP}:80 (app/${PHPMYADMIN_POD}, which listens: 127.0.0.1:80 connected from inside it)`,
    );
    expect(evidence("mysql → kube-dns:53/UDP")).toBe(
      "timed out after 1 s: data/mysql-0 looking up kubernetes.default.svc through its resolver (cluster DNS, which answers the control from lab-verify-probes/outsider, a pod without NetworkPolicy)",
    );
    expect(evidence("mysql → internet")).toBe(
      "timed out after 1 s: data/mysql-0 → 1.1.1.1:443 (the internet, which answers the control from lab-verify-probes/outsider, a pod without NetworkPolicy, on 1.1.1.1:443)",
    );
  });

  it("observes the admission claims through dry-run requests, with the API server's Status, whole and exactly", () => {
    const APP_REPOS = '["docker.io/library/phpmyadmin:"]';
    const VAP =
      "ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request";
    const NGINX_CAUSE = `${VAP}: container <nginx> has an invalid image repo <nginx>, allowed repos are ${APP_REPOS}`;
    const DEBUGGER_CAUSE = `${VAP}: container <debugger> has an invalid image repo <busybox>, allowed repos are ${APP_REPOS}`;
    expect(report.live.admission).toEqual([
      {
        object: "Deployment/app/phpmyadmin",
        observed: "admitted",
        matches: true,
        evidence:
          'Deployment/app/phpmyadmin: admitted: the dry run passed admission, then got 409 AlreadyExists: deployments.apps "phpmyadmin" already exists, as the object exists',
      },
      {
        object: "StatefulSet/data/mysql",
        observed: "admitted",
        matches: true,
        evidence:
          'StatefulSet/data/mysql: admitted: the dry run passed admission, then got 409 AlreadyExists: statefulsets.apps "mysql" already exists, as the object exists',
      },
      {
        object: "Pod/app/nginx",
        observed: "denied",
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `pods "nginx" is forbidden: ${NGINX_CAUSE}`,
          reason: "Invalid",
          details: { name: "nginx", kind: "pods", causes: [{ message: NGINX_CAUSE }] },
          code: 422,
        },
        matches: true,
        evidence:
          "Pod/app/nginx: denied as predicted: 422 Invalid: pods \"nginx\" is forbidden: ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: container <nginx> has an invalid image repo <nginx>, allowed repos are [\"docker.io/library/phpmyadmin:\"]",
      },
      {
        object: "Pod/app/phpmyadmin",
        observed: "admitted",
        matches: true,
        evidence: "Pod/app/phpmyadmin: admitted (dry run)",
      },
      expect.objectContaining({ object: "Pod/data/busybox", observed: "denied", matches: true }),
      expect.objectContaining({
        object: "Deployment/app/nginx",
        observed: "denied",
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message:
            'admission webhook "validation.gatekeeper.sh" denied the request: [allowed-repos-app] [Implied by expand-workloads] container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]',
          reason: "Forbidden",
          code: 403,
        },
        matches: true,
      }),
      expect.objectContaining({ object: "Pod/app/init-busybox", observed: "denied", matches: true }),
      expect.objectContaining({
        object: "Pod/app/ephemeral-busybox",
        observed: "denied",
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `pods "ephemeral-busybox" is forbidden: ${DEBUGGER_CAUSE}`,
          reason: "Invalid",
          details: { name: "ephemeral-busybox", kind: "pods", causes: [{ message: DEBUGGER_CAUSE }] },
          code: 422,
        },
        matches: true,
      }),
      {
        object: "Pod/default/nginx",
        observed: "admitted",
        matches: true,
        evidence: "Pod/default/nginx: admitted (dry run)",
      },
    ]);
  });

  it("sends every admission probe with dryRun=All, the ephemeral container as an UPDATE of the subresource", () => {
    const writes = standIn.requests.filter((r) => r.method === "POST" || r.method === "PUT");
    const dryRuns = writes
      .filter((r) => r.query.dryRun === "All")
      .map((r) => `${r.method} ${r.path} ${r.body?.metadata?.name}`);
    expect(dryRuns.sort()).toEqual(
      [
        "POST /apis/apps/v1/namespaces/app/deployments phpmyadmin",
        "POST /apis/apps/v1/namespaces/data/statefulsets mysql",
        "POST /api/v1/namespaces/app/pods nginx",
        "POST /api/v1/namespaces/app/pods phpmyadmin",
        "POST /api/v1/namespaces/data/pods busybox",
        "POST /apis/apps/v1/namespaces/app/deployments nginx",
        "POST /api/v1/namespaces/app/pods init-busybox",
        "PUT /api/v1/namespaces/app/pods/ephemeral-busybox/ephemeralcontainers ephemeral-busybox",
        "POST /api/v1/namespaces/default/pods nginx",
      ].sort(),
    );
    const update = writes.find((r) => r.path.endsWith("/ephemeralcontainers"))!;
    expect(update.body!.spec.ephemeralContainers).toEqual([{ name: "debugger", image: "busybox" }]);
  });

  it("creates probe pods only from the image the stage admits, labelled as probes, and no other object", () => {
    const creates = standIn.requests.filter((r) => r.method === "POST" && r.query.dryRun === undefined);
    expect(creates.map((r) => r.path).sort()).toEqual([
      "/api/v1/namespaces",
      "/api/v1/namespaces/app/pods",
      "/api/v1/namespaces/app/pods",
      "/api/v1/namespaces/lab-verify-probes/pods",
    ]);
    for (const { body } of creates)
      expect([body!.metadata.name, probeLabelled(body!)]).toEqual([body!.metadata.name, true]);
    const pods = creates.filter((r) => r.body!.kind === "Pod").map((r) => r.body!);
    expect(
      pods.map((p) => [p.metadata.namespace, p.metadata.name, p.spec.containers.map((c: any) => c.image)]).sort(),
    ).toEqual([
      ["app", "ephemeral-busybox", [IMAGES.phpmyadmin]],
      ["app", "intruder", [IMAGES.phpmyadmin]],
      ["lab-verify-probes", "outsider", [IMAGES.phpmyadmin]],
    ]);
    expect(pods.find((p) => p.metadata.name === "intruder")!.metadata.labels).toEqual({
      run: "intruder",
      [PROBE]: "true",
    });
  });

  it("removes an earlier run's leftovers first, deletes its own probes at the end, and leaves none", () => {
    const mutations = standIn.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
    expect(mutations.slice(0, 2)).toEqual([
      "DELETE /api/v1/namespaces/app/pods/intruder",
      "DELETE /api/v1/namespaces/lab-verify-probes",
    ]);
    expect(mutations.slice(-4)).toEqual([
      "DELETE /api/v1/namespaces/app/pods/intruder",
      "DELETE /api/v1/namespaces/lab-verify-probes/pods/outsider",
      "DELETE /api/v1/namespaces/app/pods/ephemeral-busybox",
      "DELETE /api/v1/namespaces/lab-verify-probes",
    ]);
    expect(report.live.housekeeping).toEqual([
      "removed the probe pod app/intruder, left by an earlier run",
      "removed the probe namespace lab-verify-probes, left by an earlier run",
      "deleted the probe pod app/intruder",
      "deleted the probe pod lab-verify-probes/outsider",
      "deleted the probe pod app/ephemeral-busybox",
      "deleted the probe namespace lab-verify-probes",
    ]);
    expect(standIn.probes()).toEqual([]);
  });

  it("says how each peer was stood for, the outsider's namespace among them", () => {
    expect(report.live.server).toBe(server);
    expect(report.live.peers).toEqual([
      `app/phpmyadmin is the lab's pod app/${PHPMYADMIN_POD} (Deployment/app/phpmyadmin, selected by app=phpmyadmin,tier=app)`,
      "data/mysql is the lab's pod data/mysql-0 (StatefulSet/data/mysql, selected by app=mysql,tier=data)",
      `app/intruder is the probe pod app/intruder (labels run=intruder, image ${IMAGES.phpmyadmin})`,
      `default/outsider is the probe pod lab-verify-probes/outsider (labels run=outsider, image ${IMAGES.phpmyadmin}), in lab-verify-probes: a namespace the run creates and deletes, without the lab's tier label as default is, so that nothing is created in default`,
      "kube-system/kube-dns is cluster DNS as each pod's resolver reaches it: getent hosts kubernetes.default.svc",
      "external:internet is 1.1.1.1:443, a public address (no DNS lookup, which the stage may deny), after a control from the outsider",
      "the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app, which the prediction names, exists",
      "the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-data, which the prediction names, exists",
    ]);
  });

  it("execs over the WebSocket channel protocol v5, and logs every probe with its command and output", () => {
    const execs = standIn.requests.filter((r) => r.command !== undefined);
    expect(new Set(execs.map((r) => r.protocol))).toEqual(new Set(["v5.channel.k8s.io"]));
    const logged = probeLog.map((line) => JSON.parse(line)).filter((e) => e.event === "exec");
    expect(logged).toHaveLength(execs.length);
    expect(logged.find((e) => e.pod === "data/mysql-0" && e.command.endsWith(" 127.0.0.1 3306 1"))).toMatchObject({
      container: "mysql",
      stdout: "probe-exit=0\n",
      exitCode: 0,
      timedOut: false,
    });
  });
});

describe("verify --live against a cluster that does not behave as predicted", () => {
  // Gatekeeper lets the article's nginx pod through, and the binding for `data` was never
  // created, so the webhook answers there; a rule rejects (rather than drops) the outsider's
  // connections to phpMyAdmin; exec is offered over v4 only.
  const misbehaving = (): StandInOptions => {
    const bindings = ["gatekeeper-k8sallowedrepos-allowed-repos-app"];
    const strict = gatekeeper(bindings);
    const base = labCluster();
    return labCluster({
      bindings,
      admit: (request) =>
        request.resource === "pods" && request.object.metadata.name === "nginx" ? undefined : strict(request),
      network: (from, to, host, port) =>
        from.metadata.name === "outsider" && to?.metadata.name === PHPMYADMIN_POD
          ? "refuse"
          : base.network(from, to, host, port),
      execProtocols: ["v4.channel.k8s.io"],
    });
  };
  let text: CliRun;
  let markdown: CliRun;
  let requests: StandIn["requests"];

  beforeAll(async () => {
    for (const format of ["text", "markdown"]) {
      const { standIn, kubeconfig } = await cluster(dir(), misbehaving());
      const args = ["--live", "--kubeconfig", kubeconfig, "--stage", "4", "--probe-timeout", "1", "--deadline", "20"];
      // The binding for `data` never comes: the run waits for it 0.3 s, looking every 0.1 s.
      const run = await verifyWaiting({ bindingsMs: 300, bindingPollMs: 100 }, [...args, "--format", format]);
      if (format === "text") text = run;
      else markdown = run;
      requests = standIn.requests;
      expect(standIn.probes()).toEqual([]);
      await standIn.stop();
    }
  });

  it("exits 1, naming each mismatch with both verdicts and the evidence", () => {
    expect(text.status).toBe(1);
    expect(text.stderr.split("\n").filter((l) => l !== "")).toEqual([
      `mismatch (stage allowed-repos): outsider → phpmyadmin:80/TCP: predicted allowed, observed refused; refused (connect: connect: Connection refused; connect: line 1: /dev/tcp/${PHPMYADMIN_IP}/80: Connection refused): lab-verify-probes/outsider → ${PHPMYADMIN_IP}:80 (app/${PHPMYADMIN_POD}, which listens: 127.0.0.1:80 connected from inside it); NetworkPolicy denies by dropping, so an active refusal is no policy verdict`,
      `mismatch (stage allowed-repos): Pod \`app/nginx\`, image \`nginx\` (the article's test): predicted denied, observed admitted; Pod/app/nginx: predicted denied (422 Invalid: pods "nginx" is forbidden: ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-app' denied request: container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]), observed admitted (dry run)`,
      `mismatch (stage allowed-repos): Pod \`data/busybox\`, image \`busybox\`: predicted denied, observed denied; Pod/data/busybox: denied, but not as predicted: predicted 422 Invalid: pods "busybox" is forbidden: ValidatingAdmissionPolicy 'gatekeeper-k8sallowedrepos' with binding 'gatekeeper-k8sallowedrepos-allowed-repos-data' denied request: container <busybox> has an invalid image repo <busybox>, allowed repos are ["docker.io/library/mysql:"], observed 403 Forbidden: admission webhook "validation.gatekeeper.sh" denied the request: [allowed-repos-data] container <busybox> has an invalid image repo <busybox>, allowed repos are ["docker.io/library/mysql:"]; the webhook answered where the ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-data (policy gatekeeper-k8sallowedrepos) was predicted, and that binding does not exist: Gatekeeper creates it about 30 s after the constraint, or did not create it (kubectl get validatingadmissionpolicybinding gatekeeper-k8sallowedrepos-allowed-repos-data)`,
    ]);
    expect(markdown.status).toBe(1);
  });

  it("marks them in the text report, the rest matching", () => {
    expect(text.stdout).toContain("Claims of docs/lab.md for this stage, observed on http://127.0.0.1:");
    expect(text.stdout).toMatch(/observed on http:\/\/127\.0\.0\.1:\d+: 13 match, 3 mismatch, 0 not probed\n/);
    expect(text.stdout).toContain(
      "  MISMATCH  Pod `app/nginx`, image `nginx` (the article's test): expected denied, predicted denied, observed admitted\n",
    );
    expect(text.stdout).toContain(
      "  match     phpmyadmin → mysql:3306/TCP: expected allowed, predicted allowed, observed allowed\n",
    );
    expect(text.stdout).toContain(
      '            OBSERVED OTHERWISE: Pod/app/nginx: predicted denied (422 Invalid: pods "nginx" is forbidden:',
    );
  });

  it("marks them in the Markdown report", () => {
    expect(markdown.stdout).toMatch(
      /\*\*Claims, observed on `http:\/\/127\.0\.0\.1:\d+`:\*\* 13 match, 3 mismatch, 0 not probed\n/,
    );
    expect(markdown.stdout).toContain(
      "| Pod `app/nginx`, image `nginx` (the article's test) | denied | denied | **admitted** | ❌ mismatch |",
    );
    expect(markdown.stdout).toContain(
      "| `Pod/app/nginx` | **denied** | ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-app (policy gatekeeper-k8sallowedrepos) | ❌ admitted |",
    );
    expect(markdown.stdout).toContain(
      "| `Pod/data/busybox` | **denied** | ValidatingAdmissionPolicy binding gatekeeper-k8sallowedrepos-allowed-repos-data (policy gatekeeper-k8sallowedrepos) | ❌ **denied** (403 Forbidden) |",
    );
  });

  it("execs over v4 when the server offers no v5", () => {
    const protocols = new Set(requests.filter((r) => r.command !== undefined).map((r) => r.protocol));
    expect(protocols).toEqual(new Set(["v4.channel.k8s.io"]));
  });
});

describe("verify --live with a kubeconfig it cannot use", () => {
  it("exits 2 naming the file, or the context it lacks", async () => {
    const missing = path.join(dir(), "missing.kubeconfig");
    const run = await verify(["--live", "--kubeconfig", missing]);
    expect([run.status, run.stderr]).toEqual([
      2,
      `verify: bad input:\n  --kubeconfig ${missing}: ENOENT: no such file or directory, open '${missing}'\n`,
    ]);
    const kubeconfig = path.join(dir(), "one-context.kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigFor("http://127.0.0.1:1"));
    const other = await verify(["--live", "--kubeconfig", kubeconfig, "--context", "kind-lab"]);
    expect([other.status, other.stderr]).toEqual([
      2,
      `verify: bad input:\n  --context: "kind-lab" is not a context of --kubeconfig ${kubeconfig}; it has stand-in\n`,
    ]);
  });
});

describe("verify --live with a cluster that does not answer", () => {
  it("exits 2 at once when nothing listens at the address, naming it", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const kubeconfig = path.join(dir(), "closed.kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigFor(`http://127.0.0.1:${port}`));
    const run = await verify(["--live", "--kubeconfig", kubeconfig]);
    expect([run.status, run.stdout, run.stderr]).toEqual([
      2,
      "",
      `verify: cannot reach the cluster at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    ]);
  });

  it("exits 2 within its request timeout when the server accepts the connection and never answers", async () => {
    let connectedAt = 0;
    const silent = net.createServer((socket) => {
      connectedAt ||= Date.now();
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const kubeconfig = path.join(dir(), "silent.kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigFor(`http://127.0.0.1:${port}`));
    // Live mode waits 5 s for an answer (LIVE_WAITS); here half a second.
    const run = await verifyWaiting({ requestMs: 500 }, ["--live", "--kubeconfig", kubeconfig]);
    silent.close();
    expect([run.status, run.stderr]).toEqual([
      2,
      `verify: cannot reach the cluster at http://127.0.0.1:${port}: no answer within 0.5 s\n`,
    ]);
    // From the moment the server had the connection (the CLI's start-up is not the cluster's doing).
    expect(connectedAt).toBeGreaterThan(0);
    expect(run.exitedAt - connectedAt).toBeGreaterThanOrEqual(500);
    expect(run.exitedAt - connectedAt).toBeLessThan(5_000);
  });
});
