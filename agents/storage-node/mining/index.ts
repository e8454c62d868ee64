/** The storage miner, hosted by the storage node: see docs/storage-mining.md. */
export { createMiner, type Miner, type MinerStatus, type CreateMinerOptions, type MinerContracts } from "./miner";
export { miningConfigSchema, type MiningConfig } from "./config";
export {
  contextTagOf,
  createMemorySealedStore,
  sealedBytes,
  type SectorSource,
  type SealedLoad,
  type SealedLoadStore,
} from "./types";
export {
  SealedStoreError,
  createDiskSealedStore,
  type DiskSealedStore,
  type DiskSealedStoreOpenReport,
  type DiskSealedStoreOptions,
} from "./diskSealedStore";
export { createFlowMirror, type FlowMirror, type FlowSubmitEvent } from "./flowMirror";
export { createEpochRangeCache, type EpochRangeCache } from "./epochRanges";
export { createSealer, loadInShard, type Sealer, type SealerStatus } from "./sealer";
export {
  createMiningWorkerPool,
  type MiningWorkerPool,
  type MiningWorkerPoolOptions,
  type WorkerPoolStatus,
} from "./workerPool";
export { runEpochKeeper, startEpochKeeperJob, type EpochKeeperJob, type KeeperRun } from "./keeper";
export { createMinerLedger, type MinerLedger } from "./ledger";
export * from "./errors";
export { createAgentMiner } from "./host";
