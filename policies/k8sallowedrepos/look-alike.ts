/**
 * Repository entries that admit more than they say. The configuration warns about them and the
 * verifier lints them; neither needs the template itself, so they live apart from it.
 */

/** One repository entry that admits look-alike repositories, and an image it would admit. */
export interface LookAlikeEntry {
  entry: string;
  example: string;
}

/**
 * Entries that admit look-alike repositories. The policy is a plain prefix test, so an
 * entry that does not end at a boundary ("/" for a registry or namespace, ":" for a tag,
 * "@" for a digest) also admits every repository whose name merely starts the same way:
 * the article's `phpmyadmin` admits `phpmyadminevil/miner`.
 */
export function lookAlikeEntries(repos: string[]): LookAlikeEntry[] {
  return repos.filter((entry) => !/[/:@]$/.test(entry)).map((entry) => ({ entry, example: `${entry}evil/miner` }));
}

/** The one warning sentence used by the config validation and the verifier alike. */
export function lookAlikeWarning(key: string, entry: string, example: string): string {
  return `${key} entry "${entry}" admits look-alike repositories (it would admit "${example}"); end it with "/", ":" or "@"`;
}
