/**
 * The storage node: follows the Flow's `Submit` / `NewEpoch` events through the agent runtime into the durable
 * index, verifies and stores uploaded segments of its shard, and serves the zgs JSON-RPC API that 0G's official
 * clients call. The URL to give clients (and to put in the address book as `agents.storageNode`) is the agent's
 * status-server URL: it answers the zgs RPC on `POST /` besides `/healthz`, `/status` and `/metrics`.
 */
import { Counter, Gauge } from "prom-client";
import type { Logger } from "pino";
import { createAgent, readAddressBook, typedHandler, type Agent } from "../core/index.js";
import { FlowAbi } from "../generated/abis.js";
import { computeRootFromNodes, type Hex } from "../protocol/storage";
import type { StorageNodeConfig } from "./config";
import { serveBinary, type BinaryTransferOptions } from "./binary";
import { serveRpcRequest, startRpcServer, type RpcServer } from "./http";
import { createFlowRootChecker } from "./flowCheck";
import { createZgsRpc, type ZgsRpc } from "./rpc";
import { parseShardPosition } from "./shard";
import { StorageStore } from "./store";
import { createAgentMiner, type Miner } from "./mining";

export const STORAGE_NODE_AGENT = "storage-node";

/** A running storage node. */
export interface StorageNode {
  readonly agent: Agent;
  readonly store: StorageStore;
  readonly rpc: ZgsRpc;
  /** The URL for 0G clients (agent status server; zgs RPC on `POST /`). */
  readonly url: string;
  /** The dedicated RPC listener's URL, when enabled. */
  readonly rpcUrl: string | undefined;
  readonly flowAddress: Hex;
  /** The miner's read; see {@link StorageStore.readFlowSectors}. */
  readFlowSectors(startSector: bigint, count: number): Promise<Uint8Array | null>;
  stop(opts?: { drain?: boolean }): Promise<void>;
}

function resolveFlow(config: StorageNodeConfig): Hex {
  if (config.flowAddress) return config.flowAddress as Hex;
  if (!config.addressBook) throw new Error("storage node: set flowAddress or addressBook");
  const flow = readAddressBook(config.addressBook).contracts.Flow;
  if (!flow) throw new Error(`storage node: no contracts.Flow in ${config.addressBook}`);
  return flow as Hex;
}

function requireAddressBook(config: StorageNodeConfig): string {
  if (!config.addressBook)
    throw new Error("storage node: mining needs addressBook (for contracts.Mine and contracts.Reward)");
  return config.addressBook;
}

/** Options besides the config. */
export interface StartStorageNodeOptions {
  logger?: Logger;
  /** Event pipeline tuning (tests). */
  events?: Parameters<typeof createAgent>[0]["events"];
}

/** Opens the store, starts the agent (sync + status server with the zgs route) and the optional RPC listener. */
export async function startStorageNode(
  config: StorageNodeConfig,
  opts: StartStorageNodeOptions = {},
): Promise<StorageNode> {
  const flowAddress = resolveFlow(config);
  const shard = parseShardPosition(config.shardPosition);
  const store = await StorageStore.open({
    dataDir: config.dataDir,
    shard,
    network: { chainId: config.chainId, flowAddress },
  });
  const ref: { agent?: Agent } = {};
  const counters: { stored?: Counter; rejected?: Counter; files?: Gauge } = {};

  const onSegmentsStored: BinaryTransferOptions["onSegmentsStored"] = (entry, added) => {
    counters.stored?.inc(added);
    ref.agent?.logger.info(
      {
        tx_seq: entry.txSeq,
        root: entry.root,
        added,
        uploaded: entry.uploadedSegments,
        required: entry.requiredSegments,
        finalized: entry.finalized,
      },
      "segments stored",
    );
  };
  const onSegmentRejected: BinaryTransferOptions["onSegmentRejected"] = (err) => {
    counters.rejected?.inc();
    ref.agent?.logger.warn({ index: err.index, root: err.root, reason: err.reason }, "segment rejected");
  };
  const rpc = createZgsRpc({
    store,
    chainId: config.chainId,
    flowAddress,
    maxSegmentsPerCall: config.maxSegmentsPerCall,
    maxBatchRequests: config.maxBatchRequests,
    syncCursor: async () => {
      const c = await ref.agent?.eventSource?.getCursor();
      return { block: c?.block ?? 0n, hash: c?.hash };
    },
    onSegmentsStored,
    onSegmentRejected,
  });
  const binary: BinaryTransferOptions = { store, onSegmentsStored, onSegmentRejected };

  const flowCheck = createFlowRootChecker({
    store,
    readRoot: async (txSeq) => {
      const agent = ref.agent as Agent;
      return agent.clients.publicClient.readContract({
        address: flowAddress,
        abi: FlowAbi,
        functionName: "getFlowRootByTxSeq",
        args: [BigInt(txSeq)],
      });
    },
    onMismatch: (m) => ref.agent?.logger.error(m, "local flow tree disagrees with Flow.getFlowRootByTxSeq"),
  });

  let agent: Agent;
  try {
    agent = createAgent({
      // One Redis state (cursor, handled set, queues) per data dir: a wiped data dir resyncs from flowStartBlock,
      // and several nodes can share one Redis.
      name: `${STORAGE_NODE_AGENT}-${store.id}`,
      config,
      logger: opts.logger,
      events: opts.events,
      contracts: [{ name: "Flow", address: flowAddress, abi: FlowAbi, fromBlock: config.flowStartBlock }],
      handlers: {
        "Flow:Submit": typedHandler(FlowAbi, "Submit", async (event, ctx) => {
          const a = event.args;
          const nodes = a.submission.nodes.map((n) => ({ root: n.root, height: Number(n.height) }));
          const entry = await store.addSubmission({
            txSeq: Number(a.submissionIndex),
            root: computeRootFromNodes(a.submission.nodes.map((n) => ({ root: n.root, height: n.height }))),
            identity: a.identity,
            submitter: a.sender,
            startSector: a.startPos,
            sectors: a.length,
            size: Number(a.submission.length),
            tags: a.submission.tags,
            nodes,
            blockNumber: event.blockNumber,
            blockHash: event.blockHash,
            eventId: event.id,
          });
          counters.files?.inc();
          ctx.logger.info(
            {
              tx_seq: entry.txSeq,
              root: entry.root,
              start: entry.startSector.toString(),
              size: entry.size,
              finalized: entry.finalized,
            },
            "file entry recorded",
          );
        }),
        "Flow:NewEpoch": typedHandler(FlowAbi, "NewEpoch", async (event) => {
          const a = event.args;
          await store.setEpoch({
            index: a.index,
            startMerkleRoot: a.startMerkleRoot,
            submissionIndex: a.submissionIndex,
            flowLength: a.flowLength,
            context: a.context,
            blockNumber: event.blockNumber,
          });
        }),
      },
      jobs: {
        flowRootCheck: { schedule: { everyMs: 5_000 }, attempts: 1, processor: () => flowCheck.check() },
      },
      onReorg: async (info, ag) => {
        flowCheck.reset();
        for (const log of info.removed) {
          const txSeq = await store.removeByEvent(log.id);
          if (txSeq !== undefined)
            ag.logger.warn({ tx_seq: txSeq, event: log.id, state: log.state }, "file entry dropped by a reorg");
        }
      },
      status: async () => ({
        mining: miner?.status() ?? null,
        flowAddress,
        shard: `${shard.shardId}/${shard.numShard}`,
        dataDir: config.dataDir,
        nextTxSeq: await store.nextTxSeq(),
        ...(await store.countEntries()),
        epoch: await store.getEpoch(),
        flowRootCheck: flowCheck.status(),
        rpcUrl,
      }),
      routes: (server) => {
        server.route("POST", "/", async ({ req, res }) => {
          await serveRpcRequest(rpc, req, res, config.maxBodyBytes);
          return undefined;
        });
        // Binary segment transfer for our own clients (binary.ts).
        for (const method of ["GET", "POST"] as const)
          server.route(method, "/v1/files/:id/segments", async ({ req, res }) => {
            await serveBinary(binary, req, res);
            return undefined;
          });
      },
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  ref.agent = agent;
  counters.stored = new Counter({
    name: "zg_storage_segments_stored_total",
    help: "Segments verified and stored",
    registers: [agent.metrics.registry],
  });
  counters.rejected = new Counter({
    name: "zg_storage_segments_rejected_total",
    help: "Uploaded segments rejected",
    registers: [agent.metrics.registry],
  });
  counters.files = new Gauge({
    name: "zg_storage_files_recorded",
    help: "Submit events recorded since start",
    registers: [agent.metrics.registry],
  });

  let rpcServer: RpcServer | undefined;
  let rpcUrl: string | undefined;
  let miner: Miner | undefined;
  try {
    await agent.start();
    if (config.rpc.enabled) {
      rpcServer = await startRpcServer({
        rpc,
        host: config.rpc.host,
        port: config.rpc.port,
        maxBodyBytes: config.maxBodyBytes,
        binary,
        health: async () => (await fetch(`${agent.url}/healthz`)).ok,
      });
      rpcUrl = rpcServer.url;
    }
  } catch (err) {
    await agent.stop({ drain: false }).catch(() => undefined);
    await store.close();
    throw err;
  }
  // The PoRA miner reads the node's own stored sectors; it needs Redis, so it is created after agent.start().
  if (config.mining.enabled) {
    try {
      const contracts = readAddressBook(requireAddressBook(config)).contracts;
      if (!contracts.Mine || !contracts.Reward)
        throw new Error(`storage node: mining needs contracts.Mine and contracts.Reward in ${config.addressBook}`);
      miner = createAgentMiner(agent, {
        config: config.mining,
        contracts: { Flow: flowAddress, Mine: contracts.Mine as Hex, Reward: contracts.Reward as Hex },
        source: store,
      });
      await miner.start();
    } catch (err) {
      await rpcServer?.close();
      await agent.stop({ drain: false }).catch(() => undefined);
      await store.close();
      throw err;
    }
  }
  agent.logger.info(
    { url: agent.url, rpcUrl, flowAddress, shard, mining: config.mining.enabled },
    "storage node serving",
  );

  let stopped = false;
  return {
    agent,
    store,
    rpc,
    url: agent.url as string,
    rpcUrl,
    flowAddress,
    readFlowSectors: (start, count) => store.readFlowSectors(start, count),
    async stop(o = {}) {
      if (stopped) return;
      stopped = true;
      await miner?.stop();
      await rpcServer?.close();
      await agent.stop(o);
      await store.close();
    },
  };
}
