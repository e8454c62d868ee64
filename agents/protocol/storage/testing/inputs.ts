import { keccak256 } from "../keccak";

/**
 * The vector input rule `kpattern(size)`: concatenate keccak256(utf8("0g-sdk-vector") ‖ uint32_be(k)) for k = 0, 1, …
 * and take the first `size` bytes.
 */
export function kpattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const prefix = new TextEncoder().encode("0g-sdk-vector");
  const input = new Uint8Array(prefix.length + 4);
  input.set(prefix, 0);
  const view = new DataView(input.buffer);
  for (let k = 0, o = 0; o < size; k++, o += 32) {
    view.setUint32(prefix.length, k, false);
    const h = keccak256(input);
    out.set(h.subarray(0, Math.min(32, size - o)), o);
  }
  return out;
}

/** Bytes `f(i)` for i in [0, size). */
export function patterned(size: number, f: (i: number) => number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = f(i) & 0xff;
  return out;
}
