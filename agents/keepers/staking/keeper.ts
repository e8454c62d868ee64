/**
 * The staking keeper: pays every reward epoch through `RewardPool.distribute`, and drives every validator's
 * withdrawal queue and failed-payment stack. Built on the agent runtime (docs/agent-runtime.md):
 *
 * - `tick` (periodic): plans the current epoch's distribution from chain state and enqueues one `distribute` job
 *   per (epoch, validators already paid); the job re-plans and sends only for validators still due.
 * - `sweep` (periodic): for each validator, enqueues `process-queue` when the queue head has matured and
 *   `process-failed` when the failed stack is not empty.
 * - events: `WithdrawQueued` schedules a delayed `process-queue` job at the entry's completion height,
 *   `WithdrawFailed` a `process-failed` job; `ValidatorInitialized` of an unknown validator makes the keeper
 *   restart its agent with that validator's events watched too.
 *
 * Every job re-reads the chain before sending, so a duplicate trigger never sends a transaction that would do
 * nothing, and a call that would revert is stopped by the tx sender's simulation.
 */
import type { Job } from "bullmq";
import type { Address, PublicClient } from "viem";
import { createAgent, type Agent, type AgentStatus } from "../../core/agent";
import { createClients } from "../../core/chain";
import { AgentError } from "../../core/errors";
import { typedHandler, type EventHandlers, type WatchedContract } from "../../core/event-source";
import { createLogger, type Logger } from "../../core/logger";
import { RewardPoolAbi, StakingAbi, ValidatorAbi } from "../../generated/abis";
import {
  listValidators,
  readPoolState,
  readRewardsDue,
  readValidatorReport,
  readValidatorWork,
  type ValidatorReport,
} from "./chain";
import type { KeeperConfig } from "./config";
import { delayUntilHeight, jobIds, planDistribution, queueWork } from "./plan";
import { keeperState, type KeeperState } from "./state";

export const KEEPER_AGENT_NAME = "staking-keeper";

/** Most validators listed individually on `/status`. */
export const STATUS_VALIDATORS = 100;

export interface StakingKeeperOptions {
  config: KeeperConfig;
  staking: Address;
  rewardPool: Address;
  logger?: Logger;
  /** Agent name (queues, Redis keys); default `staking-keeper`. */
  name?: string;
  /** How often a pending reload (a new validator to watch) is checked, ms (default 1000). */
  reloadCheckMs?: number;
}

export interface StakingKeeper {
  start(): Promise<void>;
  stop(options?: { drain?: boolean }): Promise<void>;
  /** The running agent (replaced when the keeper reloads). */
  readonly agent: Agent;
  readonly url: string | undefined;
  /** Validators whose events are watched. */
  readonly watched: readonly Address[];
  status(): Promise<AgentStatus>;
}

interface QueueJobData {
  validator: Address;
  /** Completion height of the entry whose WithdrawQueued event scheduled the job. */
  height?: string;
}

interface DistributeJobData {
  epoch: string;
}

/** What a `distribute` job returns (kept with the completed job). */
interface DistributeResult {
  epoch: string;
  /** Transactions sent. */
  sent: number;
  validators?: number;
  skip?: string;
  txHashes: string[];
}

export class KeeperConfigError extends AgentError {
  override readonly name = "KeeperConfigError";
}

/** Handler-key name of a validator contract (`Validator_0x…`). */
export const validatorContractName = (v: Address) => `Validator_${v.toLowerCase()}`;

const toJson = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

export function createStakingKeeper(options: StakingKeeperOptions): StakingKeeper {
  const { config, staking, rewardPool } = options;
  if (!config.privateKey) {
    throw new KeeperConfigError("the staking keeper needs privateKey (ZG_KEEPER_PRIVATE_KEY)", {});
  }
  const name = options.name ?? KEEPER_AGENT_NAME;
  const logger = options.logger ?? createLogger({ name, level: config.logLevel, base: { chain_id: config.chainId } });
  const { publicClient } = createClients({ rpcUrl: config.rpcUrl, chainId: config.chainId });
  const client = publicClient as PublicClient;
  let current: Agent | undefined;
  let watched: Address[] = [];
  let reloadWanted = false;
  let httpPort: number | undefined;
  let reloading: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const state: KeeperState = keeperState(() => agent().redis, name, config.chainId);
  const agent = () => {
    if (!current) throw new AgentError(`keeper ${name} is not started`, {});
    return current;
  };
  const sender = (a: Agent) => {
    if (!a.txSender) throw new KeeperConfigError("no tx sender (privateKey missing)", {});
    return a.txSender;
  };

  async function enqueueQueueJob(a: Agent, data: QueueJobData, jobId: string, delay = 0): Promise<void> {
    await a.enqueue("process-queue", data, { jobId, delay });
  }

  /** `process-queue`: pays the matured head of one validator's queue, bounded per call. */
  async function processQueue(job: Job<QueueJobData>, a: Agent): Promise<string> {
    const { validator } = job.data;
    const block = await client.getBlockNumber();
    const work = await readValidatorWork(client, validator);
    if (!queueWork(work, block).matured) {
      // Scheduled from an event but the chain is slower than expected: re-arm for the head's height.
      if (job.data.height && work.nextCompletionHeight > block) {
        const delay = Math.max(delayUntilHeight(work.nextCompletionHeight, block, config.blockTimeMs), 250);
        await enqueueQueueJob(a, job.data, jobIds.matured(validator, work.nextCompletionHeight, block), delay);
        return `not matured (head ${work.nextCompletionHeight} > block ${block}); re-armed`;
      }
      return "nothing matured";
    }
    try {
      const res = await sender(a).writeContract({
        address: validator,
        abi: ValidatorAbi,
        functionName: "processWithdrawQueueUpTo",
        args: [BigInt(config.maxEntriesPerCall)],
      });
      const after = await readValidatorWork(client, validator);
      const paid = work.withdrawCount - after.withdrawCount;
      await state.recordAction({
        kind: "process-queue",
        validators: [validator],
        txHash: res.hash,
        block: res.receipt.blockNumber.toString(),
        detail: paid.toString(),
      });
      const now = await client.getBlockNumber();
      if (queueWork(after, now).matured) {
        await enqueueQueueJob(
          a,
          { validator },
          jobIds.queue(validator, after.nextCompletionHeight, after.withdrawCount),
        );
      }
      if (queueWork(after, now).failed)
        await enqueueFailed(a, validator, after.failedWithdrawCount, after.failedWithdrawAmount, now);
      return `processed ${paid} entries in ${res.hash}`;
    } catch (err) {
      await state.recordFailure({ kind: "process-queue", validator, error: errMessage(err) });
      throw err;
    }
  }

  async function enqueueFailed(a: Agent, validator: Address, count: bigint, amount: bigint, block: bigint) {
    await a.enqueue("process-failed", { validator }, { jobId: jobIds.failed(validator, count, amount, block) });
  }

  /** `process-failed`: retries one validator's failed payments (a second rejection goes to the community pool). */
  async function processFailed(job: Job<QueueJobData>, a: Agent): Promise<string> {
    const { validator } = job.data;
    const work = await readValidatorWork(client, validator);
    if (work.failedWithdrawCount === 0n) return "failed stack empty";
    try {
      const res = await sender(a).writeContract({
        address: validator,
        abi: ValidatorAbi,
        functionName: "processFailedWithdrawStackUpTo",
        args: [BigInt(config.maxEntriesPerCall)],
      });
      const after = await readValidatorWork(client, validator);
      await state.recordAction({
        kind: "process-failed",
        validators: [validator],
        txHash: res.hash,
        block: res.receipt.blockNumber.toString(),
        detail: (work.failedWithdrawCount - after.failedWithdrawCount).toString(),
      });
      if (after.failedWithdrawCount > 0n) {
        await enqueueFailed(
          a,
          validator,
          after.failedWithdrawCount,
          after.failedWithdrawAmount,
          res.receipt.blockNumber,
        );
      }
      return `retried ${work.failedWithdrawCount - after.failedWithdrawCount} entries in ${res.hash}`;
    } catch (err) {
      await state.recordFailure({ kind: "process-failed", validator, error: errMessage(err) });
      throw err;
    }
  }

  /** `tick`: enqueues this epoch's distribution when something is due. */
  async function tick(a: Agent): Promise<string> {
    const validators = await listValidators(client, staking);
    const pool = await readPoolState(client, rewardPool);
    const plan = planDistribution(pool, await readRewardsDue(client, rewardPool, validators), config.batchSize);
    if (plan.skip) return `epoch ${plan.epoch}: ${plan.skip}`;
    const jobId = jobIds.distribute(plan.epoch, plan.paid);
    // A completed job that sent nothing (the pool was emptied between its tick and its run) must not stand in the
    // way of this epoch's distribution: only a job that did the work deduplicates later ticks.
    const existing = await a.queue("distribute").getJob(jobId);
    if (existing && (await existing.isCompleted()) && (existing.returnvalue as DistributeResult | null)?.sent === 0) {
      await existing.remove();
    }
    await a.enqueue("distribute", { epoch: plan.epoch.toString() } satisfies DistributeJobData, { jobId });
    return `epoch ${plan.epoch}: ${plan.due.length} due`;
  }

  /** `distribute`: pays every validator still due in the current epoch, in batches. */
  async function distribute(job: Job<DistributeJobData>, a: Agent): Promise<DistributeResult> {
    const validators = await listValidators(client, staking);
    const pool = await readPoolState(client, rewardPool);
    const plan = planDistribution(pool, await readRewardsDue(client, rewardPool, validators), config.batchSize);
    if (plan.skip) return { epoch: plan.epoch.toString(), sent: 0, skip: plan.skip, txHashes: [] };
    const hashes: string[] = [];
    for (const batch of plan.batches) {
      try {
        const res = await sender(a).writeContract({
          address: rewardPool,
          abi: RewardPoolAbi,
          functionName: "distribute",
          args: [batch],
        });
        hashes.push(res.hash);
        await state.recordAction({
          kind: "distribute",
          validators: batch,
          txHash: res.hash,
          block: res.receipt.blockNumber.toString(),
          epoch: plan.epoch.toString(),
        });
        await state.setSummary({
          lastDistributionEpoch: plan.epoch.toString(),
          lastDistributionTx: res.hash,
          lastDistributionAt: new Date().toISOString(),
        });
      } catch (err) {
        await state.recordFailure({ kind: "distribute", error: errMessage(err) });
        throw err;
      }
    }
    job.log(`epoch ${plan.epoch} (job for ${job.data.epoch}): ${plan.due.length} validators`).catch(() => undefined);
    return { epoch: plan.epoch.toString(), sent: hashes.length, validators: plan.due.length, txHashes: hashes };
  }

  /** `sweep`: finds matured queues and failed stacks that no event scheduled (missed events, restarts). */
  async function sweep(a: Agent): Promise<string> {
    const validators = await listValidators(client, staking);
    if (validators.some((v) => !watched.some((w) => w.toLowerCase() === v.toLowerCase()))) reloadWanted = true;
    const block = await client.getBlockNumber();
    let queued = 0;
    for (const v of validators) {
      const work = await readValidatorWork(client, v);
      const q = queueWork(work, block);
      if (q.matured) {
        await enqueueQueueJob(a, { validator: v }, jobIds.queue(v, work.nextCompletionHeight, work.withdrawCount));
        queued++;
      }
      if (q.failed) {
        await enqueueFailed(a, v, work.failedWithdrawCount, work.failedWithdrawAmount, block);
        queued++;
      }
    }
    return `${validators.length} validators, ${queued} jobs`;
  }

  function handlersFor(validators: readonly Address[]): EventHandlers {
    const handlers: EventHandlers = {
      "Staking:ValidatorInitialized": typedHandler(StakingAbi, "ValidatorInitialized", async (event, ctx) => {
        const v = event.args.validator;
        if (!watched.some((w) => w.toLowerCase() === v.toLowerCase())) {
          ctx.logger.info({ validator: v }, "new validator: reloading to watch its events");
          reloadWanted = true;
        }
      }),
      "RewardPool:RewardPaid": typedHandler(RewardPoolAbi, "RewardPaid", async (event) => {
        await state.setSummary({ lastRewardPaidEpoch: event.args.epoch.toString() });
      }),
    };
    for (const v of validators) {
      const c = validatorContractName(v);
      handlers[`${c}:WithdrawQueued`] = typedHandler(ValidatorAbi, "WithdrawQueued", async (event) => {
        const height = event.args.completionHeight;
        const block = await client.getBlockNumber();
        // One block later than the height itself: the entry is payable once a block at `height` exists.
        const delay = delayUntilHeight(height, block, config.blockTimeMs);
        await enqueueQueueJob(agent(), { validator: v, height: height.toString() }, jobIds.matured(v, height), delay);
      });
      handlers[`${c}:WithdrawFailed`] = typedHandler(ValidatorAbi, "WithdrawFailed", async (event) => {
        await agent().enqueue("process-failed", { validator: v }, { jobId: `failed-${event.id}` });
      });
      handlers[`${c}:FailedWithdrawToCommunityPool`] = typedHandler(
        ValidatorAbi,
        "FailedWithdrawToCommunityPool",
        async (event, ctx) => {
          ctx.logger.warn(
            { validator: v, receiver: event.args.receiver, amount: event.args.amount.toString() },
            "failed withdrawal moved to the community pool",
          );
        },
      );
    }
    return handlers;
  }

  function build(validators: Address[], port: number): Agent {
    const contracts: WatchedContract[] = [
      { name: "Staking", address: staking, abi: StakingAbi },
      { name: "RewardPool", address: rewardPool, abi: RewardPoolAbi },
      ...validators.map((v) => ({ name: validatorContractName(v), address: v, abi: ValidatorAbi })),
    ];
    return createAgent({
      name,
      config: { ...config, http: { ...config.http, port } },
      logger,
      contracts,
      handlers: handlersFor(validators),
      events: { startBlock: BigInt(config.startBlock) },
      txSender: { errorAbis: [ValidatorAbi, StakingAbi, RewardPoolAbi] },
      jobs: {
        tick: { schedule: { everyMs: config.distributeIntervalMs }, attempts: 1, processor: (_j, c) => tick(c.agent) },
        sweep: { schedule: { everyMs: config.sweepIntervalMs }, attempts: 1, processor: (_j, c) => sweep(c.agent) },
        distribute: { processor: (j, c) => distribute(j as Job<DistributeJobData>, c.agent) },
        "process-queue": { processor: (j, c) => processQueue(j as Job<QueueJobData>, c.agent) },
        "process-failed": { processor: (j, c) => processFailed(j as Job<QueueJobData>, c.agent) },
      },
      status: () => roleStatus(),
    });
  }

  async function roleStatus(): Promise<unknown> {
    const validators = await listValidators(client, staking);
    const [pool, reports, remembered] = await Promise.all([
      readPoolState(client, rewardPool),
      Promise.all(validators.slice(0, STATUS_VALIDATORS).map((v) => readValidatorReport(client, rewardPool, v))),
      state.read(),
    ]);
    const sum = (f: (r: ValidatorReport) => bigint) => reports.reduce((s, r) => s + f(r), 0n);
    return toJson({
      staking,
      rewardPool,
      validatorCount: validators.length,
      watchedValidators: watched.length,
      pool: {
        balance: pool.balance,
        currentEpoch: pool.epoch,
        epochLengthSeconds: pool.epochLength,
        maxRewardPerEpoch: pool.maxRewardPerEpoch,
        paidInCurrentEpoch: pool.paidInCurrentEpoch,
      },
      lastDistributionEpoch: remembered.summary.lastDistributionEpoch ?? null,
      lastDistributionTx: remembered.summary.lastDistributionTx ?? null,
      totals: {
        tokens: sum((r) => r.tokens),
        queuedWithdrawals: sum((r) => r.withdrawCount),
        failedWithdrawals: sum((r) => r.failedWithdrawCount),
      },
      validators: reports,
      recentTransactions: remembered.actions,
      failures: remembered.failures,
    });
  }

  async function reload(): Promise<void> {
    reloadWanted = false;
    const validators = await listValidators(client, staking);
    const old = agent();
    // Keep the port the first agent bound (config port 0 = a free port picked once), so the URL stays valid.
    const port = httpPort ?? config.http.port;
    logger.info({ validators: validators.length }, "reloading the keeper with a new validator set");
    await old.stop({ drain: true });
    watched = validators;
    current = build(validators, port);
    await current.start();
  }

  return {
    get agent() {
      return agent();
    },
    get url() {
      return current?.url;
    },
    get watched() {
      return watched;
    },
    async start() {
      stopped = false;
      watched = await listValidators(client, staking);
      current = build(watched, config.http.port);
      await current.start();
      httpPort = current.url ? Number(new URL(current.url).port) : undefined;
      timer = setInterval(() => {
        if (!reloadWanted || reloading || stopped) return;
        reloading = reload()
          .catch((err: unknown) => {
            // Try again on the next check: a keeper left without a running agent does no work at all.
            reloadWanted = true;
            logger.error({ err }, "keeper reload failed; retrying");
          })
          .finally(() => (reloading = undefined));
      }, options.reloadCheckMs ?? 1_000);
    },
    async stop(opts) {
      stopped = true;
      if (timer) clearInterval(timer);
      await reloading;
      await current?.stop(opts);
    },
    status: () => agent().status(),
  };
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}
