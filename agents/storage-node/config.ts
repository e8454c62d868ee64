/**
 * Storage node configuration: the runtime's base keys plus the node's own. Environment prefix `ZG_STORAGE_NODE`
 * (e.g. `ZG_STORAGE_NODE_SHARD_POSITION=1/2`, `ZG_STORAGE_NODE_RPC__PORT=5678`).
 */
import { z } from "zod";
import { baseConfigSchema } from "../core/index.js";
import { miningConfigSchema } from "./mining/config";
import { parseShardPosition } from "./shard";

export const STORAGE_NODE_ENV_PREFIX = "ZG_STORAGE_NODE";

export const storageNodeConfigSchema = baseConfigSchema.extend({
  /** Directory of the LevelDB store (index + segments). */
  dataDir: z.string().min(1).default("./data/storage-node"),
  /** `"id/2^k"`: keep flow segments whose index ≡ id (mod 2^k). */
  shardPosition: z
    .string()
    .default("0/1")
    .refine((s) => {
      try {
        parseShardPosition(s);
        return true;
      } catch {
        return false;
      }
    }, 'expected "id/n" with n a power of two and id < n'),
  /** Flow address; defaults to the address book's `contracts.Flow`. */
  flowAddress: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  /** First block to scan for Flow events. */
  flowStartBlock: z.coerce.bigint().min(0n).default(0n),
  /** The dedicated zgs JSON-RPC listener (the RPC is also served as `POST /` on the status server). */
  rpc: z
    .object({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(5678),
    })
    .prefault({}),
  /** Largest accepted request body, bytes (base64 segments: ~350 KiB each). */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** Segments accepted in one upload call. */
  maxSegmentsPerCall: z.number().int().positive().default(64),
  /** Requests in one JSON-RPC batch. */
  maxBatchRequests: z.number().int().positive().default(32),
  /** The PoRA miner hosted by the node (off unless `mining.enabled`); see docs/storage-mining.md. */
  mining: miningConfigSchema,
});

export type StorageNodeConfig = z.infer<typeof storageNodeConfigSchema>;
