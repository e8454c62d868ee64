import { MAX_SECTORS_PER_ROOT_CALL, keccakSectorsInto, keccakSectorsRootInto } from "./keccak";
import { reduceFlatInPlace } from "./merkle";

/**
 * Hashes `numSectors` sectors of `data` starting at byte `offset` into `out` (32 bytes each). Bytes past the end of
 * `data` count as zeros, which is the SDK's and the Flow's padding.
 *
 * @param data - source bytes
 * @param offset - byte offset of the first sector
 * @param numSectors - sectors to hash
 * @param out - receives `numSectors * 32` bytes
 */
export function hashSectorsInto(data: Uint8Array, offset: number, numSectors: number, out: Uint8Array): void {
  keccakSectorsInto(data, offset, numSectors, out);
}

/**
 * Leaf hashes of `numSectors` sectors of `data` from byte `offset` (zero-padded past the end).
 *
 * @returns one 32-byte hash per sector
 */
export function hashSectors(data: Uint8Array, offset: number, numSectors: number): Uint8Array[] {
  const flat = new Uint8Array(32 * numSectors);
  hashSectorsInto(data, offset, numSectors, flat);
  const out: Uint8Array[] = [];
  for (let i = 0; i < numSectors; i++) out.push(flat.subarray(32 * i, 32 * i + 32));
  return out;
}

/**
 * SDK merkle root over `numSectors` sectors of `data` from byte `offset` (zero-padded past the end): a segment root
 * when `numSectors` ≤ 1024, a node root when it is a power of two.
 *
 * @returns the 32-byte root
 */
export function computeSectorsRoot(data: Uint8Array, offset: number, numSectors: number): Uint8Array {
  if (numSectors >= 1 && numSectors <= MAX_SECTORS_PER_ROOT_CALL) {
    // Segments and small nodes: leaves and levels stay in the keccak module's memory.
    const root = new Uint8Array(32);
    keccakSectorsRootInto(data, offset, numSectors, root, 0);
    return root;
  }
  const flat = new Uint8Array(32 * numSectors);
  hashSectorsInto(data, offset, numSectors, flat);
  return reduceFlatInPlace(flat, numSectors).slice(0, 32);
}
