import { POP_MESSAGE_LENGTH, POP_MESSAGE_TAG, PUBKEY_LENGTH } from "./constants";
import { ValueOutOfRangeError } from "./errors";
import { hexToBytes, type Hex } from "./hex";

/** Everything a proof of possession binds. */
export interface ProofOfPossessionMessageParameters {
  /** EVM chain id. */
  chainId: bigint;
  /** Address of the Staking registry (proxy). */
  staking: Hex;
  /** Address of the validator contract, i.e. `computeValidatorAddress(pubkey)`. */
  validator: Hex;
  /** Address that calls `initializeValidator` and becomes the operator. */
  operator: Hex;
  /** Self-delegation sent with the initialization, in gwei (msg.value / 1e9). */
  amountInGwei: bigint;
  /** 48-byte compressed BLS12-381 G1 consensus public key. */
  pubkey: Hex;
}

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

function writeUint(out: Uint8Array, offset: number, value: bigint, bytes: number): void {
  let v = value;
  for (let i = bytes - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * Builds the message a consensus key signs to prove possession when a validator is initialized:
 * `"0G-STAKING-POP-V1" ‖ uint256 chainId ‖ staking ‖ validator ‖ operator ‖ uint64 amountInGwei ‖ pubkey`
 * (big-endian integers, 20-byte addresses; 165 bytes). The Staking contract builds the same bytes with
 * `abi.encodePacked`.
 *
 * @param parameters - The values the proof binds.
 * @returns The 165-byte message.
 * @example
 * const msg = encodeProofOfPossessionMessage({ chainId: 31337n, staking, validator, operator, amountInGwei: 500_000_000_000n, pubkey });
 */
export function encodeProofOfPossessionMessage(parameters: ProofOfPossessionMessageParameters): Uint8Array {
  const { chainId, amountInGwei } = parameters;
  if (chainId < 0n || chainId > UINT256_MAX) {
    throw new ValueOutOfRangeError({ field: "chainId", value: chainId, min: 0n, max: UINT256_MAX });
  }
  if (amountInGwei < 0n || amountInGwei > UINT64_MAX) {
    throw new ValueOutOfRangeError({ field: "amountInGwei", value: amountInGwei, min: 0n, max: UINT64_MAX });
  }
  const out = new Uint8Array(POP_MESSAGE_LENGTH);
  let o = 0;
  out.set(new TextEncoder().encode(POP_MESSAGE_TAG), o);
  o += POP_MESSAGE_TAG.length;
  writeUint(out, o, chainId, 32);
  o += 32;
  out.set(hexToBytes(parameters.staking, "staking", 20), o);
  o += 20;
  out.set(hexToBytes(parameters.validator, "validator", 20), o);
  o += 20;
  out.set(hexToBytes(parameters.operator, "operator", 20), o);
  o += 20;
  writeUint(out, o, amountInGwei, 8);
  o += 8;
  out.set(hexToBytes(parameters.pubkey, "pubkey", PUBKEY_LENGTH), o);
  return out;
}
