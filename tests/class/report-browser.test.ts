// The trainer's page in a real browser: headless Chromium (the binary of the npm package
// @sparticuz/chromium, driven by playwright-core), one browser for the file. The page is the
// two-trainee fixture (tests/fixtures/class-report/index.html, made by tests/class/report-fixture.ts
// and checked for drift by tests/class/report.test.ts), opened from disk as a trainer opens it.
import axe from "axe-core";
import { spawnSync } from "child_process";
import * as path from "path";
import { pathToFileURL } from "url";
import { type Browser, type BrowserContext, chromium as playwright, type Page } from "playwright-core";
import { FIXTURE_PAGE } from "./report-fixture";

const URL = pathToFileURL(FIXTURE_PAGE).href;
const INGRESS_ONLY_HINT =
  "hint: tests/fixtures/exercises/ingress-only/deny.yaml:9: data/default-deny-all selects data/mysql, but its policyTypes are Ingress: without Egress, data/mysql's egress stays open; add Egress to policyTypes";

let browser: Browser;
/** Every request any context of the file made, by URL. */
const requests: string[] = [];

async function open(
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  context.on("request", (request) => requests.push(request.url()));
  const page = await context.newPage();
  await page.goto(URL);
  return { context, page };
}

/**
 * Where @sparticuz/chromium puts its binary, and the flags it runs with: asked of the package in a
 * process of its own, since it is an ES module jest cannot load. The first extraction (to
 * /tmp/chromium) takes some seconds; later runs reuse it.
 */
function chromiumBinary(): { executablePath: string; args: string[] } {
  const script =
    'import chromium from "@sparticuz/chromium"; process.stdout.write(JSON.stringify({ executablePath: await chromium.executablePath(), args: chromium.args }));';
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: path.join(__dirname, "..", ".."),
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`@sparticuz/chromium: ${result.stderr}`);
  return JSON.parse(result.stdout) as { executablePath: string; args: string[] };
}

beforeAll(async () => {
  const { executablePath, args } = chromiumBinary();
  // The package's flags are for a serverless function, one page per process: --single-process
  // ends the whole browser when a context closes, and this file opens and closes several.
  browser = await playwright.launch({
    executablePath,
    args: args.filter((arg) => arg !== "--single-process"),
    headless: true,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** The matrix as its rows read: each cell's text. */
const matrixRows = (page: Page) =>
  page.$$eval("#matrix tbody tr", (rows) =>
    rows.map((row) => Array.from(row.children).map((cell) => (cell as { innerText: string }).innerText.trim())),
  );

describe("the two-trainee page, with JavaScript", () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await open());
  });
  afterAll(() => context.close());

  it("has one row per trainee, one cell per claim, each a sign and a word", async () => {
    const met = Array.from({ length: 16 }, () => "✓ met");
    const bob = [...met];
    bob[3] = "✗ unmet";
    bob[4] = "✗ unmet";
    expect(await matrixRows(page)).toEqual([
      ["alice", "default-deny", "✓ meets", ...met],
      ["bob", "default-deny", "✗ unmet", ...bob],
    ]);
    expect(await page.$$eval("#matrix thead th.claim", (cells) => cells.length)).toBe(16);
  });

  it("names each claim in its column's header for a screen reader, and in the list under the table", async () => {
    const headers = await page.$$eval("#matrix thead th.claim .sr-only", (spans) => spans.map((s) => s.textContent));
    expect(headers.slice(0, 2)).toEqual(["phpmyadmin → mysql:3306/TCP", "intruder → mysql:3306/TCP"]);
    expect(await page.$$eval("ol.claims li", (items) => items.map((i) => i.textContent))).toEqual(headers);
  });

  it("gives the claim and the hint in an unmet cell's title, the claim in a met one's", async () => {
    const titles = await page.$$eval("#matrix tbody tr:nth-child(2) td", (cells) => cells.map((c) => c.title));
    expect(titles[5]).toBe(`mysql → kube-dns:53/UDP: expected denied, found allowed\n${INGRESS_ONLY_HINT}`);
    expect(titles[6]).toBe(`mysql → internet: expected denied, found allowed\n${INGRESS_ONLY_HINT}`);
    expect(titles[2]).toBe("phpmyadmin → mysql:3306/TCP: expected denied, found denied");
  });

  it("says when the course ends and the time left, and when the page was made", async () => {
    expect(await page.innerText("#course-end")).toBe("2026-12-18T17:00:00+01:00: 3d03h left");
    expect(await page.getAttribute("#course-end time", "datetime")).toBe("2026-12-18T16:00:00.000Z");
    expect(await page.innerText("dl.course")).toContain("2026-12-15 13:00 UTC");
  });

  it("shows each trainee's first unmet claim with its hint, and the stack's outputs with no secret", async () => {
    const bob = await page.innerText("#trainee-bob");
    expect(bob).toContain(
      `First unmet claim\nmysql → kube-dns:53/UDP: expected denied, found allowed\n${INGRESS_ONLY_HINT}`,
    );
    expect(bob).toContain("Secret, not shown: kubeconfig, mysqlRootPassword");
    expect(bob).not.toContain("generated-password");
  });

  it("draws each stage's picture inline, named for a screen reader", async () => {
    const pictures = await page.$$eval("svg.stage-picture", (svgs) =>
      svgs.map((svg) => [svg.getAttribute("role"), svg.querySelector("title")!.textContent]),
    );
    expect(pictures).toEqual([
      ["img", "Stage 1, app: who may talk to whom"],
      ["img", "Stage 2, default-deny: who may talk to whom"],
      ["img", "Stage 3, allow-phpmyadmin: who may talk to whom"],
      ["img", "Stage 4, allowed-repos: who may talk to whom"],
      ["img", "Stage 5, zero-trust: who may talk to whom"],
    ]);
    const box = await page.locator("#stage-default-deny svg").boundingBox();
    expect(box!.width).toBeGreaterThan(300);
  });

  it("its script filters the matrix: the trainees who do not meet their stage, or a name", async () => {
    await page.check("#filter-open");
    expect(await page.$$eval("#matrix tbody tr:not([hidden])", (rows) => rows.map((r) => r.dataset.trainee))).toEqual([
      "bob",
    ]);
    expect(await page.innerText("[role=status]")).toBe("1 of 2 trainees shown");
    await page.uncheck("#filter-open");
    await page.fill("#filter-name", "ali");
    expect(await page.$$eval("#matrix tbody tr:not([hidden])", (rows) => rows.map((r) => r.dataset.trainee))).toEqual([
      "alice",
    ]);
    await page.fill("#filter-name", "");
  });
});

describe("the page without JavaScript", () => {
  it("reads the same: the same matrix, the same trainees, the same pictures; only the filter is missing", async () => {
    const withScript = await open();
    const without = await open({ javaScriptEnabled: false });
    const read = (page: Page) =>
      page.$$eval("main > :not(.controls)", (nodes) =>
        nodes.map((n) => (n as unknown as { innerText: string }).innerText),
      );
    expect(await read(without.page)).toEqual(await read(withScript.page));
    expect(await without.page.$$eval(".controls", (c) => c.length)).toBe(0);
    expect(await withScript.page.$$eval(".controls", (c) => c.length)).toBe(1);
    expect((await matrixRows(without.page)).map((row) => row.slice(0, 3))).toEqual([
      ["alice", "default-deny", "✓ meets"],
      ["bob", "default-deny", "✗ unmet"],
    ]);
    await withScript.context.close();
    await without.context.close();
  });
});

describe("what the page asks of the network", () => {
  it("nothing, even with its own Content Security Policy set aside: every request was the page itself", async () => {
    // Past the policy, anything the page referred to would be fetched, and seen here.
    const { context, page } = await open({ bypassCSP: true });
    await page.waitForLoadState("networkidle");
    await context.close();
    expect(requests.length).toBeGreaterThan(0);
    expect([...new Set(requests)]).toEqual([URL]);
  });
});

describe("accessibility", () => {
  it("axe-core finds no serious or critical violation", async () => {
    // The page's policy allows its own script only: axe is injected past it, in a context of its own.
    const { context, page } = await open({ bypassCSP: true });
    await page.addScriptTag({ content: axe.source });
    const results = (await page.evaluate(() =>
      (globalThis as any).axe.run((globalThis as any).document),
    )) as axe.AxeResults;
    await context.close();
    const serious = results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
    expect(serious).toEqual([]);
    // Rules that did run over the page's matrix and pictures, so the check is not empty.
    const passed = results.passes.map((p) => p.id);
    for (const rule of ["color-contrast", "td-headers-attr", "th-has-data-cells", "svg-img-alt", "label"]) {
      expect(passed).toContain(rule);
    }
  });
});
