import { concatBytes } from "@noble/hashes/utils.js";
import { keccak256, stringToBytes, type Hex } from "viem";
import { SettlementInputError } from "./errors";

/**
 * One metered request as a provider broker records it. Every field is kept as the exact text the broker
 * stores (hex hash, checksummed or lower-case address, decimal wei), because the hash covers the text.
 */
export interface MeteredRequest {
  requestHash: string;
  userAddress: string;
  fee: string;
  inputFee: string;
  outputFee: string;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * The commitment a settlement carries: keccak256 over the UTF-8 concatenation, request after request, of
 * `requestHash ‖ userAddress ‖ fee ‖ inputFee ‖ outputFee` with no separator (0G's broker format). Our
 * InferenceServing emits it in `TEESettlementRecorded`, so a user can recompute it from the request log.
 */
export function computeRequestsHash(requests: readonly MeteredRequest[]): Hex {
  const parts: Uint8Array[] = [];
  for (const r of requests) {
    for (const fee of [r.fee, r.inputFee, r.outputFee]) {
      if (!DECIMAL.test(fee)) throw new SettlementInputError("fee must be a decimal wei string", fee);
    }
    parts.push(stringToBytes(r.requestHash + r.userAddress + r.fee + r.inputFee + r.outputFee));
  }
  return keccak256(concatBytes(...parts));
}

/** Sum of the `fee` fields: the `totalFee` the batch settles. */
export function totalFeeOf(requests: readonly MeteredRequest[]): bigint {
  let total = 0n;
  for (const r of requests) {
    if (!DECIMAL.test(r.fee)) throw new SettlementInputError("fee must be a decimal wei string", r.fee);
    total += BigInt(r.fee);
  }
  return total;
}
