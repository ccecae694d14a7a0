/**
 * Plain scalars as kubectl reads them. kubectl 1.34 decodes YAML with sigs.k8s.io/yaml v1.6.0, which
 * unmarshals into interface{} with go.yaml.in/yaml/v2 v2.4.2 (the same resolve.go as gopkg.in/yaml.v2
 * v2.4.0 and as the fork sigs.k8s.io/yaml carried in goyaml.v2) and then converts the result to
 * JSON. This is that resolver, rule by rule, over Go's strconv (as kubectl is built, Go 1.13 or later):
 *
 * - The first character picks the rules (resolveTable): `+ -` and digits try numbers, `.` a float,
 *   `y Y n N t T f F o O ~` only the words below; any other first character (`e10`, `E5`, `_1`,
 *   `inf`) leaves the scalar a string.
 * - The words (resolveMap), exactly as listed: `y Y yes Yes YES true True TRUE on On ON` true,
 *   `n N no No NO false False FALSE off Off OFF` false, `~ null Null NULL` and the empty scalar null,
 *   `.nan .NaN .NAN` NaN, `.inf .Inf .INF +.inf +.Inf +.INF` and `-.inf -.Inf -.INF` infinities.
 * - `.` first: strconv.ParseFloat of the text as written (underscores only between digits).
 * - A sign or a digit first: every `_` is removed, then strconv.ParseInt(s, 0, 64) (sign, then `0b`,
 *   `0o`, `0x` in either case, or a leading `0` for octal: `0777` is 511, `0o17` 15, `0X1F` 31), then
 *   ParseUint(s, 0, 64) (no sign, up to 2^64-1), then ParseFloat if the text is a YAML float
 *   (`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, so `08` is the float 8, `1e3` 1000, and
 *   a hex float a string), then, after a `0b`, ParseInt and ParseUint in base 2 of the rest, which
 *   reads `0b-101` as -5. A float out of float64's range (`1e999`) fails ParseFloat: a string.
 * - Timestamps (`2024-01-01`) are strings: go-yaml resolves them, but decoding into interface{}
 *   keeps the text, and nothing a timestamp matches could be a number.
 */

/** What go-yaml v2 makes of a plain scalar, as the Go type it decodes into interface{}. */
export type GoScalar =
  | { tag: "null"; value: null }
  | { tag: "bool"; value: boolean }
  /** `text`: the decimal kubectl sends, exact where `value` is not (beyond 2^53); `uint64` beyond int64. */
  | { tag: "int"; value: number; text: string; uint64: boolean }
  | { tag: "float"; value: number }
  | { tag: "str"; value: string };

const WORDS = new Map<string, GoScalar>();
for (const [value, words] of [
  [true, "y Y yes Yes YES true True TRUE on On ON"],
  [false, "n N no No NO false False FALSE off Off OFF"],
] as const) {
  for (const word of words.split(" ")) WORDS.set(word, { tag: "bool", value });
}
for (const word of ["", "~", "null", "Null", "NULL"]) WORDS.set(word, { tag: "null", value: null });
for (const [value, words] of [
  [NaN, ".nan .NaN .NAN"],
  [Infinity, ".inf .Inf .INF +.inf +.Inf +.INF"],
  [-Infinity, "-.inf -.Inf -.INF"],
] as const) {
  for (const word of words.split(" ")) WORDS.set(word, { tag: "float", value });
}

/** The first characters go-yaml looks further at (resolveTable): S sign, D digit, M a word, `.` a float. */
const HINTS: Record<string, "S" | "D" | "M" | "."> = { "+": "S", "-": "S", ".": "." };
for (const c of "0123456789") HINTS[c] = "D";
for (const c of "yYnNtTfFoO~") HINTS[c] = "M";

/** The first characters of the plain scalars go-yaml v2 may read as something other than a string. */
export const FIRST_CHARS = { null: ["", "~", "n", "N"], bool: [..."yYnNtTfFoO"], number: [..."+-.0123456789"] };

/** strconv.ParseFloat's syntax for a text starting with `.`: underscores only between digits. */
const DOT_FLOAT = /^\.[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?$/;
/** resolve.go's yamlStyleFloat, tried once the underscores are gone. */
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

const INT64_LIMIT = 1n << 63n;
const UINT64_MAX = (1n << 64n) - 1n;
const DIGIT_PREFIX: Record<number, string> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };
const PREFIX_RADIX: Record<string, number | undefined> = { b: 2, o: 8, x: 16 };

/** The value of digits in a base, or undefined if one is not a digit of it (strconv's loop). */
function magnitude(digits: string, base: number): bigint | undefined {
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    const lower = c | 0x20; // strconv's lower()
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : lower >= 0x61 && lower <= 0x7a ? lower - 0x61 + 10 : 99;
    if (digit >= base) return undefined;
  }
  const small = digits === "" ? 0 : parseInt(digits, base);
  return Number.isSafeInteger(small) ? BigInt(small) : BigInt(DIGIT_PREFIX[base] + digits);
}

function int(value: bigint, uint64: boolean): GoScalar {
  return { tag: "int", value: Number(value), text: value.toString(), uint64 };
}

/** strconv.ParseInt(s, base, 64) then ParseUint(s, base, 64); base 0 reads the prefixes. */
function parseInteger(s: string, base: 0 | 2): GoScalar | undefined {
  const sign = s[0] === "+" || s[0] === "-" ? s[0] : "";
  let digits = s.slice(sign.length);
  if (digits === "") return undefined;
  let radix = base === 0 ? 10 : base;
  if (base === 0 && digits[0] === "0") {
    // A prefix needs a digit after it; a lone `0` or `0x` is octal, read from the next character.
    const prefixed = digits.length >= 3 ? PREFIX_RADIX[digits[1].toLowerCase()] : undefined;
    radix = prefixed ?? 8;
    digits = digits.slice(prefixed === undefined ? 1 : 2);
  }
  const m = magnitude(digits, radix);
  if (m === undefined) return undefined;
  if (sign === "-") return m <= INT64_LIMIT ? int(-m, false) : undefined;
  if (m < INT64_LIMIT) return int(m, false);
  // ParseUint takes no sign.
  return sign === "" && m <= UINT64_MAX ? int(m, true) : undefined;
}

/** A float64, or undefined where strconv.ParseFloat reports the text out of range. */
function parseFloat64(s: string): GoScalar | undefined {
  const value = Number(s.replaceAll("_", ""));
  return Number.isFinite(value) ? { tag: "float", value } : undefined;
}

/** go-yaml v2's reading of a plain scalar (resolve.go's resolve with no tag). */
export function resolvePlain(source: string): GoScalar {
  const hint = source === "" ? "M" : HINTS[source[0]];
  if (hint === undefined) return { tag: "str", value: source };
  const word = WORDS.get(source);
  if (word !== undefined) return word;
  let read: GoScalar | undefined;
  if (hint === ".") {
    read = DOT_FLOAT.test(source) ? parseFloat64(source) : undefined;
  } else if (hint !== "M") {
    const plain = source.includes("_") ? source.replaceAll("_", "") : source;
    read =
      parseInteger(plain, 0) ??
      (YAML_FLOAT.test(plain) ? parseFloat64(plain) : undefined) ??
      (plain.startsWith("0b") ? parseInteger(plain.slice(2), 2) : undefined);
  }
  return read ?? { tag: "str", value: source };
}

/** A number as encoding/json writes it into what kubectl sends: shortest digits, `-0` kept. */
export function jsonNumber(scalar: Extract<GoScalar, { tag: "int" | "float" }>): string {
  if (scalar.tag === "int") return scalar.text;
  // encoding/json writes 'f' digits between 1e-6 and 1e21 and exponents outside, as JavaScript does.
  return Object.is(scalar.value, -0) ? "-0" : String(scalar.value);
}

/**
 * The number kubectl sends the API server: kubectl decodes sigs.k8s.io/yaml's JSON into an
 * unstructured object, keeping a number that strconv.ParseInt reads as an int64 and making any
 * other a float64, and encodes it again. So a uint64 arrives as a float64's shortest digits
 * (9223372036854775808 as 9223372036854776000), and -0 as 0.
 */
export function sentNumber(scalar: Extract<GoScalar, { tag: "int" | "float" }>): string {
  if (scalar.tag === "int") return scalar.uint64 ? jsonNumber({ tag: "float", value: scalar.value }) : scalar.text;
  return Object.is(scalar.value, -0) ? "0" : jsonNumber(scalar);
}

/** The Go integer types of Kubernetes' fields. */
export type GoInt = "int32" | "int64";

const GO_INT_LIMIT: Record<GoInt, bigint> = { int32: 1n << 31n, int64: 1n << 63n };

/**
 * Whether the API server's JSON decoder takes a number it is sent into a Go int32 or int64:
 * strconv.ParseInt(text, 10, 64), then the type's range (reflect's OverflowInt). A fraction or
 * an exponent fails ParseInt.
 */
export function fitsGoInt(text: string, type: GoInt): boolean {
  if (!/^[-+]?[0-9]+$/.test(text)) return false;
  const value = BigInt(text);
  return value >= -GO_INT_LIMIT[type] && value < GO_INT_LIMIT[type];
}

/**
 * The JSON key sigs.k8s.io/yaml makes of a mapping key go-yaml read as something other than a
 * string, or undefined where it refuses the file (`unsupported map key of type`: null, uint64).
 */
export function jsonKey(scalar: GoScalar): string | undefined {
  switch (scalar.tag) {
    case "str":
      return scalar.value;
    case "bool":
      return String(scalar.value);
    case "int":
      return scalar.uint64 ? undefined : scalar.text;
    case "float":
      return formatFloat32(scalar.value);
    case "null":
      return undefined;
  }
}

/**
 * strconv.FormatFloat(f, 'g', -1, 32) with go-yaml's names for NaN and the infinities: how
 * sigs.k8s.io/yaml writes a float key, in float32 precision (`123456789.0` is "1.2345679e+08").
 */
function formatFloat32(f: number): string {
  const single = Math.fround(f); // `1e39` is beyond float32: ".inf"
  if (Number.isNaN(single)) return ".nan";
  if (!Number.isFinite(single)) return single > 0 ? ".inf" : "-.inf";
  if (single === 0) return Object.is(single, -0) ? "-0" : "0";
  const sign = single < 0 ? "-" : "";
  const { digits, point } = shortestFloat32(Math.abs(single));
  const exponent = point - 1;
  // 'g' with the shortest digits writes an exponent below -4 and from 6 on (%e), else %f.
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const magnitudeText = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? "-" : "+"}${magnitudeText}`;
  }
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const pow = (base: bigint, exponent: number) => (exponent > 0 ? base ** BigInt(exponent) : 1n);

/**
 * The digits of a positive float32 as strconv's ryuFtoaShortest finds them (value = 0.digits ×
 * 10^point), in exact arithmetic: the coarsest power of ten with a multiple inside the interval that
 * reads back as the float32 (its ends included when the mantissa is even; narrower below a power
 * of two), and on it the float32 rounded half to even, kept inside the interval.
 */
function shortestFloat32(single: number): { digits: string; point: number } {
  const bits = new Uint32Array(new Float32Array([single]).buffer)[0];
  const biased = bits >>> 23;
  const mantissa = biased === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000;
  const exponent = biased === 0 ? -149 : biased - 150; // single = mantissa × 2^exponent
  // An integer below 2^24 is written as it is.
  if (exponent <= 0 && Number.isInteger(single)) {
    const text = String(single);
    const digits = text.replace(/0+$/, "");
    return { digits, point: text.length };
  }
  const border = mantissa === 0x800000 && biased > 1;
  const m = BigInt(mantissa);
  const [lower, central, upper] = border ? [4n * m - 1n, 4n * m, 4n * m + 2n] : [2n * m - 1n, 2n * m, 2n * m + 1n];
  const e2 = exponent - (border ? 2 : 1);
  const even = mantissa % 2 === 0;
  for (let j = 40; j >= -60; j--) {
    // x × 2^e2 / 10^j as numerator / denominator.
    const scale = (x: bigint) => (x << BigInt(Math.max(e2, 0))) * pow(10n, -j);
    const denominator = pow(10n, j) << BigInt(Math.max(-e2, 0));
    const low = scale(lower);
    const high = scale(upper);
    let first = low / denominator + (low % denominator === 0n ? (even ? 0n : 1n) : 1n);
    const last = high / denominator - (high % denominator === 0n && !even ? 1n : 0n);
    if (first > last) continue;
    const value = scale(central);
    const floor = value / denominator;
    const twice = 2n * (value - floor * denominator);
    const up = twice > denominator || (twice === denominator && floor % 2n === 1n);
    first = floor < first ? first : up && floor < last ? floor + 1n : floor;
    const text = first.toString();
    return { digits: text.replace(/0+$/, ""), point: text.length + j };
  }
  throw new Error(`no digits for the float32 ${single}`);
}
