/**
 * Staking operations of a user or validator operator (create a validator, delegate, undelegate): used by
 * `zg stake` and the devnet setup. Each sends through a viem wallet client and waits for the receipt.
 */
import {
  decodeEventLog,
  type Account,
  type Address,
  type Chain,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { StakingAbi, ValidatorAbi } from "../../generated/abis";
import {
  generateConsensusKey,
  getConsensusPubkey,
  prepareValidatorInitialization,
  type ValidatorDescription,
} from "../../protocol/staking";

export type SigningWallet = WalletClient<Transport, Chain, Account>;

export interface StakeClients {
  publicClient: PublicClient;
  walletClient: SigningWallet;
}

export class StakeOperationError extends Error {
  override readonly name = "StakeOperationError";
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

async function confirm(clients: StakeClients, hash: Hash) {
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new StakeOperationError(`transaction ${hash} reverted`, { hash });
  return receipt;
}

export interface CreateValidatorParams {
  staking: Address;
  /** Self-delegation in wei (a whole number of gwei). */
  value: bigint;
  description: ValidatorDescription;
  /** Commission, parts per million. */
  commissionRate: number;
  withdrawalFeeInGwei: bigint;
  /** A 32-byte consensus secret key to reuse; default: a fresh random key. */
  secretKey?: Uint8Array;
}

export interface CreateValidatorResult {
  validator: Address;
  pubkey: `0x${string}`;
  /** The consensus secret key: the caller stores it (never log it). */
  secretKey: Uint8Array;
  txHash: Hash;
}

/** Generates (or reuses) a BLS key, signs the proof of possession and sends createAndInitializeValidatorIfNecessary. */
export async function createValidator(clients: StakeClients, p: CreateValidatorParams): Promise<CreateValidatorResult> {
  const key = p.secretKey
    ? { secretKey: p.secretKey, pubkey: getConsensusPubkey(p.secretKey) }
    : generateConsensusKey();
  const pubkey = key.pubkey as `0x${string}`;
  const validator = await clients.publicClient.readContract({
    address: p.staking,
    abi: StakingAbi,
    functionName: "computeValidatorAddress",
    args: [pubkey],
  });
  const chainId = await clients.publicClient.getChainId();
  const operator = clients.walletClient.account.address;
  const tx = prepareValidatorInitialization({
    secretKey: key.secretKey,
    chainId: BigInt(chainId),
    staking: p.staking,
    validator,
    operator,
    value: p.value,
    description: p.description,
    commissionRate: p.commissionRate,
    withdrawalFeeInGwei: p.withdrawalFeeInGwei,
  });
  // Simulate first so a revert is reported with its decoded reason, not as a mined failure.
  await clients.publicClient.call({ account: operator, to: tx.to, data: tx.data, value: tx.value });
  const txHash = await clients.walletClient.sendTransaction({ to: tx.to, data: tx.data, value: tx.value });
  await confirm(clients, txHash);
  return { validator, pubkey, secretKey: key.secretKey, txHash };
}

export async function delegate(
  clients: StakeClients,
  p: { validator: Address; value: bigint; delegator?: Address },
): Promise<{ txHash: Hash; shares: bigint }> {
  const delegator = p.delegator ?? clients.walletClient.account.address;
  const { request, result } = await clients.publicClient.simulateContract({
    account: clients.walletClient.account,
    address: p.validator,
    abi: ValidatorAbi,
    functionName: "delegate",
    args: [delegator],
    value: p.value,
  });
  const txHash = await clients.walletClient.writeContract(request);
  await confirm(clients, txHash);
  return { txHash, shares: result };
}

export interface UndelegateResult {
  txHash: Hash;
  amount: bigint;
  queueIndex: bigint;
  completionHeight: bigint;
}

/** Undelegates `shares` (default: all of the sender's), paying the validator's withdrawal fee. */
export async function undelegate(
  clients: StakeClients,
  p: { validator: Address; shares?: bigint; withdrawalAddress?: Address },
): Promise<UndelegateResult> {
  const me = clients.walletClient.account.address;
  const v = { address: p.validator, abi: ValidatorAbi } as const;
  const [, held] = await clients.publicClient.readContract({ ...v, functionName: "getDelegation", args: [me] });
  const shares = p.shares ?? held;
  if (shares === 0n || shares > held) {
    throw new StakeOperationError(`cannot undelegate ${shares} shares: ${me} holds ${held}`, { shares, held });
  }
  const feeGwei = await clients.publicClient.readContract({ ...v, functionName: "withdrawalFeeInGwei" });
  const { request } = await clients.publicClient.simulateContract({
    account: clients.walletClient.account,
    ...v,
    functionName: "undelegate",
    args: [p.withdrawalAddress ?? me, shares],
    value: BigInt(feeGwei) * 1_000_000_000n,
  });
  const txHash = await clients.walletClient.writeContract(request);
  const receipt = await confirm(clients, txHash);
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== p.validator.toLowerCase()) continue;
    try {
      const ev = decodeEventLog({ abi: ValidatorAbi, data: log.data, topics: log.topics });
      if (ev.eventName === "WithdrawQueued") {
        return {
          txHash,
          amount: ev.args.amount,
          queueIndex: BigInt(ev.args.queueIndex),
          completionHeight: BigInt(ev.args.completionHeight),
        };
      }
    } catch {
      // another event of the validator
    }
  }
  throw new StakeOperationError(`no WithdrawQueued event in ${txHash}`, { txHash });
}
