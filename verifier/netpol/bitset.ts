/** Fixed-size sets of small integers (pod indexes), 32 to a word. */
export type Bitset = Uint32Array;

export function createBitset(size: number): Bitset {
  return new Uint32Array((size + 31) >>> 5);
}

export function addBit(set: Bitset, i: number): void {
  set[i >>> 5] |= 1 << (i & 31);
}

export function hasBit(set: Bitset, i: number): boolean {
  return (set[i >>> 5] & (1 << (i & 31))) !== 0;
}

/** Calls `visit` for each member in increasing order, skipping empty words. */
export function forEachBit(set: Bitset, visit: (i: number) => void): void {
  for (let w = 0; w < set.length; w++) {
    let word = set[w];
    while (word !== 0) {
      const low = word & -word;
      visit((w << 5) + 31 - Math.clz32(low));
      word ^= low;
    }
  }
}
