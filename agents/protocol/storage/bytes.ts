import { InvalidHexError, InvalidSizeError, StorageProtocolError } from "./errors";

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

const HEX_DIGITS = "0123456789abcdef";

/**
 * Lower-case 0x-hex of `bytes`.
 *
 * @param bytes - input
 * @returns the hex string
 */
export function toHex(bytes: Uint8Array): Hex {
  let s = "0x";
  for (let i = 0; i < bytes.length; i++) s += HEX_DIGITS[bytes[i] >>> 4] + HEX_DIGITS[bytes[i] & 15];
  return s as Hex;
}

/**
 * Bytes of a 0x-hex string.
 *
 * @param hex - an even-length 0x-prefixed string
 * @returns the bytes
 * @throws InvalidHexError if the string is not 0x-hex of whole bytes
 */
export function fromHex(hex: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new InvalidHexError({ value: hex });
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/**
 * Checks that `value` is exactly 32 bytes (a hash, a root, a miner id) and returns it as bytes.
 *
 * @param value - bytes or hex
 * @param what - name used in the error
 * @returns the 32 bytes (the same array if bytes were given)
 * @throws InvalidSizeError if it is not 32 bytes
 */
export function toBytes32(value: Uint8Array | Hex, what: string): Uint8Array {
  const b = typeof value === "string" ? fromHex(value) : value;
  if (b.length !== 32) throw new InvalidSizeError({ what, expected: 32, received: b.length });
  return b;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_256 = 1n << 256n;

/**
 * Big-endian 32-byte encoding of an unsigned integer (Solidity `uint256` in `abi.encode`).
 *
 * @param value - 0 ≤ value < 2^256
 * @returns 32 bytes
 */
export function uint256ToBytes(value: bigint): Uint8Array {
  if (value < 0n || value >= TWO_256) throw new StorageProtocolError("Value does not fit in uint256.", { value });
  const out = new Uint8Array(32);
  if (value <= MAX_SAFE) {
    // Positions and sizes: plain number arithmetic, ~20× cheaper than bigint shifts.
    let n = Number(value);
    for (let i = 31; n > 0; i--) {
      out[i] = n % 256;
      n = Math.floor(n / 256);
    }
    return out;
  }
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * Reads a big-endian unsigned integer (Solidity `uint256(bytes32)`).
 *
 * @param bytes - up to 32 bytes
 * @returns the integer
 */
export function bytesToUint256(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/**
 * Concatenates byte arrays.
 *
 * @param parts - inputs
 * @returns one new array
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Constant-length byte equality.
 *
 * @param a - first
 * @param b - second
 * @returns true if equal
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
