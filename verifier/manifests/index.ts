/** Manifests mode: judges any Kubernetes manifests, with external clients named on the command line. */
import { analyze, Report } from "../analyze";
import { buildModel } from "../model";
import type { ExternalPeer } from "../netpol";
import { readManifests } from "./read";

/** The analysis of every object in the files and folders given. */
export function verifyManifests(targets: string[], externals: ExternalPeer[]): Report {
  return analyze(buildModel(readManifests(targets), externals));
}
