import { z } from "zod";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 0x + 64 hex digits");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x address");
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * The `mining` section of the storage node's configuration. Every key has a default, so `mining: {}` (or no section)
 * is valid and leaves mining off. `minerKey` is a secret: list `mining.minerKey` in the node's `envOnlyKeys`.
 */
export const miningConfigSchema = z
  .object({
    /** Run the miner at all. */
    enabled: z.boolean().default(false),
    /** Worker threads for sealing and PoRA. */
    threads: z.number().int().min(1).max(256).default(1),
    /** Share of each worker thread's time spent hashing, percent (the rest it sleeps). */
    cpuPercent: z.number().min(1).max(100).default(50),
    /** Key of the mining account; default: the node's own key (and its transaction sender). Environment only. */
    minerKey: hex32.optional(),
    /** Use this miner id instead of the stored or requested one. */
    minerId: hex32.optional(),
    /** Reward beneficiary of a newly requested miner id; default: the mining account. */
    beneficiary: address.optional(),
    /** Answers this miner submits per epoch at most (the Mine also caps at 2 × targetSubmissions in total). */
    maxAnswersPerEpoch: z.number().int().min(1).default(8),
    /** Budget for sealed data, MiB (256 KiB per load): disk space of the disk store, memory of the memory store. */
    maxSealedMiB: z.number().int().min(1).default(1024),
    /**
     * Directory of the disk sealed store (`sealed.dat` + `sealed.idx`). Default: `<dataDir>/sealed` when the node
     * hosts the miner; without either, sealed loads are kept in memory.
     */
    sealedDir: z.string().min(1).optional(),
    /**
     * Hash only once the sealer has finished its pass over the range. Off (default): mine at once on whatever is
     * sealed (nonces landing on unsealed loads are skipped). On: no scratchpad is wasted on unsealed loads.
     */
    sealBeforeMining: z.boolean().default(false),
    /** Loads sealed per step of the miner loop (keeps sealing interleaved with mining). */
    sealBatchLoads: z.number().int().min(1).default(64),
    /** Shard mined: `shardId`/`shardMask` of the recall range (default: the whole flow). */
    shardId: z.bigint().min(0n).max(UINT64_MAX).default(0n),
    shardMask: z.bigint().min(0n).max(UINT64_MAX).default(UINT64_MAX),
    /** Nonces per worker per mining round. */
    batchNonces: z.number().int().min(1).max(100_000).default(64),
    /** How often the worker context (epoch, target, subtask) is re-read, ms. */
    contextPollMs: z.number().int().positive().default(1000),
    /** Block where the Flow was deployed: `Submit` logs are read from here. */
    fromBlock: z.bigint().min(0n).default(0n),
    /** Largest block range of one `eth_getLogs`. */
    maxBlockRange: z.number().int().positive().default(1000),
    keeper: z
      .object({
        /** Call `Flow.makeContext()` whenever an epoch is due. */
        enabled: z.boolean().default(true),
        /** How often the keeper job runs, ms. */
        everyMs: z.number().int().positive().default(10_000),
      })
      .prefault({}),
    rewards: z
      .object({
        /** Withdraw `Reward.payments(beneficiary)` when it reaches `minWithdrawWei`. */
        withdraw: z.boolean().default(true),
        minWithdrawWei: z.bigint().min(1n).default(1n),
        checkEveryMs: z.number().int().positive().default(30_000),
      })
      .prefault({}),
  })
  .prefault({});

export type MiningConfig = z.infer<typeof miningConfigSchema>;
