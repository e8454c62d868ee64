import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import {
  encodeAbiParameters,
  keccak256 as viemKeccak,
  parseEventLogs,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ContractRevertError, createTxSender, type TxSender } from "../../core";
import { FlowAbi, MineAbi, RewardAbi } from "../../generated/abis";
import {
  BYTES_PER_SEAL,
  EMPTY_HASH,
  MAX_MINING_LENGTH,
  SECTORS_PER_LOAD,
  ZERO_HASH,
  buildPoraAnswer,
  checkPoraAnswer,
  computePoraThreshold,
  type Hex,
  type RecallRange,
} from "../../protocol/storage";
import type { MiningConfig } from "./config";
import { createEpochRangeCache } from "./epochRanges";
import { createDiskSealedStore } from "./diskSealedStore";
import { DataUnavailableError, FlowMirrorError, WorkerPoolFailedError } from "./errors";
import { createFlowMirror, sealIndexOf } from "./flowMirror";
import { startEpochKeeperJob, type EpochKeeperJob } from "./keeper";
import { createMinerLedger } from "./ledger";
import { createSealer, type SealerStatus } from "./sealer";
import { createMemorySealedStore, sealedBytes, type SealedLoadStore, type SectorSource } from "./types";
import type { WorkerHit } from "./workerMessages";
import {
  createMiningWorkerPool,
  type MiningWorkerPool,
  type MiningWorkerPoolOptions,
  type WorkerPoolStatus,
} from "./workerPool";

const WORKER_CONTEXT_CALLER = "0x000000000000000000000000000000000000000A" as const;
const LOAD_BYTES = SECTORS_PER_LOAD * 256;

/** Contract addresses the miner uses. */
export interface MinerContracts {
  readonly Flow: Hex;
  readonly Mine: Hex;
  readonly Reward: Hex;
}

/** Everything {@link createMiner} needs from the hosting node. */
export interface CreateMinerOptions {
  /** The `mining` section (parsed by `miningConfigSchema`). */
  readonly config: MiningConfig;
  readonly chainId: number;
  readonly publicClient: PublicClient;
  /** The node's transaction sender; used unless `config.minerKey` is set (one sender per key keeps nonces right). */
  readonly txSender?: TxSender;
  readonly contracts: MinerContracts;
  /** The node's stored data. */
  readonly source: SectorSource;
  /** The node's Redis connection (miner id, answered positions, keeper job). */
  readonly redis: Redis;
  /** Agent name for Redis keys and the keeper queue (default `storage-node`). */
  readonly name?: string;
  readonly logger?: Logger;
  /**
   * Where sealed loads live. Default: a disk store in `config.sealedDir`, else in `sealedDir` below, else in memory;
   * the budget is `config.maxSealedMiB`.
   */
  readonly store?: SealedLoadStore;
  /** Directory for the disk sealed store when `config.sealedDir` is not set (the host passes `<dataDir>/sealed`). */
  readonly sealedDir?: string;
  /** Registry for the miner's Prometheus metrics (the agent's). */
  readonly metrics?: Registry;
  /** Worker pool factory (tests pass one with crash hooks). */
  readonly createWorkerPool?: (size: number, opts: MiningWorkerPoolOptions) => MiningWorkerPool;
}

/** The miner's `/status` JSON. */
export interface MinerStatus {
  enabled: boolean;
  running: boolean;
  account: Hex | null;
  minerId: Hex | null;
  epoch: string | null;
  /** Why the miner is not hashing right now, or null while it is. */
  idleReason: string | null;
  noncesPerSecond: number;
  /** PoRA outputs (64 per scanned nonce) per second. */
  hashesPerSecond: number;
  noncesScanned: number;
  noncesMissingData: number;
  hits: number;
  answersSubmitted: number;
  answersAccepted: number;
  answersRejectedOffline: number;
  answersRejectedOnChain: number;
  duplicatesSkipped: number;
  rewardsEarnedWei: string;
  rewardsWithdrawnWei: string;
  sealer: SealerStatus;
  flowMirror: { submissions: string; length: string };
  keeper: ReturnType<EpochKeeperJob["status"]> | null;
  /** Worker threads: restarts after crashes, and whether the pool gave up. */
  workers: WorkerPoolStatus | null;
  /** Where sealed loads live: `disk` (with its directory) or `memory`. */
  sealedStore: { kind: "disk" | "memory"; file: string | null };
  lastError: string | null;
}

/** A running miner, hosted by the storage node. */
export interface Miner {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): MinerStatus;
}

interface WorkerContext {
  readonly context: {
    readonly epoch: bigint;
    readonly mineStart: bigint;
    readonly flowRoot: Hex;
    readonly flowLength: bigint;
    readonly blockDigest: Hex;
    readonly digest: Hex;
  };
  readonly poraTarget: bigint;
  readonly subtaskDigest: Hex;
  readonly maxShards: bigint;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the storage miner: miner id, flow mirror, sealer, PoRA workers, answer submission, reward withdrawal and the
 * epoch keeper. Nothing runs until `start()`.
 *
 * @example
 * const miner = createMiner({ config: config.mining, chainId, publicClient, txSender: agent.txSender, contracts,
 *   source: store, redis, logger });
 * await miner.start();
 */
export function createMiner(o: CreateMinerOptions): Miner {
  const { config, publicClient: client, contracts } = o;
  const name = o.name ?? "storage-node";
  const log = o.logger?.child({ component: "miner" });
  const ledger = createMinerLedger(o.redis, `zg:${name}:${o.chainId}`);
  const mirror = createFlowMirror({ source: o.source });
  const ranges = createEpochRangeCache({ client, flow: contracts.Flow });
  const maxLoads = Math.floor((config.maxSealedMiB * 1024 * 1024) / LOAD_BYTES);
  const sealedDir = config.sealedDir ?? o.sealedDir;
  let store: SealedLoadStore = o.store ?? createMemorySealedStore(maxLoads);
  const ownStore = o.store === undefined;
  const restartsCounter = o.metrics
    ? ((o.metrics.getSingleMetric("zg_storage_miner_worker_restarts_total") as Counter | undefined) ??
      new Counter({
        name: "zg_storage_miner_worker_restarts_total",
        help: "Mining worker threads restarted after a crash",
        registers: [o.metrics],
      }))
    : undefined;
  const txSender: TxSender | undefined =
    config.minerKey !== undefined
      ? createTxSender({ publicClient: client, account: privateKeyToAccount(config.minerKey as Hex), logger: log })
      : o.txSender;

  let pool: MiningWorkerPool | undefined;
  let workersAtStop: WorkerPoolStatus | null = null;
  let sealer: ReturnType<typeof createSealer> | undefined;
  let keeper: EpochKeeperJob | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let minerId: Hex | undefined;
  let logCursor = config.fromBlock;
  let wc: WorkerContext | undefined;
  let wcAt = 0;
  let verified = false;
  let sealTarget: { minerId: Hex; range: RecallRange } | undefined;
  let sealing: Promise<void> | undefined;
  let epochKnown: bigint | undefined;
  let acceptedThisEpoch = 0;
  let nonceCounter = 0n;
  let lastRewardCheck = 0;
  const rate = { nonces: 0, since: Date.now(), value: 0 };
  const st = {
    idleReason: "not started" as string | null,
    noncesScanned: 0,
    noncesMissingData: 0,
    hits: 0,
    answersSubmitted: 0,
    answersAccepted: 0,
    answersRejectedOffline: 0,
    answersRejectedOnChain: 0,
    duplicatesSkipped: 0,
    rewardsEarned: 0n,
    rewardsWithdrawn: 0n,
    lastError: null as string | null,
  };

  function idle(reason: string): void {
    rate.value = 0;
    if (st.idleReason !== reason) log?.info({ reason }, "miner idle");
    st.idleReason = reason;
  }

  async function ensureMinerId(): Promise<Hex> {
    if (minerId !== undefined) return minerId;
    if (config.minerId !== undefined) return (minerId = config.minerId as Hex);
    if (txSender === undefined)
      throw new DataUnavailableError("no transaction sender: set mining.minerKey or pass txSender");
    const account = txSender.address;
    const stored = await ledger.getMinerId(account);
    if (stored !== undefined) return (minerId = stored);
    const beneficiary = (config.beneficiary ?? account) as Hex;
    const seed = randomBytes(8).readBigUInt64BE();
    const { receipt } = await txSender.writeContract({
      address: contracts.Mine,
      abi: MineAbi,
      functionName: "requestMinerId",
      args: [beneficiary, seed],
    });
    const ev = parseEventLogs({ abi: MineAbi, eventName: "NewMinerId", logs: receipt.logs })[0];
    if (ev === undefined)
      throw new DataUnavailableError("requestMinerId emitted no NewMinerId", { tx: receipt.transactionHash });
    await ledger.setMinerId(account, ev.args.minerId);
    log?.info({ minerId: ev.args.minerId, beneficiary }, "miner id registered");
    return (minerId = ev.args.minerId);
  }

  /** Reads `Submit` logs since the last call into the mirror. */
  async function syncFlow(): Promise<void> {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    while (logCursor <= head) {
      const to =
        logCursor + BigInt(config.maxBlockRange) - 1n < head ? logCursor + BigInt(config.maxBlockRange) - 1n : head;
      const logs = await client.getContractEvents({
        address: contracts.Flow,
        abi: FlowAbi,
        eventName: "Submit",
        fromBlock: logCursor,
        toBlock: to,
        strict: true,
      });
      for (const l of logs) {
        if (l.args.submissionIndex < mirror.submissionCount()) continue;
        try {
          mirror.apply({
            submissionIndex: l.args.submissionIndex,
            startPos: l.args.startPos,
            length: l.args.length,
            nodes: l.args.submission.nodes,
          });
        } catch (err) {
          if (!(err instanceof FlowMirrorError)) throw err;
          // A gap or a misplaced submission (reorg, wrong fromBlock): start over from fromBlock.
          mirror.reset();
          logCursor = config.fromBlock;
          throw err;
        }
      }
      logCursor = to + 1n;
    }
  }

  async function readWorkerContext(id: Hex): Promise<WorkerContext> {
    const { result } = await client.simulateContract({
      address: contracts.Mine,
      abi: MineAbi,
      functionName: "computeWorkerContext",
      args: [id],
      account: WORKER_CONTEXT_CALLER,
    });
    return result as WorkerContext;
  }

  function miningRange(flowLength: bigint): RecallRange {
    let mineLength = (flowLength / BigInt(SECTORS_PER_LOAD)) * BigInt(SECTORS_PER_LOAD);
    if (mineLength > MAX_MINING_LENGTH) mineLength = MAX_MINING_LENGTH;
    return { startPosition: 0n, mineLength, shardId: config.shardId, shardMask: config.shardMask };
  }

  async function onNewEpoch(id: Hex, epoch: bigint, mineStart: bigint): Promise<void> {
    epochKnown = epoch;
    nonceCounter = 0n;
    // Accepted answers of this epoch already on chain (e.g. before a restart) count against the limit.
    const logs = await client.getContractEvents({
      address: contracts.Mine,
      abi: MineAbi,
      eventName: "NewSubmission",
      args: { epoch, minerId: id },
      fromBlock: mineStart,
      toBlock: "latest",
      strict: true,
    });
    for (const l of logs) await ledger.accept(id, epoch, l.args.recallPosition);
    acceptedThisEpoch = await ledger.acceptedCount(id, epoch);
    log?.info({ epoch: epoch.toString(), accepted: acceptedThisEpoch }, "mining epoch");
  }

  function recordReceipt(receipt: TransactionReceipt, id: Hex): { accepted: boolean; recallPosition?: bigint } {
    const subs = parseEventLogs({ abi: MineAbi, eventName: "NewSubmission", logs: receipt.logs }).filter(
      (e) => e.args.minerId.toLowerCase() === id.toLowerCase(),
    );
    for (const d of parseEventLogs({ abi: RewardAbi, eventName: "DistributeReward", logs: receipt.logs })) {
      if (d.args.minerId.toLowerCase() === id.toLowerCase()) st.rewardsEarned += d.args.amount;
    }
    return subs[0] === undefined
      ? { accepted: false }
      : { accepted: true, recallPosition: subs[0].args.recallPosition };
  }

  /** Builds, checks offline and submits the answer of one hit. @returns false when the epoch should stop. */
  async function submitHit(id: Hex, ctx: WorkerContext, range: RecallRange, hit: WorkerHit): Promise<boolean> {
    const epoch = ctx.context.epoch;
    const loadStart = hit.loadIndex * BigInt(SECTORS_PER_LOAD);
    const recallPosition = loadStart + BigInt(hit.sealOffset * 16);
    if (recallPosition === 0n) return true; // seal 0 (reserved leaf) has no valid proof
    if (await ledger.isClaimed(id, epoch, recallPosition)) {
      st.duplicatesSkipped++;
      return true;
    }
    const load = await store.get(hit.loadIndex);
    if (load === undefined) {
      pool?.dropLoad(hit.loadIndex); // damaged on disk (the store dropped it): the sealer seals it again
      return true;
    }
    const sealedData = sealedBytes(load)
      .subarray(hit.sealOffset * BYTES_PER_SEAL, (hit.sealOffset + 1) * BYTES_PER_SEAL)
      .slice();
    let merkleProof: Uint8Array[];
    try {
      merkleProof = await mirror.sealProof(sealIndexOf(recallPosition), ctx.context.flowLength);
    } catch (err) {
      if (!(err instanceof DataUnavailableError)) throw err;
      log?.warn({ err: err.message, recallPosition: recallPosition.toString() }, "no proof for a hit: data missing");
      return true;
    }
    const answer = buildPoraAnswer({
      contextDigest: ctx.context.digest,
      nonce: hit.nonce,
      minerId: id,
      range,
      loadStart,
      sealOffset: hit.sealOffset,
      sealedContextDigest: load.contextDigests[hit.sealOffset],
      sealedData,
      merkleProof,
    });
    const check = checkPoraAnswer(answer, {
      subtaskDigest: ctx.subtaskDigest,
      flowRoot: ctx.context.flowRoot,
      flowLength: ctx.context.flowLength,
      poraTarget: ctx.poraTarget,
    });
    if (!check.merkleRootMatches || !check.recallPositionMatches || check.hit !== true) {
      st.answersRejectedOffline++;
      log?.warn(
        {
          recallPosition: recallPosition.toString(),
          merkleRootMatches: check.merkleRootMatches,
          recallPositionMatches: check.recallPositionMatches,
          hit: check.hit,
        },
        "answer failed the offline check; not submitted (stored data or seal does not match the flow root)",
      );
      return true;
    }
    if (txSender === undefined) return false;
    // Claimed before sending: a crash between broadcast and receipt must not lead to a second submission.
    if (!(await ledger.claim(id, epoch, recallPosition))) {
      st.duplicatesSkipped++;
      return true;
    }
    st.answersSubmitted++;
    try {
      const { receipt } = await txSender.writeContract({
        address: contracts.Mine,
        abi: MineAbi,
        functionName: "submit",
        args: [answer],
      });
      const r = recordReceipt(receipt, id);
      if (r.accepted) {
        await ledger.accept(id, epoch, recallPosition);
        st.answersAccepted++;
        acceptedThisEpoch++;
        log?.info(
          { epoch: epoch.toString(), recallPosition: recallPosition.toString(), tx: receipt.transactionHash },
          "answer accepted",
        );
      }
      return true;
    } catch (err) {
      st.answersRejectedOnChain++;
      if (err instanceof ContractRevertError) {
        // Rejected in simulation: nothing reached the chain, the position may be answered by another nonce later.
        if (err.errorName !== "MineDuplicateAnswer") await ledger.release(id, epoch, recallPosition);
        log?.warn({ error: err.message }, "answer rejected by the Mine");
        const stop = ["MineEpochFull", "MineSubtaskExpired", "MineStaleContext", "MineBeforeSubtask"];
        if (err.errorName !== undefined && stop.includes(err.errorName)) wc = undefined;
        return err.errorName === undefined || !stop.includes(err.errorName);
      }
      throw err;
    }
  }

  async function maybeWithdraw(): Promise<void> {
    if (!config.rewards.withdraw || txSender === undefined) return;
    if (Date.now() - lastRewardCheck < config.rewards.checkEveryMs) return;
    lastRewardCheck = Date.now();
    try {
      await withdraw(txSender);
    } catch (err) {
      // A failed withdrawal (paused Reward, a race with another withdrawer) must not stop mining; retried later.
      st.lastError = err instanceof Error ? err.message : String(err);
      log?.warn({ err }, "reward withdrawal failed");
    }
  }

  async function withdraw(txSender: TxSender): Promise<void> {
    const beneficiary = (config.beneficiary ?? txSender.address) as Hex;
    const owed = await client.readContract({
      address: contracts.Reward,
      abi: RewardAbi,
      functionName: "payments",
      args: [beneficiary],
    });
    if (owed < config.rewards.minWithdrawWei) return;
    const { receipt } = await txSender.writeContract({
      address: contracts.Reward,
      abi: RewardAbi,
      functionName: "withdrawPayments",
      args: [beneficiary],
    });
    for (const e of parseEventLogs({ abi: RewardAbi, eventName: "PaymentWithdrawn", logs: receipt.logs })) {
      st.rewardsWithdrawn += e.args.amount;
    }
    log?.info({ amount: owed.toString(), beneficiary }, "rewards withdrawn");
  }

  /**
   * Checks a fresh worker context against the mirror (refusing to mine on a flow root the mirror does not reproduce)
   * and hands its range to the background sealer.
   */
  async function verifyContext(id: Hex, ctx: WorkerContext): Promise<boolean> {
    const { digest, flowLength, flowRoot } = ctx.context;
    if (digest === EMPTY_HASH || flowLength < BigInt(SECTORS_PER_LOAD)) {
      idle("no mineable context (empty epoch or flow shorter than one load)");
      return false;
    }
    const mirrored = mirror.rootAtLength(flowLength);
    if (mirrored === undefined) {
      idle("flow mirror behind the context");
      return false;
    }
    if (mirrored.toLowerCase() !== flowRoot.toLowerCase()) {
      log?.error(
        { mirrored, flowRoot, flowLength: flowLength.toString() },
        "flow mirror root differs from the context; refusing to mine and resyncing",
      );
      mirror.reset();
      logCursor = config.fromBlock;
      idle("flow mirror root mismatch");
      return false;
    }
    await ranges.refresh();
    sealTarget = { minerId: id, range: miningRange(flowLength) };
    return true;
  }

  /** Seals in the background, in batches, within the CPU share; never on the answer path. */
  async function sealLoop(): Promise<void> {
    while (running) {
      let wait = config.contextPollMs;
      try {
        if (sealTarget !== undefined && sealer !== undefined) {
          const t0 = performance.now();
          const n = await sealer.sealPending({ ...sealTarget, maxLoads: config.sealBatchLoads });
          if (n > 0) wait = ((performance.now() - t0) * (100 - config.cpuPercent)) / config.cpuPercent;
        }
      } catch (err) {
        st.lastError = err instanceof Error ? err.message : String(err);
        log?.error({ err }, "sealing failed");
      }
      if (running) await sleep(wait);
    }
  }

  /** One pass: refresh state when due, seal a batch, run one mining round. @returns ms to sleep afterwards. */
  async function step(): Promise<number> {
    const id = await ensureMinerId();
    await maybeWithdraw();
    if (wc === undefined || Date.now() - wcAt >= config.contextPollMs) {
      await syncFlow();
      wc = await readWorkerContext(id);
      wcAt = Date.now();
      verified = await verifyContext(id, wc);
    }
    const ctx = wc;
    if (!verified) return config.contextPollMs;
    const { epoch, flowLength } = ctx.context;
    const range = miningRange(flowLength);
    if (ctx.poraTarget === 0n || ctx.subtaskDigest === ZERO_HASH) {
      idle("outside the subtask window or epoch full");
      return config.contextPollMs;
    }
    if (epoch !== epochKnown) await onNewEpoch(id, epoch, ctx.context.mineStart);
    if (acceptedThisEpoch >= config.maxAnswersPerEpoch) {
      idle("answer limit of this epoch reached");
      return config.contextPollMs;
    }
    if (store.size() === 0 || (config.sealBeforeMining && sealer?.caughtUp() !== true)) {
      idle(store.size() === 0 ? "no sealed data" : "sealing before mining");
      return config.contextPollMs;
    }
    st.idleReason = null;
    const threshold = computePoraThreshold({ poraTarget: ctx.poraTarget, flowLength, shardMask: range.shardMask });
    const nonceBase = viemKeccak(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [id, epoch]));
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: pool!.size }, (_, w) => {
        const first = nonceCounter + BigInt(w * config.batchNonces);
        return pool!.mine(w, {
          minerId: id,
          subtaskDigest: ctx.subtaskDigest,
          range,
          threshold,
          nonceBase,
          first,
          count: config.batchNonces,
        });
      }),
    );
    nonceCounter += BigInt(pool!.size * config.batchNonces);
    const wall = performance.now() - t0;
    for (const r of results) {
      st.noncesScanned += r.scanned;
      st.noncesMissingData += r.missing;
      rate.nonces += r.scanned;
      for (const h of r.hits) {
        st.hits++;
        if (acceptedThisEpoch >= config.maxAnswersPerEpoch || wc === undefined) break;
        if (!(await submitHit(id, ctx, range, h))) break;
      }
    }
    const now = Date.now();
    if (now - rate.since >= 2000) {
      rate.value = (rate.nonces * 1000) / (now - rate.since);
      rate.nonces = 0;
      rate.since = now;
    }
    return (wall * (100 - config.cpuPercent)) / config.cpuPercent;
  }

  async function run(): Promise<void> {
    while (running) {
      let wait: number;
      try {
        wait = await step();
      } catch (err) {
        st.lastError = err instanceof Error ? err.message : String(err);
        if (err instanceof WorkerPoolFailedError) idle(`worker threads failed: ${err.message}`);
        else log?.error({ err }, "miner step failed");
        wc = undefined;
        wait = config.contextPollMs;
      }
      if (running && wait > 0) await sleep(wait);
    }
  }

  return {
    async start() {
      if (running || !config.enabled) return;
      if (ownStore && sealedDir !== undefined) {
        const disk = await createDiskSealedStore({ dir: sealedDir, maxLoads });
        if (disk.opened.damaged.length > 0 || disk.opened.truncatedIndexBytes > 0)
          log?.warn(
            {
              damaged: disk.opened.damaged.length,
              truncatedIndexBytes: disk.opened.truncatedIndexBytes,
              loaded: disk.opened.loaded,
            },
            "sealed store: damaged loads dropped (they will be resealed)",
          );
        store = disk;
      }
      pool = (o.createWorkerPool ?? createMiningWorkerPool)(config.threads, {
        onRestart: ({ worker, reason, restarts }) => {
          restartsCounter?.inc();
          log?.warn({ worker, reason, restarts }, "mining worker thread crashed; replacement started");
        },
        onFailed: (err) => {
          st.lastError = err.message;
          log?.error({ err: err.message }, "mining worker threads keep crashing; mining stopped");
        },
      });
      sealer = createSealer({ pool, source: o.source, store, ranges, logger: log });
      if (config.keeper.enabled && txSender !== undefined) {
        keeper = await startEpochKeeperJob({
          name,
          connection: o.redis,
          client,
          txSender,
          flow: contracts.Flow,
          everyMs: config.keeper.everyMs,
          logger: log,
        });
      }
      running = true;
      loop = run();
      sealing = sealLoop();
    },
    async stop() {
      running = false;
      await loop;
      await sealing;
      loop = undefined;
      sealing = undefined;
      await keeper?.close();
      keeper = undefined;
      workersAtStop = pool?.status() ?? workersAtStop;
      await pool?.close();
      pool = undefined;
      // A disk store is closed here and opened again by the next start() (status keeps showing its file).
      if (ownStore && sealedDir !== undefined) await store.close();
    },
    status: () => ({
      enabled: config.enabled,
      running,
      account: txSender?.address ?? null,
      minerId: minerId ?? null,
      epoch: epochKnown === undefined ? (wc?.context.epoch.toString() ?? null) : epochKnown.toString(),
      idleReason: st.idleReason,
      noncesPerSecond: Math.round(rate.value * 10) / 10,
      hashesPerSecond: Math.round(rate.value * 64),
      noncesScanned: st.noncesScanned,
      noncesMissingData: st.noncesMissingData,
      hits: st.hits,
      answersSubmitted: st.answersSubmitted,
      answersAccepted: st.answersAccepted,
      answersRejectedOffline: st.answersRejectedOffline,
      answersRejectedOnChain: st.answersRejectedOnChain,
      duplicatesSkipped: st.duplicatesSkipped,
      rewardsEarnedWei: st.rewardsEarned.toString(),
      rewardsWithdrawnWei: st.rewardsWithdrawn.toString(),
      sealer: sealer?.status() ?? {
        sealedLoads: 0,
        missingLoads: 0,
        bytesSealed: 0,
        sealSeconds: 0,
        storeFull: false,
        resealedContextChanges: 0,
        sealsRetriedAfterCrash: 0,
      },
      flowMirror: { submissions: mirror.submissionCount().toString(), length: mirror.length().toString() },
      keeper: keeper?.status() ?? null,
      workers: pool?.status() ?? workersAtStop,
      sealedStore: { kind: store.file === undefined ? "memory" : "disk", file: store.file ?? null },
      lastError: st.lastError,
    }),
  };
}
