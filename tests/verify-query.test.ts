// Queries of manifests mode (`--from`, `--to`, `--port`): exact cells in every format, the cells
// streamed as JSON lines with backpressure, and the refusal of a report too large to print.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../verifier/cli";
import { verify } from "./helpers";

const TWO_TIER = [
  "--manifests",
  "tests/fixtures/manifests/two-tier",
  "--external",
  "home=203.0.113.7",
  "--external",
  "cafe=203.0.113.200",
];

const FRONTEND_TO_POSTGRES = {
  from: "web/frontend",
  to: "db/postgres",
  port: 5432,
  protocol: "TCP",
  allowed: true,
  reason:
    "egress from web/frontend allowed: not isolated for egress; ingress to db/postgres allowed by db/allow-frontend rule 1",
};

async function cells(...argv: string[]) {
  const result = await verify(...TWO_TIER, ...argv, "--format", "json");
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout).connectivity;
}

describe("--from and --to", () => {
  it("answers exactly the cells from the pods a glob names to those another names", async () => {
    expect(await cells("--from", "web/*", "--to", "db/*")).toEqual([FRONTEND_TO_POSTGRES]);
    expect(await cells("--from", "*/front*", "--to", "*/postgres")).toEqual([FRONTEND_TO_POSTGRES]);
  });

  it("takes sources in the order of the manifests, then external clients; repeated patterns add up", async () => {
    const picked = await cells("--from", "external:*", "--from", "db/b*", "--to", "web/frontend");
    expect(picked.map((c: { from: string; allowed: boolean }) => [c.from, c.allowed])).toEqual([
      ["db/backup", false],
      ["external:home", true],
      ["external:cafe", false],
    ]);
    expect(picked[1].reason).toBe("ingress to web/frontend allowed by web/allow-home rule 1");
  });

  it("judges every destination on --port, declared or not, TCP unless a protocol is given", async () => {
    expect(await cells("--from", "web/frontend", "--to", "db/*", "--port", "5432", "--port", "53/UDP")).toEqual([
      // Destinations by name: backup first. It declares no port; on 5432 it is judged all the same.
      {
        from: "web/frontend",
        to: "db/backup",
        port: 5432,
        protocol: "TCP",
        allowed: false,
        reason:
          "egress from web/frontend allowed: not isolated for egress; ingress to db/backup denied: isolated by db/deny-all, no ingress rule allows 5432/TCP from web/frontend",
      },
      {
        from: "web/frontend",
        to: "db/backup",
        port: 53,
        protocol: "UDP",
        allowed: false,
        reason:
          "egress from web/frontend allowed: not isolated for egress; ingress to db/backup denied: isolated by db/deny-all, no ingress rule allows 53/UDP from web/frontend",
      },
      FRONTEND_TO_POSTGRES,
      {
        from: "web/frontend",
        to: "db/postgres",
        port: 53,
        protocol: "UDP",
        allowed: false,
        reason:
          "egress from web/frontend allowed: not isolated for egress; ingress to db/postgres denied: isolated by db/allow-frontend, db/deny-all, no ingress rule allows 53/UDP from web/frontend",
      },
    ]);
  });

  it("--to an external client judges the source's egress only", async () => {
    expect(await cells("--from", "db/postgres", "--to", "external:home", "--port", "443")).toEqual([
      {
        from: "db/postgres",
        to: "external:home",
        port: 443,
        protocol: "TCP",
        allowed: true,
        reason: "egress from db/postgres allowed: not isolated for egress",
      },
    ]);
  });

  it("prints each cell with its reason in text", async () => {
    const result = await verify(...TWO_TIER, "--from", "*/backup", "--to", "web/*");
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n\nAdmission")[0]).toBe(
      [
        "== manifests",
        "NetworkPolicies: db/allow-frontend, db/deny-all, web/allow-home",
        "Constraints:     K8sAllowedRepos/db-images",
        "",
        "Connectivity asked for with --from */backup --to web/*: 1 cell, 0 allowed, 1 denied",
        "  DENY  db/backup -> web/frontend 8080/TCP",
        "        because egress from db/backup allowed: not isolated for egress; ingress to web/frontend denied: isolated by web/allow-home, no ingress rule allows 8080/TCP from db/backup",
      ].join("\n"),
    );
  });

  it("prints each cell with its reason in Markdown", async () => {
    const result = await verify(...TWO_TIER, "--from", "web/*", "--to", "db/*", "--format", "markdown");
    expect(result.status).toBe(0);
    expect(result.stdout.split("**Admission**")[0]).toBe(
      [
        "## Manifests",
        "",
        "NetworkPolicies: `db/allow-frontend`, `db/deny-all`, `web/allow-home`  ",
        "Constraints: `K8sAllowedRepos/db-images`",
        "",
        "**Connectivity asked for** with `--from web/*` `--to db/*`: 1 cell, 1 allowed, 0 denied",
        "",
        "| from | to | port | | why |",
        "|---|---|---|---|---|",
        "| web/frontend | db/postgres | 5432/TCP | ✅ | egress from web/frontend allowed: not isolated for egress; ingress to db/postgres allowed by db/allow-frontend rule 1 |",
        "",
        "",
      ].join("\n"),
    );
  });
});

describe("--format jsonl", () => {
  it("writes the full per-pod table one cell per line, the cells of the JSON report in its order", async () => {
    const lines = await verify(...TWO_TIER, "--format", "jsonl");
    expect(lines.status).toBe(0);
    const report = await verify(...TWO_TIER, "--to", "*/*", "--format", "json");
    const table = JSON.parse(report.stdout).connectivity;
    expect(table).toHaveLength(10);
    expect(lines.stdout).toBe(table.map((cell: object) => `${JSON.stringify(cell)}\n`).join(""));
  });

  it("writes the cells of a query", async () => {
    const lines = await verify(...TWO_TIER, "--from", "web/*", "--to", "db/*", "--format", "jsonl");
    expect(lines.stdout).toBe(`${JSON.stringify(FRONTEND_TO_POSTGRES)}\n`);
  });
});

describe("a pod's cells to itself, which Kubernetes leaves to the network plugin", () => {
  // From web/frontend to every pod: postgres (allowed), itself on 8080, backup (no port: none).
  const query = ["--from", "web/frontend", "--to", "*/*"];
  const SELF_REASON =
    "web/frontend to itself: left to the network plugin (Kubernetes does not say whether NetworkPolicies apply to a pod's traffic to its own address)";
  const SELF_CELL = {
    from: "web/frontend",
    to: "web/frontend",
    port: 8080,
    protocol: "TCP",
    self: true,
    reason: SELF_REASON,
  };

  it('are marked "self": true in JSON, with no verdict', async () => {
    const result = await verify(...TWO_TIER, ...query, "--format", "json");
    const connectivity = JSON.parse(result.stdout).connectivity;
    expect(JSON.stringify(connectivity)).toBe(JSON.stringify([FRONTEND_TO_POSTGRES, SELF_CELL]));
  });

  it("are one line each in JSON lines, the same object", async () => {
    const lines = await verify(...TWO_TIER, ...query, "--format", "jsonl");
    expect(lines.stdout).toBe(
      `${JSON.stringify(FRONTEND_TO_POSTGRES)}\n` +
        `{"from":"web/frontend","to":"web/frontend","port":8080,"protocol":"TCP","self":true,"reason":${JSON.stringify(SELF_REASON)}}\n`,
    );
  });

  it('are "self" in text and in Markdown, and counted apart from the allowed and the denied', async () => {
    const text = await verify(...TWO_TIER, ...query);
    expect(text.stdout.split("\n\nAdmission")[0].split("\n").slice(4)).toEqual([
      "Connectivity asked for with --from web/frontend --to */*: 2 cells, 1 allowed, 0 denied, 1 self (a pod to itself, left to the network plugin)",
      "  ok    web/frontend -> db/postgres 5432/TCP",
      `        because ${FRONTEND_TO_POSTGRES.reason}`,
      "  self  web/frontend -> web/frontend 8080/TCP",
      `        because ${SELF_REASON}`,
    ]);
    const markdown = await verify(...TWO_TIER, ...query, "--format", "markdown");
    expect(markdown.stdout).toContain(`| web/frontend | web/frontend | 8080/TCP | self | ${SELF_REASON} |\n`);
  });

  it("are no change against a base whatever it said of them, a report before they were marked included", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-query-self-"));
    try {
      const base = path.join(dir, "base.json");
      const report = JSON.parse((await verify(...TWO_TIER, ...query, "--format", "json")).stdout);
      // As earlier versions wrote it: allowed, "always allowed".
      report.connectivity[1] = { ...FRONTEND_TO_POSTGRES, to: "web/frontend", port: 8080, reason: "always allowed" };
      fs.writeFileSync(base, JSON.stringify(report));
      const compared = await verify(...TWO_TIER, ...query, "--compare", base);
      expect(compared.stdout.split("\n")[0]).toBe("What changed against the base: nothing");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a large cluster", () => {
  let dir: string;
  // 250 pods in `a` and 150 in `b`, one port each: 400 destination ports.
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-query-"));
    const pods = [...Array(400).keys()].map((i) =>
      [
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        `  name: pod-${String(i).padStart(3, "0")}`,
        `  namespace: ${i < 250 ? "a" : "b"}`,
        "spec:",
        "  containers:",
        "    - name: main",
        "      image: registry.example/app:1",
        "      ports: [{containerPort: 8080}]",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(dir, "pods.yaml"), pods.join("\n---\n"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("answers 250 sources × 400 ports, the most a report holds", async () => {
    const result = await verify("--manifests", dir, "--from", "a/*", "--to", "*/*", "--format", "json");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).connectivity).toHaveLength(100_000);
  });

  it("refuses one source more up front, with the count and the flags that would answer", async () => {
    const result = await verify(
      "--manifests",
      dir,
      "--external",
      "x=192.0.2.1",
      "--from",
      "a/*",
      "--from",
      "external:x",
      "--to",
      "*/*",
      "--format",
      "json",
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "verify: bad input:\n  --from a/* --from external:x --to */*: asks for 100,400 cells (251 sources × 400 destination ports), more than the 100,000 a text, markdown or json report holds; stream them with --format jsonl, or ask for fewer with --from, --to or --port\n",
    );
  });

  it("streams them instead with --format jsonl, waiting for the writer before computing more", async () => {
    let pending = false;
    let chunks = 0;
    let lines = 0;
    const status = await main(
      ["--manifests", dir, "--from", "a/pod-00*", "--format", "jsonl"],
      async (text) => {
        // A second write before the first settles would mean cells computed without backpressure.
        expect(pending).toBe(false);
        pending = true;
        chunks++;
        lines += text.split("\n").length - 1;
        await new Promise((resolve) => setImmediate(resolve));
        pending = false;
      },
      () => {},
    );
    expect(status).toBe(0);
    // 10 sources (pod-000 to pod-009) × 400 ports, in chunks of about 64 KiB.
    expect(lines).toBe(4000);
    expect(chunks).toBeGreaterThan(5);
  });

  it("answers the default overview however many cells there are", async () => {
    const result = await verify("--manifests", dir, "--format", "json");
    const { summary, classes } = JSON.parse(result.stdout);
    expect(classes.map((c: { namespace: string; pods: number }) => [c.namespace, c.pods])).toEqual([
      ["a", 250],
      ["b", 150],
    ]);
    expect(summary.podPairs).toEqual({ total: 400 * 399, open: 400 * 399, partlyOpen: 0, isolated: 0, unjudged: 0 });
  });
});

describe("--compare in manifests mode", () => {
  it("takes the default report, which has no cells, as a base: admission and queried cells compare", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-query-compare-"));
    try {
      const base = path.join(dir, "base.json");
      fs.writeFileSync(base, (await verify(...TWO_TIER, "--format", "json")).stdout);
      const same = await verify(...TWO_TIER, "--compare", base);
      expect(same.status).toBe(0);
      expect(same.stdout.split("\n")[0]).toBe("What changed against the base: nothing");
      const queried = await verify(...TWO_TIER, "--from", "web/*", "--to", "db/*", "--compare", base);
      expect(queried.stdout.split("\n\n")[0]).toBe(
        "What changed against the base (1):\n  web/frontend -> db/postgres:5432/TCP: absent -> allowed",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bad queries: exit 2, naming the flag and the value", () => {
  const cases: [string, string[], string][] = [
    [
      "a pattern without a namespace",
      [...TWO_TIER, "--from", "frontend"],
      '--from: "frontend" is not accepted; expected NAMESPACE/NAME or external:NAME, in lower case, where * matches any characters (such as shop/web-*, */db or external:*)',
    ],
    [
      "a pattern with a character no name has",
      [...TWO_TIER, "--to", "web/Front?"],
      '--to: "web/Front?" is not accepted; expected NAMESPACE/NAME or external:NAME, in lower case, where * matches any characters (such as shop/web-*, */db or external:*)',
    ],
    [
      "a port out of range",
      [...TWO_TIER, "--port", "65536"],
      '--port: "65536" is not accepted; expected a port from 1 to 65535, optionally followed by /TCP, /UDP or /SCTP (such as 5432 or 53/UDP)',
    ],
    [
      "a protocol Kubernetes does not know",
      [...TWO_TIER, "--port", "53/ICMP"],
      '--port: "53/ICMP" is not accepted; expected a port from 1 to 65535, optionally followed by /TCP, /UDP or /SCTP (such as 5432 or 53/UDP)',
    ],
    [
      "a pattern that matches no pod",
      [...TWO_TIER, "--from", "web/backend"],
      '--from: "web/backend" matches no pod of the manifests',
    ],
    [
      "a pattern that matches no external client",
      [...TWO_TIER, "--to", "external:office", "--port", "80"],
      '--to: "external:office" matches no external client given with --external',
    ],
    [
      "an external destination without a port",
      [...TWO_TIER, "--to", "external:home"],
      '--to: "external:home": an external client declares no port; say which with --port',
    ],
    [
      "a query in lab mode",
      ["--stage", "2", "--to", "app/*"],
      "--to: only with --manifests (lab mode reports every cell)",
    ],
    ["a port in lab mode", ["--port", "80"], "--port: only with --manifests (lab mode reports every cell)"],
    [
      "streamed cells in lab mode",
      ["--format", "jsonl"],
      "--format jsonl: only with --manifests (lab mode reports every cell)",
    ],
    [
      "streamed cells compared with a base",
      [...TWO_TIER, "--format", "jsonl", "--compare", "base.json"],
      "--compare: not with --format jsonl, which writes cells only",
    ],
  ];
  it.each(cases)("%s", async (_what, argv, message) => {
    const result = await verify(...argv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`verify: bad input:\n  ${message}\n`);
  });
});
