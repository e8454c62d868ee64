import { RATE_DENOMINATOR, WEI_PER_GWEI } from "./constants";
import { StakingProtocolError, ValueOutOfRangeError } from "./errors";

/**
 * Converts gwei to wei.
 * @param gwei - Amount in gwei.
 * @returns Amount in wei.
 */
export function gweiToWei(gwei: bigint): bigint {
  return gwei * WEI_PER_GWEI;
}

/**
 * Converts wei to gwei, refusing amounts that are not whole gwei (the contract refuses them too when they
 * are signed over).
 * @param wei - Amount in wei.
 * @returns Amount in gwei.
 */
export function weiToGwei(wei: bigint): bigint {
  if (wei % WEI_PER_GWEI !== 0n) throw new StakingProtocolError("amount is not a whole number of gwei", `${wei} wei`);
  return wei / WEI_PER_GWEI;
}

/**
 * Converts a percentage (e.g. 5 for 5 %) to parts per million, the unit of `commissionRate`.
 * @param percent - Percentage between 0 and 100.
 * @returns Rate in parts per million.
 * @example
 * percentToPpm(5); // 50000
 */
export function percentToPpm(percent: number): number {
  const ppm = Math.round((percent * RATE_DENOMINATOR) / 100);
  if (!Number.isFinite(percent) || ppm < 0 || ppm > RATE_DENOMINATOR) {
    throw new ValueOutOfRangeError({ field: "percent", value: BigInt(Math.trunc(percent)), min: 0n, max: 100n });
  }
  return ppm;
}
