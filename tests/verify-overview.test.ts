// The default report of manifests mode in text and Markdown: the classes of pods and the summary,
// exactly, on the two-tier fixture and on a namespace whose policies are counted by hand.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateDumpCluster, writeDump } from "../bench/dump";
import { verify } from "./helpers";

const TWO_TIER = ["--manifests", "tests/fixtures/manifests/two-tier", "--external", "home=203.0.113.7"];
const LEGEND = [
  "isolated: for ingress or egress, by how many policies; out, in: of the cells from (to) the class's pods to (from) every other pod's declared ports, how many are allowed",
  "told apart by: the labels that the selectors able to reach the namespace read, the container ports rules name, the ipBlocks holding the pods' addresses",
  "most telling first: the ipBlocks that leave out the most of the namespace's pods, as many as the row holds, then how many more (--format json lists all)",
];
const SUMMARY_HEAD = `("open": the source can open a connection to every port the destination declares; "isolated": to none)`;
const RANKING =
  "policies that matter most, by the cells they decide (a rule that allows a cell decides it at its end; a denied cell is decided by every policy isolating the end that denies it)";

describe("the default report of two-tier", () => {
  it("in text", async () => {
    const result = await verify(...TWO_TIER);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\nAdmission:")[0]).toBe(
      [
        "== manifests",
        "NetworkPolicies: db/allow-frontend, db/deny-all, web/allow-home",
        "Constraints:     K8sAllowedRepos/db-images",
        "",
        "Classes of pods: 3 pods in 3 classes (pods that no policy can tell apart share a class, and its verdicts)",
        "  class  namespace  pods  isolated     out   in  e.g.          told apart by",
        "  c1     db            1  ingress (1)  0/2    -  db/backup     app=backup",
        "  c2     db            1  ingress (2)  0/1  1/2  db/postgres   app=postgres, port pg/5432/TCP",
        "  c3     web           1  ingress (1)  1/1  0/2  web/frontend  app=frontend",
        ...LEGEND.map((line) => `  ${line}`),
        "",
        `Summary over 3 pods and 6 ordered pod pairs ${SUMMARY_HEAD}:`,
        "  pod pairs: 1 open, 0 partly open, 3 isolated, 2 not judged (the destination declares no port)",
        "  cells (pod pair and port): 1 allowed, 3 denied",
        "  external clients: home reaches 1 of 2 pod ports",
        `  ${RANKING}:`,
        "    db/allow-frontend  2 cells: 1 allowed, 1 denied",
        "    web/allow-home     2 cells: 0 allowed, 2 denied",
        "    db/deny-all        1 cell: 0 allowed, 1 denied",
        "",
      ].join("\n"),
    );
  });

  it("in Markdown", async () => {
    const result = await verify(...TWO_TIER, "--format", "markdown");
    expect(result.status).toBe(0);
    expect(result.stdout.split("**Admission**")[0]).toBe(
      [
        "## Manifests",
        "",
        "NetworkPolicies: `db/allow-frontend`, `db/deny-all`, `web/allow-home`  ",
        "Constraints: `K8sAllowedRepos/db-images`",
        "",
        "**Classes of pods:** 3 pods in 3 classes (pods that no policy can tell apart share a class, and its verdicts)",
        "",
        "| class | namespace | pods | isolated | out | in | e.g. | told apart by |",
        "|---|---|--:|---|--:|--:|---|---|",
        "| c1 | db | 1 | ingress (1) | 0/2 | - | db/backup | app=backup |",
        "| c2 | db | 1 | ingress (2) | 0/1 | 1/2 | db/postgres | app=postgres, port pg/5432/TCP |",
        "| c3 | web | 1 | ingress (1) | 1/1 | 0/2 | web/frontend | app=frontend |",
        "",
        ...LEGEND.map((line) => `${line[0].toUpperCase()}${line.slice(1)}.  `),
        "",
        `**Summary over 3 pods and 6 ordered pod pairs ${SUMMARY_HEAD}**`,
        "",
        "- pod pairs: 1 open, 0 partly open, 3 isolated, 2 not judged (the destination declares no port)",
        "- cells (pod pair and port): 1 allowed, 3 denied",
        "- external clients: home reaches 1 of 2 pod ports",
        `- ${RANKING}:`,
        "  - `db/allow-frontend`: 2 cells, 1 allowed, 1 denied",
        "  - `web/allow-home`: 2 cells, 0 allowed, 2 denied",
        "  - `db/deny-all`: 1 cell, 0 allowed, 1 denied",
        "",
        "",
      ].join("\n"),
    );
  });
});

describe("a namespace of 21 pods, each isolated by its own policy, and one policy selecting none", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-overview-"));
    const names = [...Array(21).keys()].map((i) => `p${String(i).padStart(2, "0")}`);
    const documents = [
      ...names.map((name) =>
        [
          "apiVersion: v1",
          "kind: Pod",
          `metadata: {name: ${name}, namespace: t, labels: {app: ${name}}}`,
          "spec: {containers: [{name: main, image: registry.example/a:1, ports: [{containerPort: 80}]}]}",
        ].join("\n"),
      ),
      ...[...names, "ghost"].map((name) =>
        [
          "apiVersion: networking.k8s.io/v1",
          "kind: NetworkPolicy",
          `metadata: {name: ${name === "ghost" ? "ghost" : `deny-${name}`}, namespace: t}`,
          `spec: {podSelector: {matchLabels: {app: ${name}}}}`,
        ].join("\n"),
      ),
    ];
    fs.writeFileSync(path.join(dir, "all.yaml"), documents.join("\n---\n"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const policy = (i: number) => `t/deny-p${String(i).padStart(2, "0")}`;

  it("lists the policies that fit in the header's 200 characters, the first 10 that decide cells, and the one that decides none", async () => {
    const result = await verify("--manifests", dir);
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[1]).toBe(`NetworkPolicies: ${[...Array(14).keys()].map(policy).join(", ")}, … and 8 more`);
    expect(lines[4]).toBe(
      "Classes of pods: 21 pods in 21 classes (pods that no policy can tell apart share a class, and its verdicts)",
    );
    const summary = lines.slice(lines.findIndex((line) => line.startsWith("Summary")));
    expect(summary.slice(0, 16)).toEqual([
      `Summary over 21 pods and 420 ordered pod pairs ${SUMMARY_HEAD}:`,
      "  pod pairs: 0 open, 0 partly open, 420 isolated, 0 not judged (the destination declares no port)",
      "  cells (pod pair and port): 0 allowed, 420 denied",
      `  ${RANKING}: the first 10 of 21:`,
      // Each pod denies the 20 others; ties are ranked by name.
      ...[...Array(10).keys()].map((i) => `    ${policy(i)}  20 cells: 0 allowed, 20 denied`),
      "  1 policy decides no cell (no verdict names it as the rule that allows or as an isolating policy of the end that denies): t/ghost",
      "",
    ]);
  });

  it("lists 20 policies in the Markdown header, which no terminal wraps", async () => {
    const result = await verify("--manifests", dir, "--format", "markdown");
    expect(result.stdout.split("\n")[2]).toBe(
      `NetworkPolicies: ${[...Array(20).keys()].map((i) => `\`${policy(i)}\``).join(", ")}, … and 2 more  `,
    );
  });
});

describe("a class in many ipBlocks", () => {
  // Three pods of one namespace; 40 ipBlocks hold all three (so they tell none of them apart),
  // 10.0.0.0/24 holds a and b, 10.0.0.1/32 holds a alone.
  const everyPod = [
    ...[...Array(16).keys()].map((i) => `{cidr: 10.0.0.0/${8 + i}}`),
    ...[...Array(24).keys()].map((i) => `{cidr: 10.0.0.0/8, except: [10.${i + 1}.0.0/16]}`),
  ];
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-overview-"));
    const pod = (name: string, ip: string) =>
      [
        "apiVersion: v1",
        "kind: Pod",
        `metadata: {name: ${name}, namespace: edge}`,
        "spec: {containers: [{name: main, image: registry.example/a:1, ports: [{containerPort: 80}]}]}",
        `status: {podIP: ${ip}}`,
      ].join("\n");
    const policy = [
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      "metadata: {name: from-ranges, namespace: edge}",
      "spec:",
      "  podSelector: {}",
      "  ingress:",
      `  - from: [${[...everyPod, "{cidr: 10.0.0.0/24}", "{cidr: 10.0.0.1/32}"].map((b) => `{ipBlock: ${b}}`).join(", ")}]`,
    ].join("\n");
    const documents = [pod("a", "10.0.0.1"), pod("b", "10.0.0.2"), pod("c", "10.0.1.1"), policy];
    fs.writeFileSync(path.join(dir, "edge.yaml"), documents.join("\n---\n"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("shows the memberships that tell the most of the namespace's pods apart first, then how many more", async () => {
    const result = await verify("--manifests", dir);
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    const table = lines.slice(
      lines.indexOf(
        "Classes of pods: 3 pods in 3 classes (pods that no policy can tell apart share a class, and its verdicts)",
      ) + 1,
    );
    expect(table.slice(0, 7)).toEqual([
      "  class  namespace  pods  isolated     out   in  e.g.    told apart by",
      "  c1     edge          1  ingress (1)  2/2  2/2  edge/a  in 10.0.0.1/32, in 10.0.0.0/24, in 10.0.0.0/8, in 10.0.0.0/9, in 10.0.0.0/10, in 10.0.0.0/11, in 10.0.0.0/12, in 10.0.0.0/13, +34 more",
      "  c2     edge          1  ingress (1)  2/2  2/2  edge/b  in 10.0.0.0/24, in 10.0.0.0/8, in 10.0.0.0/9, in 10.0.0.0/10, in 10.0.0.0/11, in 10.0.0.0/12, in 10.0.0.0/13, in 10.0.0.0/14, +33 more",
      "  c3     edge          1  ingress (1)  2/2  2/2  edge/c  in 10.0.0.0/8, in 10.0.0.0/9, in 10.0.0.0/10, in 10.0.0.0/11, in 10.0.0.0/12, in 10.0.0.0/13, in 10.0.0.0/14, in 10.0.0.0/15, +32 more",
      ...LEGEND.map((line) => `  ${line}`),
    ]);
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(200);
  });

  it("keeps a Markdown row to the most telling that fit in 100 characters", async () => {
    const result = await verify("--manifests", dir, "--format", "markdown");
    expect(result.stdout).toContain(
      "| c1 | edge | 1 | ingress (1) | 2/2 | 2/2 | edge/a | in 10.0.0.1/32, in 10.0.0.0/24, in 10.0.0.0/8, in 10.0.0.0/9, in 10.0.0.0/10, +37 more |\n",
    );
  });

  it("lists every membership in JSON, in the policies' order", async () => {
    const result = await verify("--manifests", dir, "--format", "json");
    const [a, b, c] = JSON.parse(result.stdout).classes;
    const every = everyPod.map((block) => {
      const [, cidr, except] = /^\{cidr: ([^,}]+)(?:, except: \[(.+)\])?\}$/.exec(block)!;
      return except ? `${cidr} except ${except}` : cidr;
    });
    expect([a.examples, a.ipBlocks]).toEqual([["edge/a"], [...every, "10.0.0.0/24", "10.0.0.1/32"]]);
    expect([b.examples, b.ipBlocks]).toEqual([["edge/b"], [...every, "10.0.0.0/24"]]);
    expect([c.examples, c.ipBlocks]).toEqual([["edge/c"], every]);
  });
});

describe("the default report of a kubectl dump at scale", () => {
  // bench/dump.ts's cluster of 1,000 pods in 40 namespaces with 300 policies (the benchmark's
  // smallest): long lists of policies, rows whose labels, ports and ipBlocks fill the line.
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-overview-"));
    writeDump(
      generateDumpCluster({ pods: 1_000, namespaces: 40, policies: 300, replicas: 12, seed: 42 }),
      path.join(dir, "dump.yaml"),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps every line within 200 characters, saying how much more each list holds", async () => {
    const result = await verify("--manifests", path.join(dir, "dump.yaml"));
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.filter((line) => [...line].length > 200)).toEqual([]);
    expect(lines[1]).toMatch(/^NetworkPolicies: (ns-\d\d\/policy-\d+, ){8,}… and 2\d\d more$/);
    expect(lines.filter((line) => /^ {2}c\d+ .*, \+\d+ more$/.test(line)).length).toBeGreaterThan(0);
    expect(lines.find((line) => line.includes("decide no cell"))).toMatch(/, … and \d+ more$/);
  });
});
