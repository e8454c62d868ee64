/**
 * The on-chain state the broker admits requests against: the user's ledger and sub-account with this provider,
 * cached in memory. Entries are dropped when an event about the user arrives (BalanceUpdated, TokenRevoked,
 * AccountDeleted, ...) and expire after a TTL as a backstop, so a missed event costs at most one TTL.
 */
import { BaseError, ContractFunctionRevertedError, getAddress, type Address, type PublicClient } from "viem";
import { InferenceServingAbi, LedgerManagerAbi } from "../generated/abis.js";

export type AccountState =
  | { kind: "no-ledger" }
  | { kind: "no-account" }
  | {
      kind: "ok";
      balance: bigint;
      pendingRefund: bigint;
      acknowledged: boolean;
      generation: bigint;
      revokedBitmap: bigint;
    };

export interface AccountCacheOptions {
  publicClient: PublicClient;
  inferenceServing: Address;
  ledgerManager: Address;
  provider: Address;
  /** Lifetime of a cached account, ms (default 60000). */
  ttlMs?: number;
  /** Lifetime of a cached "no ledger"/"no account", ms (default 2000). */
  negativeTtlMs?: number;
}

function revertName(err: unknown): string | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const r = err.walk((e) => e instanceof ContractFunctionRevertedError);
  return r instanceof ContractFunctionRevertedError ? r.data?.errorName : undefined;
}

export class AccountCache {
  private readonly entries = new Map<string, { state: AccountState; expires: number }>();
  private readonly loading = new Map<string, Promise<AccountState>>();
  /** Bumped per user on invalidation, so a read that started before an event is not cached after it. */
  private readonly epochs = new Map<string, number>();
  reads = 0;

  constructor(private readonly o: AccountCacheOptions) {}

  async get(user: Address): Promise<AccountState> {
    const key = user.toLowerCase();
    const hit = this.entries.get(key);
    if (hit && hit.expires > Date.now()) return hit.state;
    const pending = this.loading.get(key);
    if (pending) return pending;
    const epoch = this.epochs.get(key) ?? 0;
    const p = this.read(getAddress(user)).finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    const state = await p;
    if ((this.epochs.get(key) ?? 0) === epoch) {
      const ttl = state.kind === "ok" ? (this.o.ttlMs ?? 60_000) : (this.o.negativeTtlMs ?? 2_000);
      this.entries.set(key, { state, expires: Date.now() + ttl });
    }
    return state;
  }

  private service: { trusted: boolean; expires: number } | undefined;

  /**
   * Whether the owner's acknowledgement on chain covers `signer` as this provider's TEE signer (without it every
   * settlement fails NO_TEE_SIGNER, so the broker would serve for free). Cached like accounts.
   */
  async signerTrusted(signer: Address): Promise<boolean> {
    if (this.service && this.service.expires > Date.now()) return this.service.trusted;
    let trusted = false;
    try {
      const s = await this.o.publicClient.readContract({
        address: this.o.inferenceServing,
        abi: InferenceServingAbi,
        functionName: "getService",
        args: [this.o.provider],
      });
      trusted = s.teeSignerAcknowledged && s.teeSignerAddress.toLowerCase() === signer.toLowerCase();
    } catch (err) {
      if (!revertName(err)) throw err;
    }
    this.service = {
      trusted,
      expires: Date.now() + (trusted ? (this.o.ttlMs ?? 60_000) : (this.o.negativeTtlMs ?? 2_000)),
    };
    return trusted;
  }

  invalidateService(): void {
    this.service = undefined;
  }

  invalidate(user: string): void {
    const key = user.toLowerCase();
    this.entries.delete(key);
    this.loading.delete(key);
    this.epochs.set(key, (this.epochs.get(key) ?? 0) + 1);
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.invalidate(key);
  }

  private async read(user: Address): Promise<AccountState> {
    this.reads++;
    try {
      const a = await this.o.publicClient.readContract({
        address: this.o.inferenceServing,
        abi: InferenceServingAbi,
        functionName: "getAccount",
        args: [user, this.o.provider],
      });
      return {
        kind: "ok",
        balance: a.balance,
        pendingRefund: a.pendingRefund,
        acknowledged: a.acknowledged,
        generation: a.generation,
        revokedBitmap: a.revokedBitmap,
      };
    } catch (err) {
      if (revertName(err) !== "AccountNotExists") throw err;
    }
    try {
      await this.o.publicClient.readContract({
        address: this.o.ledgerManager,
        abi: LedgerManagerAbi,
        functionName: "getLedger",
        args: [user],
      });
      return { kind: "no-account" };
    } catch (err) {
      if (revertName(err) === "LedgerNotExists") return { kind: "no-ledger" };
      throw err;
    }
  }
}
