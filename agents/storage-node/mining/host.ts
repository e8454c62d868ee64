import path from "node:path";
import type { Agent } from "../../core";
import type { MiningConfig } from "./config";
import { createMiner, type Miner, type MinerContracts } from "./miner";
import type { SealedLoadStore, SectorSource } from "./types";

/**
 * Creates the miner on a started agent's clients, transaction sender, Redis connection and logger: the storage node's
 * one-line integration. Call it after `agent.start()` (the agent opens Redis there).
 *
 * @example
 * await agent.start();
 * const miner = createAgentMiner(agent, { config: config.mining, contracts, source: nodeStore });
 * await miner.start();
 */
export function createAgentMiner(
  agent: Agent,
  p: {
    readonly config: MiningConfig;
    readonly contracts: MinerContracts;
    readonly source: SectorSource;
    readonly store?: SealedLoadStore;
    /** Directory of the disk sealed store; default `<dataDir>/sealed` when the agent's config has a `dataDir`. */
    readonly sealedDir?: string;
  },
): Miner {
  const dataDir = (agent.config as { readonly dataDir?: unknown }).dataDir;
  return createMiner({
    config: p.config,
    chainId: agent.config.chainId,
    publicClient: agent.clients.publicClient,
    txSender: agent.txSender,
    contracts: p.contracts,
    source: p.source,
    store: p.store,
    sealedDir: p.sealedDir ?? (typeof dataDir === "string" ? path.join(dataDir, "sealed") : undefined),
    metrics: agent.metrics.registry,
    redis: agent.redis,
    name: agent.name,
    logger: agent.logger,
  });
}
