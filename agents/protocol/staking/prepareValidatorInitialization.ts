import { encodeFunctionData, type Hex as ViemHex } from "viem";
import { RATE_DENOMINATOR } from "./constants";
import { assertValidDescription, type ValidatorDescription } from "./description";
import { ValueOutOfRangeError } from "./errors";
import { type Hex } from "./hex";
import { signProofOfPossession } from "./signProofOfPossession";
import { weiToGwei } from "./units";

/** The documented ABI of `IStakingContract.createAndInitializeValidatorIfNecessary` (selector 0xe7740331). */
export const createAndInitializeValidatorIfNecessaryAbi = [
  {
    type: "function",
    name: "createAndInitializeValidatorIfNecessary",
    stateMutability: "payable",
    inputs: [
      {
        name: "description",
        type: "tuple",
        internalType: "struct IStakingContract.Description",
        components: [
          { name: "moniker", type: "string" },
          { name: "identity", type: "string" },
          { name: "website", type: "string" },
          { name: "securityContact", type: "string" },
          { name: "details", type: "string" },
        ],
      },
      { name: "commissionRate", type: "uint32" },
      { name: "withdrawalFeeInGwei", type: "uint96" },
      { name: "pubkey", type: "bytes" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "", type: "address" }],
  },
] as const;

/** Parameters of {@link prepareValidatorInitialization}. */
export interface PrepareValidatorInitializationParameters {
  /** 32-byte consensus secret key. */
  secretKey: Uint8Array;
  /** EVM chain id. */
  chainId: bigint;
  /** Staking registry (proxy) address. */
  staking: Hex;
  /** `computeValidatorAddress(pubkey)` as returned by the registry. */
  validator: Hex;
  /** Account that will send the transaction and become the operator. */
  operator: Hex;
  /** Self-delegation in wei (a whole number of gwei; at least the registry's minimum). */
  value: bigint;
  /** Validator description (checked against the length limits). */
  description: ValidatorDescription;
  /** Commission in parts per million. */
  commissionRate: number;
  /** Withdrawal fee in gwei. */
  withdrawalFeeInGwei: bigint;
}

/** What {@link prepareValidatorInitialization} returns: a ready transaction for the registry. */
export interface PrepareValidatorInitializationReturnType {
  /** Transaction target (the registry). */
  to: Hex;
  /** msg.value in wei. */
  value: bigint;
  /** Calldata of `createAndInitializeValidatorIfNecessary`. */
  data: Hex;
  /** The consensus public key. */
  pubkey: Hex;
  /** The proof-of-possession blob. */
  signature: Hex;
}

const UINT96_MAX = (1n << 96n) - 1n;

/**
 * Checks the inputs the contract would check, signs the proof of possession and encodes the
 * `createAndInitializeValidatorIfNecessary` transaction. Pure: the caller reads `validator` from the
 * registry's `computeValidatorAddress(pubkey)` and sends the result.
 *
 * @param parameters - Key, chain, addresses, amount and validator settings.
 * @returns `{ to, value, data }` plus the pubkey and signature.
 * @example
 * const tx = prepareValidatorInitialization({ secretKey, chainId: 31337n, staking, validator, operator, value: parseEther("500"), description, commissionRate: 50_000, withdrawalFeeInGwei: 1n });
 * await walletClient.sendTransaction(tx);
 */
export function prepareValidatorInitialization(
  parameters: PrepareValidatorInitializationParameters,
): PrepareValidatorInitializationReturnType {
  const { secretKey, chainId, staking, validator, operator, value, description, commissionRate, withdrawalFeeInGwei } =
    parameters;
  assertValidDescription(description);
  if (!Number.isInteger(commissionRate) || commissionRate < 0 || commissionRate > RATE_DENOMINATOR) {
    throw new ValueOutOfRangeError({
      field: "commissionRate",
      value: BigInt(Math.trunc(commissionRate)),
      min: 0n,
      max: BigInt(RATE_DENOMINATOR),
    });
  }
  if (withdrawalFeeInGwei < 0n || withdrawalFeeInGwei > UINT96_MAX) {
    throw new ValueOutOfRangeError({
      field: "withdrawalFeeInGwei",
      value: withdrawalFeeInGwei,
      min: 0n,
      max: UINT96_MAX,
    });
  }
  const amountInGwei = weiToGwei(value);
  const { pubkey, signature } = signProofOfPossession({
    secretKey,
    chainId,
    staking,
    validator,
    operator,
    amountInGwei,
  });
  const data = encodeFunctionData({
    abi: createAndInitializeValidatorIfNecessaryAbi,
    functionName: "createAndInitializeValidatorIfNecessary",
    args: [description, commissionRate, withdrawalFeeInGwei, pubkey as ViemHex, signature as ViemHex],
  });
  return { to: staking, value, data, pubkey, signature };
}
