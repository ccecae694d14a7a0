import { isIPv4, isIPv6 } from "node:net";

/** A parsed CIDR: the address as a big integer, its family and prefix length. */
export interface Cidr {
  family: 4 | 6;
  address: bigint;
  prefix: number;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hextets first.
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

/** Parses an IPv4 or IPv6 address; undefined when it is not one. */
export function parseIp(ip: string): { family: 4 | 6; address: bigint } | undefined {
  if (isIPv4(ip)) return { family: 4, address: ipv4ToBigInt(ip) };
  if (isIPv6(ip)) return { family: 6, address: ipv6ToBigInt(ip) };
  return undefined;
}

/** Parses `address/prefix`; undefined when the text is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const ip = parseIp(match[1]);
  const prefix = Number(match[2]);
  if (!ip || prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  return { ...ip, prefix };
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** Masks by family and prefix, built on first use: the verifier tests millions of addresses. */
const MASKS: Record<4 | 6, bigint[]> = { 4: [], 6: [] };

/** The mask of the network part of a CIDR. */
function networkMask(cidr: Cidr): bigint {
  let mask = MASKS[cidr.family][cidr.prefix];
  if (mask === undefined) {
    const width = BigInt(bits(cidr.family));
    const hostBits = width - BigInt(cidr.prefix);
    mask = MASKS[cidr.family][cidr.prefix] = ((1n << width) - 1n) ^ ((1n << hostBits) - 1n);
  }
  return mask;
}

/** True when `ip` (same family) lies inside `cidr`. */
export function cidrContains(cidr: Cidr, ip: { family: 4 | 6; address: bigint }): boolean {
  if (cidr.family !== ip.family) return false;
  const mask = networkMask(cidr);
  return (cidr.address & mask) === (ip.address & mask);
}

/** The canonical text of a CIDR's network (host bits cleared), e.g. 203.0.113.0/24. */
export function canonicalCidr(cidr: Cidr): string {
  const network = cidr.address & networkMask(cidr);
  if (cidr.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => ((network >> shift) & 0xffn).toString());
    return `${octets.join(".")}/${cidr.prefix}`;
  }
  const hextets: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) hextets.push(((network >> shift) & 0xffffn).toString(16));
  // Compress the longest run of zero hextets, as RFC 5952 writes addresses.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (hextets[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === "0") j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  const text =
    best.start < 0
      ? hextets.join(":")
      : `${hextets.slice(0, best.start).join(":")}::${hextets.slice(best.start + best.length).join(":")}`;
  return `${text}/${cidr.prefix}`;
}
