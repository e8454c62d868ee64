import type { Redis } from "ioredis";
import type { Hex } from "../../protocol/storage";

/**
 * Durable miner state in Redis: the miner id of an account, and per epoch the recall positions answered (written
 * before the transaction is sent, so a crash between send and receipt cannot lead to a second submission).
 */
export interface MinerLedger {
  getMinerId(account: Hex): Promise<Hex | undefined>;
  setMinerId(account: Hex, minerId: Hex): Promise<void>;
  /** Marks a recall position as answered; false if it already was. */
  claim(minerId: Hex, epoch: bigint, recallPosition: bigint): Promise<boolean>;
  /** Releases a claim whose answer never reached the chain (rejected in simulation). */
  release(minerId: Hex, epoch: bigint, recallPosition: bigint): Promise<void>;
  isClaimed(minerId: Hex, epoch: bigint, recallPosition: bigint): Promise<boolean>;
  /** Records an accepted answer (NewSubmission seen). */
  accept(minerId: Hex, epoch: bigint, recallPosition: bigint): Promise<void>;
  acceptedCount(minerId: Hex, epoch: bigint): Promise<number>;
}

/** Keys live 30 days; epochs older than that are never mined again. */
const TTL_SECONDS = 30 * 24 * 3600;

/**
 * @param redis - an ioredis connection (the node's)
 * @param prefix - e.g. `zg:storage-node:31337`
 */
export function createMinerLedger(redis: Redis, prefix: string): MinerLedger {
  const claimed = (m: Hex, e: bigint): string => `${prefix}:miner:${m.toLowerCase()}:epoch:${e}:claimed`;
  const accepted = (m: Hex, e: bigint): string => `${prefix}:miner:${m.toLowerCase()}:epoch:${e}:accepted`;
  return {
    async getMinerId(account) {
      const v = await redis.get(`${prefix}:miner-id:${account.toLowerCase()}`);
      return v === null ? undefined : (v as Hex);
    },
    async setMinerId(account, minerId) {
      await redis.set(`${prefix}:miner-id:${account.toLowerCase()}`, minerId);
    },
    async claim(m, e, pos) {
      const added = await redis.sadd(claimed(m, e), pos.toString());
      await redis.expire(claimed(m, e), TTL_SECONDS);
      return added === 1;
    },
    async release(m, e, pos) {
      await redis.srem(claimed(m, e), pos.toString());
    },
    async isClaimed(m, e, pos) {
      return (await redis.sismember(claimed(m, e), pos.toString())) === 1;
    },
    async accept(m, e, pos) {
      await redis.sadd(claimed(m, e), pos.toString());
      await redis.sadd(accepted(m, e), pos.toString());
      await redis.expire(claimed(m, e), TTL_SECONDS);
      await redis.expire(accepted(m, e), TTL_SECONDS);
    },
    async acceptedCount(m, e) {
      return redis.scard(accepted(m, e));
    },
  };
}
