import * as fs from "fs";
import { parseAllDocuments, Parser, Lexer, LineCounter } from "yaml";
const text = fs.readFileSync(process.argv[2], "utf8");
const tags = (tags: any[]) => tags.filter((t) => t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME");
function time(label: string, f: () => void) { const t0 = performance.now(); f(); console.log(label, Math.round(performance.now() - t0)); }
time("lexer", () => { let n = 0; for (const _ of new Lexer().lex(text)) n++; });
time("parser(cst)", () => { let n = 0; for (const _ of new Parser().parse(text)) n++; });
time("parse 1.2", () => parseAllDocuments(text));
time("parse 1.1", () => parseAllDocuments(text, { version: "1.1", customTags: tags }));
time("parse 1.1 lc", () => parseAllDocuments(text, { version: "1.1", customTags: tags, lineCounter: new LineCounter() }));
time("parse 1.1 keepSourceTokens false, no ranges?", () => parseAllDocuments(text, { version: "1.1", customTags: tags, keepSourceTokens: false }));
