import { InvalidHexError, InvalidLengthError } from "./errors";

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/**
 * Decodes a 0x-prefixed hex string into bytes.
 * @param value - Hex string.
 * @param field - Name used in errors.
 * @param length - Required byte length, if any.
 * @returns The bytes.
 */
export function hexToBytes(value: string, field: string, length?: number): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new InvalidHexError({ field, value });
  const out = Uint8Array.from(Buffer.from(value.slice(2), "hex"));
  if (length !== undefined && out.length !== length) {
    throw new InvalidLengthError({ field, length: out.length, expected: length });
  }
  return out;
}

/**
 * Encodes bytes as a lower-case 0x-prefixed hex string.
 * @param bytes - Bytes to encode.
 * @returns The hex string.
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}
