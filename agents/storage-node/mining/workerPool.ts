import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Hex, RecallRange } from "../../protocol/storage";
import { WorkerCrashedError, WorkerPoolError, WorkerPoolFailedError } from "./errors";
import type { MineRequest, MineResponse, MiningWorkerData, WorkerRequest, WorkerResponse } from "./workerMessages";

/** Restart bookkeeping of the pool, for `/status`. */
export interface WorkerPoolStatus {
  threads: number;
  /** Replacement threads started since the pool was created. */
  restarts: number;
  /** Mine requests re-run on a replacement after their thread died. */
  requeued: number;
  /** Seal requests failed because their thread died (the sealer reads and seals those loads again). */
  sealsFailed: number;
  /** The last crash (thread index, exit code or error), or null. */
  lastCrash: string | null;
  /** Why the pool gave up (too many rapid crashes), or null while it works. */
  failed: string | null;
}

/** Worker threads that seal loads and mine nonces. */
export interface MiningWorkerPool {
  readonly size: number;
  /**
   * Seals the units of `data` (shared memory) in place on the least busy worker.
   *
   * @throws WorkerCrashedError if the thread died meanwhile (`data` may be partly sealed: read it again)
   */
  seal(p: { data: SharedArrayBuffer; minerId: Hex; startSector: bigint; digests: readonly Hex[] }): Promise<void>;
  /** Makes a sealed load visible to every worker: from shared memory, or (no `data`) from the attached file. */
  addLoad(loadIndex: bigint, data?: SharedArrayBuffer): void;
  /** Makes many file-backed loads visible at once. */
  addFileLoads(loadIndexes: readonly bigint[]): void;
  /** Hides one load (it is being resealed). */
  dropLoad(loadIndex: bigint): void;
  /** The sealed data file file-backed loads are read from (each worker opens it read-only); null detaches. */
  attachFile(path: string | null): void;
  clearLoads(): void;
  /**
   * Scans `count` nonces on worker `worker`. If the thread dies, the request is re-run on its replacement (the same
   * nonces give the same hits, and the dead thread never answered, so nothing is reported twice).
   */
  mine(
    worker: number,
    p: {
      minerId: Hex;
      subtaskDigest: Hex;
      range: RecallRange;
      threshold: bigint;
      nonceBase: Hex;
      first: bigint;
      count: number;
    },
  ): Promise<MineResponse>;
  status(): WorkerPoolStatus;
  /** Test hook (pools created with `testHooks`): worker `worker` dies while handling its next request. */
  crashWorkerForTest(worker: number, mode: "exit" | "throw"): void;
  /** Test hook: terminates worker `worker` from outside, like a thread killed by the runtime. */
  terminateWorkerForTest(worker: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createMiningWorkerPool}. */
export interface MiningWorkerPoolOptions {
  /** Give up when more than this many threads die within `crashWindowMs` (default 5). */
  readonly maxCrashes?: number;
  readonly crashWindowMs?: number;
  /** A mine request whose thread died this many times is failed instead of re-run (default 3). */
  readonly maxAttempts?: number;
  /** Honour the test crash hooks (default false). */
  readonly testHooks?: boolean;
  /** Called after a replacement thread is started. */
  readonly onRestart?: (info: { worker: number; reason: string; restarts: number }) => void;
  /** Called once when the pool gives up. */
  readonly onFailed?: (err: WorkerPoolFailedError) => void;
}

/** Starts the worker from TypeScript source (registering tsx in the thread) or from compiled JavaScript. */
function spawnWorker(data: MiningWorkerData): Worker {
  const file = path.join(__dirname, `miningWorker${path.extname(__filename) || ".js"}`);
  if (file.endsWith(".ts")) {
    const api = require.resolve("tsx/cjs/api");
    return new Worker(`require(${JSON.stringify(api)}).register();require(${JSON.stringify(file)});`, {
      eval: true,
      workerData: data,
    });
  }
  return new Worker(file, { workerData: data });
}

interface Slot {
  readonly index: number;
  worker: Worker;
  /** Requests in flight on this thread. */
  readonly inFlight: Set<number>;
  /** The `error` event's message, kept for the `exit` that follows. */
  lastError?: string;
}

interface Pending {
  readonly msg: WorkerRequest & { id: number };
  slot: Slot;
  attempts: number;
  readonly resolve: (r: WorkerResponse) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A fixed-size pool of mining threads that survives thread crashes: a thread that exits or throws is replaced at once
 * (the replacement is given the sealed loads and the sealed data file again); its in-flight mine requests are re-run
 * on the replacement, its in-flight seal requests fail with {@link WorkerCrashedError} (their shared buffer may be
 * half sealed, so the caller must read the load again). After more than `maxCrashes` crashes within `crashWindowMs`
 * the pool gives up: every pending and later request fails with {@link WorkerPoolFailedError}.
 *
 * @param size - worker threads (≥ 1)
 * @returns the pool; `close()` terminates the threads
 */
export function createMiningWorkerPool(size: number, opts: MiningWorkerPoolOptions = {}): MiningWorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new WorkerPoolError("pool size must be a positive integer", { size });
  const maxCrashes = opts.maxCrashes ?? 5;
  const crashWindowMs = opts.crashWindowMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? 3;
  const workerData: MiningWorkerData = { testHooks: opts.testHooks === true };
  const pending = new Map<number, Pending>();
  /** What a replacement must be told: shared-memory loads, file-backed loads and the file. */
  const memoryLoads = new Map<bigint, SharedArrayBuffer>();
  const fileLoads = new Set<bigint>();
  let file: string | null = null;
  let nextId = 0;
  let closed = false;
  let failed: WorkerPoolFailedError | undefined;
  const crashTimes: number[] = [];
  const st = { restarts: 0, requeued: 0, sealsFailed: 0, lastCrash: null as string | null };

  function post(slot: Slot, msg: WorkerRequest): void {
    slot.worker.postMessage(msg);
  }

  function broadcast(msg: WorkerRequest): void {
    if (closed || failed) return;
    for (const s of slots) post(s, msg);
  }

  function prime(slot: Slot): void {
    if (file !== null) post(slot, { type: "attachFile", path: file });
    for (const [loadIndex, data] of memoryLoads) post(slot, { type: "addLoad", loadIndex, data });
    const all = [...fileLoads];
    for (let k = 0; k < all.length; k += 65_536)
      post(slot, { type: "addFileLoads", loadIndexes: all.slice(k, k + 65_536) });
  }

  function start(slot: Omit<Slot, "worker"> & { worker?: Worker }): Slot {
    const worker = spawnWorker(workerData);
    const s = slot as Slot;
    s.worker = worker;
    s.lastError = undefined;
    worker.on("message", (r: WorkerResponse) => {
      const p = pending.get(r.id);
      if (p === undefined || p.slot !== s || s.worker !== worker) return;
      pending.delete(r.id);
      s.inFlight.delete(r.id);
      if (r.error !== undefined) p.reject(new WorkerPoolError(`worker failed: ${r.error}`, { id: r.id }));
      else p.resolve(r);
    });
    worker.on("error", (err) => {
      if (s.worker === worker) s.lastError = err instanceof Error ? err.message : String(err);
    });
    worker.on("exit", (code) => {
      if (s.worker === worker) onDeath(s, code);
    });
    prime(s);
    return s;
  }

  function giveUp(reason: string): void {
    failed = new WorkerPoolFailedError(
      `mining worker threads crashed ${crashTimes.length} times within ${crashWindowMs} ms; giving up`,
      { crashes: crashTimes.length, windowMs: crashWindowMs, lastCrash: reason },
    );
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(failed);
    }
    for (const s of slots) void s.worker.terminate().catch(() => undefined);
    opts.onFailed?.(failed);
  }

  function onDeath(slot: Slot, code: number): void {
    if (closed || failed) return;
    const reason = `thread ${slot.index} exited (code ${code}${slot.lastError ? `, ${slot.lastError}` : ""})`;
    st.lastCrash = reason;
    const now = Date.now();
    crashTimes.push(now);
    while (crashTimes.length > 0 && now - crashTimes[0] > crashWindowMs) crashTimes.shift();
    const orphans = [...slot.inFlight].map((id) => pending.get(id)).filter((p): p is Pending => p !== undefined);
    slot.inFlight.clear();
    if (crashTimes.length > maxCrashes) {
      giveUp(reason);
      return;
    }
    start(slot);
    st.restarts++;
    opts.onRestart?.({ worker: slot.index, reason, restarts: st.restarts });
    for (const p of orphans) {
      p.attempts++;
      if (p.msg.type === "mine" && p.attempts < maxAttempts) {
        st.requeued++;
        slot.inFlight.add(p.msg.id);
        post(slot, p.msg);
        continue;
      }
      pending.delete(p.msg.id);
      if (p.msg.type === "seal") st.sealsFailed++;
      p.reject(
        new WorkerCrashedError(`a mining worker thread died with this request in flight: ${reason}`, {
          id: p.msg.id,
          type: p.msg.type,
          attempts: p.attempts,
        }),
      );
    }
  }

  const slots: Slot[] = Array.from({ length: size }, (_, index) => start({ index, inFlight: new Set() }));

  function request(slot: Slot, msg: WorkerRequest & { id: number }): Promise<WorkerResponse> {
    if (failed) return Promise.reject(failed);
    if (closed) return Promise.reject(new WorkerPoolError("pool is closed"));
    return new Promise((resolve, reject) => {
      pending.set(msg.id, { msg, slot, attempts: 0, resolve, reject });
      slot.inFlight.add(msg.id);
      post(slot, msg);
    });
  }

  return {
    size,
    async seal({ data, minerId, startSector, digests }) {
      const slot = slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      await request(slot, { type: "seal", id: nextId++, data, minerId, startSector, digests });
    },
    addLoad(loadIndex, data) {
      if (data === undefined) fileLoads.add(loadIndex);
      else memoryLoads.set(loadIndex, data);
      broadcast(data === undefined ? { type: "addLoad", loadIndex } : { type: "addLoad", loadIndex, data });
    },
    addFileLoads(loadIndexes) {
      for (const i of loadIndexes) fileLoads.add(i);
      for (let k = 0; k < loadIndexes.length; k += 65_536)
        broadcast({ type: "addFileLoads", loadIndexes: loadIndexes.slice(k, k + 65_536) });
    },
    dropLoad(loadIndex) {
      memoryLoads.delete(loadIndex);
      fileLoads.delete(loadIndex);
      broadcast({ type: "dropLoad", loadIndex });
    },
    attachFile(p) {
      file = p;
      broadcast({ type: "attachFile", path: p });
    },
    clearLoads() {
      memoryLoads.clear();
      fileLoads.clear();
      broadcast({ type: "clearLoads" });
    },
    async mine(worker, p) {
      const slot = slots[worker % size];
      const msg: MineRequest = { type: "mine", id: nextId++, ...p };
      return (await request(slot, msg)) as MineResponse;
    },
    status: () => ({
      threads: size,
      restarts: st.restarts,
      requeued: st.requeued,
      sealsFailed: st.sealsFailed,
      lastCrash: st.lastCrash,
      failed: failed?.message ?? null,
    }),
    crashWorkerForTest(worker, mode) {
      if (!workerData.testHooks) throw new WorkerPoolError("test hooks are off for this pool");
      post(slots[worker % size], { type: "testCrash", mode });
    },
    async terminateWorkerForTest(worker) {
      if (!workerData.testHooks) throw new WorkerPoolError("test hooks are off for this pool");
      await slots[worker % size].worker.terminate();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new WorkerPoolError("pool closed", { id }));
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
