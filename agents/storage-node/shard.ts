/**
 * Shard configuration, 0G style: `shard_position = "id/2^k"` means the node keeps the flow segments whose
 * flow-wide index (sector / 1024) is ≡ id (mod 2^k). Pure: no I/O.
 */
import { SECTORS_PER_SEGMENT } from "../protocol/storage";

/** A parsed shard position. `numShard` is a power of two, `shardId < numShard`. */
export interface ShardConfig {
  readonly shardId: number;
  readonly numShard: number;
}

/** A shard position string that does not parse. */
export class ShardPositionError extends Error {
  constructor(
    readonly value: string,
    reason: string,
  ) {
    super(`invalid shard position "${value}": ${reason} (expected "id/2^k", e.g. "0/1" or "3/4")`);
    this.name = "ShardPositionError";
  }
}

/**
 * Parses `"id/n"` where n is a power of two up to 2^20 and id < n.
 *
 * @param value - e.g. `"0/1"`, `"1/2"`
 * @returns the shard config
 * @throws ShardPositionError
 */
export function parseShardPosition(value: string): ShardConfig {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new ShardPositionError(value, "not of the form id/n");
  const shardId = Number(m[1]);
  const numShard = Number(m[2]);
  if (!Number.isSafeInteger(numShard) || numShard < 1 || numShard > 1 << 20 || (numShard & (numShard - 1)) !== 0)
    throw new ShardPositionError(value, `${m[2]} is not a power of two in [1, 2^20]`);
  if (shardId >= numShard) throw new ShardPositionError(value, `id ${shardId} is not below ${numShard}`);
  return { shardId, numShard };
}

/** The flow-wide segment holding a flow sector. */
export function flowSegmentOf(sector: bigint): bigint {
  return sector / BigInt(SECTORS_PER_SEGMENT);
}

/** True iff the node of this shard keeps flow segment `segment`. */
export function holdsFlowSegment(shard: ShardConfig, segment: bigint): boolean {
  return shard.numShard === 1 || Number(segment % BigInt(shard.numShard)) === shard.shardId;
}
