// `class report`: the trainer's page, written from what the class knows, checked as text here (the
// browser reads it in tests/class/report-browser.test.ts): the two-trainee fixture made afresh
// equals tests/fixtures/class-report/index.html; no output the backend marks secret reaches it;
// what comes from input is escaped; the last live run's JSON is read back.
import * as fs from "fs";
import * as path from "path";
import { PulumiCliMissing } from "../../class/automation";
import { LAB_OUTPUTS } from "./fake-automation";
import { FIXTURE_PAGE, FIXTURE_ROSTER, FIXTURE_STACKS, fixturePage, report } from "./report-fixture";
import { stagePicture, stageFlows } from "../../class/stage-picture";
import { STAGES } from "../../config/keys";

const ROOT = path.join(__dirname, "..", "..");

describe("the two-trainee page", () => {
  it("is made exactly as tests/fixtures/class-report/index.html holds it (npm run gen:report-fixture)", async () => {
    expect(await fixturePage()).toBe(fs.readFileSync(FIXTURE_PAGE, "utf8"));
  });

  it("is written to class-report/index.html, saying where and how big", async () => {
    const run = await report(FIXTURE_ROSTER(ROOT), FIXTURE_STACKS);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `class-report/index.html: written, 2 trainees, ${(Buffer.byteLength(run.html!) / 1024).toFixed(1)} KiB\n`,
    );
    expect(run.stderr).toBe("");
  });

  it("fetches nothing: no src, no href out of the page, and a policy that allows only its own style and script", () => {
    const html = fs.readFileSync(FIXTURE_PAGE, "utf8");
    expect(html.match(/\s(src|href)="[^#][^"]*"/g)).toBeNull();
    expect(html.match(/<(script|style)\b/g)).toEqual(["<style", "<script"]);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1];
    expect(csp.split("; ").map((d) => d.replace(/'sha256-[^']+'/, "HASH"))).toEqual([
      "default-src 'none'",
      "style-src HASH",
      "script-src HASH",
      "img-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });
});

describe("secrets", () => {
  it("an output the backend marks secret never reaches the page, nor do the lab's secrets by name", async () => {
    const secrets = {
      kubeconfig:
        "apiVersion: v1\nclusters:\n- cluster: {server: 'https://secret-cluster.example:443'}\nusers:\n- user: {token: kube-token-4f9a2c}\n",
      mysqlRootPassword: "hunter2-mysql-root-Zq8w",
      adminToken: "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    };
    const stacks = {
      alice: {
        ...LAB_OUTPUTS("alice"),
        kubeconfig: { value: secrets.kubeconfig, secret: true },
        mysqlRootPassword: { value: secrets.mysqlRootPassword, secret: true },
        adminToken: { value: secrets.adminToken, secret: true },
      },
      // An older program's stack, whose password output is not marked secret: still kept off.
      bob: { ...LAB_OUTPUTS("bob"), mysqlRootPassword: { value: secrets.mysqlRootPassword, secret: false } },
    };
    const run = await report(FIXTURE_ROSTER(ROOT), stacks);
    expect(run.status).toBe(0);
    for (const value of [
      ...Object.values(secrets),
      "kube-token-4f9a2c",
      "secret-cluster.example",
      "hunter2",
      "ghp_",
      "lab-bob.hcp",
      "generated-password",
    ]) {
      expect(run.html!.includes(value)).toBe(false);
    }
    // What is shown instead: the names, and how the trainer hands kubeconfigs out.
    expect(run.html).toContain(
      '<p class="secret">Secret, not shown: <code>adminToken</code>, <code>kubeconfig</code>, <code>mysqlRootPassword</code> (the trainer hands kubeconfigs out with <code>npm run class -- outputs</code>).</p>',
    );
    expect(run.html).toContain(
      "<dt>phpMyAdmin</dt><dd><code>kubectl port-forward -n app svc/phpmyadmin 8080:80, then open http://localhost:8080</code></dd>",
    );
  });
});

describe("input on the page", () => {
  it("is escaped: an exercise folder's name and an output's value", async () => {
    const roster = FIXTURE_ROSTER(ROOT).replace(/exercise: .*ingress-only/, 'exercise: "exercises/<b>o\'neil&co</b>"');
    const stacks = {
      bob: { ...LAB_OUTPUTS("bob"), phpMyAdmin: { value: '<img src=x onerror="alert(1)">', secret: false } },
    };
    const run = await report(roster, stacks, [], {}, (dir) =>
      fs.cpSync(path.join(ROOT, "exercises", "example"), path.join(dir, "exercises", "<b>o'neil&co</b>"), {
        recursive: true,
      }),
    );
    expect(run.status).toBe(0);
    expect(run.html).not.toContain("<img");
    expect(run.html).not.toContain("<b>o'neil");
    expect(run.html).toContain("<code>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</code>");
    expect(run.html).toContain("exercises/&lt;b&gt;o&#39;neil&amp;co&lt;/b&gt;</code>");
  });
});

describe("without the Pulumi CLI", () => {
  it("the page is made from the stack files, and says the stacks were not read", async () => {
    const run = await report(FIXTURE_ROSTER(ROOT), FIXTURE_STACKS, [], {
      workspace: () => Promise.reject(new PulumiCliMissing("no pulumi on PATH")),
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^class-report\/index\.html: written, 2 trainees, [\d.]+ KiB \(without the stacks' last updates and outputs: no pulumi on PATH\)\n$/,
    );
    expect(run.html).toContain("<dt>Last update</dt><dd>not read: no pulumi on PATH</dd>");
  });

  it("--live needs it: exit 2, no page", async () => {
    const run = await report(FIXTURE_ROSTER(ROOT), FIXTURE_STACKS, ["--live"], {
      workspace: () => Promise.reject(new PulumiCliMissing("no pulumi on PATH")),
    });
    expect([run.status, run.html, run.stderr]).toEqual([
      2,
      undefined,
      "class: nothing was written or run:\n  no pulumi on PATH\n",
    ]);
  });
});

describe("each stage's picture", () => {
  it.each(STAGES.map((s) => [s]))(
    "%s: every flow of the stage, allowed or denied by colour, line and word",
    (stage) => {
      const svg = stagePicture(stage, "p");
      const flows = stageFlows(stage);
      const lines = svg.match(/<line class="flow (allowed|denied)"/g) ?? [];
      expect(lines.map((l) => l.includes("allowed"))).toEqual(flows.map((f) => f.allowed));
      const labels = [...svg.matchAll(/<text class="label (allowed|denied)"[^>]*>([^<]*)<\/text>/g)].map((m) => m[2]);
      expect(labels).toEqual(
        flows.map(
          (f) => `${f.allowed ? "✓" : "✗"} ${f.claim.port}/${f.claim.protocol} ${f.allowed ? "allowed" : "denied"}`,
        ),
      );
    },
  );

  it("at default-deny, as docs/lab.md's table says: only phpMyAdmin's own flows and the ones to it stay open", () => {
    const svg = stagePicture("default-deny", "p");
    expect(/<desc id="p-desc">([^<]*)<\/desc>/.exec(svg)![1]).toBe(
      [
        "phpmyadmin → mysql:3306/TCP: denied",
        "intruder → mysql:3306/TCP: denied",
        "outsider → mysql:3306/TCP: denied",
        "mysql → kube-dns:53/UDP: denied",
        "mysql → internet (443/TCP): denied",
        "phpmyadmin → kube-dns:53/UDP: allowed",
        "phpmyadmin → internet (443/TCP): allowed",
        "intruder → phpmyadmin:80/TCP: allowed",
        "outsider → phpmyadmin:80/TCP: allowed",
      ].join("; "),
    );
    expect(svg).toContain(
      '<svg class="stage-picture" viewBox="0 0 820 420" role="img" aria-labelledby="p-title p-desc"',
    );
  });

  it("at zero-trust, with the load balancer's two clients", () => {
    const desc = /<desc id="p-desc">([^<]*)<\/desc>/.exec(stagePicture("zero-trust", "p"))![1];
    expect(desc.split("; ").slice(-2)).toEqual([
      "allowed source → phpmyadmin:80/TCP: allowed (with a load balancer)",
      "disallowed source → phpmyadmin:80/TCP: denied (with a load balancer)",
    ]);
  });
});
