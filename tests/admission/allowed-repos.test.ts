/** The lab's admission table (LAB.md) through the offline engine and the real template. */
import { badImage, engine, LAB_IMAGE, LAB_REPOS, allowedRepos, pod } from "./fixtures";

describe("the article's test against the lab's constraint on app", () => {
  it("denies the nginx pod in app, naming the container and the image", () => {
    const result = engine().review(pod("app", "nginx", [{ name: "nginx", image: "nginx" }]));
    expect(result).toEqual({
      object: "Pod/app/nginx",
      allowed: false,
      violations: [
        {
          constraint: "K8sAllowedRepos/allowed-repos-app",
          enforcementAction: "deny",
          message:
            'container <nginx> has an invalid image repo <nginx>, allowed repos are ["docker.io/library/phpmyadmin:"]',
        },
      ],
      notes: [],
    });
  });

  it("admits the phpMyAdmin pod with the lab's image", () => {
    const result = engine().review(pod("app", "phpmyadmin", [{ name: "phpmyadmin", image: LAB_IMAGE }]));
    expect(result).toEqual({ object: "Pod/app/phpmyadmin", allowed: true, violations: [], notes: [] });
  });

  it("admits nginx in default, which the constraint does not select", () => {
    const result = engine().review(pod("default", "nginx", [{ name: "nginx", image: "nginx" }]));
    expect(result).toEqual({ object: "Pod/default/nginx", allowed: true, violations: [], notes: [] });
  });
});

describe("every kind of container is checked", () => {
  const allowed = { name: "phpmyadmin", image: LAB_IMAGE };

  it("denies a busybox initContainer beside an allowed container", () => {
    const result = engine().review(
      pod("app", "with-init", [allowed], { spec: { initContainers: [{ name: "init", image: "busybox" }] } }),
    );
    expect(result.allowed).toBe(false);
    expect(result.violations.map((v) => v.message)).toEqual([badImage("init", "busybox")]);
  });

  it("denies a busybox ephemeralContainer beside an allowed container", () => {
    const result = engine().review(
      pod("app", "debugged", [allowed], { spec: { ephemeralContainers: [{ name: "debugger", image: "busybox" }] } }),
    );
    expect(result.allowed).toBe(false);
    expect(result.violations.map((v) => v.message)).toEqual([badImage("debugger", "busybox")]);
  });

  it("names every bad container, in container order, in one message", () => {
    const result = engine().review(
      pod("app", "two", [{ name: "nginx", image: "nginx" }, allowed], {
        spec: { ephemeralContainers: [{ name: "debugger", image: "busybox" }] },
      }),
    );
    expect(result.violations.map((v) => v.message)).toEqual([
      `${badImage("nginx", "nginx")}; ${badImage("debugger", "busybox")}`,
    ]);
  });
});

describe("the repository list", () => {
  it("denies everything when it is empty", () => {
    const e = engine({ constraints: [allowedRepos("nothing", [])] });
    const result = e.review(pod("app", "phpmyadmin", [{ name: "phpmyadmin", image: LAB_IMAGE }]));
    expect(result.allowed).toBe(false);
    expect(result.violations.map((v) => v.message)).toEqual([
      `container <phpmyadmin> has an invalid image repo <${LAB_IMAGE}>, allowed repos are []`,
    ]);
  });

  it("lets the article's bare prefix admit a look-alike repository (documented weakness)", () => {
    const e = engine({ constraints: [allowedRepos("allowed-phpmyadmin", ["phpmyadmin"])] });
    expect(e.review(pod("app", "miner", [{ name: "miner", image: "phpmyadminevil/miner" }])).allowed).toBe(true);
  });

  it("does not let the lab's entry admit that look-alike", () => {
    const result = engine().review(pod("app", "miner", [{ name: "miner", image: "phpmyadminevil/miner" }]));
    expect(result.violations.map((v) => v.message)).toEqual([badImage("miner", "phpmyadminevil/miner", LAB_REPOS)]);
  });
});
