import { toBytes32, uint256ToBytes, type Hex } from "./bytes";
import { BYTES_PER_SEAL } from "./constants";
import { InvalidSizeError, MiningInputError } from "./errors";
import { keccak256Into, keccakSealChain } from "./keccak";

/** Who seals which unit: the inputs of the first mask. */
export interface SealParameters {
  /** The miner's id (`requestMinerId`). */
  readonly minerId: Uint8Array | Hex;
  /** Context digest of the epoch range holding the seal's last sector (`queryContextAtPosition(start + 15)`). */
  readonly sealContextDigest: Uint8Array | Hex;
  /** The seal's first sector in the flow (a multiple of 16; `recallPosition` on-chain). */
  readonly startSector: bigint;
}

const maskInput = new Uint8Array(96);

/**
 * The first mask of a seal chain: `keccak256(abi.encode(bytes32 minerId, bytes32 sealContextDigest, uint256 startSector))`.
 *
 * @returns 32 bytes
 */
export function computeSealMask({ minerId, sealContextDigest, startSector }: SealParameters): Uint8Array {
  if (startSector < 0n || startSector % 16n !== 0n)
    throw new MiningInputError("seal start sector must be a non-negative multiple of 16", { startSector });
  maskInput.set(toBytes32(minerId, "minerId"), 0);
  maskInput.set(toBytes32(sealContextDigest, "sealContextDigest"), 32);
  maskInput.set(uint256ToBytes(startSector), 64);
  const out = new Uint8Array(32);
  keccak256Into(maskInput, 0, 96, out, 0);
  return out;
}

function checkUnit(unit: Uint8Array, what: string): void {
  if (unit.length !== BYTES_PER_SEAL)
    throw new InvalidSizeError({ what, expected: BYTES_PER_SEAL, received: unit.length });
}

/**
 * Seals one 4 KiB unit in place: word 0 ^= mask, then word i ^= keccak256(sealed word i−1), i = 1..127.
 *
 * @param unit - 4096 bytes of flow data, overwritten with the sealed bytes
 * @param params - miner, seal context and position
 * @throws InvalidSizeError if `unit` is not 4096 bytes
 */
export function sealInPlace(unit: Uint8Array, params: SealParameters): void {
  checkUnit(unit, "Seal unit");
  const mask = computeSealMask(params);
  for (let b = 0; b < 32; b++) unit[b] ^= mask[b];
  keccakSealChain(unit, "seal");
}

/**
 * Inverts {@link sealInPlace} in place, walking backwards so each step still sees the sealed previous word (this is what
 * the Mine contract's `unseal` computes).
 *
 * @param unit - 4096 sealed bytes, overwritten with the data
 * @param params - the same parameters used to seal
 */
export function unsealInPlace(unit: Uint8Array, params: SealParameters): void {
  checkUnit(unit, "Sealed unit");
  const mask = computeSealMask(params);
  keccakSealChain(unit, "unseal");
  for (let b = 0; b < 32; b++) unit[b] ^= mask[b];
}

/**
 * Sealed copy of a 4 KiB unit.
 *
 * @param data - 4096 bytes
 * @param params - miner, seal context and position
 * @returns new sealed bytes
 */
export function seal(data: Uint8Array, params: SealParameters): Uint8Array {
  const out = data.slice();
  sealInPlace(out, params);
  return out;
}

/**
 * Unsealed copy of a 4 KiB unit.
 *
 * @param sealed - 4096 sealed bytes
 * @param params - the same parameters used to seal
 * @returns new data bytes
 */
export function unseal(sealed: Uint8Array, params: SealParameters): Uint8Array {
  const out = sealed.slice();
  unsealInPlace(out, params);
  return out;
}
