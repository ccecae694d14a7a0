/**
 * What the verifier's commands (`npm run verify`, `npm run e2e`) share: reading their flags, each
 * in turn with a reader for its value, and running as a process.
 */

/** The flags of `argv` in order; `value()` takes the next argument, unless it is a flag itself. */
export function* flags(
  argv: string[],
  problems: string[],
): Generator<{ flag: string; value: () => string | undefined }> {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string | undefined => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        problems.push(`${flag}: needs a value`);
        return undefined;
      }
      i++;
      return next;
    };
    yield { flag, value };
  }
}

/** Writes to stdout; when its buffer is full, the promise settles once it has drained. */
function writeStdout(text: string): void | Promise<void> {
  if (process.stdout.write(text)) return;
  return new Promise((resolve) => process.stdout.once("drain", resolve));
}

/** The exit status of an error a command did not expect: sysexits.h's EX_SOFTWARE. */
export const INTERNAL_ERROR_STATUS = 70;

/**
 * Runs a command's `main` as the process: its status becomes the exit status; an error it did not
 * expect is printed with its stack, with status 70 (INTERNAL_ERROR_STATUS: 1, 2 and 3 say something
 * about the lab, the input or an exercise's grade).
 * Its output waits for stdout to drain (a streamed table must not pile up in memory), and a reader
 * that stops early (`| head`) ends it quietly, as other tools do.
 */
export function runCommand(
  name: string,
  main: (argv: string[], out: (text: string) => void | Promise<void>, err: (text: string) => void) => Promise<number>,
): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  main(process.argv.slice(2), writeStdout, (t) => process.stderr.write(t)).then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      process.stderr.write(`${name}: internal error: ${(error as Error).stack ?? error}\n`);
      process.exitCode = INTERNAL_ERROR_STATUS;
    },
  );
}
