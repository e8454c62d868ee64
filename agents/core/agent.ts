/**
 * The agent lifecycle: composes config, logger, viem clients, Redis, the event source, BullMQ workers, the tx
 * sender and the HTTP server into one object with `start()` and `stop()`.
 *
 * An agent is handlers plus configuration:
 * ```ts
 * const agent = createAgent({
 *   name: "storage-node",
 *   config,
 *   contracts: [{ name: "Flow", address, abi: FlowAbi }],
 *   handlers: { "Flow:Submit": async (event, ctx) => { ... } },
 *   jobs: { tick: { schedule: { everyMs: 5000 }, processor: async () => { ... } } },
 *   status: async () => ({ synced: true }),
 * });
 * await agent.start();
 * handleSignals(agent);
 * ```
 */
import type { Job, JobsOptions, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { BaseConfig } from "./config.js";
import { assertChainId, createClients, type ChainClients } from "./chain.js";
import {
  createEventProcessor,
  createEventSource,
  resolveEvents,
  type EventHandlers,
  type EventJobData,
  type EventSource,
  type ReorgInfo,
  type WatchedContract,
} from "./event-source.js";
import { createHttpServer, type AgentHttpServer } from "./http.js";
import { componentLogger, createLogger } from "./logger.js";
import { createMetrics, type AgentMetrics } from "./metrics.js";
import {
  closeAll,
  createQueue,
  createRedisConnection,
  createWorker,
  getQueueStatus,
  scheduleRepeatable,
  type QueueStatus,
} from "./queue.js";
import { createTxSender, type CreateTxSenderOptions, type TxSender } from "./tx-sender.js";
import { AgentError, RegistrationError, ReorgTooDeepError } from "./errors.js";

/** Context handed to job processors. */
export interface JobContext {
  logger: Logger;
  agent: Agent;
  attempt: number;
}

/** A kind of job the agent processes (periodic or enqueued by handlers). */
export interface JobDefinition<T = unknown> {
  /** Method syntax on purpose: a `JobDefinition<Foo>` is accepted where `JobDefinition<unknown>` is expected. */
  processor(job: Job<T>, ctx: JobContext): Promise<unknown>;
  concurrency?: number;
  attempts?: number;
  /** First backoff delay, ms (exponential). */
  backoffMs?: number;
  /** Periodic work: a job scheduler adds a job on this schedule. */
  schedule?: { everyMs: number } | { pattern: string };
  /** Data of scheduled jobs. */
  data?: T;
  limiter?: { max: number; durationMs: number };
}

/** Tuning of the event pipeline. */
export interface EventPipelineOptions {
  /** Handler attempts per event (default 5). */
  attempts?: number;
  /** First retry delay, ms (default 1000, exponential). */
  backoffMs?: number;
  concurrency?: number;
  /** Worker lock duration; a crashed worker's active job is retried after it (default 30000). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Block hashes kept for reorg detection (default 256 blocks). */
  reorgWindow?: number;
  handledRetentionBlocks?: number;
  /** First block when no cursor exists (default 0). */
  startBlock?: bigint;
  /** Completed event jobs kept in Redis (default 100000). */
  keepCompleted?: number;
}

/** Options of {@link createAgent}. */
export interface CreateAgentOptions<C extends BaseConfig = BaseConfig> {
  /** Agent name: used in queue names, Redis keys and logs (letters, digits, `-`, `_`). */
  name: string;
  config: C;
  contracts?: readonly WatchedContract[];
  handlers?: EventHandlers;
  jobs?: Record<string, JobDefinition<unknown>>;
  /** Role-specific part of `/status`. */
  status?: (agent: Agent) => Promise<unknown> | unknown;
  /** Mount extra HTTP routes. */
  routes?: (server: AgentHttpServer, agent: Agent) => void;
  logger?: Logger;
  events?: EventPipelineOptions;
  txSender?: Omit<CreateTxSenderOptions, "publicClient" | "account" | "logger" | "metrics">;
  onReorg?: (info: ReorgInfo, agent: Agent) => void | Promise<void>;
  /** Run the event source in this process (default true). Turn off in extra worker-only processes. */
  runEventSource?: boolean;
  /** Run workers in this process (default true). */
  runWorkers?: boolean;
  /** Start the HTTP server (default true). */
  http?: boolean;
  /** How long `start()` waits for Redis to answer, ms (default 10000). */
  startTimeoutMs?: number;
}

/** The `/status` document. */
export interface AgentStatus {
  agent: string;
  chainId: number;
  running: boolean;
  uptimeSeconds: number;
  account?: string;
  cursor?: { block: string; hash: string | undefined };
  /** Set when the event source stopped on an error it cannot recover from. */
  fatalError?: string;
  queues: QueueStatus[];
  role?: unknown;
}

/** A composed agent. */
export interface Agent {
  readonly name: string;
  readonly config: BaseConfig;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  readonly clients: ChainClients;
  /** Present when the config has a private key. */
  readonly txSender: TxSender | undefined;
  /** The shared Redis connection (after `start()`). */
  readonly redis: Redis;
  /** Base URL of the HTTP server (after `start()`). */
  readonly url: string | undefined;
  readonly eventSource: EventSource | undefined;
  /** Queue of a job kind (`events` for the event queue). */
  queue(kind: string): Queue;
  /** Adds a job of a declared kind. */
  enqueue(kind: string, data: unknown, opts?: JobsOptions): Promise<Job>;
  /** Moves every failed job of a kind (default `events`) back to waiting, with fresh attempts. */
  retryFailed(kind?: string): Promise<number>;
  status(): Promise<AgentStatus>;
  start(): Promise<void>;
  /** Stops everything. `drain: false` abandons active jobs (they are retried after the lock expires). */
  stop(options?: { drain?: boolean }): Promise<void>;
}

const NAME = /^[A-Za-z0-9_-]+$/;

/** Builds an agent; validates registrations at once. @throws {RegistrationError} */
export function createAgent<C extends BaseConfig>(options: CreateAgentOptions<C>): Agent {
  const { name, config } = options;
  if (!NAME.test(name)) throw new RegistrationError(`agent name "${name}" must match ${NAME}`, { name });
  const contracts = options.contracts ?? [];
  const handlers = options.handlers ?? {};
  const jobs = options.jobs ?? {};
  if ("events" in jobs) throw new RegistrationError(`job kind "events" is reserved`, { kind: "events" });
  for (const kind of Object.keys(jobs)) {
    if (!NAME.test(kind)) throw new RegistrationError(`job kind "${kind}" must match ${NAME}`, { kind });
  }
  // Unknown contracts, events missing from an ABI and malformed keys fail here, before anything starts.
  if (Object.keys(handlers).length) resolveEvents(contracts, Object.keys(handlers));
  const ev = options.events ?? {};
  const logger = options.logger ?? createLogger({ name, level: config.logLevel, base: { chain_id: config.chainId } });
  const metrics = createMetrics({ agent: name });
  metrics.setQueueSource(async () =>
    Promise.all(
      [...queues.values()].map(async (q) => ({
        queue: q.name,
        counts: await q.getJobCounts("waiting", "active", "delayed", "completed", "failed"),
      })),
    ),
  );
  const clients = createClients({
    rpcUrl: config.rpcUrl,
    chainId: config.chainId,
    privateKey: config.privateKey as `0x${string}` | undefined,
    pollingIntervalMs: Math.min(config.pollIntervalMs, 1000),
  });
  const txSender =
    clients.account && clients.account.type === "local"
      ? createTxSender({
          publicClient: clients.publicClient,
          account: clients.account,
          logger: componentLogger(logger, "tx-sender"),
          metrics,
          confirmations: Math.max(1, config.confirmations),
          ...options.txSender,
        })
      : undefined;

  let redis: Redis | undefined;
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  let source: EventSource | undefined;
  let server: AgentHttpServer | undefined;
  let running = false;
  let startedAt = 0;
  /** A failure that stopped the event source (a reorg deeper than the window): unhealthy until restarted. */
  let fatal: Error | undefined;
  let stopping: Promise<void> | undefined;
  const queueName = (kind: string) => `${name}-${kind}`;

  const agent: Agent = {
    name,
    config,
    logger,
    metrics,
    clients,
    txSender,
    get redis() {
      if (!redis) throw new Error(`agent ${name} is not started`);
      return redis;
    },
    get url() {
      return server?.url;
    },
    get eventSource() {
      return source;
    },
    queue(kind) {
      const q = queues.get(kind);
      if (!q) throw new RegistrationError(`no queue "${kind}" (started? declared?)`, { kind });
      return q;
    },
    enqueue(kind, data, opts) {
      return agent.queue(kind).add(kind, data, opts);
    },
    async retryFailed(kind = "events") {
      const q = agent.queue(kind);
      const n = await q.getFailedCount();
      if (n) await q.retryJobs({ state: "failed", count: 1000 });
      logger.info({ queue: q.name, jobs: n }, "failed jobs retried");
      return n;
    },
    async status() {
      const cursor = source ? await source.getCursor() : undefined;
      const role = options.status ? await options.status(agent) : undefined;
      return {
        agent: name,
        chainId: config.chainId,
        running,
        uptimeSeconds: running ? Math.round((Date.now() - startedAt) / 1000) : 0,
        account: clients.account?.address,
        cursor: cursor ? { block: cursor.block.toString(), hash: cursor.hash } : undefined,
        fatalError: fatal?.message,
        queues: await Promise.all([...queues.values()].map((q) => getQueueStatus(q, 10))),
        role,
      };
    },
    async start() {
      if (running) return;
      try {
        await startAll();
      } catch (err) {
        await agent.stop({ drain: false });
        throw err;
      }
    },
    stop(opts = {}) {
      stopping ??= (async () => {
        const wasRunning = running;
        running = false;
        await source?.stop();
        await closeAll(workers, [...queues.values()], { force: !(opts.drain ?? true), logger });
        workers.length = 0;
        queues.clear();
        source = undefined;
        await server?.close();
        server = undefined;
        if (redis) {
          // QUIT waits for a connection that may never come; only a ready connection is closed politely.
          if (redis.status === "ready") await redis.quit().catch(() => redis?.disconnect());
          else redis.disconnect();
          redis = undefined;
        }
        if (wasRunning) logger.info({ drained: opts.drain ?? true }, "agent stopped");
      })();
      return stopping;
    },
  };

  async function startAll(): Promise<void> {
    stopping = undefined;
    fatal = undefined;
    startedAt = Date.now();
    await assertChainId(clients.publicClient, config.chainId);
    redis = createRedisConnection(config.redisUrl, { name });
    redis.on("error", (err) => logger.error({ err }, "redis error"));
    await pingWithin(redis, config.redisUrl, options.startTimeoutMs ?? 10_000);
    const qlog = componentLogger(logger, "queue");
    const onFailed = (queue: string) => (_job: Job<unknown> | undefined, _err: Error, final: boolean) =>
      metrics.jobsFailed.inc({ queue, final: String(final) });

    if (Object.keys(handlers).length) {
      const events = createQueue<EventJobData>(queueName("events"), {
        connection: redis,
        logger: qlog,
        defaultJobOptions: {
          attempts: ev.attempts ?? 5,
          backoff: { type: "exponential", delay: ev.backoffMs ?? 1000 },
          removeOnComplete: { count: ev.keepCompleted ?? 100_000 },
        },
      });
      queues.set("events", events as unknown as Queue);
      if (options.runWorkers ?? true) {
        const processor = createEventProcessor({
          agent: name,
          chainId: config.chainId,
          redis,
          contracts,
          handlers,
          logger: componentLogger(logger, "handler"),
          metrics,
        });
        workers.push(
          createWorker<EventJobData, string>(queueName("events"), processor, {
            connection: redis,
            concurrency: ev.concurrency ?? 1,
            lockDurationMs: ev.lockDurationMs,
            stalledIntervalMs: ev.stalledIntervalMs,
            logger: qlog,
            onFailed: onFailed(queueName("events")),
          }) as unknown as Worker,
        );
      }
      if (options.runEventSource ?? true) {
        source = createEventSource({
          agent: name,
          chainId: config.chainId,
          client: clients.publicClient,
          redis,
          queue: events,
          contracts,
          events: Object.keys(handlers),
          confirmations: config.confirmations,
          maxBlockRange: config.maxBlockRange,
          pollIntervalMs: config.pollIntervalMs,
          reorgWindow: ev.reorgWindow,
          handledRetentionBlocks: ev.handledRetentionBlocks,
          startBlock: ev.startBlock,
          logger: componentLogger(logger, "event-source"),
          metrics,
          onReorg: options.onReorg ? (info) => options.onReorg?.(info, agent) : undefined,
          onError: (err) => {
            if (err instanceof ReorgTooDeepError) fatal = err;
          },
        });
      }
    }

    for (const [kind, def] of Object.entries(jobs)) {
      const q = createQueue(queueName(kind), {
        connection: redis,
        logger: qlog,
        defaultJobOptions: {
          attempts: def.attempts ?? 5,
          backoff: { type: "exponential", delay: def.backoffMs ?? 1000 },
          removeOnComplete: { count: 1000 },
        },
      });
      queues.set(kind, q as Queue);
      if (def.schedule) {
        await scheduleRepeatable(q, `${name}-${kind}-schedule`, def.schedule, { name: kind, data: def.data });
      }
      if (options.runWorkers ?? true) {
        const jlog = componentLogger(logger, `job:${kind}`);
        workers.push(
          createWorker<unknown, unknown>(
            queueName(kind),
            (job) => def.processor(job, { logger: jlog, agent, attempt: job.attemptsMade + 1 }),
            {
              connection: redis,
              concurrency: def.concurrency ?? 1,
              limiter: def.limiter,
              lockDurationMs: ev.lockDurationMs,
              stalledIntervalMs: ev.stalledIntervalMs,
              logger: qlog,
              onFailed: onFailed(queueName(kind)),
            },
          ) as Worker,
        );
      }
    }

    if (options.http ?? true) {
      server = createHttpServer({
        host: config.http.host,
        port: config.http.port,
        logger: componentLogger(logger, "http"),
        registry: metrics.registry,
        status: () => agent.status(),
        health: async () => running && !fatal && (await redis?.ping()) === "PONG",
      });
      options.routes?.(server, agent);
      await server.listen();
    }
    source?.start();
    running = true;
    logger.info({ url: server?.url, queues: [...queues.keys()] }, "agent started");
  }
  return agent;
}

/** Fails start-up fast when Redis is unreachable (commands would otherwise wait for it forever). */
async function pingWithin(redis: Redis, url: string, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AgentError(`Redis at ${redactUrl(url)} did not answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Hides a password in a redis:// URL. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//[redacted]@");
}

/**
 * Stops the agent (draining active jobs) on SIGINT/SIGTERM, then exits with code 0 (1 if stopping failed).
 * @returns a function that removes the listeners.
 */
export function handleSignals(agent: Agent, options: { exit?: boolean } = {}): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    agent.logger.info({ signal }, "signal received, stopping");
    agent
      .stop({ drain: true })
      .then(() => (options.exit ?? true) && process.exit(0))
      .catch((err: unknown) => {
        agent.logger.error({ err }, "stop failed");
        if (options.exit ?? true) process.exit(1);
      });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
