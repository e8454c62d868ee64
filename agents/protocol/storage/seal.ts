import { toBytes32, uint256ToBytes, type Hex } from "./bytes";
import { BYTES_PER_SEAL } from "./constants";
import { InvalidSizeError, MiningInputError } from "./errors";
import { keccak256Into, keccakSealUnitsInPlace } from "./keccak";

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

/** Writes the first mask of the seal chain starting at `startSector` to `out[offset, +32)`. */
function sealMaskInto(
  minerId: Uint8Array,
  sealContextDigest: Uint8Array,
  startSector: bigint,
  out: Uint8Array,
  offset: number,
): void {
  if (startSector < 0n || startSector % 16n !== 0n)
    throw new MiningInputError("seal start sector must be a non-negative multiple of 16", { startSector });
  maskInput.set(minerId, 0);
  maskInput.set(sealContextDigest, 32);
  maskInput.set(uint256ToBytes(startSector), 64);
  keccak256Into(maskInput, 0, 96, out, offset);
}

/**
 * The first mask of a seal chain: `keccak256(abi.encode(bytes32 minerId, bytes32 sealContextDigest, uint256 startSector))`.
 *
 * @returns 32 bytes
 */
export function computeSealMask({ minerId, sealContextDigest, startSector }: SealParameters): Uint8Array {
  const out = new Uint8Array(32);
  sealMaskInto(toBytes32(minerId, "minerId"), toBytes32(sealContextDigest, "sealContextDigest"), startSector, out, 0);
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
  keccakSealUnitsInPlace(unit, computeSealMask(params), "seal");
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
  keccakSealUnitsInPlace(unit, computeSealMask(params), "unseal");
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

/** Inputs of {@link sealLoadInPlace}. */
export interface SealLoadParameters {
  readonly minerId: Uint8Array | Hex;
  /** First sector of the buffer in the flow (a multiple of 16). */
  readonly startSector: bigint;
  /** Seal context of each seal, by seal index in the flow (`queryContextAtPosition(16·index + 15)`). */
  readonly sealContextDigestOf: (sealIndex: bigint) => Uint8Array | Hex;
}

/**
 * Seals (or unseals) consecutive 4 KiB units in place, e.g. a 256 KiB recall load, each with its own position and seal
 * context.
 *
 * @param buffer - a whole number of seal units
 * @param params - miner, first sector and the context lookup
 * @param direction - "seal" (default) or "unseal"
 * @throws InvalidSizeError if the buffer is not a multiple of 4096 bytes
 */
export function sealLoadInPlace(
  buffer: Uint8Array,
  params: SealLoadParameters,
  direction: "seal" | "unseal" = "seal",
): void {
  if (buffer.length % BYTES_PER_SEAL !== 0) {
    throw new InvalidSizeError({ what: "Sealed range", expected: "a multiple of 4096", received: buffer.length });
  }
  if (params.startSector < 0n || params.startSector % 16n !== 0n)
    throw new MiningInputError("seal start sector must be a non-negative multiple of 16", {
      startSector: params.startSector,
    });
  // All masks first (they use the keccak module's work area), then every unit in batches inside the module.
  const units = buffer.length / BYTES_PER_SEAL;
  const minerId = toBytes32(params.minerId, "minerId");
  const masks = new Uint8Array(32 * units);
  const firstSeal = params.startSector / 16n;
  for (let u = 0; u < units; u++) {
    const sealIndex = firstSeal + BigInt(u);
    const context = toBytes32(params.sealContextDigestOf(sealIndex), "sealContextDigest");
    sealMaskInto(minerId, context, sealIndex * 16n, masks, 32 * u);
  }
  keccakSealUnitsInPlace(buffer, masks, direction);
}
