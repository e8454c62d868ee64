import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { BYTES_PER_SECTOR, BYTES_PER_SEGMENT, SECTORS_PER_SEGMENT } from "./constants";
import { HashPoolError, InvalidSizeError } from "./errors";
import type { SegmentHashRequest, SegmentHashResponse } from "./segmentHashMessages";

/** A pool of worker threads computing segment roots. */
export interface SegmentHashPool {
  /** Number of worker threads. */
  readonly size: number;
  /**
   * SDK merkle root of `numSectors` sectors of `data` (zero-padded past its end). The bytes are copied into a
   * pool-owned buffer before this returns, so the caller may reuse `data` at once.
   */
  hashSegment(data: Uint8Array, numSectors?: number): Promise<Uint8Array>;
  /** Terminates the workers; pending and later calls reject with {@link HashPoolError}. */
  close(): Promise<void>;
}

/** Options of {@link createSegmentHashPool}. */
export interface CreateSegmentHashPoolParameters {
  /** Worker threads; default: the machine's available parallelism. */
  readonly size?: number;
}

interface Pending {
  readonly resolve: (root: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  inFlight: number;
}

/** Starts a worker from the TypeScript source (registering tsx inside the thread) or from compiled JavaScript. */
function spawnWorker(): Worker {
  const file = path.join(__dirname, `segmentHashWorker${path.extname(__filename) || ".js"}`);
  if (file.endsWith(".ts")) {
    const api = require.resolve("tsx/cjs/api");
    return new Worker(`require(${JSON.stringify(api)}).register();require(${JSON.stringify(file)});`, { eval: true });
  }
  return new Worker(file);
}

/**
 * Creates a pool of segment-hashing worker threads (one keccak WebAssembly instance per thread). Segment buffers
 * travel to and from the workers as transferred ArrayBuffers and are recycled, so a streaming caller allocates only
 * about `maxInFlight` buffers. Idle workers are unref'd: a forgotten `close()` does not keep the process alive.
 *
 * @param parameters - pool size
 * @returns the pool; call `close()` when done
 * @example
 * const pool = createSegmentHashPool();
 * const merkle = await computeFileMerkleStreaming(fs.createReadStream(file), { pool });
 * await pool.close();
 */
export function createSegmentHashPool({
  size = availableParallelism(),
}: CreateSegmentHashPoolParameters = {}): SegmentHashPool {
  if (!Number.isInteger(size) || size < 1) throw new HashPoolError("size must be a positive integer", { size });
  const pending = new Map<number, Pending>();
  const freeBuffers: ArrayBuffer[] = [];
  let nextId = 0;
  let closed = false;
  let failure: Error | undefined;

  const workers: PoolWorker[] = Array.from({ length: size }, () => {
    const worker = spawnWorker();
    // Idle workers do not keep the process alive; a worker is ref'd only while it has work.
    worker.unref();
    let markReady: () => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined); // observed through hashSegment; never an unhandled rejection
    const pw: PoolWorker = { worker, ready, inFlight: 0 };
    worker.on("message", (msg: SegmentHashResponse | { ready: true }) => {
      if ("ready" in msg) {
        markReady();
        return;
      }
      if (--pw.inFlight === 0) worker.unref();
      freeBuffers.push(msg.buffer);
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (p === undefined) return;
      if (msg.error !== undefined) p.reject(new HashPoolError("worker failed", { id: msg.id, message: msg.error }));
      else p.resolve(msg.root);
    });
    worker.on("error", (e) => {
      const err = new HashPoolError("worker crashed", {}, e);
      failReady(err);
      failAll(err);
    });
    worker.on("exit", (code) => {
      const err = new HashPoolError(closed ? "pool is closed" : "worker exited", { code });
      failReady(err);
      if (!closed) failAll(err);
    });
    return pw;
  });

  function failAll(e: Error): void {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  }

  return {
    size,
    async hashSegment(data, numSectors = Math.ceil(data.length / BYTES_PER_SECTOR)) {
      if (closed) throw new HashPoolError("pool is closed");
      if (failure !== undefined) throw failure;
      if (
        !Number.isInteger(numSectors) ||
        numSectors < 1 ||
        numSectors > SECTORS_PER_SEGMENT ||
        data.length > numSectors * BYTES_PER_SECTOR
      ) {
        throw new InvalidSizeError({
          what: "Segment",
          expected: `1..${SECTORS_PER_SEGMENT} sectors holding the data`,
          received: data.length,
        });
      }
      const buffer = freeBuffers.pop() ?? new ArrayBuffer(BYTES_PER_SEGMENT);
      new Uint8Array(buffer).set(data);
      let target = workers[0];
      for (const w of workers) if (w.inFlight < target.inFlight) target = w;
      if (target.inFlight++ === 0) target.worker.ref();
      await target.ready;
      if (closed || failure !== undefined) throw failure ?? new HashPoolError("pool is closed");
      const id = nextId++;
      const req: SegmentHashRequest = { id, buffer, byteLength: data.length, numSectors };
      const result = new Promise<Uint8Array>((resolve, reject) => pending.set(id, { resolve, reject }));
      target.worker.postMessage(req, [buffer]);
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      failAll(new HashPoolError("pool is closed"));
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}
