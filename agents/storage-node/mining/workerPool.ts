import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Hex, RecallRange } from "../../protocol/storage";
import { WorkerPoolError } from "./errors";
import type { MineResponse, WorkerRequest, WorkerResponse } from "./workerMessages";

/** Worker threads that seal loads and mine nonces. */
export interface MiningWorkerPool {
  readonly size: number;
  /** Seals the units of `data` (shared memory) in place on the least busy worker. */
  seal(p: { data: SharedArrayBuffer; minerId: Hex; startSector: bigint; digests: readonly Hex[] }): Promise<void>;
  /** Makes a sealed load visible to every worker. */
  addLoad(loadIndex: bigint, data: SharedArrayBuffer): void;
  clearLoads(): void;
  /** Scans `count` nonces on worker `worker`. */
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
  close(): Promise<void>;
}

/** Starts the worker from TypeScript source (registering tsx in the thread) or from compiled JavaScript. */
function spawnWorker(): Worker {
  const file = path.join(__dirname, `miningWorker${path.extname(__filename) || ".js"}`);
  if (file.endsWith(".ts")) {
    const api = require.resolve("tsx/cjs/api");
    return new Worker(`require(${JSON.stringify(api)}).register();require(${JSON.stringify(file)});`, { eval: true });
  }
  return new Worker(file);
}

interface Slot {
  readonly worker: Worker;
  busy: number;
}

/**
 * @param size - worker threads (≥ 1)
 * @returns the pool; `close()` terminates the threads
 */
export function createMiningWorkerPool(size: number): MiningWorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new WorkerPoolError("pool size must be a positive integer", { size });
  const pending = new Map<number, { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let closed = false;
  const slots: Slot[] = Array.from({ length: size }, () => {
    const worker = spawnWorker();
    const slot: Slot = { worker, busy: 0 };
    worker.on("message", (r: WorkerResponse) => {
      const p = pending.get(r.id);
      if (p === undefined) return;
      pending.delete(r.id);
      slot.busy--;
      if (r.error !== undefined) p.reject(new WorkerPoolError(`worker failed: ${r.error}`, { id: r.id }));
      else p.resolve(r);
    });
    worker.on("error", (err) => {
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new WorkerPoolError(`worker crashed: ${String(err)}`, { id }));
      }
    });
    return slot;
  });

  function request(slot: Slot, msg: WorkerRequest & { id: number }): Promise<WorkerResponse> {
    if (closed) return Promise.reject(new WorkerPoolError("pool is closed"));
    return new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve, reject });
      slot.busy++;
      slot.worker.postMessage(msg);
    });
  }

  return {
    size,
    async seal({ data, minerId, startSector, digests }) {
      const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      await request(slot, { type: "seal", id: nextId++, data, minerId, startSector, digests });
    },
    addLoad(loadIndex, data) {
      for (const s of slots) s.worker.postMessage({ type: "addLoad", loadIndex, data } satisfies WorkerRequest);
    },
    clearLoads() {
      for (const s of slots) s.worker.postMessage({ type: "clearLoads" } satisfies WorkerRequest);
    },
    async mine(worker, p) {
      const slot = slots[worker % size];
      return (await request(slot, { type: "mine", id: nextId++, ...p })) as MineResponse;
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
