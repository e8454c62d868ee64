/**
 * The miner end to end on a real `hardhat node` with the system deployed exactly as the devnet does (devnet
 * parameters: 30-block epochs, difficulty 16, 10-block subtask window) and a real Redis.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { createPublicClient, createWalletClient, http, type PublicClient, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseConfigSchema, createAgent, createTxSender, hardhatLocal, silentLogger } from "../../core";
import { startHardhatNode, startRedis, waitFor, type TestHardhatNode, type TestRedis } from "../../core/testing";
import { devnetAccount } from "../../devnet/accounts";
import { deploySystem } from "../../devnet/devnet";
import { FlowAbi, MineAbi, RewardAbi } from "../../generated/abis";
import type { Hex } from "../../protocol/storage";
import { miningConfigSchema } from "./config";
import { runEpochKeeper, startEpochKeeperJob } from "./keeper";
import { createAgentMiner } from "./host";
import { createMiner, type Miner } from "./miner";
import { createMemorySealedStore, type SealedLoadStore } from "./types";
import { createMiningWorkerPool, type MiningWorkerPool } from "./workerPool";
import { Registry } from "prom-client";
import {
  createMemorySectorSource,
  pseudoRandomBytes,
  submitFile,
  type MemorySectorSource,
} from "./testing/memorySource";

const root = path.resolve(__dirname, "..", "..", "..");

describe("storage miner on the devnet system", () => {
  let chain: TestHardhatNode;
  let redisServer: TestRedis;
  let redis: Redis;
  let publicClient: PublicClient;
  let contracts: { Flow: Hex; Mine: Hex; Reward: Hex; Market: Hex };
  let source: MemorySectorSource;
  let corrupted: MemorySectorSource;
  const minerKey = devnetAccount("storageNode").privateKey;
  const minerAddress = devnetAccount("storageNode").address;
  const running: Miner[] = [];
  let deploymentId: string | undefined;

  function config(overrides: Record<string, unknown> = {}) {
    return miningConfigSchema.parse({
      enabled: true,
      threads: 1,
      cpuPercent: 100,
      minerKey,
      maxAnswersPerEpoch: 1,
      contextPollMs: 150,
      batchNonces: 16,
      keeper: { enabled: true, everyMs: 300 },
      rewards: { checkEveryMs: 200 },
      ...overrides,
    });
  }

  function start(
    cfg: ReturnType<typeof config>,
    src: MemorySectorSource,
    store?: SealedLoadStore,
    extra: Partial<Parameters<typeof createMiner>[0]> = {},
  ): Miner {
    const miner = createMiner({
      ...extra,
      store,
      config: cfg,
      chainId: 31337,
      publicClient,
      contracts,
      source: src,
      redis,
      name: "miner-test",
      logger: silentLogger(),
    });
    running.push(miner);
    return miner;
  }

  /** Waits for a miner status condition; on timeout the error shows the last status. */
  async function waitForStatus(miner: Miner, ok: (s: ReturnType<Miner["status"]>) => boolean): Promise<void> {
    try {
      await waitFor(async () => ok(miner.status()), { timeoutMs: 60_000, intervalMs: 100 });
    } catch (err) {
      throw new Error(`${String(err)}; miner status: ${JSON.stringify(miner.status())}`, { cause: err });
    }
  }

  async function blockNumber(): Promise<bigint> {
    return publicClient.getBlockNumber({ cacheTime: 0 });
  }

  /** Mines empty blocks until the next transaction lands in the first block of a new epoch's window. */
  async function moveToNextEpochStart(): Promise<bigint> {
    const [firstBlock, per, epoch] = await Promise.all([
      publicClient.readContract({ address: contracts.Flow, abi: FlowAbi, functionName: "firstBlock" }),
      publicClient.readContract({ address: contracts.Flow, abi: FlowAbi, functionName: "blocksPerEpoch" }),
      publicClient.readContract({ address: contracts.Flow, abi: FlowAbi, functionName: "epoch" }),
    ]);
    const head = await blockNumber();
    let next = epoch + 1n;
    while (firstBlock + next * per < head) next++;
    const target = firstBlock + next * per;
    const blocks = Number(target - head);
    if (blocks > 0) await chain.rpc("hardhat_mine", [`0x${blocks.toString(16)}`]);
    return target;
  }

  beforeAll(async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-miner-"));
    [chain, redisServer] = await Promise.all([startHardhatNode({ root }), startRedis()]);
    deploymentId = `devnet-miner-${chain.port}`; // devnet-* is git-ignored; removed in afterAll
    const deployed = await deploySystem(root, chain.port, tmp, deploymentId);
    contracts = {
      Flow: deployed.contracts.Flow,
      Mine: deployed.contracts.Mine,
      Reward: deployed.contracts.Reward,
      Market: deployed.contracts.Market,
    };
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    publicClient = createPublicClient({ chain: hardhatLocal, transport: http(chain.rpcUrl), pollingInterval: 100 });
    const alice = createWalletClient({
      account: privateKeyToAccount(devnetAccount("alice").privateKey),
      chain: hardhatLocal,
      transport: http(chain.rpcUrl),
    }) as WalletClient;
    source = createMemorySectorSource();
    // Every byte flipped: what a node with a damaged disk would read.
    corrupted = createMemorySectorSource((b) => b.map((x) => x ^ 0x5a));
    // 1 MiB: one node of 4096 sectors at position 4096, so the flow ends exactly at 8192, the end of the second
    // 4096-sector pricing chunk (devnet sectorsPerChunk): both chunks are filled and release rewards, and every load
    // a miner can recall lies in one of them.
    const landed = await submitFile({
      publicClient,
      walletClient: alice,
      flow: contracts.Flow,
      market: contracts.Market,
      data: pseudoRandomBytes(1_048_576, 7),
      sources: [source, corrupted],
    });
    expect(landed.startPos + landed.length).toBe(8192n);
    // Half of the 600 s release period passes: mining rewards are claimable.
    await chain.rpc("evm_increaseTime", [300]);
    await chain.rpc("evm_mine", []);
  }, 240_000);

  afterAll(async () => {
    for (const m of running) await m.stop();
    if (deploymentId)
      fs.rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    await redis?.quit();
    await redisServer?.stop();
    await chain?.stop();
  });

  let firstMinerId: Hex;
  // Sealed data outlives a miner restart (as a persistent store would), so the restarted miner replays the same nonces.
  const sealedStore = createMemorySealedStore(64);
  let firstEpoch: bigint;

  it("gets a miner id, mines real submitted data, an answer is accepted on chain and the reward is withdrawn", async () => {
    const miner = start(config({ sealBeforeMining: true }), source, sealedStore);
    await miner.start();
    await waitFor(async () => miner.status().minerId !== null, { timeoutMs: 30_000, intervalMs: 100 });
    firstMinerId = miner.status().minerId as Hex;
    expect(await redis.get(`zg:miner-test:31337:miner-id:${minerAddress.toLowerCase()}`)).toBe(firstMinerId);
    expect(
      (
        await publicClient.readContract({
          address: contracts.Mine,
          abi: MineAbi,
          functionName: "beneficiaries",
          args: [firstMinerId],
        })
      ).toLowerCase(),
    ).toBe(minerAddress.toLowerCase());

    await moveToNextEpochStart();
    await waitForStatus(miner, (st) => st.answersAccepted >= 1 && BigInt(st.rewardsWithdrawnWei) > 0n);
    await miner.stop();
    const s = miner.status();
    expect(s.answersSubmitted).toBe(1);
    expect(s.answersRejectedOnChain).toBe(0);
    expect(s.sealer.sealedLoads).toBe(8);
    firstEpoch = BigInt(s.epoch as string);

    const subs = await publicClient.getContractEvents({
      address: contracts.Mine,
      abi: MineAbi,
      eventName: "NewSubmission",
      args: { minerId: firstMinerId },
      fromBlock: 0n,
      strict: true,
    });
    expect(subs).toHaveLength(1);
    expect(subs[0].args.epoch).toBe(firstEpoch);
    const paid = await publicClient.getContractEvents({
      address: contracts.Reward,
      abi: RewardAbi,
      eventName: "PaymentWithdrawn",
      args: { payee: minerAddress },
      fromBlock: 0n,
      strict: true,
    });
    expect(paid.reduce((a, e) => a + e.args.amount, 0n)).toBe(BigInt(s.rewardsWithdrawnWei));
    expect(BigInt(s.rewardsEarnedWei)).toBeGreaterThan(0n);
  }, 120_000);

  it("restarted mid-epoch, it keeps its miner id and never resubmits an accepted answer", async () => {
    // Same Redis, same key, same epoch: the nonce sequence replays from 0, so the first hits are the answered ones.
    const miner = start(config({ maxAnswersPerEpoch: 3, sealBeforeMining: true }), source, sealedStore);
    await miner.start();
    await waitForStatus(miner, (st) => st.answersAccepted >= 2);
    await miner.stop();
    const s = miner.status();
    expect(s.minerId).toBe(firstMinerId);
    expect(s.epoch).toBe(firstEpoch.toString());
    expect(s.duplicatesSkipped).toBeGreaterThanOrEqual(1);
    expect(s.answersRejectedOnChain).toBe(0);
    const subs = await publicClient.getContractEvents({
      address: contracts.Mine,
      abi: MineAbi,
      eventName: "NewSubmission",
      args: { minerId: firstMinerId, epoch: firstEpoch },
      fromBlock: 0n,
      strict: true,
    });
    expect(subs).toHaveLength(3);
    expect(new Set(subs.map((e) => e.args.recallPosition)).size).toBe(3);
    const requested = await publicClient.getContractEvents({
      address: contracts.Mine,
      abi: MineAbi,
      eventName: "NewMinerId",
      args: { beneficiary: minerAddress },
      fromBlock: 0n,
    });
    expect(requested).toHaveLength(1);
  }, 120_000);

  it("a corrupted sector source produces no submission: the offline check fails and is logged", async () => {
    const other = devnetAccount("provider");
    const miner = start(config({ minerKey: other.privateKey, maxAnswersPerEpoch: 2 }), corrupted);
    await miner.start();
    await waitFor(async () => miner.status().minerId !== null, { timeoutMs: 30_000, intervalMs: 100 });
    await moveToNextEpochStart();
    await waitForStatus(miner, (st) => st.answersRejectedOffline >= 3);
    await miner.stop();
    const s = miner.status();
    expect(s.answersSubmitted).toBe(0);
    expect(s.answersRejectedOnChain).toBe(0);
    const subs = await publicClient.getContractEvents({
      address: contracts.Mine,
      abi: MineAbi,
      eventName: "NewSubmission",
      args: { minerId: s.minerId as Hex },
      fromBlock: 0n,
    });
    expect(subs).toHaveLength(0);
  }, 120_000);

  it("on a disk sealed store: a crashed worker thread is replaced, an answer is still accepted once; a restart reseals nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-miner-sealed-"));
    const bob = devnetAccount("bob");
    const registry = new Registry();
    let hooked: MiningWorkerPool | undefined;
    const extra = {
      metrics: registry,
      createWorkerPool: (n: number, o: Parameters<typeof createMiningWorkerPool>[1]) =>
        (hooked = createMiningWorkerPool(n, { ...o, testHooks: true })),
    };
    const cfg = config({ minerKey: bob.privateKey, sealedDir: dir, sealBeforeMining: true });
    const miner = start(cfg, source, undefined, extra);
    await miner.start();
    await waitForStatus(miner, (st) => st.minerId !== null && st.sealer.sealedLoads >= 8);
    expect(miner.status().sealedStore).toEqual({ kind: "disk", file: path.join(dir, "sealed.dat") });
    expect(fs.statSync(path.join(dir, "sealed.dat")).size).toBe(8 * 262_144);
    // The worker dies as soon as it gets its next mine request: the request is re-run on a replacement.
    hooked!.crashWorkerForTest(0, "exit");
    await moveToNextEpochStart();
    await waitForStatus(miner, (st) => st.answersAccepted >= 1 && (st.workers?.restarts ?? 0) >= 1);
    await miner.stop();
    const s = miner.status();
    expect(s.workers, JSON.stringify(s)).toMatchObject({ restarts: 1, requeued: 1, failed: null });
    // Every answer that passed simulation was accepted, none twice (the re-run request reported its hits once). A
    // simulation revert (e.g. the subtask window closing, depending on how many blocks earlier tests left) sends
    // nothing and is counted in answersRejectedOnChain.
    expect(s.answersSubmitted - s.answersRejectedOnChain, JSON.stringify(s)).toBe(s.answersAccepted);
    expect(s.sealedStore.kind).toBe("disk");
    expect(await registry.getSingleMetricAsString("zg_storage_miner_worker_restarts_total")).toMatch(
      /zg_storage_miner_worker_restarts_total 1$/m,
    );
    const subs = await publicClient.getContractEvents({
      address: contracts.Mine,
      abi: MineAbi,
      eventName: "NewSubmission",
      args: { minerId: s.minerId as Hex },
      fromBlock: 0n,
      strict: true,
    });
    expect(subs).toHaveLength(s.answersAccepted);
    expect(new Set(subs.map((e) => `${e.args.epoch}:${e.args.recallPosition}`)).size).toBe(subs.length);

    // Restart on the same directory: the sealed loads are reused as they are (no sealing at all) and mining goes on.
    const again = start(config({ minerKey: bob.privateKey, sealedDir: dir, maxAnswersPerEpoch: 1 }), source);
    await again.start();
    await moveToNextEpochStart();
    await waitForStatus(again, (st) => st.answersAccepted >= 1);
    await again.stop();
    expect(again.status().sealer).toMatchObject({ sealedLoads: 8, bytesSealed: 0, resealedContextChanges: 0 });
    expect(again.status().minerId).toBe(s.minerId);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it("refuses to mine when its flow mirror cannot reproduce the context's flow root", async () => {
    // Reading Submit logs only from the current head on, the mirror never sees the submission the context covers.
    const miner = start(config({ fromBlock: await blockNumber(), maxAnswersPerEpoch: 5 }), source, sealedStore);
    await miner.start();
    try {
      await waitForStatus(miner, (st) => st.idleReason === "flow mirror behind the context");
      await new Promise((r) => setTimeout(r, 500));
      expect(miner.status()).toMatchObject({
        idleReason: "flow mirror behind the context",
        noncesScanned: 0,
        answersSubmitted: 0,
      });
    } finally {
      await miner.stop();
    }
  }, 60_000);

  it("hosted by an agent in one call: reuses the stored miner id and reports under /status", async () => {
    let miner: Miner | undefined;
    const agent = createAgent({
      name: "miner-test",
      config: baseConfigSchema.parse({
        rpcUrl: chain.rpcUrl,
        chainId: 31337,
        redisUrl: redisServer.url,
        privateKey: minerKey,
        confirmations: 1,
      }),
      logger: silentLogger(),
      status: () => ({ mining: miner?.status() ?? null }),
    });
    await agent.start();
    try {
      miner = createAgentMiner(agent, {
        config: config({ minerKey: undefined, keeper: { enabled: false } }),
        contracts,
        source,
      });
      await miner.start();
      await waitForStatus(miner, (st) => st.minerId !== null && st.sealer.sealedLoads >= 8);
      const res = await fetch(`${agent.url}/status`);
      const body = (await res.json()) as { role: { mining: { minerId: string; account: string } } };
      expect(body.role.mining.minerId).toBe(firstMinerId);
      expect(body.role.mining.account).toBe(minerAddress);
    } finally {
      await miner?.stop();
      await agent.stop();
    }
  }, 60_000);

  it("the epoch keeper job advances epochs, and a run does nothing while no epoch is due", async () => {
    const txSender = createTxSender({ publicClient, account: privateKeyToAccount(minerKey) });
    // Catch up first (the corrupted-source test left epochs to close), so the job's run below is the one we watch.
    await runEpochKeeper({ client: publicClient, txSender, flow: contracts.Flow });
    const [firstBlock, per] = await Promise.all([
      publicClient.readContract({ address: contracts.Flow, abi: FlowAbi, functionName: "firstBlock" }),
      publicClient.readContract({ address: contracts.Flow, abi: FlowAbi, functionName: "blocksPerEpoch" }),
    ]);
    const job = await startEpochKeeperJob({
      name: "keeper-test",
      connection: redis,
      client: publicClient,
      txSender,
      flow: contracts.Flow,
      everyMs: 200,
    });
    try {
      const expected = ((await moveToNextEpochStart()) - firstBlock) / per;
      await waitFor(async () => job.status().lastEpoch === expected.toString(), { timeoutMs: 30_000, intervalMs: 100 });
      expect(job.status().contextsMade).toBeGreaterThanOrEqual(1);
      const made = await publicClient.getContractEvents({
        address: contracts.Flow,
        abi: FlowAbi,
        eventName: "NewEpoch",
        args: { sender: minerAddress, index: expected },
        fromBlock: 0n,
        strict: true,
      });
      expect(made).toHaveLength(1);
    } finally {
      await job.close();
    }
    const head = await blockNumber();
    const idle = await runEpochKeeper({ client: publicClient, txSender, flow: contracts.Flow });
    expect(idle.sent).toBe(false);
    expect(await blockNumber()).toBe(head);
  }, 60_000);
});
