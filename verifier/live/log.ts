/**
 * The probe log (`--probe-log FILE`): every request and probe of a live run, one JSON object a
 * line, with when it happened; what the kind workflow keeps as an artifact.
 */
import * as fs from "fs";

export class ProbeLog {
  private readonly lines: string[] = [];

  record(entry: Record<string, unknown>): void {
    this.lines.push(JSON.stringify({ time: new Date().toISOString(), ...entry }));
  }

  write(file: string): void {
    fs.writeFileSync(file, this.lines.map((line) => `${line}\n`).join(""));
  }
}
