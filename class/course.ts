/**
 * The course's end: the roster's top-level `endsAt`. Forgotten AKS clusters are what a course
 * costs most, so after the end `up` is refused, `status` says how long ago it was, and
 * `destroy --if-ended` (run daily by .github/workflows/class-teardown.yml) tears the labs down.
 *
 * The end is an instant, and the course has ended from that instant on: a course that ends at
 * 17:00 is over at 17:00:00, not a millisecond later.
 */
import { duration } from "./display";

/** When the course ends. */
export interface CourseEnd {
  /** As the roster writes it, with its zone: 2026-12-18T17:00:00+01:00. */
  text: string;
  /** The instant, in milliseconds since the epoch. */
  at: number;
  /** The roster line that sets it. */
  line: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An ISO 8601 date and time with its zone (RFC 3339's profile, seconds optional), as an instant;
 * or, for the message, what is wrong with it. Without a zone the same text would be a different
 * instant on a trainer's laptop and on a runner in UTC, so it is refused rather than guessed.
 */
export function parseInstant(text: string): { at: number } | { problem: string } {
  const m = DATE_TIME.exec(text);
  if (!m) return { problem: "is not in the form of" };
  const [, year, month, day, hour, minute, second = "0", fraction = "", zone] = m;
  if (hour === undefined) return { problem: "is a date without a time of day; expected" };
  if (zone === undefined) return { problem: "has no zone, so it names another instant on every machine; expected" };
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const [zh, zm] = zone === "Z" ? [0, 0] : zone.slice(1).split(":").map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59 || zh > 23 || zm > 59) {
    return { problem: "is not a date and time that exists; expected" };
  }
  const offset = (zone.startsWith("-") ? -1 : 1) * (zh * 60 + zm) * 60_000;
  const ms = Number(fraction.slice(1).padEnd(3, "0").slice(0, 3));
  return { at: Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset };
}

/** Whether the course has ended at `now` (the instant itself included). */
export function hasEnded(end: CourseEnd, now: number): boolean {
  return now >= end.at;
}

/** The first line of `status`: the course's end and the time left, or how long ago it was. */
export function courseLine(end: CourseEnd | undefined, now: number, rosterFile: string): string {
  if (end === undefined) {
    return `course end: not set (no endsAt in ${rosterFile}), so nothing takes the labs down by itself`;
  }
  const where = `endsAt, ${rosterFile}:${end.line}`;
  return hasEnded(end, now)
    ? `course ended at ${end.text}, ${duration(now - end.at)} ago (${where}): up is refused; destroy --if-ended takes the labs down`
    : `course ends at ${end.text}, in ${duration(end.at - now)} (${where})`;
}

/** Why `up` is refused after the end, as a roster problem: the file, the line and the key. */
export function endedRefusal(end: CourseEnd, now: number, rosterFile: string): string {
  return `${rosterFile}:${end.line}: endsAt: the course ended at ${end.text}, ${duration(now - end.at)} ago; up is refused after it (destroy still runs). To run up again, move endsAt later`;
}
