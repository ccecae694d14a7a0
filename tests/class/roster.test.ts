// The roster is validated as a whole before anything is written or run: every problem at once,
// each with its line, exit status 2, and the project folder left as it was.
import * as fs from "fs";
import * as path from "path";
import { CONFIG_NAMESPACES, parseRoster, SECRET_KEYS } from "../../class/roster";
import { FakeBackend } from "./fake-automation";
import { listFiles, runCli, tmpProject } from "./helpers";

const LOCATION_NOT_SET =
  "azure-native:location: not set; the AKS cluster needs an Azure region (pulumi config set azure-native:location westeurope), or set kubeconfig to bring your own cluster";

const BAD_ROSTERS: [string, string, string[]][] = [
  [
    "invalid YAML",
    "defaults:\n  stage: app\ntrainees:\n  - name: alice\n  - name: bob\n    stage: [app\n",
    ["class.yaml:7: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"],
  ],
  [
    "a key twice in one mapping",
    "trainees:\n  - name: alice\n    stage: app\n    stage: zero-trust\n",
    ["class.yaml:4: invalid YAML: stage is set twice in the same mapping"],
  ],
  [
    "a list instead of a mapping",
    "- alice\n- bob\n",
    ["class.yaml:1: expected a mapping with `defaults` (optional), `trainees` and `endsAt` (optional)"],
  ],
  [
    "a misspelt top-level key, and so no region",
    "default:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n",
    [
      "class.yaml:1: default: unknown key; a roster has defaults, trainees and endsAt",
      `class.yaml:4: alice: ${LOCATION_NOT_SET}`,
    ],
  ],
  [
    "no trainees",
    "defaults:\n  azure-native:location: westeurope\n",
    ["class.yaml:1: trainees: expected a list of trainees, each with a name (- name: alice), and at least one"],
  ],
  [
    "a trainee without a name",
    "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - stage: app\n  - name: bob\n  - name:\n",
    [
      "class.yaml:4: trainees[0]: has no name; expected name: followed by the trainee's stack name, such as alice",
      "class.yaml:6: trainees[2]: has no name; expected name: followed by the trainee's stack name, such as alice",
    ],
  ],
  [
    "names that are no stack names",
    "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice smith\n  - name: bob/x\n  - name: 007\n",
    [
      'class.yaml:4: trainees[0].name: "alice smith" is not a valid stack name; expected 1 to 100 letters, digits, "-", "_" or ".", such as alice',
      'class.yaml:5: trainees[1].name: "bob/x" is not a valid stack name; expected 1 to 100 letters, digits, "-", "_" or ".", such as alice',
      'class.yaml:6: trainees[2].name: 007 reads as a number (7); quote it: name: "007"',
    ],
  ],
  [
    "a name twice",
    "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n  - name: bob\n  - name: alice\n",
    ['class.yaml:6: name "alice" is already taken at line 4; each trainee needs their own stack'],
  ],
  [
    "names that make the same AKS DNS prefix",
    "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n  - name: Alice\n  - name: a.b\n  - name: a_b\n",
    [
      'class.yaml:5: name "Alice" makes the AKS DNS prefix lab-alice, as "alice" at line 4 does; names must differ in more than case and punctuation',
      'class.yaml:7: name "a_b" makes the AKS DNS prefix lab-a-b, as "a.b" at line 6 does; names must differ in more than case and punctuation',
    ],
  ],
  [
    "long names alike in their first 50 characters",
    `defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: ${"x".repeat(50)}-alice\n  - name: ${"x".repeat(50)}-bob\n`,
    [
      `class.yaml:5: name "${"x".repeat(50)}-bob" makes the AKS DNS prefix lab-${"x".repeat(50)}, as "${"x".repeat(50)}-alice" at line 4 does; names must differ in more than case and punctuation, within their first 50 characters`,
    ],
  ],
  [
    "a misspelt lab key, reported once for the defaults",
    "defaults:\n  azure-native:location: westeurope\n  stag: app\ntrainees:\n  - name: alice\n  - name: bob\n",
    [
      "class.yaml:3: defaults: k8s-hardening-lab:stag: unknown key (a typo?); the lab reads k8s-hardening-lab:stage, k8s-hardening-lab:exercise, k8s-hardening-lab:kubeconfig, k8s-hardening-lab:nodeCount, k8s-hardening-lab:nodeVmSize, k8s-hardening-lab:kubernetesVersion, k8s-hardening-lab:gatekeeperVersion, k8s-hardening-lab:gatekeeperReplicas, k8s-hardening-lab:webhookFailurePolicy, k8s-hardening-lab:allowedReposApp, k8s-hardening-lab:allowedReposData, k8s-hardening-lab:phpMyAdminExposure, k8s-hardening-lab:allowedSourceRanges, k8s-hardening-lab:mysqlRootPassword",
    ],
  ],
  [
    "bad values, in the defaults and for one trainee",
    "defaults:\n  azure-native:location: westeurope\n  stage: bogus\ntrainees:\n  - name: alice\n  - name: bob\n    nodeCount: many\n",
    [
      'class.yaml:3: defaults: k8s-hardening-lab:stage: "bogus" is not a stage; expected one of app, default-deny, allow-phpmyadmin, allowed-repos, zero-trust, or 1 to 5',
      'class.yaml:7: bob: k8s-hardening-lab:nodeCount: "many" is not accepted; expected an integer from 1 to 100',
    ],
  ],
  [
    "secrets in plain text",
    "defaults:\n  azure-native:location: westeurope\n  mysqlRootPassword: hunter2hunter2\ntrainees:\n  - name: alice\n    kubeconfig: |\n      apiVersion: v1\n  - name: bob\n    azure-native:clientSecret: s3cr3t\n",
    [
      "class.yaml:3: defaults: mysqlRootPassword: a secret cannot be in the roster, which is plain text; set it in the stack file with `pulumi config set --secret mysqlRootPassword ... --stack NAME`",
      "class.yaml:6: alice: kubeconfig: a secret cannot be in the roster, which is plain text; set it in the stack file with `pulumi config set --secret kubeconfig ... --stack alice`",
      "class.yaml:9: bob: azure-native:clientSecret: a secret cannot be in the roster, which is plain text; set it in the stack file with `pulumi config set --secret azure-native:clientSecret ... --stack bob`",
    ],
  ],
  [
    "a misspelt provider namespace",
    "defaults:\n  azure-natve:location: westeurope\ntrainees:\n  - name: alice\n",
    [
      'class.yaml:2: defaults: azure-natve:location: "azure-natve" is not a namespace this program reads; expected a lab key (k8s-hardening-lab) or one of pulumi, azure-native, kubernetes, random',
      `class.yaml:4: alice: ${LOCATION_NOT_SET}`,
    ],
  ],
  [
    "a load balancer without source ranges, and a range with host bits",
    "defaults:\n  azure-native:location: westeurope\n  phpMyAdminExposure: loadbalancer\ntrainees:\n  - name: alice\n    allowedSourceRanges: [203.0.113.7/24]\n  - name: bob\n",
    [
      'class.yaml:6: alice: k8s-hardening-lab:allowedSourceRanges[0]: "203.0.113.7/24" is not accepted; host bits are set or the form is not canonical, expected 203.0.113.0/24',
      "class.yaml:7: bob: k8s-hardening-lab:allowedSourceRanges: [] is not accepted with phpMyAdminExposure=loadbalancer; expected at least one CIDR of the trainees' addresses, such as 203.0.113.7/32",
    ],
  ],
  [
    "a key without a value, and one set twice",
    "defaults:\n  azure-native:location: westeurope\n  stage:\ntrainees:\n  - name: alice\n    stage: app\n    k8s-hardening-lab:stage: zero-trust\n",
    [
      "class.yaml:3: defaults: stage: has no value; give one, or leave the key out to use the lab's default",
      "class.yaml:7: alice: k8s-hardening-lab:stage: set twice (as k8s-hardening-lab:stage and as stage); keep one",
    ],
  ],
  [
    "a repository list that denies the lab's own image",
    'defaults:\n  azure-native:location: westeurope\n  allowedReposApp: ["docker.io/library/nginx:"]\ntrainees:\n  - name: alice\n',
    [
      'class.yaml:3: defaults: k8s-hardening-lab:allowedReposApp: ["docker.io/library/nginx:"] does not admit the lab\'s own image docker.io/library/phpmyadmin:5.2.3, so the lab would deny itself; expected a list with an entry such as "docker.io/library/phpmyadmin:"',
    ],
  ],
];

describe("a bad roster", () => {
  it("there are at least 10 of them here", () => expect(BAD_ROSTERS.length).toBeGreaterThanOrEqual(10));

  it.each(BAD_ROSTERS)("%s: every problem with its line", (_title, text, expected) => {
    const result = parseRoster(text, "class.yaml", tmpProject());
    expect(result.problems).toEqual(expected);
    expect(result.roster).toBeUndefined();
  });

  it.each(BAD_ROSTERS)("%s: init stops with status 2 and writes nothing", async (_title, text, expected) => {
    const dir = tmpProject();
    const roster = path.join(dir, "class.yaml");
    fs.writeFileSync(roster, text);
    const run = await runCli(["init", "--roster", roster], dir, new FakeBackend());
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `class: nothing was written or run:\n${expected.map((p) => `  ${p.replace(/^class\.yaml:/, `${roster}:`)}\n`).join("")}`,
    );
    expect(run.stdout).toBe("");
    expect(listFiles(dir)).toEqual(["class.yaml"]);
  });

  it("up stops the same way before asking the backend anything", async () => {
    const dir = tmpProject();
    fs.writeFileSync(path.join(dir, "class.yaml"), BAD_ROSTERS[11][1]);
    const backend = new FakeBackend();
    const run = await runCli(["up", "--roster", path.join(dir, "class.yaml")], dir, backend);
    expect(run.status).toBe(2);
    expect(backend.calls).toEqual([]);
  });

  it("a missing roster file is named", () => {
    const dir = tmpProject();
    return runCli(["init", "--roster", path.join(dir, "nope.yaml")], dir, new FakeBackend()).then((run) => {
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        `class: nothing was written or run:\n  ${path.join(dir, "nope.yaml")}: cannot be read (ENOENT); expected a roster such as class.yaml (see the README, "Running a class")\n`,
      );
    });
  });
});

describe("the roster and the stack files", () => {
  it("a value a trainer set by hand in a stack file goes through the same validation, named by its file", () => {
    const dir = tmpProject();
    fs.writeFileSync(path.join(dir, "Pulumi.bob.yaml"), 'config:\n  k8s-hardening-lab:nodeCount: "0"\n');
    const result = parseRoster(
      "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n  - name: bob\n",
      "class.yaml",
      dir,
    );
    expect(result.problems).toEqual([
      'class.yaml:5: bob: Pulumi.bob.yaml (a value the roster does not set): k8s-hardening-lab:nodeCount: "0" is not accepted; expected an integer from 1 to 100',
    ]);
  });

  it("a stack file that is not YAML is named", () => {
    const dir = tmpProject();
    fs.writeFileSync(path.join(dir, "Pulumi.alice.yaml"), "config: [\n");
    const result = parseRoster(
      "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n",
      "class.yaml",
      dir,
    );
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(
      new RegExp(`^class\\.yaml:4: alice: ${dir}/Pulumi\\.alice\\.yaml: invalid YAML: `),
    );
  });

  it("a trainee who brings a cluster (kubeconfig encrypted in the stack file) needs no region", () => {
    const dir = tmpProject();
    fs.writeFileSync(
      path.join(dir, "Pulumi.alice.yaml"),
      "config:\n  k8s-hardening-lab:kubeconfig:\n    secure: v1:abc\n",
    );
    const result = parseRoster(
      "defaults:\n  stage: app\ntrainees:\n  - name: alice\n  - name: bob\n",
      "class.yaml",
      dir,
    );
    expect(result.problems).toEqual([`class.yaml:5: bob: ${LOCATION_NOT_SET}`]);
  });

  it("the roster's value wins over the stack file's, so a roster that fixes a bad hand-edit is accepted", () => {
    const dir = tmpProject();
    fs.writeFileSync(path.join(dir, "Pulumi.alice.yaml"), "config:\n  k8s-hardening-lab:stage: bogus\n");
    const result = parseRoster(
      "defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n    stage: app\n",
      "class.yaml",
      dir,
    );
    expect(result.problems).toEqual([]);
    expect(result.roster?.trainees[0].config).toEqual({
      "azure-native:location": "westeurope",
      "k8s-hardening-lab:stage": "app",
    });
  });

  it("warnings of the lab's validation come through, named by trainee", () => {
    const result = parseRoster(
      'defaults:\n  azure-native:location: westeurope\ntrainees:\n  - name: alice\n    allowedReposApp: ["docker.io/library/phpmyadmin"]\n',
      "class.yaml",
      tmpProject(),
    );
    expect(result.problems).toEqual([]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^alice: k8s-hardening-lab:allowedReposApp/);
  });
});

describe("what the roster's checks are derived from", () => {
  it("the refused secrets are the keys config/keys.ts marks secret", () => {
    expect(SECRET_KEYS).toEqual(["kubeconfig", "mysqlRootPassword"]);
  });

  it("the namespaces are the lab's, Pulumi's and the providers package.json depends on", () => {
    expect(CONFIG_NAMESPACES).toEqual(["k8s-hardening-lab", "pulumi", "azure-native", "kubernetes", "random"]);
  });
});
