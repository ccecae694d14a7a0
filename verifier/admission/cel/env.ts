/**
 * The CEL environment Gatekeeper's K8sNativeValidation engine compiles templates in, as far
 * as this offline evaluator implements it.
 *
 * Gatekeeper compiles with the Kubernetes base environment
 * (k8s.io/apiserver/pkg/cel/environment.MustBaseEnvSet, see Gatekeeper's
 * pkg/drivers/k8scel/driver.go): the CEL standard library and macros, the strings
 * extension (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split,
 * substring, trim, join, quote, format), and the Kubernetes libraries (lists, regex, URLs,
 * quantity, IP/CIDR, sets, format, semver, optional types).
 * https://kubernetes.io/docs/reference/using-api/cel/#cel-options-language-features-and-libraries
 *
 * Implemented here: the standard library and the strings extension of @bufbuild/cel, which
 * is what the lab's policy uses. The other Kubernetes library functions are known by name,
 * so that a template calling one is refused with a plain "not implemented offline" rather
 * than misreported as an undeclared reference or silently misjudged.
 */
import { celEnv, type CelEnv } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

export const CEL_ENV: CelEnv = celEnv({ funcs: strings });

/** Operators the planner evaluates itself (they are not registered functions). */
const BUILTIN_OPERATORS = ["_&&_", "_||_", "_?_:_", "_[_]", "@not_strictly_false"];

/** Every function and operator name the environment resolves. */
export const SUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...BUILTIN_OPERATORS,
  ...Array.from(CEL_ENV.funcs, (f) => f.name),
]);

/** Functions of Gatekeeper's CEL environment that this evaluator does not implement. */
export const UNIMPLEMENTED_FUNCTIONS: ReadonlySet<string> = new Set([
  // Kubernetes lists library and cel-go lists extension
  "isSorted",
  "sum",
  "min",
  "max",
  "slice",
  "flatten",
  "distinct",
  "sort",
  "sortBy",
  "reverse",
  "first",
  "last",
  "lists.range",
  // Kubernetes regex library
  "find",
  "findAll",
  // Kubernetes URL library
  "url",
  "isURL",
  "getScheme",
  "getHost",
  "getHostname",
  "getPort",
  "getEscapedPath",
  "getQuery",
  // Kubernetes quantity library
  "quantity",
  "isQuantity",
  "sign",
  "isGreaterThan",
  "isLessThan",
  "compareTo",
  "add",
  "sub",
  "asInteger",
  "asApproximateFloat",
  "isInteger",
  // Kubernetes IP and CIDR libraries
  "ip",
  "isIP",
  "ip.isCanonical",
  "family",
  "isUnspecified",
  "isLoopback",
  "isLinkLocalMulticast",
  "isLinkLocalUnicast",
  "isGlobalUnicast",
  "cidr",
  "isCIDR",
  "containsIP",
  "containsCIDR",
  "masked",
  "prefixLength",
  // cel-go sets extension
  "sets.contains",
  "sets.equivalent",
  "sets.intersects",
  // Kubernetes format and semver libraries
  "validate",
  "semver",
  "isSemver",
  "major",
  "minor",
  "patch",
  // optional types
  "optional.of",
  "optional.ofNonZeroValue",
  "optional.none",
  "hasValue",
  "value",
  "orValue",
  "or",
  // two-variable comprehensions
  "transformList",
  "transformMap",
  "transformMapEntry",
]);

/** Namespaced Kubernetes libraries (format.dns1123Label(), math.greatest(), ...), none implemented. */
const UNIMPLEMENTED_NAMESPACES = ["format.", "math.", "base64."];

export function isUnimplementedFunction(name: string): boolean {
  return (
    UNIMPLEMENTED_FUNCTIONS.has(name) ||
    (!SUPPORTED_FUNCTIONS.has(name) && UNIMPLEMENTED_NAMESPACES.some((prefix) => name.startsWith(prefix)))
  );
}
