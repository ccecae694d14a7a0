import * as fs from "fs";
import * as jsyaml from "js-yaml";
const text = fs.readFileSync(process.argv[2], "utf8");
const t0 = performance.now();
const docs = jsyaml.loadAll(text);
console.log("js-yaml", Math.round(performance.now() - t0), "rss", Math.round(process.memoryUsage().rss / 1e6));
