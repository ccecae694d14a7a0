// The shape of the code, checked by `npm run lint` (dependency-cruiser): the layout shows the
// architecture, and these rules keep it that way. tests/architecture.test.ts runs them on a copy
// with a cycle added, so that they are known to fail.

/** What runs: the program, the commands, the scripts and the benchmarks. */
const ENTRY_POINTS = [
  "^index\\.ts$",
  "^verifier/cli\\.ts$",
  "^class/cli\\.ts$",
  "^verifier/live/e2e\\.ts$",
  "^scripts/[^/]+\\.ts$",
  "^bench/[^/]+\\.ts$",
];

/** The program `pulumi up` runs: index.ts, what it imports, and the policy files it reads. */
const PROGRAM = "^(index\\.ts$|config/|components/|policies/cel-json\\.ts$|policies/k8sallowedrepos/)";

/** The product: everything but the tests. */
const PRODUCT = "^(index\\.ts|config/|components/|policies/|verifier/|class/|scripts/|bench/)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "A module that needs itself, through others: split what both sides need into a module of its own.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "config-below-components",
      comment: "config/ parses and validates the configuration once, below the components that build from it.",
      severity: "error",
      from: { path: "^config/" },
      to: { path: "^(components/|index\\.ts$)" },
    },
    {
      name: "components-below-the-program",
      comment: "components/ build the graph; index.ts only hands Pulumi its outputs.",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^index\\.ts$" },
    },
    {
      name: "engines-stand-alone",
      comment:
        "The engines (NetworkPolicy, admission, the kubectl-faithful reader) judge objects from any source: they never load the lab, live mode, the class tooling or the scripts.",
      severity: "error",
      from: { path: "^verifier/(netpol|admission|kube)/" },
      to: { path: "^(verifier/lab/|verifier/live/|class/|components/|scripts/|index\\.ts$)" },
    },
    {
      name: "program-loads-no-yaml-parser",
      comment:
        "The program reads its policy sources as JSON (policies/cel-json.ts): a YAML parser, or the manifest reader that loads one, would cost every preview more than all of the lab's own modules (npm run bench). What only a configuration key needs is loaded where the key asks for it: await import(), or a require() that ESLint makes say why; types cost nothing at run time.",
      severity: "error",
      from: { path: PROGRAM },
      to: {
        path: "^(node_modules/(yaml|js-yaml)/|verifier/kube/yaml\\.ts$)",
        dependencyTypesNot: ["dynamic-import", "require", "type-only", "type-import"],
      },
    },
    {
      name: "product-never-loads-tests",
      comment: "Stand-ins and fixtures live in tests/; nothing that ships depends on them.",
      severity: "error",
      from: { path: PRODUCT },
      to: { path: "^tests/" },
    },
    {
      name: "no-product-file-only-tests-use",
      comment:
        "A product file that nothing that runs reaches (the program, the commands, the scripts, the benchmarks) is dead, or test code in the wrong place.",
      severity: "error",
      from: { path: ENTRY_POINTS },
      to: { path: PRODUCT, pathNot: ENTRY_POINTS, reachable: false },
    },
  ],
  options: {
    // Type-only imports count: a cycle of types is still a cycle of modules a reader must follow.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    // npm installs packages as folders; only the architecture test's copy links node_modules, and
    // its packages must still read as node_modules/<package>.
    preserveSymlinks: true,
    exclude: { path: "^(bin|coverage)/" },
  },
};
