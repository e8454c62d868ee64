/**
 * Integration tests of the event pipeline against a real `hardhat node` and a real Redis: exactly-once
 * handling across a SIGKILL and restart, replays deduped after a lost cursor, reorgs that rewind and re-handle
 * only replaced logs, and failed handlers visible on /status.
 */
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import {
  createPublicClient,
  createWalletClient,
  custom,
  encodeFunctionData,
  http,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, type Agent, type CreateAgentOptions } from "./agent.js";
import { hardhatLocal } from "./chain.js";
import { baseConfigSchema, type BaseConfig } from "./config.js";
import { ReorgTooDeepError } from "./errors.js";
import {
  eventJobId,
  eventKeys,
  typedHandler,
  type DecodedEvent,
  type EventHandlers,
  type ReorgInfo,
} from "./event-source.js";
import { silentLogger } from "./logger.js";
import {
  HARDHAT_KEYS,
  deployArtifact,
  eventEmitterFixtureAbi,
  projectRoot,
  spawnTracked,
  startHardhatNode,
  startRedis,
  stopChild,
  waitFor,
  type TestHardhatNode,
  type TestRedis,
} from "./testing/index.js";

let node: TestHardhatNode;
let redisServer: TestRedis;
let redis: Redis;
let publicClient: PublicClient;
const deployer = privateKeyToAccount(HARDHAT_KEYS[0]!);
const other = privateKeyToAccount(HARDHAT_KEYS[1]!);
const agents: Agent[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  [node, redisServer] = await Promise.all([startHardhatNode(), startRedis()]);
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  publicClient = createPublicClient({ chain: hardhatLocal, transport: http(node.rpcUrl), pollingInterval: 50 });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop({ drain: false })));
  await Promise.all(children.map((c) => stopChild(c, "SIGKILL")));
  redis?.disconnect();
  await Promise.all([node?.stop(), redisServer?.stop()]);
});

const walletOf = (account = deployer) =>
  createWalletClient({ chain: hardhatLocal, transport: http(node.rpcUrl), account });

async function deployEmitter(): Promise<{ address: Address; blockNumber: bigint }> {
  return deployArtifact({ walletClient: walletOf(), publicClient, name: "EventEmitterFixture" });
}

async function pingMany(emitter: Address, firstId: number, count: number, account = deployer) {
  const hash = await walletOf(account).writeContract({
    address: emitter,
    abi: eventEmitterFixtureAbi,
    functionName: "pingMany",
    args: [BigInt(firstId), BigInt(count), toHex(firstId, { size: 32 })],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return { receipt, ids: idsOf(receipt) };
}

function idsOf(receipt: TransactionReceipt): string[] {
  return receipt.logs.map((l) => eventJobId(31337, l.address, l.transactionHash, l.logIndex));
}

/** Signs (without sending) a ping from `account`, so the very same transaction can be sent again after a reorg. */
async function signPing(emitter: Address, id: number, account = other): Promise<Hex> {
  const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
  const fees = await publicClient.estimateFeesPerGas();
  return account.signTransaction({
    type: "eip1559",
    chainId: 31337,
    to: emitter,
    nonce,
    gas: 100_000n,
    maxFeePerGas: fees.maxFeePerGas * 2n,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    data: encodeFunctionData({
      abi: eventEmitterFixtureAbi,
      functionName: "ping",
      args: [BigInt(id), toHex(id, { size: 32 })],
    }),
  });
}

async function sendRaw(raw: Hex): Promise<TransactionReceipt> {
  const hash = await publicClient.sendRawTransaction({ serializedTransaction: raw });
  return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
}

function config(overrides: Partial<BaseConfig> = {}): BaseConfig {
  return baseConfigSchema.parse({
    rpcUrl: node.rpcUrl,
    chainId: 31337,
    redisUrl: redisServer.url,
    confirmations: 1,
    pollIntervalMs: 100,
    maxBlockRange: 5,
    logLevel: "silent",
    ...overrides,
  });
}

function makeAgent(
  name: string,
  emitter: { address: Address; blockNumber: bigint },
  handlers: EventHandlers,
  extra: Partial<CreateAgentOptions> = {},
): Agent {
  const agent = createAgent({
    name,
    config: extra.config ?? config(),
    logger: silentLogger(),
    contracts: [{ name: "Emitter", address: emitter.address, abi: eventEmitterFixtureAbi }],
    handlers,
    http: false,
    ...extra,
    events: {
      startBlock: emitter.blockNumber,
      backoffMs: 20,
      lockDurationMs: 2000,
      stalledIntervalMs: 500,
      ...extra.events,
    },
  });
  agents.push(agent);
  return agent;
}

/** A handler that records every call (id and block hash). */
function recorder() {
  const calls: DecodedEvent[] = [];
  const handlers: EventHandlers = {
    "Emitter:Pinged": async (event) => {
      calls.push(event);
    },
  };
  return { calls, handlers, ids: () => calls.map((c) => c.id) };
}

const countOf = (xs: readonly string[]) =>
  xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

/** Waits until the agent's cursor has reached `block` and its event queue has nothing left to run. */
async function settle(agent: Agent, block: bigint): Promise<void> {
  await waitFor(
    async () => {
      const c = await agent.eventSource?.getCursor();
      if (!c || c.block < block) return false;
      const counts = await agent.queue("events").getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).every((n) => n === 0);
    },
    { timeoutMs: 20_000, intervalMs: 50, what: `agent ${agent.name} to settle at block ${block}` },
  );
}

describe("event source", () => {
  it("handles every event exactly once across a SIGKILL mid-handler and a restart", async () => {
    const emitter = await deployEmitter();
    const ids: string[] = [];
    for (let t = 0; t < 3; t++) ids.push(...(await pingMany(emitter.address, t * 4, 4)).ids);
    const name = `kill-${randomUUID().slice(0, 8)}`;
    const blockId = ids[4]!;
    const spawnAgent = () => {
      const child = spawnTracked(
        process.execPath,
        ["--import", "tsx", path.join(projectRoot(), "agents/core/test-fixtures/kill-agent.ts")],
        {
          cwd: projectRoot(),
          stdio: ["ignore", "ignore", "inherit"],
          env: {
            ...process.env,
            RPC_URL: node.rpcUrl,
            REDIS_URL: redisServer.url,
            EMITTER: emitter.address,
            START_BLOCK: emitter.blockNumber.toString(),
            AGENT_NAME: name,
            BLOCK_ID: blockId,
          },
        },
      );
      children.push(child);
      return child;
    };

    const first = spawnAgent();
    await waitFor(async () => (await redis.get(`${name}:blocked`)) !== null, {
      timeoutMs: 30_000,
      what: "the handler of the fifth event to start",
    });
    await stopChild(first, "SIGKILL");
    // Jobs run one at a time in log order: exactly the four events before the hung one took effect.
    expect(await redis.lrange(`${name}:effects`, 0, -1)).toEqual(ids.slice(0, 4));

    // More events arrive while the agent is down.
    ids.push(...(await pingMany(emitter.address, 100, 4)).ids);
    await node.rpc("evm_mine");
    const second = spawnAgent();
    await waitFor(async () => (await redis.llen(`${name}:effects`)) >= ids.length, {
      timeoutMs: 30_000,
      what: "all effects after the restart",
    });
    // Give a duplicate the chance to show up before judging.
    await new Promise((r) => setTimeout(r, 800));
    const effects = await redis.lrange(`${name}:effects`, 0, -1);
    expect([...effects].sort()).toEqual([...ids].sort());
    expect(new Set(effects).size).toBe(effects.length);
    // The killed handler ran a second time (its job was stalled and retried); every other handler ran once.
    const invocations = countOf(await redis.lrange(`${name}:invocations`, 0, -1));
    expect(invocations.get(blockId)).toBe(2);
    expect([...invocations.entries()].filter(([id]) => id !== blockId).every(([, n]) => n === 1)).toBe(true);
    await stopChild(second, "SIGTERM");
    expect(second.exitCode).toBe(0);
  });

  it("never re-runs a handled event when a lost cursor replays the chain, and the dedupe is what prevents it", async () => {
    const emitter = await deployEmitter();
    const ids: string[] = [];
    for (let t = 0; t < 2; t++) ids.push(...(await pingMany(emitter.address, t * 5, 5)).ids);
    await node.rpc("evm_mine");
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const name = `replay-${randomUUID().slice(0, 8)}`;
    const rec = recorder();
    const run = async () => {
      const agent = makeAgent(name, emitter, rec.handlers);
      await agent.start();
      await settle(agent, head - 1n);
      await agent.stop();
      return agent;
    };
    const keys = eventKeys(name, 31337, [emitter.address]);

    await run();
    expect(rec.ids().sort()).toEqual([...ids].sort());

    // 1. The cursor is lost (a crash between enqueueing and saving it): every log is enqueued again, BullMQ
    //    ignores the ids it still holds, and nothing runs twice.
    await redis.del(keys.cursor);
    await run();
    expect(rec.ids()).toHaveLength(ids.length);

    // 2. Also the completed jobs are gone: the jobs are added and run, but the handled set skips them.
    await redis.del(keys.cursor);
    const q = makeAgent(`${name}`, emitter, rec.handlers);
    await q.start();
    await q.eventSource?.stop();
    await q.queue("events").clean(0, 100_000, "completed");
    await q.stop();
    const a3 = await run();
    expect(rec.ids()).toHaveLength(ids.length);
    const skipped = await a3.metrics.registry.getSingleMetricAsString("zg_events_skipped_total");
    expect(skipped).toContain(`zg_events_skipped_total{event="Emitter:Pinged",agent="${name}"} ${ids.length}`);

    // 3. Control: without the handled set as well, the same replay does run the handlers again. This is what
    //    the two layers above prevent.
    await redis.del(keys.cursor, keys.handled, keys.handledIndex);
    const q2 = makeAgent(`${name}`, emitter, rec.handlers);
    await q2.start();
    await q2.eventSource?.stop();
    await q2.queue("events").clean(0, 100_000, "completed");
    await q2.stop();
    await run();
    expect(rec.ids()).toHaveLength(ids.length * 2);
  });

  it("rewinds on a reorg and re-handles only the replaced logs", async () => {
    const emitter = await deployEmitter();
    const name = `reorg-${randomUUID().slice(0, 8)}`;
    const rec = recorder();
    const reorgs: ReorgInfo[] = [];
    const agent = makeAgent(name, emitter, rec.handlers, {
      config: config({ confirmations: 0 }),
      onReorg: (info) => {
        reorgs.push(info);
      },
    });
    await agent.start();

    const a = await pingMany(emitter.address, 1, 2); // stays canonical
    const snapshot = await node.rpc<string>("evm_snapshot");
    const rawB1 = await signPing(emitter.address, 10);
    const b1 = await sendRaw(rawB1);
    const b2 = await pingMany(emitter.address, 20, 1, other);
    await settle(agent, b2.receipt.blockNumber);
    const staleIds = [...idsOf(b1), ...b2.ids];
    expect(rec.ids()).toEqual([...a.ids, ...staleIds]);

    // The chain drops B1 and B2; the very same B1 transaction is mined again in a new block, plus new events.
    expect(await node.rpc("evm_revert", [snapshot])).toBe(true);
    await node.rpc("evm_mine");
    const b1again = await sendRaw(rawB1);
    const c = await pingMany(emitter.address, 30, 3);
    await settle(agent, c.receipt.blockNumber);
    await waitFor(async () => rec.calls.length >= 2 + 2 + 1 + 3, { timeoutMs: 10_000, what: "replacement logs" });
    await new Promise((r) => setTimeout(r, 300));

    expect(reorgs.length).toBeGreaterThanOrEqual(1);
    const removed = reorgs.flatMap((r) => r.removed);
    expect(removed.map((r) => r.id).sort()).toEqual([...staleIds].sort());
    expect(removed.every((r) => r.state === "completed")).toBe(true);
    expect(reorgs[0]!.ancestor).toBeGreaterThanOrEqual(a.receipt.blockNumber);
    expect(reorgs[0]!.ancestor).toBeLessThan(b1.blockNumber);

    const counts = countOf(rec.ids());
    for (const id of a.ids) expect(counts.get(id)).toBe(1); // still-valid logs: never again
    for (const id of c.ids) expect(counts.get(id)).toBe(1);
    expect(counts.get(b2.ids[0]!)).toBe(1); // handled before the reorg, gone after it
    // B1 was re-mined with the same tx hash and log index (so the same job id) in a new block: handled again.
    const b1Id = idsOf(b1again)[0]!;
    expect(b1Id).toBe(idsOf(b1)[0]);
    const b1Calls = rec.calls.filter((e) => e.id === b1Id);
    expect(b1Calls.map((e) => e.blockHash)).toEqual([b1.blockHash, b1again.blockHash]);
    expect(b1again.blockHash).not.toBe(b1.blockHash);
    expect(rec.calls).toHaveLength(2 + 2 + 1 + 3);
    await agent.stop();
  });

  it("removes jobs of reorged logs that have not run yet, so they never run", async () => {
    const emitter = await deployEmitter();
    const name = `reorg-wait-${randomUUID().slice(0, 8)}`;
    const rec = recorder();
    const cfg = config({ confirmations: 0 });
    // One process watches the chain, another runs the handlers later: Redis is the shared engine.
    const watcher = makeAgent(name, emitter, rec.handlers, { config: cfg, runWorkers: false });
    await watcher.start();

    const a = await pingMany(emitter.address, 1, 1);
    const snapshot = await node.rpc<string>("evm_snapshot");
    const rawB1 = await signPing(emitter.address, 10);
    const b1 = await sendRaw(rawB1);
    const b2 = await pingMany(emitter.address, 20, 2, other);
    await waitFor(async () => ((await watcher.eventSource?.getCursor())?.block ?? 0n) >= b2.receipt.blockNumber, {
      what: "B logs enqueued",
    });
    expect(await watcher.queue("events").getWaitingCount()).toBe(1 + 1 + 2);

    expect(await node.rpc("evm_revert", [snapshot])).toBe(true);
    await node.rpc("evm_mine");
    const b1again = await sendRaw(rawB1);
    const c = await pingMany(emitter.address, 30, 1);
    await waitFor(async () => ((await watcher.eventSource?.getCursor())?.block ?? 0n) >= c.receipt.blockNumber, {
      what: "C logs enqueued",
    });
    const waiting = await watcher.queue("events").getWaiting();
    expect(waiting.map((j) => j.id).sort()).toEqual([...a.ids, ...idsOf(b1again), ...c.ids].sort());
    expect(waiting.find((j) => j.id === idsOf(b1again)[0])?.data.blockHash).toBe(b1again.blockHash);
    void b1;

    const worker = makeAgent(name, emitter, rec.handlers, { config: cfg, runEventSource: false });
    await worker.start();
    await waitFor(async () => rec.calls.length >= 3, { what: "handlers" });
    await new Promise((r) => setTimeout(r, 300));
    expect(rec.ids().sort()).toEqual([...a.ids, ...idsOf(b1again), ...c.ids].sort());
    expect(rec.calls.find((e) => e.id === idsOf(b1again)[0])?.blockHash).toBe(b1again.blockHash);
    for (const id of b2.ids) expect(rec.ids()).not.toContain(id);
    await Promise.all([watcher.stop(), worker.stop()]);
  });

  it("turns unhealthy, with the reason on /status, after a reorg deeper than its window", async () => {
    const emitter = await deployEmitter();
    const rec = recorder();
    const agent = makeAgent(`deep-${randomUUID().slice(0, 8)}`, emitter, rec.handlers, {
      config: config({ confirmations: 0, maxBlockRange: 1 }),
      events: { reorgWindow: 2 },
      http: true,
    });
    await agent.start();
    const snapshot = await node.rpc<string>("evm_snapshot");
    let last = 0n;
    for (let i = 0; i < 5; i++) last = (await pingMany(emitter.address, i, 1)).receipt.blockNumber;
    await settle(agent, last);
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
    expect(await node.rpc("evm_revert", [snapshot])).toBe(true);
    for (let i = 0; i < 7; i++) await pingMany(emitter.address, 50 + i, 1, other);
    await waitFor(async () => (await fetch(`${agent.url}/healthz`)).status === 503, { what: "an unhealthy agent" });
    const status = (await (await fetch(`${agent.url}/status`)).json()) as { fatalError?: string };
    expect(status.fatalError).toMatch(/reorg deeper than the kept window/);
    await agent.stop();
  });

  it("decodes args and log coordinates for handlers", async () => {
    const emitter = await deployEmitter();
    const rec = recorder();
    const agent = makeAgent(`decode-${randomUUID().slice(0, 8)}`, emitter, rec.handlers, {
      config: config({ confirmations: 0 }),
    });
    await agent.start();
    const { receipt } = await pingMany(emitter.address, 7, 2);
    await settle(agent, receipt.blockNumber);
    expect(rec.calls).toHaveLength(2);
    const [e0, e1] = rec.calls as [DecodedEvent, DecodedEvent];
    expect(e0.args).toEqual({ id: 7n, sender: deployer.address, tag: toHex(7, { size: 32 }) });
    expect(e1.args.id).toBe(8n);
    expect(e0).toMatchObject({
      contract: "Emitter",
      eventName: "Pinged",
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      txHash: receipt.transactionHash,
      logIndex: receipt.logs[0]!.logIndex,
      chainId: 31337,
    });
    await agent.stop();
  });
});

describe("typedHandler", () => {
  it("types args from the ABI", async () => {
    const seen: bigint[] = [];
    const handler = typedHandler(eventEmitterFixtureAbi, "Pinged", async (event) => {
      const id: bigint = event.args.id;
      const sender: Address = event.args.sender;
      const tag: Hex = event.args.tag;
      seen.push(id);
      void sender;
      void tag;
    });
    await handler(
      {
        id: "x",
        chainId: 31337,
        contract: "Emitter",
        address: deployer.address,
        eventName: "Pinged",
        args: { id: 5n, sender: deployer.address, tag: toHex(0, { size: 32 }) },
        blockNumber: 1n,
        blockHash: toHex(1, { size: 32 }),
        txHash: toHex(2, { size: 32 }),
        logIndex: 0,
      },
      { logger: silentLogger(), attempt: 1, job: undefined as never },
    );
    expect(seen).toEqual([5n]);
  });
});

describe("event source, stepped by hand", () => {
  async function bare(
    emitters: Array<{ name: string; address: Address; fromBlock?: bigint }>,
    events: string[],
    opts: { maxBlockRange?: number; reorgWindow?: number; confirmations?: number; client?: PublicClient } = {},
  ) {
    const { createEventSource } = await import("./event-source.js");
    const { createQueue, createRedisConnection } = await import("./queue.js");
    const name = `bare-${randomUUID().slice(0, 8)}`;
    const conn = createRedisConnection(redisServer.url);
    const queue = createQueue<import("./event-source.js").EventJobData>(`${name}-events`, { connection: conn });
    const source = createEventSource({
      agent: name,
      chainId: 31337,
      client: opts.client ?? publicClient,
      redis: conn,
      queue,
      contracts: emitters.map((e) => ({ ...e, abi: eventEmitterFixtureAbi })),
      events,
      confirmations: opts.confirmations ?? 0,
      maxBlockRange: opts.maxBlockRange ?? 100,
      reorgWindow: opts.reorgWindow,
      startBlock: emitters[0]!.fromBlock ?? 0n,
    });
    const close = async () => {
      await queue.close();
      conn.disconnect();
    };
    return { source, queue, close };
  }

  async function drain(source: { pollOnce(): Promise<{ kind: string }> }): Promise<Array<{ kind: string }>> {
    const results = [];
    for (let i = 0; i < 100; i++) {
      const r = await source.pollOnce();
      results.push(r);
      if (r.kind === "idle") return results;
    }
    throw new Error("source never went idle");
  }

  it("enqueues only registered (contract, event) pairs, per-contract start blocks, in bounded ranges", async () => {
    const e1 = await deployEmitter();
    const e2 = await deployEmitter();
    const walletClient = walletOf();
    const pay = async (address: Address) =>
      publicClient.waitForTransactionReceipt({
        hash: await walletClient.writeContract({
          address,
          abi: eventEmitterFixtureAbi,
          functionName: "pay",
          args: [0n],
          value: 1n,
        }),
        pollingInterval: 20,
      });
    const early = await pingMany(e2.address, 1, 1); // before e2's configured start block: ignored
    const p1 = await pingMany(e1.address, 1, 2); // wanted
    await pay(e1.address); // Paid on e1: not registered
    const p2 = await pay(e2.address); // Paid on e2: wanted
    const q1 = await pingMany(e2.address, 5, 1); // Pinged on e2: not registered
    const { source, queue, close } = await bare(
      [
        { name: "A", address: e1.address, fromBlock: e1.blockNumber },
        { name: "B", address: e2.address, fromBlock: early.receipt.blockNumber + 1n },
      ],
      ["A:Pinged", "B:Paid"],
      { maxBlockRange: 2 },
    );
    try {
      const results = await drain(source);
      const processed = results.filter(
        (r): r is { kind: "processed"; from: bigint; to: bigint; enqueued: number } => r.kind === "processed",
      );
      expect(processed.length).toBeGreaterThan(2);
      expect(processed.every((r) => r.to - r.from + 1n <= 2n)).toBe(true);
      const jobs = await queue.getWaiting(0, 100);
      expect(jobs.map((j) => j.id).sort()).toEqual([...p1.ids, ...idsOf(p2)].sort());
      expect(jobs.map((j) => j.name).sort()).toEqual(["A:Pinged", "A:Pinged", "B:Paid"]);
      void q1;
      const cursor = await source.getCursor();
      expect(cursor?.block).toBe(await publicClient.getBlockNumber({ cacheTime: 0 }));
      expect(cursor?.hash).toBe((await publicClient.getBlock({ blockNumber: cursor!.block })).hash);
    } finally {
      await close();
    }
  });

  it("halves the range when eth_getLogs refuses a large one", async () => {
    const emitter = await deployEmitter();
    const p = await pingMany(emitter.address, 1, 1);
    await pingMany(emitter.address, 2, 1);
    await node.rpc("evm_mine");
    await node.rpc("evm_mine");
    const refusals: string[] = [];
    const picky = createPublicClient({
      chain: hardhatLocal,
      transport: custom(
        {
          request: async ({ method, params }: { method: string; params?: unknown }) => {
            if (method === "eth_getLogs") {
              const [{ fromBlock, toBlock }] = params as [{ fromBlock: Hex; toBlock: Hex }];
              if (BigInt(toBlock) - BigInt(fromBlock) > 0n) {
                refusals.push(`${BigInt(fromBlock)}-${BigInt(toBlock)}`);
                throw new Error("query returned more than 10000 results");
              }
            }
            return node.rpc(method, (params as unknown[]) ?? []);
          },
        },
        { retryCount: 0 },
      ),
    });
    const { source, queue, close } = await bare(
      [{ name: "E", address: emitter.address, fromBlock: emitter.blockNumber }],
      ["E:Pinged"],
      {
        client: picky as PublicClient,
      },
    );
    try {
      await drain(source);
      expect(refusals.length).toBeGreaterThan(0);
      expect((await queue.getWaiting()).map((j) => j.id)).toContain(p.ids[0]);
      expect(await queue.getWaitingCount()).toBe(2);
    } finally {
      await close();
    }
  });

  it("stops with ReorgTooDeepError when the fork point is older than the kept window", async () => {
    const emitter = await deployEmitter();
    await pingMany(emitter.address, 1, 1);
    const snapshot = await node.rpc<string>("evm_snapshot");
    for (let i = 0; i < 6; i++) await pingMany(emitter.address, 10 + i, 1);
    const { source, close } = await bare(
      [{ name: "E", address: emitter.address, fromBlock: emitter.blockNumber }],
      ["E:Pinged"],
      {
        reorgWindow: 2,
        maxBlockRange: 1,
      },
    );
    try {
      await drain(source);
      expect(await node.rpc("evm_revert", [snapshot])).toBe(true);
      for (let i = 0; i < 8; i++) await pingMany(emitter.address, 100 + i, 1, other);
      await expect(source.pollOnce()).rejects.toBeInstanceOf(ReorgTooDeepError);
    } finally {
      await close();
    }
  });
});
