/**
 * Plain scalars and what kubectl 1.34 makes of them, each traced to its rule: go-yaml v2's
 * resolve.go (go.yaml.in/yaml/v2 v2.4.2: resolveTable, resolveMap, yamlStyleFloat, the `0b` branch),
 * Go's strconv under it, and sigs.k8s.io/yaml v1.6.0's conversion to JSON (a float key is written
 * by strconv.FormatFloat(f, 'g', -1, 32); json.Marshal refuses NaN and the infinities); then, for
 * the numbers, what the API server 1.34 makes of them in an int32 and an int64 field. Read by
 * tests/kube/scalars.test.ts, in a string field, in two integer fields and as a key.
 */

/** What go-yaml v2 reads, and what sigs.k8s.io/yaml sends as JSON. */
export type Reading =
  /** a string as written */
  | { tag: "str" }
  | { tag: "bool"; value: boolean }
  | { tag: "null" }
  /** `json`: the decimal sent (exact beyond 2^53); a uint64 (beyond int64) is no JSON key. */
  | { tag: "int"; json: string; uint64?: true }
  /** `json`: the number sent; `key`: FormatFloat(f, 'g', -1, 32), the JSON key made of it. */
  | { tag: "float"; json: string; key: string }
  /** NaN or an infinity: json.Marshal refuses the value; as a key, go-yaml's name for it. */
  | { tag: "nonJson"; go: "NaN" | "+Inf" | "-Inf"; key: string };

export interface ScalarRow {
  source: string;
  reads: Reading;
  /** The rule of resolve.go, strconv or sigs.k8s.io/yaml the reading follows from. */
  rule: string;
}

const str: Reading = { tag: "str" };
const bool = (value: boolean): Reading => ({ tag: "bool", value });
const nil: Reading = { tag: "null" };
const int = (json: string): Reading => ({ tag: "int", json });
const uint64 = (json: string): Reading => ({ tag: "int", json, uint64: true });
const float = (json: string, key = json): Reading => ({ tag: "float", json, key });
const nonJson = (go: "NaN" | "+Inf" | "-Inf", key: string): Reading => ({ tag: "nonJson", go, key });
const row = (source: string, reads: Reading, rule: string): ScalarRow => ({ source, reads, rule });

const WORD = "resolveMap";
const NOT_A_WORD = "first character in resolveTable (M), but only resolveMap's words are read: a string";
const NO_HINT = "first character not in resolveTable: a string, nothing parsed";
const PARSE_INT = "underscores removed, strconv.ParseInt(s, 0, 64)";
const PARSE_UINT = "ParseInt out of range, strconv.ParseUint(s, 0, 64)";
const YAML_FLOAT = "ParseInt and ParseUint fail, yamlStyleFloat matches, strconv.ParseFloat";
const NOTHING = "ParseInt, ParseUint fail, yamlStyleFloat does not match, no `0b`: a string";

export const SCALARS: ScalarRow[] = [
  // The booleans: exactly the words of resolveMap, in lower, Capitalised and UPPER case.
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) =>
    row(s, bool(true), `${WORD}: true`),
  ),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s) =>
    row(s, bool(false), `${WORD}: false`),
  ),
  row("yEs", str, NOT_A_WORD),
  row("tRUE", str, NOT_A_WORD),
  row("nO", str, NOT_A_WORD),
  row("oFF", str, NOT_A_WORD),

  // null: resolveMap; an empty scalar is looked up as "" (hint N).
  row("~", nil, `${WORD}: null; no JSON key (unsupported map key of type: <nil>)`),
  row("null", nil, `${WORD}: null`),
  row("Null", nil, `${WORD}: null`),
  row("NULL", nil, `${WORD}: null`),
  row("", nil, `${WORD}: the empty scalar is null`),
  row("nULL", str, NOT_A_WORD),

  // Integers: strconv.ParseInt with base 0 reads the sign, then `0b`, `0o`, `0x` (either case, a
  // digit after it) or a leading `0` (octal), on the text without its underscores.
  row("0", int("0"), PARSE_INT),
  row("7", int("7"), PARSE_INT),
  row("-7", int("-7"), `${PARSE_INT}: a sign`),
  row("+7", int("7"), `${PARSE_INT}: a sign`),
  row("0777", int("511"), `${PARSE_INT}: a leading 0 is octal`),
  row("00", int("0"), `${PARSE_INT}: octal 0`),
  row("08", float("8"), `${YAML_FLOAT}: 8 is no octal digit, [0-9]+ is a YAML float`),
  row("09", float("9"), `${YAML_FLOAT}: 9 is no octal digit`),
  row("018", float("18"), `${YAML_FLOAT}: 8 is no octal digit`),
  row("0x1F", int("31"), `${PARSE_INT}: 0x`),
  row("0X1F", int("31"), `${PARSE_INT}: 0X, the prefix in either case`),
  row("0x1f", int("31"), `${PARSE_INT}: hex digits in either case`),
  row("0x", str, `${NOTHING} (a prefix needs a digit after it: octal, and x is no digit)`),
  row("0xG", str, `${NOTHING} (G is no hex digit)`),
  row("0o17", int("15"), `${PARSE_INT}: 0o (Go 1.13)`),
  row("0O17", int("15"), `${PARSE_INT}: 0O`),
  row("0o", str, NOTHING),
  row("0o8", str, `${NOTHING} (8 is no octal digit)`),
  row("0b11", int("3"), `${PARSE_INT}: 0b (Go 1.13)`),
  row("0B11", int("3"), `${PARSE_INT}: 0B`),
  row("0b", str, `${NOTHING}; then ParseInt("", 2) fails`),
  row("0b2", str, `${NOTHING}; then ParseInt("2", 2) fails`),
  row("-0b101", int("-5"), `${PARSE_INT}: a sign, then 0b`),
  row("0b-101", int("-5"), 'ParseInt(s, 0) fails (- is no binary digit); the `0b` branch: ParseInt("-101", 2)'),
  row("0b+11", int("3"), 'the `0b` branch: ParseInt("+11", 2)'),
  row("+0x1F", int("31"), `${PARSE_INT}: a sign, then 0x`),
  row("-0x1F", int("-31"), `${PARSE_INT}: a sign, then 0x`),
  row("1_000", int("1000"), PARSE_INT),
  row("0x_1F", int("31"), `${PARSE_INT}: 0x1F`),
  row("_1", str, NO_HINT),
  row("1__0", int("10"), `${PARSE_INT}: every underscore goes, wherever it is`),
  row("1_", int("1"), `${PARSE_INT}: 1`),
  row("-_1", int("-1"), `${PARSE_INT}: -1`),
  row("0o1_7", int("15"), `${PARSE_INT}: 0o17`),
  row("1_000_000", int("1000000"), PARSE_INT),
  row("9223372036854775807", int("9223372036854775807"), `${PARSE_INT}: the largest int64, beyond 2^53`),
  row("-9223372036854775808", int("-9223372036854775808"), `${PARSE_INT}: the smallest int64`),
  row("9007199254740993", int("9007199254740993"), `${PARSE_INT}: 2^53 + 1, sent exactly`),
  row("9223372036854775808", uint64("9223372036854775808"), `${PARSE_UINT}: a uint64, no JSON key`),
  row("18446744073709551615", uint64("18446744073709551615"), `${PARSE_UINT}: the largest uint64`),
  row("0xFFFFFFFFFFFFFFFF", uint64("18446744073709551615"), `${PARSE_UINT}: hex too`),
  row(
    "18446744073709551616",
    float("18446744073709552000", "1.8446744e+19"),
    `ParseUint out of range too; ${YAML_FLOAT}`,
  ),
  row(
    "-9223372036854775809",
    float("-9223372036854776000", "-9.223372e+18"),
    `${YAML_FLOAT} (ParseUint takes no sign)`,
  ),
  row("0x10000000000000000", str, `${NOTHING}: beyond uint64, and a hex float needs a p exponent`),
  row("-0", int("0"), `${PARSE_INT}: -0 is 0`),
  row("+0", int("0"), PARSE_INT),

  // Floats: what yamlStyleFloat matches, read by strconv.ParseFloat.
  row("-0.0", float("-0"), `${YAML_FLOAT}: negative zero, which encoding/json writes -0`),
  row("0.0", float("0"), YAML_FLOAT),
  row("1.0", float("1"), YAML_FLOAT),
  row("1.5", float("1.5"), YAML_FLOAT),
  row("+1.5", float("1.5"), `${YAML_FLOAT}: a sign`),
  row("1e3", float("1000"), `${YAML_FLOAT}: an exponent`),
  row("1E3", float("1000"), `${YAML_FLOAT}: E`),
  row("1.e3", float("1000"), `${YAML_FLOAT}: [0-9]+(\\.[0-9]*)?`),
  row("-.5e-3", float("-0.0005"), `${YAML_FLOAT}: \\.[0-9]+ after a sign`),
  row("1_0.5", float("10.5"), `underscores removed; ${YAML_FLOAT}`),
  row("1e-7", float("1e-7", "1e-07"), `${YAML_FLOAT}; encoding/json writes an exponent below 1e-6`),
  row("1e21", float("1e+21"), `${YAML_FLOAT}; encoding/json writes an exponent from 1e21`),
  row("1e6", float("1000000", "1e+06"), `${YAML_FLOAT}; as a key, 'g' writes an exponent from 1e6`),
  row("123456789.0", float("123456789", "1.2345679e+08"), `${YAML_FLOAT}; as a key, float32 digits`),
  row("3.14159265358979", float("3.14159265358979", "3.1415927"), `${YAML_FLOAT}; as a key, float32 digits`),
  row("1e39", float("1e+39", ".inf"), `${YAML_FLOAT}; as a key, beyond float32: +Inf, named .inf`),
  row(
    "1048576.25",
    float("1048576.25", "1.0485762e+06"),
    `${YAML_FLOAT}; as a key, halfway between two 8-digit decimals: the even one`,
  ),
  row(
    "0.000244140625",
    float("0.000244140625", "0.00024414062"),
    `${YAML_FLOAT}; as a key, 2^-12, halfway too: the even one`,
  ),
  row(
    "1.262177448353619e-29",
    float("1.262177448353619e-29", "1.2621775e-29"),
    `${YAML_FLOAT}; as a key, 2^-96: below a power of two the interval is narrower, so the 8 digits above`,
  ),
  row("1e-999", float("0"), `${YAML_FLOAT}: an underflow is 0, no error`),
  row("1e999", str, `${YAML_FLOAT} out of range: an error, so a string`),
  row("-1e999", str, `${YAML_FLOAT} out of range: a string`),
  row("1e", str, NOTHING),
  row("1e+", str, NOTHING),
  row("1.2.3", str, NOTHING),
  row("0x1p-2", str, `${NOTHING}: yamlStyleFloat has no hex floats`),
  row("+", str, NOTHING),
  row(".5", float("0.5"), "first character `.`: strconv.ParseFloat of the text"),
  row(".5e3", float("500"), "`.`: strconv.ParseFloat"),
  row(".5_5", float("0.55"), "`.`: strconv.ParseFloat, an underscore between digits"),
  row("._5", str, "`.`: strconv.ParseFloat refuses an underscore after the point"),
  row(".e3", str, "`.`: strconv.ParseFloat needs a digit"),
  row(".", str, "`.`: strconv.ParseFloat needs a digit"),

  // NaN and the infinities: resolveMap only; JSON cannot carry them.
  row(".inf", nonJson("+Inf", ".inf"), `${WORD}: +Inf`),
  row(".Inf", nonJson("+Inf", ".inf"), `${WORD}: +Inf`),
  row(".INF", nonJson("+Inf", ".inf"), `${WORD}: +Inf`),
  row("+.inf", nonJson("+Inf", ".inf"), `${WORD}: +Inf`),
  row("+.INF", nonJson("+Inf", ".inf"), `${WORD}: +Inf`),
  row("-.inf", nonJson("-Inf", "-.inf"), `${WORD}: -Inf`),
  row("-.Inf", nonJson("-Inf", "-.inf"), `${WORD}: -Inf`),
  row(".nan", nonJson("NaN", ".nan"), `${WORD}: NaN`),
  row(".NaN", nonJson("NaN", ".nan"), `${WORD}: NaN`),
  row(".NAN", nonJson("NaN", ".nan"), `${WORD}: NaN`),
  row(".iNf", str, "`.`: not in resolveMap, and strconv.ParseFloat reads no `.inf`"),
  row("-.nan", str, `not in resolveMap; ${NOTHING}`),
  row("+inf", str, `${NOTHING}: ParseFloat's own Inf is never tried`),
  row("inf", str, NO_HINT),
  row("Infinity", str, NO_HINT),
  row("NaN", str, NOT_A_WORD),
  row("nan", str, NOT_A_WORD),

  // Strings that other YAML readers take for numbers or dates.
  row("e10", str, `${NO_HINT} (e)`),
  row("E5", str, `${NO_HINT} (E)`),
  row("e0167131", str, `${NO_HINT}: a pod-template-hash`),
  row("12:30", str, `${NOTHING}: go-yaml v2 has no sexagesimal numbers`),
  row("1:20", str, NOTHING),
  row("2024-01-01", str, "a timestamp, which decoding into interface{} keeps as its text"),
  row("2024-01-01T00:00:00Z", str, "a timestamp: its text"),
];

/**
 * The numbers of the table the API server refuses in a Go int32 or int64 field, each with the
 * number kubectl sends it (kubectl decodes its JSON into an unstructured object, keeping a number
 * strconv.ParseInt reads as an int64 and making any other a float64, and encodes it again). The
 * API server's JSON decoder (sigs.k8s.io/json, encoding/json's literalStore) takes a number into
 * an int field only if strconv.ParseInt(text, 10, 64) reads it and reflect's OverflowInt does not
 * refuse it. Every other number of the table is taken. Checked against kube-apiserver 1.34's
 * decoder, built outside the repository.
 */
export const REFUSED_IN_ANY_INT: Record<string, string> = {
  // A fraction or an exponent: ParseInt fails.
  "1.5": "1.5",
  "+1.5": "1.5",
  "-.5e-3": "-0.0005",
  "1_0.5": "10.5",
  "1e-7": "1e-7",
  "1e21": "1e+21",
  "1e39": "1e+39",
  "3.14159265358979": "3.14159265358979",
  "1048576.25": "1048576.25",
  "0.000244140625": "0.000244140625",
  "1.262177448353619e-29": "1.262177448353619e-29",
  ".5": "0.5",
  ".5_5": "0.55",
  // Beyond int64: kubectl sends a uint64 as the float64 nearest to it, in its shortest digits; ParseInt fails.
  "9223372036854775808": "9223372036854776000",
  "18446744073709551615": "18446744073709552000",
  "0xFFFFFFFFFFFFFFFF": "18446744073709552000",
  "18446744073709551616": "18446744073709552000",
  "-9223372036854775809": "-9223372036854776000",
};

/** The numbers an int64 takes and an int32 does not: ParseInt reads them, OverflowInt(32) refuses them. */
export const REFUSED_IN_INT32_ONLY: Record<string, string> = {
  "9223372036854775807": "9223372036854775807",
  "-9223372036854775808": "-9223372036854775808",
  "9007199254740993": "9007199254740993",
};
