import { isIPv4, isIPv6 } from "node:net";

/** An address as a number of 32 (IPv4) or 128 (IPv6) bits. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR with its host bits cleared: ipBlock accepts `10.0.0.1/8` and means `10.0.0.0/8`. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function width(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function parseIPv4(text: string): bigint {
  return text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIPv6(text: string): bigint {
  let body = text;
  // A dotted tail (::ffff:192.0.2.1) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const v4 = parseIPv4(dotted[1]);
    body = `${body.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split("::");
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
  const zeros = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(zeros).fill("0"), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

const parsedAddresses = new Map<string, IpAddress | null>();

/**
 * Parses an IPv4 or IPv6 address; undefined when it is neither. Results are memoised because the
 * naive evaluator parses the same few addresses for every verdict.
 */
export function parseIp(text: string): IpAddress | undefined {
  const known = parsedAddresses.get(text);
  if (known !== undefined) return known ?? undefined;
  let parsed: IpAddress | null = null;
  // Zone indexes (fe80::1%eth0) name an interface, not an address a policy can match.
  if (isIPv4(text)) parsed = { family: 4, value: parseIPv4(text) };
  else if (isIPv6(text) && !text.includes("%")) parsed = { family: 6, value: parseIPv6(text) };
  if (parsedAddresses.size < 100_000) parsedAddresses.set(text, parsed);
  return parsed ?? undefined;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(width(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** Parses `address/prefix`; undefined when the text is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const address = parseIp(match[1]);
  const prefix = Number(match[2]);
  if (!address || prefix > width(address.family)) return undefined;
  return { family: address.family, network: address.value & mask(address.family, prefix), prefix };
}

/** True when the address lies in the CIDR; addresses of the other family never do. */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return cidr.family === address.family && (address.value & mask(cidr.family, cidr.prefix)) === cidr.network;
}

/** True when `inner` is a strictly narrower part of `outer`, as an ipBlock's except must be. */
export function cidrStrictlyInside(inner: Cidr, outer: Cidr): boolean {
  return (
    inner.family === outer.family &&
    inner.prefix > outer.prefix &&
    (inner.network & mask(outer.family, outer.prefix)) === outer.network
  );
}

export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.prefix === b.prefix && a.network === b.network;
}
