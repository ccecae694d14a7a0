// `npm run verify -- --manifests ...`: the JSON of a fixture folder, checked exactly (the default
// overview, and the per-pod table a query gives), and one bad-input test per error class (exit 2,
// the message naming the file, the object and the field).
import { verify } from "./helpers";

const FIXTURES = "tests/fixtures/manifests";
const TWO_TIER = [
  "--manifests",
  `${FIXTURES}/two-tier`,
  "--external",
  "home=203.0.113.7",
  "--external",
  "cafe=203.0.113.200",
];

const webhook = { kind: "webhook", name: "validation.gatekeeper.sh" };
const dump =
  'container <dump> has an invalid image repo <busybox:1.36>, allowed repos are ["registry.example/db/", "registry.example"]';
const cronJobDenial = `admission webhook "validation.gatekeeper.sh" denied the request: [db-images] [Implied by expand-cronjobs] ${dump}`;

/** What the two-tier fixture's JSON has besides connectivity, whatever the query. */
const ADMISSION_AND_CONTEXT = {
  // Judged as Gatekeeper 3.23.0 with its chart's defaults would enforce it: the webhook sees
  // everything; the lab's template (used because the manifests have none) generates a
  // ValidatingAdmissionPolicy, and the constraint's binding judges the Pods it matches. The
  // CronJob is refused by the webhook alone, for the Pod its job template would create.
  admission: [
    {
      object: "Deployment/web/frontend",
      allowed: true,
      violations: [],
      notes: [],
      enforcement: { points: [webhook] },
    },
    {
      object: "Pod/db/postgres",
      allowed: true,
      violations: [],
      notes: [],
      enforcement: {
        points: [
          {
            kind: "ValidatingAdmissionPolicy",
            policy: "gatekeeper-k8sallowedrepos",
            binding: "gatekeeper-k8sallowedrepos-db-images",
            constraint: "K8sAllowedRepos/db-images",
          },
          webhook,
        ],
      },
    },
    {
      object: "CronJob/db/backup",
      allowed: false,
      violations: [
        {
          constraint: "K8sAllowedRepos/db-images",
          enforcementAction: "deny",
          message: `[Implied by expand-cronjobs] ${dump}`,
          impliedBy: "expand-cronjobs",
        },
      ],
      notes: [],
      enforcement: {
        points: [webhook],
        deniedBy: webhook,
        status: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: cronJobDenial,
          reason: "Forbidden",
          code: 403,
        },
        kubectl: {
          command: `kubectl create -f ${FIXTURES}/two-tier/workloads.yaml`,
          output: `Error from server (Forbidden): error when creating "${FIXTURES}/two-tier/workloads.yaml": ${cronJobDenial}`,
        },
      },
    },
  ],
  claims: [],
  policies: ["db/allow-frontend", "db/deny-all", "web/allow-home"],
  constraints: ["K8sAllowedRepos/db-images"],
  gatekeeper: "Gatekeeper 3.23.0 with its chart's default values",
  warnings: [
    'K8sAllowedRepos/db-images parameters.repos entry "registry.example" admits look-alike repositories (it would admit "registry.exampleevil/miner"); end it with "/", ":" or "@"',
  ],
  notes: [],
};

describe("manifests mode on tests/fixtures/manifests/two-tier", () => {
  it("prints exactly this JSON document by default: the classes of pods and the summary", async () => {
    const result = await verify(...TWO_TIER, "--format", "json");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const isolatedBy = (ingress: string[]) => ({ ingressIsolatedBy: ingress, egressIsolatedBy: [] });
    expect(JSON.parse(result.stdout)).toEqual({
      // Every pod differs from the others in `app`, which a selector of its namespace reads.
      classes: [
        {
          id: "c1",
          namespace: "db",
          labels: { app: "backup" },
          namedPorts: [],
          ipBlocks: [],
          pods: 1,
          examples: ["db/backup"],
          ...isolatedBy(["db/deny-all"]),
          // To postgres 5432 and frontend 8080, both denied; backup declares no port.
          outgoing: { allowed: 0, total: 2 },
          incoming: { allowed: 0, total: 0 },
        },
        {
          id: "c2",
          namespace: "db",
          labels: { app: "postgres" },
          // allow-frontend names the port `pg`.
          namedPorts: ["pg/5432/TCP"],
          // 10.244.1.5 is outside the one ipBlock, 203.0.113.0/24.
          ipBlocks: [],
          pods: 1,
          examples: ["db/postgres"],
          ...isolatedBy(["db/allow-frontend", "db/deny-all"]),
          outgoing: { allowed: 0, total: 1 },
          // From frontend (allowed) and backup (denied).
          incoming: { allowed: 1, total: 2 },
        },
        {
          id: "c3",
          namespace: "web",
          labels: { app: "frontend" },
          namedPorts: [],
          ipBlocks: [],
          pods: 1,
          examples: ["web/frontend"],
          ...isolatedBy(["web/allow-home"]),
          outgoing: { allowed: 1, total: 1 },
          incoming: { allowed: 0, total: 2 },
        },
      ],
      summary: {
        pods: 3,
        classes: 3,
        // frontend -> postgres open; postgres -> frontend, backup -> postgres and backup -> frontend
        // isolated; the two pairs towards backup are not judged.
        podPairs: { total: 6, open: 1, partlyOpen: 0, isolated: 3, unjudged: 2 },
        cells: { allowed: 1, denied: 3 },
        externals: [
          { name: "home", allowed: 1, total: 2 },
          { name: "cafe", allowed: 0, total: 2 },
        ],
        policiesByCellsDecided: [
          // Allows frontend -> postgres; isolates postgres, which denies backup.
          { policy: "db/allow-frontend", allowed: 1, denied: 1 },
          // Isolates frontend, which denies postgres and backup.
          { policy: "web/allow-home", allowed: 0, denied: 2 },
          { policy: "db/deny-all", allowed: 0, denied: 1 },
        ],
      },
      ...ADMISSION_AND_CONTEXT,
    });
  });

  it("prints the per-pod table of earlier versions, exactly, for the query --to '*/*'", async () => {
    const result = await verify(...TWO_TIER, "--to", "*/*", "--format", "json");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const allow = (from: string, to: string, port: number, reason: string) => ({
      from,
      to,
      port,
      protocol: "TCP",
      allowed: true,
      reason,
    });
    const deny = (from: string, to: string, port: number, reason: string) => ({
      from,
      to,
      port,
      protocol: "TCP",
      allowed: false,
      reason,
    });
    const self = (pod: string, port: number) => ({
      from: pod,
      to: pod,
      port,
      protocol: "TCP",
      self: true,
      reason: `${pod} to itself: left to the network plugin (Kubernetes does not say whether NetworkPolicies apply to a pod's traffic to its own address)`,
    });
    expect(JSON.parse(result.stdout)).toEqual({
      connectivity: [
        // The one peer of allow-frontend: a frontend pod AND a tier=web namespace; `pg` resolves
        // to postgres's 5432.
        allow(
          "web/frontend",
          "db/postgres",
          5432,
          "egress from web/frontend allowed: not isolated for egress; ingress to db/postgres allowed by db/allow-frontend rule 1",
        ),
        // A pod to itself: marked, with no verdict.
        self("web/frontend", 8080),
        self("db/postgres", 5432),
        // postgres has an address, but not inside the home block.
        deny(
          "db/postgres",
          "web/frontend",
          8080,
          "egress from db/postgres allowed: not isolated for egress; ingress to web/frontend denied: isolated by web/allow-home, no ingress rule allows 8080/TCP from db/postgres",
        ),
        deny(
          "db/backup",
          "db/postgres",
          5432,
          "egress from db/backup allowed: not isolated for egress; ingress to db/postgres denied: isolated by db/allow-frontend, db/deny-all, no ingress rule allows 5432/TCP from db/backup",
        ),
        // backup's address is unknown, so no ipBlock can match it.
        deny(
          "db/backup",
          "web/frontend",
          8080,
          "egress from db/backup allowed: not isolated for egress; ingress to web/frontend denied: isolated by web/allow-home, no ingress rule allows 8080/TCP from db/backup",
        ),
        deny(
          "external:home",
          "db/postgres",
          5432,
          "ingress to db/postgres denied: isolated by db/allow-frontend, db/deny-all, no ingress rule allows 5432/TCP from external:home",
        ),
        // 203.0.113.7 is inside 203.0.113.0/24 and outside its except 203.0.113.128/25.
        allow("external:home", "web/frontend", 8080, "ingress to web/frontend allowed by web/allow-home rule 1"),
        deny(
          "external:cafe",
          "db/postgres",
          5432,
          "ingress to db/postgres denied: isolated by db/allow-frontend, db/deny-all, no ingress rule allows 5432/TCP from external:cafe",
        ),
        // 203.0.113.200 is in the except block.
        deny(
          "external:cafe",
          "web/frontend",
          8080,
          "ingress to web/frontend denied: isolated by web/allow-home, no ingress rule allows 8080/TCP from external:cafe",
        ),
      ],
      ...ADMISSION_AND_CONTEXT,
    });
  });

  it("reads a single file as well as a folder, and a referenced namespace exists with its name only", async () => {
    const result = await verify(
      "--manifests",
      `${FIXTURES}/two-tier/workloads.yaml`,
      "--to",
      "*/*",
      "--format",
      "json",
    );
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.policies).toEqual([]);
    expect(
      report.connectivity.map((e: { from: string; to: string; allowed?: boolean; self?: true }) => [
        e.from,
        e.to,
        e.self ? "self" : e.allowed,
      ]),
    ).toEqual([
      // Sources in file order, destinations by namespace and name.
      ["web/frontend", "db/postgres", true],
      ["web/frontend", "web/frontend", "self"],
      ["db/postgres", "db/postgres", "self"],
      ["db/postgres", "web/frontend", true],
      ["db/backup", "db/postgres", true],
      ["db/backup", "web/frontend", true],
    ]);
  });
});

describe("bad input: exit 2, naming the file, the object and the field", () => {
  const cases: [string, string[], string][] = [
    [
      "a path that does not exist",
      ["--manifests", "tests/fixtures/nope"],
      "--manifests tests/fixtures/nope: no such file or folder",
    ],
    [
      "invalid YAML",
      ["--manifests", `${FIXTURES}/bad/invalid-yaml.yaml`],
      `${FIXTURES}/bad/invalid-yaml.yaml: invalid YAML at line 6 (document 1): Flow sequence in block collection must be sufficiently indented and end with a ] at line 6, column 1`,
    ],
    [
      "a document that is no object",
      ["--manifests", `${FIXTURES}/bad/no-kind.yaml`],
      `${FIXTURES}/bad/no-kind.yaml: document 1 is not a Kubernetes object (no kind)`,
    ],
    [
      "an except outside its cidr",
      ["--manifests", `${FIXTURES}/bad/except-outside.yaml`],
      `${FIXTURES}/bad/except-outside.yaml: NetworkPolicy web/office: spec.ingress[0].from[0].ipBlock.except[0]: 10.1.0.0/24 is not inside cidr 10.0.0.0/16`,
    ],
    [
      "an endPort below its port",
      ["--manifests", `${FIXTURES}/bad/endport-below.yaml`],
      `${FIXTURES}/bad/endport-below.yaml: NetworkPolicy web/https-range: spec.egress[0].ports[0].endPort: 80 is below port 443`,
    ],
    [
      "a Pod without a namespace",
      ["--manifests", `${FIXTURES}/bad/no-namespace.yaml`],
      `${FIXTURES}/bad/no-namespace.yaml: Pod floating: metadata.namespace: missing`,
    ],
    [
      "a CEL expression that does not compile",
      ["--manifests", `${FIXTURES}/bad/cel-compile-error.yaml`],
      `${FIXTURES}/bad/cel-compile-error.yaml: ConstraintTemplate k8sbroken: validations[0].expression "variables.anyObject.spec.containers.all(c, c.image.startsWith(" does not compile: <input>:1:36: found . but expecting end of input`,
    ],
    [
      "a constraint whose template is nowhere",
      ["--manifests", `${FIXTURES}/bad/constraint-without-template.yaml`],
      `${FIXTURES}/bad/constraint-without-template.yaml: K8sRequiredLabels/must-have-owner: no ConstraintTemplate defines the kind K8sRequiredLabels, in the manifests or in policies/`,
    ],
    ["an unknown option", ["--bogus"], "--bogus: unknown option; see --help"],
    [
      "an external client without an address",
      ["--manifests", `${FIXTURES}/two-tier`, "--external", "home"],
      '--external: "home" is not accepted; expected NAME=IP, such as home=203.0.113.7',
    ],
    [
      "an unknown format",
      ["--format", "yaml"],
      '--format: "yaml" is not accepted; expected one of text, markdown, json, jsonl',
    ],
    [
      "an unknown stage",
      ["--stage", "9"],
      '--stage: "9" is not a stage; expected one of app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5',
    ],
    [
      "a stage with manifests",
      ["--manifests", `${FIXTURES}/two-tier`, "--stage", "2"],
      "--stage: only in lab mode, not with --manifests",
    ],
    [
      "a stage with all stages",
      ["--all-stages", "--stage", "2"],
      "--stage: not with --all-stages, which checks every stage",
    ],
    ["an option without its value", ["--format"], "--format: needs a value"],
    [
      "a JSON copy of a stream of cells",
      ["--manifests", `${FIXTURES}/two-tier`, "--format", "jsonl", "--json-out", "cells.json"],
      "--json-out: not with --format jsonl, which streams cells rather than a report",
    ],
  ];
  it.each(cases)("%s", async (_what, argv, message) => {
    const result = await verify(...argv);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`verify: bad input:\n  ${message}\n`);
  });

  it("reports every malformed object of a folder at once", async () => {
    const result = await verify(
      "--manifests",
      `${FIXTURES}/bad/except-outside.yaml`,
      "--manifests",
      `${FIXTURES}/bad/endport-below.yaml`,
    );
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n").filter((l) => l.startsWith("  "))).toHaveLength(2);
  });
});
