/**
 * Raised for input the evaluator refuses to judge rather than guess about: a CEL
 * expression that does not compile, a constraint whose kind has no template, a malformed
 * `match`, a namespaced object whose Namespace is needed but unknown. `problems` lists
 * every problem found at once; the message is those lines joined.
 */
export class AdmissionInputError extends Error {
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.join("\n"));
    this.name = "AdmissionInputError";
    this.problems = list;
  }
}

/** Runs `fn`, moving the problems of an AdmissionInputError it throws into `problems`. */
export function collectProblems<T>(problems: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AdmissionInputError) {
      problems.push(...error.problems);
      return undefined;
    }
    throw error;
  }
}
