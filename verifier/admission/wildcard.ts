/**
 * Gatekeeper's wildcard strings, used by `match.namespaces`, `match.excludedNamespaces` and
 * `match.name`: an exact name, or a glob with "*" at the front ("*-system"), at the end
 * ("kube-*"), or at both ends ("*system*"). There is no other globbing.
 * https://open-policy-agent.github.io/gatekeeper/website/docs/howto#the-match-field
 */

/** The pattern Gatekeeper's CRDs validate wildcard strings against. */
const WILDCARD_PATTERN = /^(\*|\*-)?[a-z0-9]([-:a-z0-9]*[a-z0-9])?(\*|-\*)?$/;

export function isValidWildcard(wildcard: string): boolean {
  return wildcard === "*" || WILDCARD_PATTERN.test(wildcard);
}

export function wildcardMatches(wildcard: string, candidate: string): boolean {
  const front = wildcard.startsWith("*");
  const back = wildcard.endsWith("*") && wildcard.length > 1;
  if (wildcard === "*") return true;
  if (front && back) return candidate.includes(wildcard.slice(1, -1));
  if (front) return candidate.endsWith(wildcard.slice(1));
  if (back) return candidate.startsWith(wildcard.slice(0, -1));
  return wildcard === candidate;
}

/**
 * Gatekeeper also lets `match.name` select an object by its generateName (an object created
 * with only a generateName has no name yet), but only through a trailing "*".
 */
export function wildcardMatchesGenerateName(wildcard: string, generateName: string): boolean {
  if (generateName === "" || !wildcard.endsWith("*")) return false;
  if (wildcard.startsWith("*") && wildcard.length > 1) return generateName.includes(wildcard.slice(1, -1));
  return generateName.startsWith(wildcard.slice(0, -1));
}
