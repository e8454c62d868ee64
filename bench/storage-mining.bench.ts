/**
 * Storage miner benchmark: sealing throughput inside the sealer (worker threads) into the memory store and into the
 * disk store (flat file + fsynced index), reopening the disk store (checksum verification), and PoRA nonces per second
 * against shared-memory loads and against file-backed loads.
 * Run: `npx tsx bench/storage-mining.bench.ts [--mib 64] [--seconds 8]` (or env MINING_BENCH_MIB / _SECONDS);
 * writes bench/results/storage-mining.json.
 */
import { randomFillSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { createUnshardedRange, type Hex } from "../agents/protocol/storage";
import { createDiskSealedStore } from "../agents/storage-node/mining/diskSealedStore";
import {
  createMemorySealedStore,
  createMiningWorkerPool,
  createSealer,
  type EpochRangeCache,
  type SealedLoadStore,
  type SectorSource,
} from "../agents/storage-node/mining";

const MiB = 1024 * 1024;
const LOAD = 256 * 1024;

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const env = process.env[`MINING_BENCH_${name.toUpperCase()}`];
  return i >= 0 ? Number(process.argv[i + 1]) : env !== undefined ? Number(env) : fallback;
}

/** Process CPU seconds (main thread + worker threads). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

type StoreKind = "memory" | "disk";

async function openStore(kind: StoreKind, maxLoads: number, dir: string): Promise<SealedLoadStore> {
  return kind === "memory" ? createMemorySealedStore(maxLoads) : createDiskSealedStore({ dir, maxLoads });
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

async function benchSealing(threads: number, mib: number, kind: StoreKind, dir: string): Promise<Row[]> {
  const pool = createMiningWorkerPool(threads);
  const store = await openStore(kind, mib * 4 + 8, dir);
  const sealer = createSealer({ pool, source: randomSource(), store, ranges: oneRange });
  const range = createUnshardedRange(BigInt(mib * 4 * 1024));
  // Warm the workers (tsx + WebAssembly start-up) outside the timing.
  await sealer.sealPending({ minerId: MINER_ID, range, maxLoads: threads * 2 });
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let sealed = 0;
  for (;;) {
    const n = await sealer.sealPending({ minerId: MINER_ID, range, maxLoads: 64 });
    if (n === 0) break;
    sealed += n;
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  await pool.close();
  const total = store.size();
  await store.close();
  const rows: Row[] = [
    {
      measure: `sealing into the ${kind} store (sealer, worker threads)`,
      threads,
      value: Math.round(((sealed * LOAD) / 1e6 / secs) * 10) / 10,
      unit: "MB/s",
      notes: `${sealed} loads (${(sealed * LOAD) / MiB} MiB) in ${secs.toFixed(2)} s, ${((sealed * LOAD) / 1e6 / cpu).toFixed(1)} MB per CPU-s, incl. source reads and store${kind === "disk" ? " (one fdatasync of data and one of the index per group of loads)" : ""}`,
    },
  ];
  if (kind === "disk") {
    const r0 = performance.now();
    const reopened = await createDiskSealedStore({ dir, maxLoads: mib * 4 + 8 });
    const rs = (performance.now() - r0) / 1000;
    rows.push({
      measure: "disk store reopen (replay + SHA-256 of every load)",
      threads: 1,
      value: Math.round(((reopened.opened.loaded * LOAD) / 1e6 / rs) * 10) / 10,
      unit: "MB/s",
      notes: `${reopened.opened.loaded}/${total} loads verified in ${rs.toFixed(2)} s (page cache warm), 0 resealed`,
    });
    await reopened.close();
  }
  return rows;
}

async function benchPora(threads: number, seconds: number, kind: StoreKind, dir: string): Promise<Row[]> {
  const pool = createMiningWorkerPool(threads);
  const store = await openStore(kind, 64, dir);
  const sealer = createSealer({ pool, source: randomSource(), store, ranges: oneRange });
  const range = createUnshardedRange(16n * 1024n);
  await sealer.sealPending({ minerId: MINER_ID, range }); // 16 loads sealed, every recall hits a sealed load
  const base = { minerId: MINER_ID, subtaskDigest: CONTEXT, range, threshold: 0n, nonceBase: CONTEXT };
  await Promise.all(Array.from({ length: threads }, (_, w) => pool.mine(w, { ...base, first: 0n, count: 8 })));
  let scanned = 0;
  let busyMs = 0;
  let next = 0n;
  const t0 = performance.now();
  const c0 = cpuSeconds();
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
  const cpu = cpuSeconds() - c0;
  await pool.close();
  await store.close();
  return [
    {
      measure: `PoRA nonces/s (${kind} loads, all threads, wall clock)`,
      threads,
      value: Math.round(scanned / secs),
      unit: "nonces/s",
      notes: `${scanned} nonces × 64 outputs in ${secs.toFixed(1)} s; ${Math.round(scanned / cpu)} nonces per process CPU-s`,
    },
    {
      measure: `PoRA nonces per busy thread-second (${kind} loads)`,
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
  const tmp = mkdtempSync(path.join(tmpdir(), "zg-mining-bench-"));
  try {
    for (const kind of ["memory", "disk"] as const) {
      for (let t = 1; t <= maxThreads; t++)
        rows.push(...(await benchSealing(t, mib, kind, path.join(tmp, `seal-${kind}-${t}`))));
      for (let t = 1; t <= maxThreads; t++)
        rows.push(...(await benchPora(t, seconds, kind, path.join(tmp, `pora-${kind}-${t}`))));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
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
