// Pulumi.yaml declares the lab's config schema for the CLI and the console; config/keys.ts holds
// the defaults the program applies. They must say the same thing.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../config/keys";
import { captureLab } from "../verifier/lab/capture";

const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
  it("names the project, its runtime and describes it", () => {
    expect(project.name).toBe("k8s-hardening-lab");
    expect(project.runtime.name).toBe("nodejs");
    expect(typeof project.description).toBe("string");
  });

  it("declares exactly the keys the program reads", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
  });

  it.each(Object.entries(CONFIG_KEYS))("declares %s with the program's type, default and description", (key, spec) => {
    const declared = project.config[key];
    expect(declared.type).toBe(spec.type);
    expect(declared.default).toEqual(spec.default);
    expect(declared.description).toBe(spec.description);
    if (spec.type === "array") expect(declared.items).toEqual({ type: "string" });
    // `secret: true` with a default would make Pulumi demand the default be encrypted.
    expect(declared.secret).toBeUndefined();
  });

  it("has an example trainee stack that the program accepts", async () => {
    const stack = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8"));
    expect(stack.config).toEqual({ "azure-native:location": "westeurope", "k8s-hardening-lab:stage": "app" });
    const capture = await captureLab({ config: stack.config });
    expect(capture.error).toBeUndefined();
    expect(capture.warnings).toEqual([]);
    expect(capture.outputs.stage).toBe("app");
  });
});
