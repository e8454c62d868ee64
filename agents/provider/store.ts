/**
 * Durable broker state in Redis: every billable request (written before the response goes out), the response
 * signatures the SDK fetches, the per-user queue of unsettled requests, the settlement in flight per user, and the
 * settlement nonce counter. Amounts are decimal strings (Redis integers stop at 2^63, about 9.2 0G).
 *
 * Keys (prefix `zgp:<chainId>:<provider>:`):
 * | key | content |
 * |---|---|
 * | `req:<id>` | hash: requestHash, user, fee, inputFee, outputFee, createdAt, state (`unsettled`/`settled`), nonce |
 * | `unsettled:<user>` | sorted set of request ids, score = record time (ms) |
 * | `users` | set of users with unsettled requests or a settlement in flight |
 * | `sig:<chatId>` | JSON `{text, signature?}` of a response (expires after `signatureTtlSeconds`) |
 * | `inflight:<user>` | JSON of the signed settlement item sent (or about to be sent) for this user |
 * | `nonce` | settlement nonce counter (INCR/INCRBY only, so every value handed out is unique) |
 * | `settlements` | list of the last settlement outcomes (JSON), newest first, capped |
 */
import type { Redis } from "ioredis";
import type { Address, Hex } from "viem";
import type { MeteredRequest } from "../protocol/compute/index.js";

export interface StoredRequest extends MeteredRequest {
  id: string;
  createdAt: number;
}

/** The item signed for one user and kept until its outcome is booked. */
export interface InflightSettlement {
  user: Address;
  ids: string[];
  totalFee: string;
  requestsHash: Hex;
  nonce: string;
  signature: Hex;
  /** Block number before the first send: where to look for its events when reconciling. */
  fromBlock: string;
  createdAt: number;
  txHash?: Hex;
}

export interface SettlementOutcome {
  user: Address;
  nonce: string;
  status: string;
  totalFee: string;
  settled: string;
  requests: number;
  txHash?: Hex;
  at: number;
  reconciled?: boolean;
}

/**
 * One round trip per billable request: the request hash, the user's queue, the user set and the response's signed
 * text under every chat id (KEYS[4..]), or nothing if the request id exists. Loaded once (EVALSHA afterwards).
 */
const RECORD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'requestHash', ARGV[1], 'user', ARGV[2], 'fee', ARGV[3], 'inputFee', ARGV[4],
  'outputFee', ARGV[5], 'createdAt', ARGV[6], 'state', 'unsettled')
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[7])
redis.call('SADD', KEYS[3], ARGV[2])
if ARGV[8] ~= '' then
  for i = 4, #KEYS do redis.call('SET', KEYS[i], ARGV[8], 'EX', ARGV[9]) end
end
return 1
`;

type RecordCommand = (numKeys: number, ...args: string[]) => Promise<unknown>;

/** What the Redis server says about its persistence (`CONFIG GET`), if it lets us ask. */
export interface RedisDurability {
  appendonly?: string;
  appendfsync?: string;
  /** True when every write is fsynced to the AOF before Redis replies (`appendonly yes`, `appendfsync always`). */
  strict: boolean;
  /** Set when `CONFIG GET` is refused (managed Redis): the operator must check the setting. */
  unknown?: string;
}

export class BrokerStore {
  readonly prefix: string;
  constructor(
    readonly redis: Redis,
    chainId: number,
    provider: Address,
    readonly signatureTtlSeconds = 7 * 24 * 3600,
  ) {
    this.prefix = `zgp:${chainId}:${provider.toLowerCase()}:`;
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(":");
  }

  /**
   * Records one served request and its response signature atomically. Returns false (and changes nothing) if
   * a request with this id was recorded already: a request id is billed at most once.
   */
  async recordRequest(r: StoredRequest, signature?: { chatIds: string[]; json: string }): Promise<boolean> {
    const user = r.userAddress.toLowerCase();
    const sigKeys = signature?.chatIds.length ? signature.chatIds.map((id) => this.k("sig", id)) : [];
    const keys = [this.k("req", r.id), this.k("unsettled", user), this.k("users"), ...sigKeys];
    const done = await this.recordCommand(
      keys.length,
      ...keys,
      r.requestHash,
      user,
      r.fee,
      r.inputFee,
      r.outputFee,
      String(r.createdAt),
      r.id,
      sigKeys.length ? signature!.json : "",
      String(this.signatureTtlSeconds),
    );
    return Number(done) === 1;
  }

  private get recordCommand(): RecordCommand {
    const r = this.redis as unknown as { zgpRecordRequest?: RecordCommand };
    if (!r.zgpRecordRequest) this.redis.defineCommand("zgpRecordRequest", { lua: RECORD });
    return (r.zgpRecordRequest as RecordCommand).bind(this.redis);
  }

  /**
   * The server's persistence setting. A request is durable when Redis answers only with `appendonly yes` and
   * `appendfsync always`; `everysec` may lose the last second of records on a power cut or kernel crash (not on a
   * Redis crash alone: the page cache keeps them).
   */
  async durability(): Promise<RedisDurability> {
    try {
      const get = async (name: string) => {
        const v = (await this.redis.call("CONFIG", "GET", name)) as string[];
        return v[1];
      };
      const appendonly = await get("appendonly");
      const appendfsync = await get("appendfsync");
      return { appendonly, appendfsync, strict: appendonly === "yes" && appendfsync === "always" };
    } catch (err) {
      return { strict: false, unknown: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The signed text of a response, and its signature once computed. */
  async signature(chatId: string): Promise<{ text: string; signature?: Hex } | undefined> {
    const v = await this.redis.get(this.k("sig", chatId));
    return v ? (JSON.parse(v) as { text: string; signature?: Hex }) : undefined;
  }

  async saveSignature(chatIds: string[], json: string): Promise<void> {
    const p = this.redis.pipeline();
    for (const id of chatIds) p.set(this.k("sig", id), json, "EX", this.signatureTtlSeconds);
    await p.exec();
  }

  async usersWithWork(): Promise<Address[]> {
    return (await this.redis.smembers(this.k("users"))) as Address[];
  }

  /** Unsettled requests of a user, oldest first. */
  async unsettled(user: string): Promise<StoredRequest[]> {
    const ids = await this.redis.zrange(this.k("unsettled", user.toLowerCase()), 0, -1);
    if (!ids.length) return [];
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.k("req", id));
    const rows = (await p.exec()) ?? [];
    const out: StoredRequest[] = [];
    ids.forEach((id, i) => {
      const h = rows[i]?.[1] as Record<string, string> | undefined;
      if (!h || h.state !== "unsettled") return;
      out.push({
        id,
        requestHash: h.requestHash ?? "",
        userAddress: h.user ?? "",
        fee: h.fee ?? "0",
        inputFee: h.inputFee ?? "0",
        outputFee: h.outputFee ?? "0",
        createdAt: Number(h.createdAt),
      });
    });
    return out;
  }

  /** Sum of every user's unsettled fees (start-up: rebuilds the broker's in-memory totals). */
  async unsettledTotals(): Promise<Map<string, bigint>> {
    const totals = new Map<string, bigint>();
    for (const user of await this.usersWithWork()) {
      const sum = (await this.unsettled(user)).reduce((s, r) => s + BigInt(r.fee), 0n);
      totals.set(user.toLowerCase(), sum);
    }
    return totals;
  }

  async requestState(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.k("req", id));
  }

  /** Adds a synthetic request carrying the part of a PARTIAL settlement that the user still owes. */
  async recordCarry(user: string, nonce: string, amount: bigint): Promise<void> {
    const id = `carry-${nonce}`;
    await this.recordRequest({
      id,
      requestHash: `carry:${nonce}`,
      userAddress: user.toLowerCase(),
      fee: amount.toString(),
      inputFee: "0",
      outputFee: amount.toString(),
      createdAt: Date.now(),
    });
  }

  /**
   * A settlement nonce that no other call ever receives, at least `floor`: INCR, then INCRBY the gap if the
   * counter is below the floor. Every INCR/INCRBY result is distinct, so two settlements never share a nonce.
   */
  async nextNonce(floor: bigint): Promise<bigint> {
    const key = this.k("nonce");
    // The connection must use `stringNumbers` (the values exceed 2^53); String() keeps either reply exact.
    const n = BigInt(String(await this.redis.incr(key)));
    if (n >= floor) return n;
    return BigInt(String(await this.redis.incrby(key, (floor - n).toString())));
  }

  async inflight(user: string): Promise<InflightSettlement | undefined> {
    const v = await this.redis.get(this.k("inflight", user.toLowerCase()));
    return v ? (JSON.parse(v) as InflightSettlement) : undefined;
  }

  /**
   * Takes the settlement lock for `ttlMs` (one settling run at a time per provider key space, across every process
   * that shares this Redis: the broker's jobs and `zg compute provider settle`). False if another run holds it.
   */
  async tryLockSettlement(token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.k("settle-lock"), token, "PX", ttlMs, "NX")) === "OK";
  }

  /** Extends the lock while `token` still holds it; false if it was lost (expired and taken by another run). */
  async extendSettlementLock(token: string, ttlMs: number): Promise<boolean> {
    const r = await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
      1,
      this.k("settle-lock"),
      token,
      String(ttlMs),
    );
    return Number(r) === 1;
  }

  /** Releases the lock if `token` still holds it. */
  async unlockSettlement(token: string): Promise<void> {
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      this.k("settle-lock"),
      token,
    );
  }

  async setInflight(s: InflightSettlement): Promise<void> {
    await this.redis.set(this.k("inflight", s.user.toLowerCase()), JSON.stringify(s));
  }

  /** Drops the in-flight item without booking it (the chain did not take it). */
  async clearInflight(user: string): Promise<void> {
    await this.redis.del(this.k("inflight", user.toLowerCase()));
  }

  /**
   * Books an accepted settlement in one transaction: its requests become `settled` (with the nonce), leave the
   * user's queue, and the in-flight item is removed. Requests that are already settled stay untouched.
   */
  async bookSettlement(s: InflightSettlement, outcome: SettlementOutcome): Promise<void> {
    const user = s.user.toLowerCase();
    const m = this.redis.multi();
    for (const id of s.ids) {
      m.hset(this.k("req", id), "state", "settled", "nonce", s.nonce);
      m.zrem(this.k("unsettled", user), id);
    }
    m.del(this.k("inflight", user));
    m.lpush(this.k("settlements"), JSON.stringify(outcome));
    m.ltrim(this.k("settlements"), 0, 199);
    await m.exec();
    await this.dropUserIfIdle(user);
  }

  async logOutcome(outcome: SettlementOutcome): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.k("settlements"), JSON.stringify(outcome))
      .ltrim(this.k("settlements"), 0, 199)
      .exec();
  }

  async recentSettlements(limit = 20): Promise<SettlementOutcome[]> {
    return (await this.redis.lrange(this.k("settlements"), 0, limit - 1)).map(
      (v) => JSON.parse(v) as SettlementOutcome,
    );
  }

  private async dropUserIfIdle(user: string): Promise<void> {
    const [n, inflight] = await Promise.all([
      this.redis.zcard(this.k("unsettled", user)),
      this.redis.exists(this.k("inflight", user)),
    ]);
    if (Number(n) === 0 && Number(inflight) === 0) await this.redis.srem(this.k("users"), user);
  }
}
