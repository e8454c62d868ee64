import { concat, keccak256, zeroPadValue } from "ethers";
import fc from "fast-check";
import type { PoraAnswer, Submission } from "../../../../agents/protocol/storage";
import type { SubmissionStruct } from "../../../../typechain/contracts/storage/Flow";
import type { PoraAnswerStruct } from "../../../../typechain/contracts/storage/Mine";

/** Helpers of the property tests (properties-*.test.ts): file sizes, seeded bytes, an independent flow-tree oracle. */

const KiB = 1024;
const MiB = 1024 * KiB;
const SECTOR = 256;
const SEGMENT = 256 * KiB;
/** Largest file the size generator yields. */
export const MAX_FILE_BYTES = 4 * MiB;

function clampSize(n: number): number {
  return Math.min(MAX_FILE_BYTES, Math.max(1, n));
}

/**
 * File sizes from 1 B to 4 MiB, weighted towards the edges of the SDK layout: sector boundaries (256 B), segment
 * boundaries (256 KiB), power-of-two sector counts (where the SDK padding granule nextPow2(sectors)/16 changes) and
 * sector counts just past them (whose padding crosses a segment boundary), plus uniform sizes.
 */
export const fileSizeArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1, 2, 31, 32, 33, 255, 256, 257, 4095, 4096, 4097, SEGMENT - 1, SEGMENT, SEGMENT + 1, MAX_FILE_BYTES),
  // n sectors ± 1 byte
  fc
    .record({ sectors: fc.integer({ min: 1, max: MAX_FILE_BYTES / SECTOR }), delta: fc.integer({ min: -1, max: 1 }) })
    .map(({ sectors, delta }) => clampSize(sectors * SECTOR + delta)),
  // k segments ± up to one sector and a byte
  fc
    .record({
      segments: fc.integer({ min: 1, max: MAX_FILE_BYTES / SEGMENT }),
      delta: fc.integer({ min: -257, max: 257 }),
    })
    .map(({ segments, delta }) => clampSize(segments * SEGMENT + delta)),
  // 2^k sectors, then a few sectors past it: the padding granule jumps and the padded size crosses segments
  fc
    .record({
      k: fc.integer({ min: 0, max: 14 }),
      extraSectors: fc.integer({ min: 0, max: 40 }),
      delta: fc.integer({ min: -1, max: 1 }),
    })
    .map(({ k, extraSectors, delta }) => clampSize(((1 << k) + extraSectors) * SECTOR + delta)),
  fc.integer({ min: 1, max: MAX_FILE_BYTES }),
);

/** `size` pseudo-random bytes from a 32-bit seed (xorshift32): cheap, and replayable from the counterexample. */
export function seededBytes(size: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, size);
}

const ZERO_SECTOR_LEAF = keccak256(new Uint8Array(SECTOR));
const zeroRoots: string[] = [ZERO_SECTOR_LEAF];
function zeroRoot(h: number): string {
  while (zeroRoots.length <= h) {
    const z = zeroRoots[zeroRoots.length - 1];
    zeroRoots.push(keccak256(concat([z, z])));
  }
  return zeroRoots[h];
}

interface PlacedFile {
  /** First flow position of the file. */
  readonly start: bigint;
  readonly data: Uint8Array;
  /** Sectors holding data: ceil(size / 256). */
  readonly dataSectors: bigint;
}

/**
 * An independent oracle of the flow tree written from the definition only (ethers' keccak, no code shared with the
 * library or the contract): leaf 0 is bytes32(0), a data sector's leaf is keccak256 of its 256 bytes (zero-padded),
 * every other position is a zero sector; the root is the binary merkle root over the length rounded up to a power of
 * two. Work is proportional to the data placed (all-zero subtrees are constants).
 */
export class FlowDataOracle {
  private readonly files: PlacedFile[] = [];

  /** Records `data` as placed at flow position `start`. */
  place(start: bigint, data: Uint8Array): void {
    this.files.push({ start, data, dataSectors: BigInt(Math.ceil(data.length / SECTOR)) });
  }

  /** The root of a flow of `length` sectors. */
  root(length: bigint): string {
    let depth = 0;
    while (1n << BigInt(depth) < length) depth++;
    return this.node(depth, 0n);
  }

  /** Node at `height` and `index`. */
  node(height: number, index: bigint): string {
    const start = index << BigInt(height);
    const end = start + (1n << BigInt(height));
    if (height === 0 && start === 0n) return zeroPadValue("0x", 32);
    const file = this.files.find((f) => f.start < end && start < f.start + f.dataSectors);
    if (file === undefined && start !== 0n) return zeroRoot(height);
    if (height === 0) {
      const from = Number(start - file!.start) * SECTOR;
      const sector = new Uint8Array(SECTOR);
      sector.set(file!.data.subarray(from, Math.min(from + SECTOR, file!.data.length)));
      return keccak256(sector);
    }
    return keccak256(concat([this.node(height - 1, 2n * index), this.node(height - 1, 2n * index + 1n)]));
  }
}

/** The library's (readonly) submission as the mutable struct typechain's `Flow.submit` takes. */
export function submissionStruct(s: Submission): SubmissionStruct {
  return {
    data: {
      length: s.data.length,
      tags: s.data.tags,
      nodes: s.data.nodes.map((n) => ({ root: n.root, height: n.height })),
    },
    submitter: s.submitter,
  };
}

/** The library's (readonly) PoRA answer as the mutable struct typechain's `Mine.submit` takes. */
export function answerStruct(a: PoraAnswer): PoraAnswerStruct {
  return { ...a, range: { ...a.range }, sealedData: [...a.sealedData], merkleProof: [...a.merkleProof] };
}
