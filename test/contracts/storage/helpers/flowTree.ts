import { keccak256, concat, zeroPadValue, toBeHex } from "ethers";

/** keccak256 of 256 zero bytes: the hash of an empty sector. */
export const ZERO_SECTOR_HASH = keccak256(new Uint8Array(256));

/** keccak256(a ‖ b). */
export function hashPair(a: string, b: string): string {
  return keccak256(concat([a, b]));
}

/** Root of an all-zero subtree of height h. */
export function zeros(h: number): string {
  let z = ZERO_SECTOR_HASH;
  for (let i = 0; i < h; i++) z = hashPair(z, z);
  return z;
}

/** Root of 2^height sector leaves given as 256-byte buffers (shorter buffers are zero-padded). */
export function subtreeRoot(sectors: Uint8Array[], height: number): string {
  let level: string[] = [];
  for (let i = 0; i < 1 << height; i++) {
    const s = new Uint8Array(256);
    if (i < sectors.length) s.set(sectors[i]);
    level.push(keccak256(s));
  }
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

interface Placed {
  start: bigint;
  height: number;
  root: string;
  /** The node's 2^height sectors, when known (needed for proofs that start inside the node). */
  sectors?: Uint8Array[];
}

/**
 * An independent, naive model of the flow tree used as the oracle in tests: it keeps the list of placed
 * subtrees and computes the root recursively (the contract keeps a frontier instead).
 */
export class FlowTreeModel {
  length = 1n;
  private readonly placed: Placed[] = [{ start: 0n, height: 0, root: zeroPadValue("0x", 32) }];

  static nextAlign(pos: bigint, h: number): bigint {
    const m = (1n << BigInt(h)) - 1n;
    return (pos + m) & ~m;
  }

  /** Inserts a submission's nodes with 0G's alignment rules; returns the start index and padding. */
  insert(heights: number[], roots: string[], nodeSectors?: Uint8Array[][]): { startIndex: bigint; before: bigint } {
    const before = this.length;
    const sectors = heights.reduce((a, h) => a + (1n << BigInt(h)), 0n);
    const start = FlowTreeModel.nextAlign(before, heights[0]);
    if (start % 1024n !== 0n && start / 1024n !== (start + sectors - 1n) / 1024n) {
      this.length = FlowTreeModel.nextAlign(before, 10);
    }
    let startIndex = -1n;
    heights.forEach((h, i) => {
      const s = FlowTreeModel.nextAlign(this.length, h);
      if (startIndex < 0n) startIndex = s;
      this.placed.push({ start: s, height: h, root: roots[i], sectors: nodeSectors?.[i] });
      this.length = s + (1n << BigInt(h));
    });
    return { startIndex, before };
  }

  /** Sector contents at a position (zero sectors where nothing known was placed). */
  sectorAt(pos: bigint): Uint8Array {
    for (const p of this.placed) {
      if (p.sectors && p.start <= pos && pos < p.start + (1n << BigInt(p.height)))
        return p.sectors[Number(pos - p.start)];
    }
    return new Uint8Array(256);
  }

  height(): number {
    let h = 0;
    while (1n << BigInt(h) < this.length) h++;
    return h;
  }

  root(): string {
    return this.node(0n, this.height());
  }

  /** Merkle proof (siblings, bottom-up) of the subtree of height `h` at `start` up to the root. */
  proof(start: bigint, h: number): string[] {
    const out: string[] = [];
    let idx = start >> BigInt(h);
    for (let level = h; level < this.height(); level++) {
      const sib = idx ^ 1n;
      out.push(this.node(sib << BigInt(level), level));
      idx >>= 1n;
    }
    return out;
  }

  private node(start: bigint, h: number): string {
    const end = start + (1n << BigInt(h));
    for (const p of this.placed) {
      if (p.start === start && p.height === h) return p.root;
      const pEnd = p.start + (1n << BigInt(p.height));
      if (p.start <= start && end <= pEnd && p.height > h) {
        if (!p.sectors) throw new Error(`sectors of the node at ${p.start} are unknown`);
        const from = Number(start - p.start);
        return subtreeRoot(p.sectors.slice(from, from + (1 << h)), h);
      }
    }
    const overlaps = this.placed.some((p) => p.start < end && p.start + (1n << BigInt(p.height)) > start);
    if (!overlaps) return zeros(h);
    if (h === 0) throw new Error(`no leaf at ${start}`);
    const half = 1n << BigInt(h - 1);
    return hashPair(this.node(start, h - 1), this.node(start + half, h - 1));
  }
}

export function u256(x: bigint | number): string {
  return zeroPadValue(toBeHex(x), 32);
}
