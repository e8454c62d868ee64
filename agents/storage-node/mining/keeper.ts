import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import { createQueue, createWorker, scheduleRepeatable, type TxSender } from "../../core";
import type { Queue, Worker } from "../../core/queue";
import { FlowAbi } from "../../generated/abis";
import type { Hex } from "../../protocol/storage";

/** What one keeper run did. */
export interface KeeperRun {
  /** The Flow's epoch after the run. */
  readonly epoch: bigint;
  /** Whether `makeContext()` was sent. */
  readonly sent: boolean;
}

/**
 * One keeper step: if the next epoch's start block has passed, send `Flow.makeContext()` (which closes it and records
 * its context); otherwise do nothing and spend no gas.
 */
export async function runEpochKeeper(p: {
  readonly client: PublicClient;
  readonly txSender: TxSender;
  readonly flow: Hex;
}): Promise<KeeperRun> {
  const read = <F extends "epoch" | "firstBlock" | "blocksPerEpoch">(functionName: F): Promise<bigint> =>
    p.client.readContract({ address: p.flow, abi: FlowAbi, functionName }) as Promise<bigint>;
  const [epoch, firstBlock, blocksPerEpoch, block] = await Promise.all([
    read("epoch"),
    read("firstBlock"),
    read("blocksPerEpoch"),
    p.client.getBlockNumber({ cacheTime: 0 }),
  ]);
  // The transaction lands in block + 1: `_makeContext` closes epoch e + 1 once block.number > its start.
  if (firstBlock + (epoch + 1n) * blocksPerEpoch >= block + 1n) return { epoch, sent: false };
  await p.txSender.writeContract({ address: p.flow, abi: FlowAbi, functionName: "makeContext", args: [] });
  return { epoch: await read("epoch"), sent: true };
}

/** The keeper as a periodic job of the agent runtime (BullMQ job scheduler + worker). */
export interface EpochKeeperJob {
  readonly queue: Queue;
  readonly worker: Worker;
  /** Runs sent so far by this process, and the last epoch seen. */
  status(): { runs: number; contextsMade: number; lastEpoch: string | null; lastError: string | null };
  close(): Promise<void>;
}

/**
 * Schedules {@link runEpochKeeper} every `everyMs` on the queue `<name>-epoch-keeper` (idempotent scheduler id, so
 * several node processes share one schedule; each run checks on-chain state first).
 */
export async function startEpochKeeperJob(p: {
  readonly name: string;
  readonly connection: Redis;
  readonly client: PublicClient;
  readonly txSender: TxSender;
  readonly flow: Hex;
  readonly everyMs: number;
  readonly logger?: Logger;
}): Promise<EpochKeeperJob> {
  const queueName = `${p.name}-epoch-keeper`;
  const queue = createQueue(queueName, {
    connection: p.connection,
    logger: p.logger,
    defaultJobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
  let runs = 0;
  let contextsMade = 0;
  let lastEpoch: bigint | null = null;
  let lastError: string | null = null;
  const worker = createWorker(
    queueName,
    async () => {
      try {
        const r = await runEpochKeeper(p);
        runs++;
        if (r.sent) {
          contextsMade++;
          p.logger?.info({ epoch: r.epoch.toString() }, "epoch keeper made a context");
        }
        lastEpoch = r.epoch;
        lastError = null;
        return { epoch: r.epoch.toString(), sent: r.sent };
      } catch (err) {
        lastError = String(err);
        throw err;
      }
    },
    { connection: p.connection, logger: p.logger },
  );
  await scheduleRepeatable(queue, `${queueName}-every`, { everyMs: p.everyMs }, { name: "make-context", data: {} });
  return {
    queue,
    worker,
    status: () => ({ runs, contextsMade, lastEpoch: lastEpoch === null ? null : lastEpoch.toString(), lastError }),
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
