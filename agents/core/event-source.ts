/**
 * The event source: turns contract logs into BullMQ jobs, exactly once per log, across restarts and reorgs.
 *
 * - Polls `eth_getLogs` over block ranges (chunked by `maxBlockRange`, halved on RPC errors) that lie at least
 *   `confirmations` blocks below the head.
 * - Persists a cursor in Redis per (agent, chainId, contract addresses): the last processed block, its hash,
 *   and a window of recent block hashes. The cursor only advances after the range's jobs are enqueued.
 * - On every poll it checks the cursor's block hash against the chain. On a mismatch it walks back through the
 *   window to the newest block whose hash still matches (the common ancestor), removes the jobs of logs that
 *   are no longer canonical (waiting ones never run), and resumes from the ancestor, so only replaced logs are
 *   handled again.
 * - Job ids are `${chainId}-${address}-${txHash}-${logIndex}`: BullMQ ignores an add whose id exists, and the
 *   event processor keeps a Redis hash of handled ids → block hash, so replays after a restart never re-run a
 *   handled event while a log re-mined in another block (new block hash) is handled again.
 */
import {
  decodeEventLog,
  toEventSelector,
  type Abi,
  type AbiEvent,
  type Address,
  type ContractEventName,
  type GetEventArgs,
  type Hex,
  type PublicClient,
} from "viem";
import type { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { HandlerError, NonRetryableError, RegistrationError, ReorgTooDeepError } from "./errors.js";
import type { AgentMetrics } from "./metrics.js";

const silent = (): Logger => pino({ level: "silent" });

/** A contract watched by an event source. */
export interface WatchedContract {
  /** Name used in handler keys (`Name:EventName`). */
  name: string;
  address: Address;
  abi: Abi;
  /** First block to scan for this contract (default: the source's `startBlock`). */
  fromBlock?: bigint;
}

/** The data of one event job (JSON-safe: numbers as decimal strings). */
export interface EventJobData {
  chainId: number;
  contract: string;
  address: Address;
  eventName: string;
  topics: Hex[];
  data: Hex;
  blockNumber: string;
  blockHash: Hex;
  txHash: Hex;
  logIndex: number;
}

/** A decoded event as handlers see it. */
export interface DecodedEvent<TArgs = Readonly<Record<string, unknown>>> {
  /** The job id, `${chainId}-${address}-${txHash}-${logIndex}`; a natural idempotency key. */
  id: string;
  chainId: number;
  contract: string;
  address: Address;
  eventName: string;
  args: TArgs;
  blockNumber: bigint;
  blockHash: Hex;
  txHash: Hex;
  logIndex: number;
}

/** What a handler gets besides the event. */
export interface HandlerContext {
  logger: Logger;
  /** 1 on the first attempt. */
  attempt: number;
  job: Job<EventJobData>;
}

export type EventHandler = (event: DecodedEvent, ctx: HandlerContext) => Promise<void>;

/** Handlers by `Contract:Event` key. */
export type EventHandlers = Record<string, EventHandler>;

/**
 * A handler with args typed from an ABI: `typedHandler(FlowAbi, "Submit", async (e) => e.args.sender)`.
 */
export function typedHandler<const TAbi extends Abi, TName extends ContractEventName<TAbi>>(
  _abi: TAbi,
  _eventName: TName,
  fn: (event: DecodedEvent<EventArgs<TAbi, TName>>, ctx: HandlerContext) => Promise<void>,
): EventHandler {
  return fn as unknown as EventHandler;
}

/** Decoded args of event `TName` in `TAbi`, keyed by parameter name (uint → bigint, address → 0x string, ...). */
export type EventArgs<TAbi extends Abi, TName extends string> = GetEventArgs<
  TAbi,
  TName,
  { EnableUnion: false; IndexedOnly: false; Required: true }
>;

/** The event job id; BullMQ refuses `:` in custom ids, so parts are joined with `-`. */
export function eventJobId(chainId: number, address: string, txHash: string, logIndex: number): string {
  return `${chainId}-${address.toLowerCase()}-${txHash.toLowerCase()}-${logIndex}`;
}

/** Redis keys shared by the event source and the event processor of one agent on one chain. */
export function eventKeys(agent: string, chainId: number, addresses: readonly string[]) {
  const base = `zg:${agent}:${chainId}`;
  const addrs = [...addresses]
    .map((a) => a.toLowerCase())
    .sort()
    .join(",");
  return {
    cursor: `${base}:cursor:${addrs}`,
    logs: `${base}:logs:${addrs}`,
    handled: `${base}:handled`,
    handledIndex: `${base}:handled-index`,
  };
}

/** The persisted cursor. */
export interface Cursor {
  /** Last processed block. */
  block: bigint;
  /** Its hash, or undefined before the first range (start block minus one). */
  hash: Hex | undefined;
  /** Recently processed blocks (range ends and blocks with logs), newest first. */
  recent: Array<[bigint, Hex]>;
}

/** A log removed by a reorg. */
export interface RemovedLog {
  id: string;
  blockNumber: bigint;
  blockHash: Hex;
  /** The job's state when removed: `completed` means its handler had already run. */
  state: string;
}

/** Reported after a rewind. */
export interface ReorgInfo {
  /** Cursor block before the rewind. */
  from: bigint;
  /** Common ancestor the cursor was rewound to. */
  ancestor: bigint;
  removed: RemovedLog[];
}

/** Outcome of one poll. */
export type PollResult =
  | { kind: "idle"; head: bigint; cursor: bigint }
  | { kind: "processed"; from: bigint; to: bigint; enqueued: number }
  | { kind: "reorg"; info: ReorgInfo }
  | { kind: "retry"; reason: string };

/** Options of {@link createEventSource}. */
export interface CreateEventSourceOptions {
  agent: string;
  chainId: number;
  client: PublicClient;
  redis: Redis;
  queue: Queue<EventJobData>;
  contracts: readonly WatchedContract[];
  /** Keys `Contract:Event` to enqueue; other logs are ignored. */
  events: readonly string[];
  confirmations?: number;
  maxBlockRange?: number;
  pollIntervalMs?: number;
  /** Blocks of hashes kept for reorg detection (default 256). */
  reorgWindow?: number;
  /** Blocks for which handled ids are remembered (default 1,000,000). */
  handledRetentionBlocks?: number;
  /** First block when there is no cursor (default 0). */
  startBlock?: bigint;
  logger?: Logger;
  metrics?: AgentMetrics;
  onReorg?: (info: ReorgInfo) => void | Promise<void>;
  /** Called when a poll throws (the loop keeps going, except after {@link ReorgTooDeepError}). */
  onError?: (err: unknown) => void;
}

/** A running (or stopped) event source. */
export interface EventSource {
  /** Starts the polling loop. */
  start(): void;
  /** Stops the loop and waits for the current poll to finish. */
  stop(): Promise<void>;
  /** Runs one poll step (also what the loop calls). */
  pollOnce(): Promise<PollResult>;
  /** Reads the persisted cursor. */
  getCursor(): Promise<Cursor | undefined>;
  readonly keys: ReturnType<typeof eventKeys>;
  readonly name: string;
}

interface RawLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: Hex;
  removed?: boolean;
}

function serialiseCursor(c: Cursor): string {
  return JSON.stringify({
    block: c.block.toString(),
    hash: c.hash ?? null,
    recent: c.recent.map(([n, h]) => [n.toString(), h]),
  });
}

function parseCursor(text: string | null): Cursor | undefined {
  if (!text) return undefined;
  const j = JSON.parse(text) as { block: string; hash: Hex | null; recent: Array<[string, Hex]> };
  return { block: BigInt(j.block), hash: j.hash ?? undefined, recent: j.recent.map(([n, h]) => [BigInt(n), h]) };
}

const hex = (n: bigint): Hex => `0x${n.toString(16)}`;

/** Resolves `Contract:Event` keys to (address, topic0) pairs. @throws {RegistrationError} */
export function resolveEvents(
  contracts: readonly WatchedContract[],
  events: readonly string[],
): Map<string, { contract: WatchedContract; event: AbiEvent }> {
  const byKey = new Map<string, { contract: WatchedContract; event: AbiEvent }>();
  const names = new Set<string>();
  for (const c of contracts) {
    if (names.has(c.name)) throw new RegistrationError(`contract name "${c.name}" used twice`, { name: c.name });
    names.add(c.name);
  }
  for (const key of events) {
    const [cname, ename, ...rest] = key.split(":");
    if (!cname || !ename || rest.length) {
      throw new RegistrationError(`handler key "${key}" is not "Contract:Event"`, { key });
    }
    const contract = contracts.find((c) => c.name === cname);
    if (!contract) throw new RegistrationError(`handler "${key}": unknown contract "${cname}"`, { key });
    const matches = contract.abi.filter((i): i is AbiEvent => i.type === "event" && i.name === ename);
    if (matches.length !== 1) {
      throw new RegistrationError(`handler "${key}": ${matches.length} events named "${ename}" in the ABI`, { key });
    }
    byKey.set(`${contract.address.toLowerCase()}:${toEventSelector(matches[0] as AbiEvent)}`, {
      contract,
      event: matches[0] as AbiEvent,
    });
  }
  return byKey;
}

/** Creates an event source. Nothing happens until `start()` or `pollOnce()`. */
export function createEventSource(options: CreateEventSourceOptions): EventSource {
  const {
    agent,
    chainId,
    client,
    redis,
    queue,
    contracts,
    confirmations = 3,
    maxBlockRange = 1000,
    pollIntervalMs = 2000,
    reorgWindow = 256,
    handledRetentionBlocks = 1_000_000,
    startBlock = 0n,
    logger,
    metrics,
  } = options;
  if (!contracts.length) throw new RegistrationError("an event source needs at least one contract");
  const wanted = resolveEvents(contracts, options.events);
  const addresses = contracts.map((c) => c.address.toLowerCase() as Address);
  const topic0s = [...new Set([...wanted.keys()].map((k) => k.split(":")[1] as Hex))];
  const keys = eventKeys(agent, chainId, addresses);
  const name = `${agent}@${chainId}`;
  const minStart = contracts.reduce((m, c) => {
    const f = c.fromBlock ?? startBlock;
    return f < m ? f : m;
  }, contracts[0]?.fromBlock ?? startBlock);

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<unknown> | undefined;

  const blockHash = async (n: bigint): Promise<Hex | undefined> => {
    const b = await client.request({ method: "eth_getBlockByNumber", params: [hex(n), false] });
    return (b?.hash as Hex | undefined) ?? undefined;
  };

  const fetchLogs = async (from: bigint, to: bigint): Promise<RawLog[]> => {
    if (!topic0s.length) return [];
    try {
      const logs = (await client.request({
        method: "eth_getLogs",
        params: [{ address: addresses, topics: [topic0s], fromBlock: hex(from), toBlock: hex(to) }],
      })) as unknown as RawLog[];
      return logs;
    } catch (err) {
      if (to <= from) throw err;
      const mid = from + (to - from) / 2n;
      logger?.warn({ err, from_block: from, to_block: to }, "getLogs failed, halving the range");
      return [...(await fetchLogs(from, mid)), ...(await fetchLogs(mid + 1n, to))];
    }
  };

  const loadCursor = async (): Promise<Cursor | undefined> => parseCursor(await redis.get(keys.cursor));

  /** Removes the jobs of stale logs; returns undefined if one is running (retry on a later poll). */
  const removeJobs = async (stale: Array<{ id: string; blockNumber: bigint; blockHash: Hex; member: string }>) => {
    const removed: RemovedLog[] = [];
    for (const s of stale) {
      const job = await queue.getJob(s.id);
      let state = "missing";
      if (job && job.data.blockHash === s.blockHash) {
        state = await job.getState();
        if (state === "active") {
          logger?.warn({ job_id: s.id }, "a job of a reorged log is running; rewind postponed");
          return undefined;
        }
        try {
          await job.remove();
        } catch (err) {
          // It was picked up by a worker between the state check and the removal.
          logger?.warn({ err, job_id: s.id }, "a job of a reorged log could not be removed; rewind postponed");
          return undefined;
        }
      }
      removed.push({ id: s.id, blockNumber: s.blockNumber, blockHash: s.blockHash, state });
    }
    if (stale.length) await redis.zrem(keys.logs, ...stale.map((s) => s.member));
    return removed;
  };

  const parseMember = (member: string, score: string) => {
    const [id, bh] = member.split("|") as [string, Hex];
    return { id, blockHash: bh, blockNumber: BigInt(score), member };
  };

  const rewind = async (cursor: Cursor, head: bigint): Promise<PollResult> => {
    metrics?.reorgs.inc({ source: name });
    let ancestor: [bigint, Hex] | undefined;
    for (const [n, h] of cursor.recent) {
      if (n > head) continue;
      if ((await blockHash(n)) === h) {
        ancestor = [n, h];
        break;
      }
    }
    if (!ancestor) {
      const oldest = cursor.recent[cursor.recent.length - 1]?.[0] ?? cursor.block;
      if (oldest > minStart) throw new ReorgTooDeepError(cursor.block, oldest);
      ancestor = [minStart - 1n, "0x" as Hex];
    }
    const [a] = ancestor;
    const raw = await redis.zrangebyscore(keys.logs, (a + 1n).toString(), "+inf", "WITHSCORES");
    const entries = [];
    for (let i = 0; i < raw.length; i += 2) entries.push(parseMember(raw[i] as string, raw[i + 1] as string));
    const canonical = new Map<bigint, Hex | undefined>();
    for (const e of entries) {
      if (!canonical.has(e.blockNumber)) {
        canonical.set(e.blockNumber, e.blockNumber > head ? undefined : await blockHash(e.blockNumber));
      }
    }
    const stale = entries.filter((e) => canonical.get(e.blockNumber) !== e.blockHash);
    const removed = await removeJobs(stale);
    if (!removed) return { kind: "retry", reason: "a job of a reorged log is active" };
    const next: Cursor = {
      block: a,
      hash: ancestor[1] === "0x" ? undefined : ancestor[1],
      recent: cursor.recent.filter(([n]) => n <= a),
    };
    await redis.set(keys.cursor, serialiseCursor(next));
    metrics?.cursorBlock.set({ source: name }, Number(a));
    const info: ReorgInfo = { from: cursor.block, ancestor: a, removed };
    logger?.warn(
      { from_block: cursor.block, ancestor: a, reorg_depth: Number(cursor.block - a), removed: removed.length },
      "reorg detected, cursor rewound",
    );
    await options.onReorg?.(info);
    return { kind: "reorg", info };
  };

  const pollOnce = async (): Promise<PollResult> => {
    const cursor = (await loadCursor()) ?? { block: minStart - 1n, hash: undefined, recent: [] };
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (cursor.hash !== undefined) {
      const onChain = cursor.block > head ? undefined : await blockHash(cursor.block);
      if (onChain !== cursor.hash) return rewind(cursor, head);
    }
    const safe = head - BigInt(confirmations);
    if (safe <= cursor.block) return { kind: "idle", head, cursor: cursor.block };
    const from = cursor.block + 1n;
    const to = safe < from + BigInt(maxBlockRange) - 1n ? safe : from + BigInt(maxBlockRange) - 1n;

    const toHash = await blockHash(to);
    const logs = await fetchLogs(from, to);
    const toHashAfter = await blockHash(to);
    if (!toHash || toHash !== toHashAfter) return { kind: "retry", reason: `block ${to} changed during the poll` };
    if (logs.some((l) => BigInt(l.blockNumber) === to && l.blockHash !== toHash)) {
      return { kind: "retry", reason: `logs of block ${to} from another branch` };
    }

    const jobs: Array<{ name: string; data: EventJobData; opts: { jobId: string } }> = [];
    const members: Array<[string, string]> = [];
    for (const l of logs) {
      if (l.removed) continue;
      const blockNumber = BigInt(l.blockNumber);
      const hit = wanted.get(`${l.address.toLowerCase()}:${l.topics[0]}`);
      if (!hit) continue;
      if (blockNumber < (hit.contract.fromBlock ?? startBlock)) continue;
      const logIndex = Number(BigInt(l.logIndex));
      const id = eventJobId(chainId, l.address, l.transactionHash, logIndex);
      const data: EventJobData = {
        chainId,
        contract: hit.contract.name,
        address: hit.contract.address,
        eventName: hit.event.name,
        topics: l.topics,
        data: l.data,
        blockNumber: blockNumber.toString(),
        blockHash: l.blockHash,
        txHash: l.transactionHash,
        logIndex,
      };
      jobs.push({ name: `${hit.contract.name}:${hit.event.name}`, data, opts: { jobId: id } });
      members.push([blockNumber.toString(), `${id}|${l.blockHash}`]);
    }

    // Logs recorded earlier for this range that the chain no longer has (e.g. a crash during a rewind).
    const raw = await redis.zrangebyscore(keys.logs, from.toString(), to.toString(), "WITHSCORES");
    const fresh = new Set(members.map(([, m]) => m));
    const stale = [];
    for (let i = 0; i < raw.length; i += 2) {
      const e = parseMember(raw[i] as string, raw[i + 1] as string);
      if (!fresh.has(e.member)) stale.push(e);
    }
    if (stale.length && !(await removeJobs(stale))) return { kind: "retry", reason: "a stale job is active" };

    if (members.length) await redis.zadd(keys.logs, ...members.flat());
    if (jobs.length) await queue.addBulk(jobs);

    const recent = new Map<bigint, Hex>(cursor.recent);
    recent.set(to, toHash);
    for (const l of logs) recent.set(BigInt(l.blockNumber), l.blockHash);
    const floor = to - BigInt(reorgWindow);
    const next: Cursor = {
      block: to,
      hash: toHash,
      recent: [...recent.entries()].filter(([n]) => n > floor).sort((x, y) => (x[0] > y[0] ? -1 : 1)),
    };
    await redis.set(keys.cursor, serialiseCursor(next));
    await redis.zremrangebyscore(keys.logs, "-inf", `(${floor.toString()}`);
    const handledFloor = to - BigInt(handledRetentionBlocks);
    if (handledFloor > 0n) {
      const old = await redis.zrangebyscore(keys.handledIndex, "-inf", `(${handledFloor.toString()}`);
      if (old.length) {
        await redis
          .multi()
          .hdel(keys.handled, ...old)
          .zrem(keys.handledIndex, ...old)
          .exec();
      }
    }
    metrics?.cursorBlock.set({ source: name }, Number(to));
    if (jobs.length) logger?.debug({ from_block: from, to_block: to, jobs: jobs.length }, "logs enqueued");
    return { kind: "processed", from, to, enqueued: jobs.length };
  };

  const loop = async () => {
    if (!running) return;
    let again = false;
    try {
      const r = await (inFlight = pollOnce());
      // Catch up without waiting while whole ranges are being processed.
      again = r.kind === "processed" || r.kind === "reorg";
    } catch (err) {
      logger?.error({ err }, "event source poll failed");
      options.onError?.(err);
      if (err instanceof ReorgTooDeepError) {
        running = false;
        return;
      }
    } finally {
      inFlight = undefined;
    }
    if (running) timer = setTimeout(() => void loop(), again ? 0 : pollIntervalMs);
  };

  return {
    keys,
    name,
    start() {
      if (running) return;
      running = true;
      timer = setTimeout(() => void loop(), 0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      try {
        await inFlight;
      } catch {
        /* reported by the loop */
      }
    },
    pollOnce,
    getCursor: loadCursor,
  };
}

/** Options of {@link createEventProcessor}. */
export interface CreateEventProcessorOptions {
  agent: string;
  chainId: number;
  redis: Redis;
  contracts: readonly WatchedContract[];
  handlers: EventHandlers;
  logger?: Logger;
  metrics?: AgentMetrics;
}

/**
 * The BullMQ processor of event jobs: skips an event already handled in the same block (a replay), decodes
 * the log with the contract ABI, runs the handler, then records the event as handled.
 */
export function createEventProcessor(
  options: CreateEventProcessorOptions,
): (job: Job<EventJobData>) => Promise<string> {
  const { redis, handlers, logger, metrics } = options;
  const resolved = resolveEvents(options.contracts, Object.keys(handlers));
  const keys = eventKeys(options.agent, options.chainId, []);
  return async (job) => {
    const d = job.data;
    const id = job.id ?? eventJobId(d.chainId, d.address, d.txHash, d.logIndex);
    const key = `${d.contract}:${d.eventName}`;
    if ((await redis.hget(keys.handled, id)) === d.blockHash) {
      metrics?.eventsSkipped.inc({ event: key });
      logger?.debug({ job_id: id }, "event already handled, skipped");
      return "skipped";
    }
    const hit = resolved.get(`${d.address.toLowerCase()}:${d.topics[0]}`);
    const handler = handlers[key];
    if (!hit || !handler) throw new NonRetryableError(`no handler for ${key}`, { key });
    const decoded = decodeEventLog({
      abi: [hit.event],
      topics: d.topics as [Hex, ...Hex[]],
      data: d.data,
      strict: true,
    });
    const event: DecodedEvent = {
      id,
      chainId: d.chainId,
      contract: d.contract,
      address: d.address,
      eventName: d.eventName,
      args: (decoded.args ?? {}) as Readonly<Record<string, unknown>>,
      blockNumber: BigInt(d.blockNumber),
      blockHash: d.blockHash,
      txHash: d.txHash,
      logIndex: d.logIndex,
    };
    const log = logger?.child({ job_id: id, event: key, block_number: d.blockNumber });
    const stop = metrics?.handlerDuration.startTimer({ event: key });
    try {
      await handler(event, { logger: log ?? silent(), attempt: job.attemptsMade + 1, job });
    } catch (err) {
      if (err instanceof NonRetryableError) throw err;
      throw new HandlerError(id, key, err);
    } finally {
      stop?.();
    }
    await redis.multi().hset(keys.handled, id, d.blockHash).zadd(keys.handledIndex, d.blockNumber, id).exec();
    metrics?.eventsHandled.inc({ event: key });
    return "handled";
  };
}
