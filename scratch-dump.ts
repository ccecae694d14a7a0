import * as fs from "fs";
import { generateCluster } from "./verifier/netpol/generate";
import { renderDump } from "./bench/dump";
const c = generateCluster({ seed: 42, namespaces: 100, podsPerNamespace: 10, policies: 100 });
const t = renderDump(c);
fs.writeFileSync("/tmp/kscratch/dump1k.yaml", t);
console.log((t.length / 1e6).toFixed(1), "MB");
