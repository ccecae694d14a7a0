/**
 * Queries of manifests mode: `--from` and `--to` patterns and `--port`, which pick the cells of
 * the per-pod table to answer (and, with `--to external:NAME`, cells towards an external client).
 */
import { ClusterModel, VerifyInputError } from "../model";
import { Endpoint, PortSpec, PROTOCOLS, Protocol } from "../netpol";
import { comparePods } from "../netpol/model";

export type { PortSpec };

/** A `--from`/`--to` pattern: `NAMESPACE/NAME` for pods or `external:NAME`, `*` matching any characters. */
export interface Pattern {
  text: string;
  kind: "pod" | "external";
  namespace: RegExp;
  name: RegExp;
}

export interface Query {
  /** Sources: every pod and external client when empty. */
  from: Pattern[];
  /** Destinations: every pod when empty. */
  to: Pattern[];
  /** The ports to judge on every destination, declared or not; each pod's declared ports when empty. */
  ports: PortSpec[];
}

/** The largest number of cells a report that is not streamed holds; `--format jsonl` has no limit. */
export const MAX_PRINTED_CELLS = 100_000;

// The characters of Kubernetes names (and of --external names), and `*`.
const GLOB = /^[a-z0-9.*-]+$/;

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/\./g, "\\.").replace(/\*/g, ".*")}$`);
}

/** Parses a pattern; undefined, with the problem added, when it is not one. */
export function parsePattern(flag: string, text: string, problems: string[]): Pattern | undefined {
  const external = /^external:(.+)$/.exec(text);
  const parts = external ? [external[1]] : text.split("/");
  if ((external ? parts.length === 1 : parts.length === 2) && parts.every((part) => GLOB.test(part))) {
    return external
      ? { text, kind: "external", namespace: /^$/, name: globRegExp(parts[0]) }
      : { text, kind: "pod", namespace: globRegExp(parts[0]), name: globRegExp(parts[1]) };
  }
  problems.push(
    `${flag}: "${text}" is not accepted; expected NAMESPACE/NAME or external:NAME, in lower case, where * matches any characters (such as shop/web-*, */db or external:*)`,
  );
  return undefined;
}

/** Parses `N` or `N/PROTOCOL` (TCP when absent); undefined, with the problem added, when it is not one. */
export function parsePort(text: string, problems: string[]): PortSpec | undefined {
  const match = /^([0-9]{1,5})(?:\/([A-Z]+))?$/.exec(text);
  const port = match ? Number(match[1]) : NaN;
  const protocol = (match?.[2] ?? "TCP") as Protocol;
  if (match && port >= 1 && port <= 65535 && PROTOCOLS.includes(protocol)) return { port, protocol };
  problems.push(
    `--port: "${text}" is not accepted; expected a port from 1 to 65535, optionally followed by /TCP, /UDP or /SCTP (such as 5432 or 53/UDP)`,
  );
  return undefined;
}

function matches(pattern: Pattern, endpoint: Endpoint): boolean {
  if (endpoint.kind === "external") return pattern.kind === "external" && pattern.name.test(endpoint.external.name);
  return (
    pattern.kind === "pod" && pattern.namespace.test(endpoint.pod.namespace) && pattern.name.test(endpoint.pod.name)
  );
}

function select(flag: string, patterns: Pattern[], candidates: Endpoint[], problems: string[]): Endpoint[] {
  for (const pattern of patterns) {
    if (!candidates.some((endpoint) => matches(pattern, endpoint))) {
      problems.push(
        `${flag}: "${pattern.text}" matches no ${pattern.kind === "pod" ? "pod of the manifests" : "external client given with --external"}`,
      );
    }
  }
  return candidates.filter((endpoint) => patterns.some((pattern) => matches(pattern, endpoint)));
}

/**
 * The sources and destinations a query picks, in the order of the full table: sources as the
 * manifests list the pods, then the external clients; destination pods by namespace and name,
 * then external clients. Patterns that match nothing are bad input.
 */
export function selectEndpoints(query: Query, model: ClusterModel): { sources: Endpoint[]; destinations: Endpoint[] } {
  const problems: string[] = [];
  const pods = model.pods.map((pod): Endpoint => ({ kind: "pod", pod }));
  const externals = model.externals.map((external): Endpoint => ({ kind: "external", external }));
  const sources =
    query.from.length > 0 ? select("--from", query.from, [...pods, ...externals], problems) : [...pods, ...externals];
  const sortedPods = [...model.pods].sort(comparePods).map((pod): Endpoint => ({ kind: "pod", pod }));
  const destinations =
    query.to.length > 0 ? select("--to", query.to, [...sortedPods, ...externals], problems) : sortedPods;
  if (query.ports.length === 0 && destinations.some((endpoint) => endpoint.kind === "external")) {
    const patterns = query.to.filter((pattern) => pattern.kind === "external").map((pattern) => `"${pattern.text}"`);
    problems.push(`--to: ${patterns.join(", ")}: an external client declares no port; say which with --port`);
  }
  if (problems.length > 0) throw new VerifyInputError(problems);
  return { sources, destinations };
}

/** The flags of a query, as the report's heading quotes them. */
export function describeQuery(query: Query): string[] {
  return [
    ...query.from.map((p) => `--from ${p.text}`),
    ...query.to.map((p) => `--to ${p.text}`),
    ...query.ports.map((p) => `--port ${p.port}/${p.protocol}`),
  ];
}
