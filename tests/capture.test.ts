// The recording mock monitor is what every graph test relies on, so it is checked first against
// a small graph whose parents and dependencies are known by construction.
import * as pulumi from "@pulumi/pulumi";
import { captureProgram, RecordedResource } from "../verifier/lab/capture";

const TYPES = new Set(["test:index:Box", "test:index:Thing"]);

class Thing extends pulumi.CustomResource {
  declare readonly value: pulumi.Output<string>;
  constructor(name: string, args: { value: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, { value: args.value }, opts);
  }
}

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Box", name, {}, opts);
    this.registerOutputs({});
  }
}

function smallGraph() {
  const box = new Box("box");
  const a = new Thing("a", { value: "plain" }, { parent: box });
  const b = new Thing("b", { value: a.value.apply((v) => `${v}-b`) }, { parent: box });
  const c = new Thing("c", { value: pulumi.secret("hush") }, { dependsOn: [b] });
  return { c: c.value };
}

describe("the recording mock monitor, on a graph known by construction", () => {
  let resources: RecordedResource[];
  const byName = (name: string) => resources.find((r) => r.name === name)!;

  beforeAll(async () => {
    const capture = await captureProgram(smallGraph, { config: {}, knownTypes: TYPES });
    expect(capture.error).toBeUndefined();
    resources = capture.resources;
  });

  it("records every registration in order, with types", () => {
    expect(resources.map((r) => [r.type, r.name, r.custom])).toEqual([
      ["test:index:Box", "box", false],
      ["test:index:Thing", "a", true],
      ["test:index:Thing", "b", true],
      ["test:index:Thing", "c", true],
    ]);
  });

  it("records parents as URNs", () => {
    expect(byName("box").parent).toBeUndefined();
    expect(byName("a").parent).toBe(byName("box").urn);
    expect(byName("b").parent).toBe(byName("box").urn);
    expect(byName("c").parent).toBeUndefined();
    expect(byName("box").urn).toBe("urn:pulumi:test::k8s-hardening-lab::test:index:Box::box");
  });

  it("records implicit dependencies (from inputs) and explicit ones (dependsOn)", () => {
    expect(byName("a").dependencies).toEqual([]);
    expect(byName("b").dependencies).toEqual([byName("a").urn]);
    expect(byName("b").propertyDependencies).toEqual({ value: [byName("a").urn] });
    expect(byName("c").dependencies).toEqual([byName("b").urn]);
    expect(byName("c").propertyDependencies).toEqual({ value: [] });
  });

  it("keeps secrets wrapped on the wire and unwrapped in inputs", () => {
    expect(byName("c").inputs).toEqual({ value: "hush" });
    expect(byName("c").wireInputs).toEqual({
      value: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hush" },
    });
    expect(byName("b").inputs).toEqual({ value: "plain-b" });
  });
});
