/**
 * Settlement: turns each user's recorded requests into one TEE-signed `settleFeesWithTEE` item, exactly once.
 *
 * Per user, at most one item is in flight. It is written to Redis (signed, with its nonce) before it is sent, and
 * booked from the transaction's events after. A crash anywhere in between is reconciled on the next run from the
 * chain: if `settlementNonce(user, provider)` reached the item's nonce, its `TEESettlementRecorded` event tells
 * what was taken and the item is booked; otherwise the very same signed item is sent again (if the first copy is
 * mined meanwhile, the second is refused with INVALID_NONCE and nothing is charged twice).
 */
import { randomUUID } from "node:crypto";
import { parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import type { Logger } from "pino";
import type { TxSender } from "../core/index.js";
import { InferenceServingAbi } from "../generated/abis.js";
import {
  computeRequestsHash,
  inferenceDomain,
  MAX_SETTLEMENTS_PER_BATCH,
  nextSettlementNonce,
  totalFeeOf,
  type TeeSettlementData,
} from "../protocol/compute/index.js";
import type { AccountCache } from "./accounts.js";
import type { OwedLedger } from "./proxy.js";
import type { BrokerStore, InflightSettlement, SettlementOutcome, StoredRequest } from "./store.js";
import type { TeeSigner } from "./tee-key.js";

export const SETTLEMENT_STATUS = [
  "SUCCESS",
  "PARTIAL",
  "PROVIDER_MISMATCH",
  "NO_TEE_SIGNER",
  "INVALID_NONCE",
  "INVALID_SIGNATURE",
  "ACCOUNT_NOT_EXISTS",
] as const;

export interface SettlerOptions {
  store: BrokerStore;
  ledger: OwedLedger;
  accounts: AccountCache;
  signer: TeeSigner;
  publicClient: PublicClient;
  txSender: TxSender;
  inferenceServing: Address;
  provider: Address;
  chainId: number;
  logger: Logger;
  now?: () => number;
  /** Test hook: runs after the transaction is mined and before it is booked. */
  afterSend?: (hash: Hex) => Promise<void> | void;
  /** How long a run waits for another run's settlement lock before failing with {@link SettlementBusyError}. */
  lockWaitMs?: number;
  /** Lifetime of the settlement lock; renewed every third of it while the run lasts (a crashed holder frees it). */
  lockTtlMs?: number;
}

/** Another settling run (this process or another sharing the Redis) held the lock for longer than the wait. */
export class SettlementBusyError extends Error {
  override readonly name = "SettlementBusyError";
  constructor(readonly waitedMs: number) {
    super(`settlement lock still held by another run after ${waitedMs} ms; retry later`);
  }
}

interface Candidate {
  inflight: InflightSettlement;
  requests: StoredRequest[];
  resend: boolean;
}

export class Settler {
  constructor(private readonly o: SettlerOptions) {}

  private get domain() {
    return inferenceDomain(this.o.chainId, this.o.inferenceServing);
  }

  private onChainNonce(user: Address): Promise<bigint> {
    return this.o.publicClient.readContract({
      address: this.o.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "settlementNonce",
      args: [user, this.o.provider],
    });
  }

  /** Earliest refund unlock of the user's sub-account (unix seconds), if any refund is pending. */
  async earliestUnlock(user: Address): Promise<bigint | undefined> {
    try {
      const times = await this.o.publicClient.readContract({
        address: this.o.inferenceServing,
        abi: InferenceServingAbi,
        functionName: "refundUnlockTimes",
        args: [user, this.o.provider],
      });
      return times.length ? times.reduce((a, b) => (b < a ? b : a)) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Settles the given users (default: everyone with unsettled requests or an item in flight). Returns the outcome
   * of every item booked or refused. Throws if the transaction fails; the job's retry then reconciles.
   */
  async settle(users?: readonly Address[]): Promise<SettlementOutcome[]> {
    // Runs never overlap: two runs reading the same unsettled requests would each sign and send them (two
    // nonces), and the user would be charged twice. In this process a promise chain orders them; across processes
    // (the broker's jobs, `zg compute provider settle`) a Redis lock does.
    const run = this.queue.then(() => this.settleLocked(users));
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private queue: Promise<void> = Promise.resolve();

  private async settleLocked(users?: readonly Address[]): Promise<SettlementOutcome[]> {
    const token = randomUUID();
    const ttl = this.o.lockTtlMs ?? 300_000;
    const wait = this.o.lockWaitMs ?? 60_000;
    const started = Date.now();
    while (!(await this.o.store.tryLockSettlement(token, ttl))) {
      if (Date.now() - started >= wait) throw new SettlementBusyError(Date.now() - started);
      await new Promise((r) => setTimeout(r, 200));
    }
    const renew = setInterval(
      () => {
        void this.o.store.extendSettlementLock(token, ttl).catch(() => undefined);
      },
      Math.max(1_000, Math.floor(ttl / 3)),
    );
    try {
      return await this.settleNow(users);
    } finally {
      clearInterval(renew);
      await this.o.store.unlockSettlement(token);
    }
  }

  private async settleNow(users?: readonly Address[]): Promise<SettlementOutcome[]> {
    const targets = [
      ...new Set((users ?? (await this.o.store.usersWithWork())).map((u) => u.toLowerCase() as Address)),
    ];
    const outcomes: SettlementOutcome[] = [];
    const candidates: Candidate[] = [];
    for (const user of targets) {
      const c = await this.prepare(user, outcomes);
      if (c) candidates.push(c);
    }
    for (let i = 0; i < candidates.length; i += MAX_SETTLEMENTS_PER_BATCH) {
      outcomes.push(...(await this.sendBatch(candidates.slice(i, i + MAX_SETTLEMENTS_PER_BATCH))));
    }
    return outcomes;
  }

  /** Reconciles a user's item in flight, or signs a new one from the unsettled requests. */
  private async prepare(user: Address, outcomes: SettlementOutcome[]): Promise<Candidate | undefined> {
    const onChain = await this.onChainNonce(user);
    const inflight = await this.o.store.inflight(user);
    if (inflight) {
      const requests = await this.requestsOf(inflight);
      if (onChain < BigInt(inflight.nonce)) return { inflight, requests, resend: true };
      const recorded = await this.findRecorded(inflight);
      if (recorded !== undefined) {
        outcomes.push(await this.book(inflight, requests, recorded, undefined, true));
        return undefined;
      }
      // The chain moved past our nonce without taking our item: forget it, sign afresh below.
      this.o.logger.warn({ user, nonce: inflight.nonce, onChain: onChain.toString() }, "in-flight item superseded");
      await this.o.store.clearInflight(user);
    }
    const requests = await this.o.store.unsettled(user);
    if (!requests.length) return undefined;
    return { inflight: await this.sign(user, requests, onChain), requests, resend: false };
  }

  private async requestsOf(inflight: InflightSettlement): Promise<StoredRequest[]> {
    const all = await this.o.store.unsettled(inflight.user);
    const ids = new Set(inflight.ids);
    return all.filter((r) => ids.has(r.id));
  }

  private async sign(user: Address, requests: StoredRequest[], onChain: bigint): Promise<InflightSettlement> {
    const floor = nextSettlementNonce(onChain, (this.o.now ?? Date.now)());
    const nonce = await this.o.store.nextNonce(floor);
    const totalFee = totalFeeOf(requests);
    const requestsHash = computeRequestsHash(requests);
    const item = await this.o.signer.signSettlement(this.domain, {
      requestsHash,
      nonce,
      provider: this.o.provider,
      user,
      totalFee,
    });
    return {
      user,
      ids: requests.map((r) => r.id),
      totalFee: totalFee.toString(),
      requestsHash,
      nonce: nonce.toString(),
      signature: item.signature,
      fromBlock: "0",
      createdAt: Date.now(),
    };
  }

  private item(s: InflightSettlement): TeeSettlementData {
    return {
      user: s.user,
      provider: this.o.provider,
      totalFee: BigInt(s.totalFee),
      requestsHash: s.requestsHash,
      nonce: BigInt(s.nonce),
      signature: s.signature,
    };
  }

  /** Preview, trim PARTIAL items to what the balance covers, persist, send, book. */
  private async sendBatch(batch: Candidate[]): Promise<SettlementOutcome[]> {
    const outcomes: SettlementOutcome[] = [];
    const [failedUsers, failureReasons, partialUsers, partialAmounts] = await this.o.publicClient.readContract({
      address: this.o.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "previewSettlementResults",
      args: [batch.map((c) => this.item(c.inflight))],
      account: this.o.provider,
    });
    const failed = new Map(failedUsers.map((u, i) => [u.toLowerCase(), failureReasons[i] ?? 0]));
    const partial = new Map(partialUsers.map((u, i) => [u.toLowerCase(), partialAmounts[i] ?? 0n]));
    const toSend: Candidate[] = [];
    for (const c of batch) {
      const user = c.inflight.user.toLowerCase();
      const status = failed.get(user);
      if (status !== undefined) {
        const name = SETTLEMENT_STATUS[status] ?? String(status);
        // A resent item refused now (e.g. INVALID_NONCE after the first copy was mined) is reconciled next run.
        if (!c.resend) {
          const outcome = this.outcome(c.inflight, name, 0n, c.requests.length);
          await this.o.store.logOutcome(outcome);
          outcomes.push(outcome);
        }
        this.o.logger.warn(
          { user, status: name, nonce: c.inflight.nonce },
          "settlement item would fail; kept for later",
        );
        continue;
      }
      const short = partial.get(user);
      if (short !== undefined && !c.resend) {
        // Keep the oldest requests the balance covers; the rest waits for a top-up (0G's rule).
        const budget = BigInt(c.inflight.totalFee) - short;
        let sum = 0n;
        const fit: StoredRequest[] = [];
        for (const r of c.requests) {
          if (sum + BigInt(r.fee) > budget) break;
          sum += BigInt(r.fee);
          fit.push(r);
        }
        if (fit.length && fit.length < c.requests.length) {
          const onChain = await this.onChainNonce(c.inflight.user);
          toSend.push({ inflight: await this.sign(c.inflight.user, fit, onChain), requests: fit, resend: false });
          continue;
        }
      }
      toSend.push(c);
    }
    if (!toSend.length) return outcomes;
    const fromBlock = (await this.o.publicClient.getBlockNumber()).toString();
    for (const c of toSend) {
      if (!c.resend) c.inflight.fromBlock = fromBlock;
      await this.o.store.setInflight(c.inflight);
    }
    const tx = await this.o.txSender.writeContract({
      address: this.o.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "settleFeesWithTEE",
      args: [toSend.map((c) => this.item(c.inflight))],
    });
    await this.o.afterSend?.(tx.hash);
    const logs = parseEventLogs({ abi: InferenceServingAbi, logs: tx.receipt.logs });
    for (const c of toSend) {
      const user = c.inflight.user.toLowerCase();
      const recorded = logs.find(
        (l) =>
          l.eventName === "TEESettlementRecorded" &&
          l.args.user.toLowerCase() === user &&
          l.args.nonce === BigInt(c.inflight.nonce),
      );
      if (recorded && recorded.eventName === "TEESettlementRecorded") {
        outcomes.push(await this.book(c.inflight, c.requests, recorded.args.settledAmount, tx.hash, false));
        continue;
      }
      const result = logs.find((l) => l.eventName === "TEESettlementResult" && l.args.user.toLowerCase() === user);
      const status = result && result.eventName === "TEESettlementResult" ? result.args.status : undefined;
      const name = status === undefined ? "UNKNOWN" : (SETTLEMENT_STATUS[status] ?? String(status));
      if (c.resend && name === "INVALID_NONCE") continue; // the earlier copy may have landed: reconcile next run
      await this.o.store.clearInflight(user);
      const outcome = { ...this.outcome(c.inflight, name, 0n, c.requests.length), txHash: tx.hash };
      await this.o.store.logOutcome(outcome);
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** `settledAmount` of our item from its `TEESettlementRecorded` event, if the chain took it. */
  private async findRecorded(s: InflightSettlement): Promise<bigint | undefined> {
    const logs = await this.o.publicClient.getContractEvents({
      address: this.o.inferenceServing,
      abi: InferenceServingAbi,
      eventName: "TEESettlementRecorded",
      args: { user: s.user, provider: this.o.provider, requestsHash: s.requestsHash },
      fromBlock: BigInt(s.fromBlock),
    });
    const hit = logs.find((l) => l.args.nonce === BigInt(s.nonce));
    return hit?.args.settledAmount;
  }

  private outcome(s: InflightSettlement, status: string, settled: bigint, requests: number): SettlementOutcome {
    return {
      user: s.user,
      nonce: s.nonce,
      status,
      totalFee: s.totalFee,
      settled: settled.toString(),
      requests,
      at: Date.now(),
    };
  }

  private async book(
    s: InflightSettlement,
    requests: StoredRequest[],
    settled: bigint,
    txHash: Hex | undefined,
    reconciled: boolean,
  ): Promise<SettlementOutcome> {
    const total = BigInt(s.totalFee);
    const status = settled >= total ? "SUCCESS" : "PARTIAL";
    const outcome: SettlementOutcome = { ...this.outcome(s, status, settled, s.ids.length), txHash, reconciled };
    await this.o.store.bookSettlement(s, outcome);
    this.o.ledger.subtract(
      s.user,
      requests.reduce((a, r) => a + BigInt(r.fee), 0n),
    );
    if (settled < total) {
      // What the balance could not cover stays owed, as one carried request settled once the user tops up.
      await this.o.store.recordCarry(s.user, s.nonce, total - settled);
      this.o.ledger.add(s.user, total - settled);
    }
    this.o.accounts.invalidate(s.user);
    this.o.logger.info({ user: s.user, nonce: s.nonce, status, settled: settled.toString(), reconciled }, "settled");
    return outcome;
  }
}
