/**
 * A small, independent TypeScript model of 0G's PoRA (mine version 1), used to build valid answers in tests.
 * Pure functions over hex strings; byte layouts as in docs/storage-contracts.md §Mine.
 */
import { blake2b } from "@noble/hashes/blake2.js";
import { AbiCoder, concat, getBytes, hexlify, keccak256, toBeHex, zeroPadValue } from "ethers";

const coder = AbiCoder.defaultAbiCoder();
export const SECTORS_PER_LOAD = 1024n;
export const SECTORS_PER_SEAL = 16n;
export const WORDS_PER_SEAL = 128;

export interface RangeModel {
  startPosition: bigint;
  mineLength: bigint;
  shardId: bigint;
  shardMask: bigint;
}

function xor32(a: string, b: string): string {
  const x = getBytes(a);
  const y = getBytes(b);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = x[i] ^ y[i];
  return hexlify(out);
}

/** BLAKE2b-512 (unkeyed) of the concatenation. */
export function blake2b512(...parts: string[]): string {
  return hexlify(blake2b(getBytes(concat(parts)), { dkLen: 64 }));
}

export function rangeDigest(r: RangeModel): string {
  return keccak256(
    coder.encode(["uint256", "uint256", "uint256", "uint256"], [r.startPosition, r.mineLength, r.shardId, r.shardMask]),
  );
}

/** Seals 128 data words for a miner: sealed[0] = d[0] ^ K(minerId ‖ ctx ‖ start), sealed[i] = d[i] ^ K(sealed[i−1]). */
export function seal(minerId: string, sealContextDigest: string, startSector: bigint, data: string[]): string[] {
  const out: string[] = [];
  out.push(
    xor32(
      data[0],
      keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [minerId, sealContextDigest, startSector])),
    ),
  );
  for (let i = 1; i < WORDS_PER_SEAL; i++) out.push(xor32(data[i], keccak256(out[i - 1])));
  return out;
}

export interface PoraResult {
  padSeed: string;
  recallSeed: string;
  chunkOffset: bigint;
}

/** padSeed and the recall seed / load for a nonce (the part of PoRA that does not need the data). */
export function recall(
  minerId: string,
  nonce: string,
  subtaskDigest: string,
  r: RangeModel,
): PoraResult & { cells: string[] } {
  const padSeed = blake2b512(minerId, nonce, subtaskDigest, rangeDigest(r));
  let d0 = padSeed.slice(0, 66);
  let d1 = "0x" + padSeed.slice(66);
  const cells: string[] = [];
  for (let c = 0; c < 256; c++) {
    d0 = keccak256(concat([d0, d1]));
    d1 = keccak256(concat([d0, d1]));
    cells.push(d0, d1);
  }
  const recallSeed = keccak256(concat([d0, d1]));
  const loads = r.mineLength / SECTORS_PER_LOAD;
  const o = (BigInt(recallSeed) % loads) & ((1n << 64n) - 1n);
  const chunkOffset = (o & r.shardMask) | r.shardId;
  return { padSeed, recallSeed, chunkOffset, cells };
}

/** The PoRA output for a sealed 4 KiB seal at `sealOffset`, given the scratchpad cells of `recall`. */
export function poraOutput(padSeed: string, cells: string[], sealOffset: number, sealed: string[]): string {
  const base = (sealOffset % 4) * 128;
  const mixed = sealed.map((w, i) => xor32(w, cells[base + i]));
  const out = blake2b512(zeroPadValue(toBeHex(sealOffset), 32), padSeed, zeroPadValue("0x", 32), ...mixed);
  return out.slice(0, 66);
}

/** The 128 words of sectors [start, start + 16) from a map of sector contents (missing sectors are zero). */
export function sealWords(sectorData: (pos: bigint) => Uint8Array, start: bigint): string[] {
  const words: string[] = [];
  for (let s = 0n; s < SECTORS_PER_SEAL; s++) {
    const bytes = sectorData(start + s);
    for (let w = 0; w < 8; w++) words.push(hexlify(bytes.slice(w * 32, w * 32 + 32)));
  }
  return words;
}
