import * as layout from "./keccakWasm";

// Local copies of the memory map: imported bindings compile to property getters under CommonJS.
const IN_PTR = layout.IN_PTR;
const IN_SIZE = layout.IN_SIZE;
const OUT_PTR = layout.OUT_PTR;
const OUT_SIZE = layout.OUT_SIZE;

/** Keccak-256 rate in bytes (1088-bit rate, 512-bit capacity). */
const RATE_BYTES = 136;
const MAX_BLOCKS = Math.floor(IN_SIZE / RATE_BYTES);

// One module instance per thread. These synchronous functions run to completion, so sharing the module's memory
// inside a thread is safe; each worker thread imports its own copy.
const wasm = layout.instantiateKeccakWasm();
const mem = wasm.bytes;
const pairBuffer = new Uint8Array(64);

/**
 * Keccak-256 (Ethereum's `keccak256`, padding 0x01…0x80) of `data[start, end)`, written to `out[outOffset, +32)`.
 * No allocation.
 *
 * @param data - input bytes
 * @param start - first input byte
 * @param end - one past the last input byte
 * @param out - destination
 * @param outOffset - where the 32-byte digest starts in `out`
 */
export function keccak256Into(data: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
  mem.fill(0, 0, 200);
  let o = start;
  while (end - o >= RATE_BYTES) {
    const blocks = Math.min(MAX_BLOCKS, Math.floor((end - o) / RATE_BYTES));
    mem.set(data.subarray(o, o + blocks * RATE_BYTES), IN_PTR);
    wasm.absorb(IN_PTR, blocks);
    o += blocks * RATE_BYTES;
  }
  const r = end - o;
  mem.set(data.subarray(o, end), IN_PTR);
  mem.fill(0, IN_PTR + r, IN_PTR + RATE_BYTES);
  mem[IN_PTR + r] ^= 0x01;
  mem[IN_PTR + RATE_BYTES - 1] ^= 0x80;
  wasm.absorb(IN_PTR, 1);
  out.set(mem.subarray(0, 32), outOffset);
}

/**
 * Keccak-256 of `data`.
 *
 * @param data - input bytes
 * @returns a new 32-byte digest
 * @example
 * toHex(keccak256(new Uint8Array())) // 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
 */
export function keccak256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  keccak256Into(data, 0, data.length, out, 0);
  return out;
}

/**
 * The merkle parent `keccak256(left ‖ right)` used by the flow tree, the SDK tree and the Mine contract's proof check.
 *
 * @param left - 32-byte left child
 * @param right - 32-byte right child
 * @returns a new 32-byte digest
 */
export function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  pairBuffer.set(left, 0);
  pairBuffer.set(right, 32);
  return keccak256(pairBuffer);
}

const SECTOR = 256;
const SECTORS_PER_BATCH = Math.min(Math.floor(IN_SIZE / SECTOR), Math.floor(OUT_SIZE / 32));

/**
 * Leaf hashes of `numSectors` 256-byte sectors of `data` from byte `offset` into `out` (32 bytes each); bytes past the
 * end of `data` count as zeros.
 *
 * @param data - source
 * @param offset - first byte
 * @param numSectors - sectors
 * @param out - receives `32 × numSectors` bytes
 */
export function keccakSectorsInto(data: Uint8Array, offset: number, numSectors: number, out: Uint8Array): void {
  for (let done = 0; done < numSectors;) {
    const n = Math.min(SECTORS_PER_BATCH, numSectors - done);
    const from = offset + done * SECTOR;
    const avail = Math.max(0, Math.min(n * SECTOR, data.length - from));
    if (avail > 0) mem.set(data.subarray(from, from + avail), IN_PTR);
    if (avail < n * SECTOR) mem.fill(0, IN_PTR + avail, IN_PTR + n * SECTOR);
    wasm.hashSectors(IN_PTR, n, OUT_PTR);
    out.set(mem.subarray(OUT_PTR, OUT_PTR + 32 * n), 32 * done);
    done += n;
  }
}

/** Most sectors {@link keccakSectorsRootInto} takes in one call (at least a whole 1024-sector segment). */
export const MAX_SECTORS_PER_ROOT_CALL = SECTORS_PER_BATCH;

/**
 * SDK merkle root (odd node promoted) of `numSectors` 256-byte sectors of `data` from byte `offset`, computed without
 * leaving the module's memory: the data is copied in once, the leaves and every level are hashed in place there, and
 * only the 32-byte root is copied out. Bytes past the end of `data` count as zeros.
 *
 * @param data - source
 * @param offset - first byte
 * @param numSectors - 1 .. {@link MAX_SECTORS_PER_ROOT_CALL}
 * @param out - receives the root
 * @param outOffset - where the root starts in `out`
 */
export function keccakSectorsRootInto(
  data: Uint8Array,
  offset: number,
  numSectors: number,
  out: Uint8Array,
  outOffset: number,
): void {
  if (!(numSectors >= 1 && numSectors <= SECTORS_PER_BATCH))
    throw new RangeError(`numSectors must be in [1, ${SECTORS_PER_BATCH}], got ${numSectors}`);
  const bytes = numSectors * SECTOR;
  const avail = Math.max(0, Math.min(bytes, data.length - offset));
  if (avail > 0) mem.set(data.subarray(offset, offset + avail), IN_PTR);
  if (avail < bytes) mem.fill(0, IN_PTR + avail, IN_PTR + bytes);
  wasm.hashSectors(IN_PTR, numSectors, OUT_PTR);
  let count = numSectors;
  while (count > 1) {
    const pairs = count >>> 1;
    // Parent i reads children 2i and 2i+1 before writing slot i ≤ 2i, so each level is rewritten in place.
    wasm.reducePairs(OUT_PTR, pairs);
    if (count & 1) mem.copyWithin(OUT_PTR + 32 * pairs, OUT_PTR + 32 * (count - 1), OUT_PTR + 32 * count);
    count = pairs + (count & 1);
  }
  out.set(mem.subarray(OUT_PTR, OUT_PTR + 32), outOffset);
}

const PAIRS_PER_BATCH = Math.floor(OUT_SIZE / 64);

/**
 * One merkle level in place: node i = keccak256(node 2i ‖ node 2i+1) for i < pairs, over 32-byte nodes packed in `flat`.
 *
 * @param flat - the level (at least `64 × pairs` bytes); its first `32 × pairs` bytes receive the parents
 * @param pairs - number of parents
 */
export function keccakPairsInPlace(flat: Uint8Array, pairs: number): void {
  for (let done = 0; done < pairs;) {
    const k = Math.min(PAIRS_PER_BATCH, pairs - done);
    mem.set(flat.subarray(64 * done, 64 * (done + k)), OUT_PTR);
    wasm.reducePairs(OUT_PTR, k);
    flat.set(mem.subarray(OUT_PTR, OUT_PTR + 32 * k), 32 * done);
    done += k;
  }
}

/**
 * The seal chain on a 4 KiB unit in place: word i ^= keccak256(word i−1), ascending for sealing (each step sees the
 * already sealed previous word) or descending for unsealing (each step sees the still sealed previous word).
 *
 * @param unit - 4096 bytes
 * @param direction - "seal" or "unseal"
 */
export function keccakSealChain(unit: Uint8Array, direction: "seal" | "unseal"): void {
  mem.set(unit, IN_PTR);
  if (direction === "seal") wasm.sealChain(IN_PTR);
  else wasm.unsealChain(IN_PTR);
  unit.set(mem.subarray(IN_PTR, IN_PTR + unit.length));
}

const SEAL_UNIT = 4096;
const UNITS_PER_BATCH = Math.floor(IN_SIZE / SEAL_UNIT);

/**
 * Seals (or unseals) consecutive 4 KiB units in place, a batch of up to 65 units per copy into and out of the module:
 * sealing XORs unit u's mask into its word 0 and then runs the ascending chain; unsealing runs the descending chain and
 * then XORs the mask.
 *
 * @param buffer - a whole number of 4 KiB units, overwritten
 * @param masks - 32 bytes per unit (the first mask of each unit's chain)
 * @param direction - "seal" or "unseal"
 */
export function keccakSealUnitsInPlace(buffer: Uint8Array, masks: Uint8Array, direction: "seal" | "unseal"): void {
  const units = buffer.length / SEAL_UNIT;
  if (!Number.isInteger(units) || masks.length !== 32 * units)
    throw new RangeError(`need whole 4 KiB units and 32 mask bytes each (${buffer.length} B, ${masks.length} B)`);
  const sealing = direction === "seal";
  for (let first = 0; first < units; first += UNITS_PER_BATCH) {
    const n = Math.min(UNITS_PER_BATCH, units - first);
    mem.set(buffer.subarray(first * SEAL_UNIT, (first + n) * SEAL_UNIT), IN_PTR);
    for (let u = 0; u < n; u++) {
      const base = IN_PTR + u * SEAL_UNIT;
      const m = (first + u) * 32;
      if (!sealing) wasm.unsealChain(base);
      for (let b = 0; b < 32; b++) mem[base + b] ^= masks[m + b];
      if (sealing) wasm.sealChain(base);
    }
    buffer.set(mem.subarray(IN_PTR, IN_PTR + n * SEAL_UNIT), first * SEAL_UNIT);
  }
}

/**
 * The PoRA scratchpad chain: from a 64-byte seed, 256 cells where each cell's first half is keccak256 of the previous
 * state and its second half keccak256 of the state with the new first half.
 *
 * @param seed - 64 bytes
 * @param pad - receives 16384 bytes
 */
export function keccakScratchpad(seed: Uint8Array, pad: Uint8Array): void {
  mem.set(seed, IN_PTR);
  wasm.scratchpad(IN_PTR);
  pad.set(mem.subarray(IN_PTR, IN_PTR + pad.length));
}
