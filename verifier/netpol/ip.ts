/**
 * Addresses and CIDRs, on top of the project's parser (config/cidr.ts), with what ipBlock needs
 * besides: memoised parsing and the "strictly inside" test of `except`.
 */
import { canonicalCidr, Cidr, cidrContains, parseCidr, parseIp as parseAddress } from "../../config/cidr";

export type { Cidr };
export { canonicalCidr, cidrContains, parseCidr };

export type IpAddress = NonNullable<ReturnType<typeof parseAddress>>;

const parsedAddresses = new Map<string, IpAddress | null>();

/**
 * Parses an IPv4 or IPv6 address; undefined when it is neither. Memoised because the naive
 * evaluator parses the same few addresses for every verdict.
 */
export function parseIp(text: string): IpAddress | undefined {
  const known = parsedAddresses.get(text);
  if (known !== undefined) return known ?? undefined;
  // A zone index (fe80::1%eth0) names an interface, not an address a policy can match.
  const parsed = text.includes("%") ? null : (parseAddress(text) ?? null);
  if (parsedAddresses.size < 100_000) parsedAddresses.set(text, parsed);
  return parsed ?? undefined;
}

/** True when `inner` is a strictly narrower part of `outer`, as an ipBlock's except must be. */
export function cidrStrictlyInside(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix > outer.prefix && cidrContains(outer, inner);
}

/** True when both name the same network (host bits aside: 10.0.0.1/16 is 10.0.0.0/16). */
export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.prefix === b.prefix && cidrContains(a, b);
}
