/**
 * Storage miner benchmark: sealing throughput inside the sealer (worker threads, shared-memory loads) and PoRA nonces
 * per second per worker thread against sealed loads.
 * Run: `npx tsx bench/storage-mining.bench.ts [--mib 64]`; writes bench/results/storage-mining.json.
 */
import { randomFillSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import * as path from "node:path";
import { createUnshardedRange, type Hex } from "../agents/protocol/storage";
import {
  createMemorySealedStore,
  createMiningWorkerPool,
  createSealer,
  type EpochRangeCache,
  type SectorSource,
} from "../agents/storage-node/mining";

const MiB = 1024 * 1024;
const LOAD = 256 * 1024;

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MINER_ID = `0x${"11".repeat(32)}` as Hex;
const CONTEXT = `0x${"22".repeat(32)}` as Hex;

/** A source serving windows of one random block (reads cost a copy, as from a page cache). */
function randomSource(): SectorSource {
  const block = randomFillSync(new Uint8Array(8 * MiB));
  return {
    async readFlowSectors(start, count) {
      const off = (Number(start) * 256) % (block.length - count * 256);
      return block.slice(off, off + count * 256);
    },
  };
}

/** Every unit in one recorded range. */
const oneRange: EpochRangeCache = { refresh: async () => undefined, sealContextOf: () => CONTEXT, size: () => 1 };

interface Row {
  measure: string;
  threads: number;
  value: number;
  unit: string;
  notes: string;
}

async function benchSealing(threads: number, mib: number): Promise<Row> {
  const pool = createMiningWorkerPool(threads);
  const store = createMemorySealedStore(mib * 4 + 8);
  const sealer = createSealer({ pool, source: randomSource(), store, ranges: oneRange });
  const range = createUnshardedRange(BigInt(mib * 4 * 1024));
  // Warm the workers (tsx + WebAssembly start-up) outside the timing.
  await sealer.sealPending({ minerId: MINER_ID, range, maxLoads: threads * 2 });
  const t0 = performance.now();
  let sealed = 0;
  for (;;) {
    const n = await sealer.sealPending({ minerId: MINER_ID, range, maxLoads: 64 });
    if (n === 0) break;
    sealed += n;
  }
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  return {
    measure: "sealing (sealer, worker threads)",
    threads,
    value: Math.round(((sealed * LOAD) / 1e6 / secs) * 10) / 10,
    unit: "MB/s",
    notes: `${sealed} loads (${(sealed * LOAD) / MiB} MiB) in ${secs.toFixed(2)} s, incl. source reads and store`,
  };
}

async function benchPora(threads: number, seconds: number): Promise<Row[]> {
  const pool = createMiningWorkerPool(threads);
  const store = createMemorySealedStore(64);
  const sealer = createSealer({ pool, source: randomSource(), store, ranges: oneRange });
  const range = createUnshardedRange(16n * 1024n);
  await sealer.sealPending({ minerId: MINER_ID, range }); // 16 loads sealed, every recall hits a sealed load
  const base = { minerId: MINER_ID, subtaskDigest: CONTEXT, range, threshold: 0n, nonceBase: CONTEXT };
  await Promise.all(Array.from({ length: threads }, (_, w) => pool.mine(w, { ...base, first: 0n, count: 8 })));
  let scanned = 0;
  let busyMs = 0;
  let next = 0n;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const rs = await Promise.all(
      Array.from({ length: threads }, (_, w) => pool.mine(w, { ...base, first: next + BigInt(w * 64), count: 64 })),
    );
    next += BigInt(threads * 64);
    for (const r of rs) {
      scanned += r.scanned;
      busyMs += r.busyMs;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  return [
    {
      measure: "PoRA nonces/s (all threads, wall clock)",
      threads,
      value: Math.round(scanned / secs),
      unit: "nonces/s",
      notes: `${scanned} nonces × 64 outputs in ${secs.toFixed(1)} s`,
    },
    {
      measure: "PoRA nonces per busy thread-second",
      threads,
      value: Math.round(scanned / (busyMs / 1000)),
      unit: "nonces/s/thread",
      notes: "time measured inside the workers (excludes scheduling and other processes' use of the cores)",
    },
  ];
}

async function main(): Promise<void> {
  const mib = argNumber("mib", 64);
  const seconds = argNumber("seconds", 8);
  const rows: Row[] = [];
  const maxThreads = Math.min(2, availableParallelism());
  for (let t = 1; t <= maxThreads; t++) rows.push(await benchSealing(t, mib));
  for (let t = 1; t <= maxThreads; t++) rows.push(...(await benchPora(t, seconds)));
  console.table(rows);
  const out = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    loadAverage: loadavg(),
    rows,
  };
  const dir = path.join(__dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "storage-mining.json"), `${JSON.stringify(out, null, 2)}\n`);
}

void main();
