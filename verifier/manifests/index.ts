/**
 * Manifests mode: judges any Kubernetes manifests, with external clients named on the command
 * line. Without a query the report gives the classes of pods and what the policies do over every
 * pod pair; a query answers the cells it picks, per pod, in a report when they are few enough, or
 * streamed one per line however many they are.
 */
import { analyzeJudged, connectivityEngine, Report } from "../analyze";
import { buildModel, ClusterModel, VerifyInputError } from "../model";
import type { ExternalPeer, TableEntry } from "../netpol";
import { describeQuery, MAX_PRINTED_CELLS, Query, selectEndpoints } from "./query";
import { readManifests } from "./read";

export interface ManifestsRequest {
  /** Files and folders of YAML, as --manifests gives them. */
  targets: string[];
  externals: ExternalPeer[];
  /** Absent: the overview (in a report) or every cell (streamed). */
  query?: Query;
}

function model(request: ManifestsRequest): ClusterModel {
  return buildModel(readManifests(request.targets), request.externals);
}

const thousands = (n: number) => n.toLocaleString("en-US");

/** The analysis of every object in the files and folders given, with the overview or the cells asked for. */
export async function verifyManifests(request: ManifestsRequest): Promise<Report> {
  const cluster = model(request);
  if (!request.query) return analyzeJudged(cluster, { connectivity: { kind: "overview" } });
  const engine = connectivityEngine(cluster);
  const { sources, destinations } = selectEndpoints(request.query, cluster);
  const ports = request.query.ports.length > 0 ? request.query.ports : undefined;
  const count = engine.countCells(sources, destinations, ports);
  const query = describeQuery(request.query);
  // Refused before any cell is judged: the table would be built whole in memory, then printed.
  if (count > MAX_PRINTED_CELLS) {
    throw new VerifyInputError([
      `${query.join(" ")}: asks for ${thousands(count)} cells (${thousands(sources.length)} sources × ${thousands(count / sources.length)} destination ports), more than the ${thousands(MAX_PRINTED_CELLS)} a text, markdown or json report holds; stream them with --format jsonl, or ask for fewer with --from, --to or --port`,
    ]);
  }
  return analyzeJudged(cluster, { engine, connectivity: { kind: "cells", sources, destinations, ports, query } });
}

/**
 * One cell as a line of JSON, with the fields and order of a report's connectivity cells: a pod
 * to itself has `"self": true` where the others have `allowed`.
 */
export function cellLine(cell: TableEntry): string {
  const { from, to, port, protocol, reason } = cell;
  const verdict = cell.self ? { self: true } : { allowed: cell.allowed };
  return `${JSON.stringify({ from, to, port, protocol, ...verdict, reason })}\n`;
}

/** Chunks of about this many characters are handed to the writer. */
const CHUNK = 1 << 16;

/**
 * Writes the cells asked for (every cell without a query), one JSON object per line, as they are
 * computed. `write` may return a promise (a full pipe); no more is computed until it settles, so
 * memory does not grow with the number of cells. Returns how many cells were written.
 */
export async function streamManifestCells(
  request: ManifestsRequest,
  write: (text: string) => void | Promise<void>,
): Promise<number> {
  const cluster = model(request);
  const engine = connectivityEngine(cluster);
  const { sources, destinations } = selectEndpoints(request.query ?? { from: [], to: [], ports: [] }, cluster);
  const ports = request.query && request.query.ports.length > 0 ? request.query.ports : undefined;
  let chunk = "";
  let count = 0;
  for (const cell of engine.cells(sources, destinations, ports)) {
    chunk += cellLine(cell);
    count++;
    if (chunk.length >= CHUNK) {
      await write(chunk);
      chunk = "";
    }
  }
  if (chunk.length > 0) await write(chunk);
  return count;
}
