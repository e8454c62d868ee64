/**
 * The composed agent against a real `hardhat node` and Redis: retries with exponential backoff, the failed set
 * on /status over real HTTP, /healthz and /metrics, mounted routes, periodic jobs, start-up validation.
 */
import { randomUUID } from "node:crypto";
import { createPublicClient, createWalletClient, http, toHex, type Address, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, type Agent, type AgentStatus } from "./agent.js";
import { hardhatLocal } from "./chain.js";
import { baseConfigSchema, type BaseConfig } from "./config.js";
import { ChainMismatchError, NonRetryableError, RegistrationError } from "./errors.js";
import { silentLogger } from "./logger.js";
import {
  HARDHAT_KEYS,
  deployArtifact,
  eventEmitterFixtureAbi,
  getFreePort,
  startHardhatNode,
  startRedis,
  waitFor,
  type TestHardhatNode,
  type TestRedis,
} from "./testing/index.js";

let node: TestHardhatNode;
let redisServer: TestRedis;
let publicClient: PublicClient;
let emitter: { address: Address; blockNumber: bigint };
const account = privateKeyToAccount(HARDHAT_KEYS[0]!);
const agents: Agent[] = [];

beforeAll(async () => {
  [node, redisServer] = await Promise.all([startHardhatNode(), startRedis()]);
  publicClient = createPublicClient({ chain: hardhatLocal, transport: http(node.rpcUrl), pollingInterval: 50 });
  const walletClient = createWalletClient({ chain: hardhatLocal, transport: http(node.rpcUrl), account });
  emitter = await deployArtifact({ walletClient, publicClient, name: "EventEmitterFixture" });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop({ drain: false })));
  await Promise.all([node?.stop(), redisServer?.stop()]);
});

function config(overrides: Record<string, unknown> = {}): BaseConfig {
  return baseConfigSchema.parse({
    rpcUrl: node.rpcUrl,
    chainId: 31337,
    redisUrl: redisServer.url,
    confirmations: 0,
    pollIntervalMs: 100,
    logLevel: "silent",
    ...overrides,
  });
}

async function ping(id: number): Promise<bigint> {
  const walletClient = createWalletClient({ chain: hardhatLocal, transport: http(node.rpcUrl), account });
  const hash = await walletClient.writeContract({
    address: emitter.address,
    abi: eventEmitterFixtureAbi,
    functionName: "ping",
    args: [BigInt(id), toHex(id, { size: 32 })],
  });
  return (await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })).blockNumber;
}

const getJson = async <T>(url: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
};

describe("agent", () => {
  it("retries a failing handler with exponential backoff and shows its last failure on /status", async () => {
    const name = `fail-${randomUUID().slice(0, 8)}`;
    const attemptsAt: number[] = [];
    const handled: bigint[] = [];
    let broken = true;
    const agent = createAgent({
      name,
      config: config(),
      logger: silentLogger(),
      contracts: [{ name: "Emitter", address: emitter.address, abi: eventEmitterFixtureAbi }],
      events: { startBlock: emitter.blockNumber, attempts: 3, backoffMs: 100 },
      handlers: {
        "Emitter:Pinged": async (event) => {
          if (event.args.id === 666n && broken) {
            attemptsAt.push(Date.now());
            throw new Error(`cannot handle ping ${String(event.args.id)}`);
          }
          handled.push(event.args.id as bigint);
        },
      },
      status: () => ({ role: "test", handled: handled.length }),
      routes: (server, self) => {
        server.route("GET", "/role/name/:suffix", ({ params }) => ({ body: { name: `${self.name}${params.suffix}` } }));
      },
    });
    agents.push(agent);
    await agent.start();
    const url = agent.url!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await ping(1);
    await ping(666);
    await ping(2);

    type S = AgentStatus & {
      queues: Array<{
        name: string;
        counts: Record<string, number>;
        failed: Array<{ failedReason: string; attemptsMade: number; id: string }>;
      }>;
    };
    await waitFor(async () => (await getJson<S>(`${url}/status`)).body.queues[0]?.counts.failed === 1, {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: "the failed job on /status",
    });
    const { status, body } = await getJson<S>(`${url}/status`);
    expect(status).toBe(200);
    expect(body.agent).toBe(name);
    expect(body.running).toBe(true);
    expect(body.role).toEqual({ role: "test", handled: 2 });
    const events = body.queues.find((q) => q.name === `${name}-events`)!;
    expect(events.counts.completed).toBe(2);
    expect(events.failed).toHaveLength(1);
    expect(events.failed[0]!.failedReason).toContain("cannot handle ping 666");
    expect(events.failed[0]!.attemptsMade).toBe(3);
    expect(BigInt(body.cursor!.block)).toBeGreaterThanOrEqual(emitter.blockNumber);

    // Three attempts, spaced by the exponential backoff (100 ms, then 200 ms).
    expect(attemptsAt).toHaveLength(3);
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(95);
    expect(attemptsAt[2]! - attemptsAt[1]!).toBeGreaterThanOrEqual(195);

    const health = await getJson<{ ok: boolean }>(`${url}/healthz`);
    expect(health).toEqual({ status: 200, body: { ok: true } });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(`zg_events_handled_total{event="Emitter:Pinged",agent="${name}"} 2`);
    expect(metrics).toContain(`zg_jobs_failed_total{queue="${name}-events",final="true",agent="${name}"} 1`);
    expect(metrics).toContain(`zg_jobs_failed_total{queue="${name}-events",final="false",agent="${name}"} 2`);
    expect(metrics).toContain(`zg_queue_jobs{queue="${name}-events",state="failed",agent="${name}"} 1`);
    expect(metrics).toContain(`zg_queue_jobs{queue="${name}-events",state="completed",agent="${name}"} 2`);
    expect(metrics).toMatch(new RegExp(`zg_cursor_block\\{source="${name}@31337",agent="${name}"\\} \\d+`));

    const missing = await getJson<{ error: { code: string } }>(`${url}/no/such/path`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    expect((await getJson(`${url}/role/name/-x`)).body).toEqual({ name: `${name}-x` });

    // Once the cause is fixed, the operator retries the failed set and the event is handled.
    broken = false;
    expect(await agent.retryFailed()).toBe(1);
    await waitFor(async () => handled.includes(666n), { what: "the retried event" });
    expect((await getJson<S>(`${url}/status`)).body.queues[0]?.counts.failed).toBe(0);

    await agent.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("drains on stop: an active handler finishes, and a restarted agent does not run it again", async () => {
    const name = `drain-${randomUUID().slice(0, 8)}`;
    const started: string[] = [];
    const finished: string[] = [];
    const make = () =>
      createAgent({
        name,
        config: config(),
        logger: silentLogger(),
        contracts: [{ name: "Emitter", address: emitter.address, abi: eventEmitterFixtureAbi }],
        events: { startBlock: emitter.blockNumber },
        handlers: {
          "Emitter:Pinged": async (event) => {
            if (event.args.id !== 4242n) return;
            started.push(event.id);
            await new Promise((r) => setTimeout(r, 500));
            finished.push(event.id);
          },
        },
        http: false,
      });
    const first = make();
    agents.push(first);
    await first.start();
    await ping(4242);
    await waitFor(async () => started.length === 1, { what: "the slow handler to start" });
    await first.stop();
    expect(finished).toEqual(started);

    const second = make();
    agents.push(second);
    await second.start();
    await new Promise((r) => setTimeout(r, 600));
    expect(started).toHaveLength(1);
    expect(await second.queue("events").getCompletedCount()).toBeGreaterThanOrEqual(1);
    await second.stop();
  });

  it("keeps working across a Redis restart (with persistence), without handling anything twice", async () => {
    const persistent = await startRedis({ persistent: true });
    const name = `redis-restart-${randomUUID().slice(0, 8)}`;
    const seen: string[] = [];
    const agent = createAgent({
      name,
      config: config({ redisUrl: persistent.url }),
      logger: silentLogger(),
      contracts: [{ name: "Emitter", address: emitter.address, abi: eventEmitterFixtureAbi }],
      events: { startBlock: await ping(500) },
      handlers: {
        "Emitter:Pinged": async (event) => {
          seen.push(event.id);
        },
      },
      http: false,
    });
    agents.push(agent);
    try {
      await agent.start();
      await waitFor(async () => seen.length === 1, { what: "the first event" });
      await persistent.restart();
      await ping(501);
      await ping(502);
      await waitFor(async () => seen.length >= 3, { timeoutMs: 20_000, what: "events after the restart" });
      await new Promise((r) => setTimeout(r, 300));
      expect(new Set(seen).size).toBe(3);
      expect(seen).toHaveLength(3);
      await agent.stop();
    } finally {
      await persistent.stop();
    }
  });

  it("fails a job at once on NonRetryableError", async () => {
    const name = `unrec-${randomUUID().slice(0, 8)}`;
    let calls = 0;
    const agent = createAgent({
      name,
      config: config(),
      logger: silentLogger(),
      contracts: [{ name: "Emitter", address: emitter.address, abi: eventEmitterFixtureAbi }],
      events: { startBlock: await ping(77), attempts: 5, backoffMs: 50 },
      handlers: {
        "Emitter:Pinged": async () => {
          calls++;
          throw new NonRetryableError("bad input");
        },
      },
      http: false,
    });
    agents.push(agent);
    await agent.start();
    await waitFor(async () => (await agent.queue("events").getFailedCount()) === 1, { what: "failed job" });
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(1);
    await agent.stop();
  });

  it("runs periodic jobs from a job scheduler", async () => {
    const name = `tick-${randomUUID().slice(0, 8)}`;
    const ticks: number[] = [];
    const agent = createAgent({
      name,
      config: config(),
      logger: silentLogger(),
      jobs: {
        tick: {
          schedule: { everyMs: 150 },
          data: { epoch: 1 },
          processor: async (job) => {
            ticks.push((job.data as { epoch: number }).epoch);
          },
        },
      },
      http: false,
    });
    agents.push(agent);
    await agent.start();
    await waitFor(async () => ticks.length >= 3, { timeoutMs: 5000, what: "three ticks" });
    expect(ticks.every((t) => t === 1)).toBe(true);
    await agent.enqueue("tick", { epoch: 9 });
    await waitFor(async () => ticks.includes(9), { what: "the enqueued tick" });
    await agent.stop();
  });

  it("validates registrations when created and the chain id when started", async () => {
    const base = { config: config(), logger: silentLogger(), http: false } as const;
    const contracts = [{ name: "Emitter", address: emitter.address, abi: eventEmitterFixtureAbi }];
    const handlers = { "Emitter:Nope": async () => undefined };
    expect(() => createAgent({ ...base, name: "bad name" })).toThrow(RegistrationError);
    expect(() => createAgent({ ...base, name: "ok", jobs: { events: { processor: async () => 1 } } })).toThrow(
      /reserved/,
    );
    expect(() => createAgent({ ...base, name: "u", contracts, handlers })).toThrow(/Emitter:Nope/);
    expect(() => createAgent({ ...base, name: "u", contracts, handlers: { Pinged: async () => undefined } })).toThrow(
      /not "Contract:Event"/,
    );
    expect(() =>
      createAgent({ ...base, name: "u", contracts, handlers: { "Other:Pinged": async () => undefined } }),
    ).toThrow(/unknown contract "Other"/);
    const noRedis = createAgent({
      ...base,
      name: "no-redis",
      startTimeoutMs: 500,
      config: config({ redisUrl: `redis://:secret@127.0.0.1:${await getFreePort()}` }),
    });
    const started = Date.now();
    const err = await noRedis.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^Redis at redis:\/\/\[redacted\]@127\.0\.0\.1:\d+ did not answer within 500 ms$/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const wrongChain = createAgent({ ...base, name: "wrong", config: config({ chainId: 16602 }) });
    await expect(wrongChain.start()).rejects.toThrow(ChainMismatchError);
    await expect(wrongChain.start()).rejects.toThrow("RPC serves chain 31337, configuration expects 16602");
  });
});
