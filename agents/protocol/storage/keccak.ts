import { keccakF1600 } from "./keccakF1600";

/** Keccak-256 rate in bytes (1088-bit rate, 512-bit capacity). */
const RATE_BYTES = 136;
const RATE_WORDS = RATE_BYTES / 4;

// Scratch buffers reused by every call. JavaScript runs these synchronous functions to completion, so sharing them
// inside one thread is safe; each worker thread gets its own copy of the module.
const state = new Int32Array(50);
const lastBlock = new Uint8Array(RATE_BYTES);
const lastBlockWords = new Int32Array(lastBlock.buffer);
const pairBuffer = new Uint8Array(64);

function readWordLE(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

/**
 * Keccak-256 (Ethereum's `keccak256`, the original padding 0x01) of `data[start, end)`, written to `out[outOffset, +32)`.
 * Allocation-free: the hot paths (sector leaves, seal chain, scratchpad) call this directly.
 *
 * @param data - input bytes
 * @param start - first input byte
 * @param end - one past the last input byte
 * @param out - destination
 * @param outOffset - where the 32-byte digest starts in `out`
 */
export function keccak256Into(data: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
  state.fill(0);
  let o = start;
  while (end - o >= RATE_BYTES) {
    for (let w = 0; w < RATE_WORDS; w++) state[w] ^= readWordLE(data, o + 4 * w);
    keccakF1600(state);
    o += RATE_BYTES;
  }
  lastBlock.fill(0);
  lastBlock.set(data.subarray(o, end));
  lastBlock[end - o] ^= 0x01;
  lastBlock[RATE_BYTES - 1] ^= 0x80;
  // lastBlockWords reads the platform's byte order; every supported Node platform is little-endian.
  for (let w = 0; w < RATE_WORDS; w++) state[w] ^= lastBlockWords[w];
  keccakF1600(state);
  for (let w = 0; w < 8; w++) {
    const v = state[w];
    const p = outOffset + 4 * w;
    out[p] = v & 0xff;
    out[p + 1] = (v >>> 8) & 0xff;
    out[p + 2] = (v >>> 16) & 0xff;
    out[p + 3] = v >>> 24;
  }
}

/**
 * Keccak-256 of `data`.
 *
 * @param data - input bytes
 * @returns a new 32-byte digest
 * @example
 * keccak256(new Uint8Array()) // 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470
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
