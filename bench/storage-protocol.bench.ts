/**
 * Storage protocol benchmark: streamed file-root throughput (worker pool on all cores) with peak RSS growth, sealing
 * and unsealing on one thread, and PoRA iterations per second on one core.
 * Run: `npx tsx bench/storage-protocol.bench.ts [--file-mib 256]`; writes bench/results/storage-protocol.json.
 * Env knobs: STORAGE_BENCH_FILE_MIB (streamed file, default 256), STORAGE_BENCH_MEMORY_MIB (in-memory and calling-thread
 * file roots, default 64), STORAGE_BENCH_SEAL_MIB (default 16), STORAGE_BENCH_PORA_NONCES (default 400).
 */
import { randomFillSync } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import * as path from "node:path";
import {
  BYTES_PER_SEAL,
  SEALS_PER_LOAD,
  computeFileMerkle,
  computeFileMerkleStreaming,
  computePadSeed,
  computePoraOutput,
  computeRecallLoad,
  computeScratchpad,
  createSegmentHashPool,
  createUnshardedRange,
  keccak256,
  sealInPlace,
  sealLoadInPlace,
  unsealInPlace,
  uint256ToBytes,
} from "../agents/protocol/storage";

const MiB = 1024 * 1024;

function argNumber(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return Number(process.argv[i + 1]);
  const e = process.env[env];
  return e !== undefined && e !== "" ? Number(e) : fallback;
}

/** Streams `totalBytes` of random-looking data cheaply: windows into one 8 MiB random block, shifted per chunk. */
async function* generated(totalBytes: number, chunkBytes = MiB): AsyncGenerator<Uint8Array> {
  const block = randomFillSync(new Uint8Array(8 * MiB));
  for (let sent = 0, k = 0; sent < totalBytes; sent += chunkBytes, k++) {
    const offset = (k * 4099 * 256) % (block.length - chunkBytes);
    yield block.subarray(offset, offset + Math.min(chunkBytes, totalBytes - sent));
  }
}

function watchRss(): { stop(): number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return peak - base;
    },
  };
}

async function fileRoot(fileMiB: number, threads: number | undefined) {
  const pool = threads === undefined ? undefined : createSegmentHashPool({ size: threads });
  // Warm the workers (WASM compile) outside the timed region.
  if (pool !== undefined)
    await Promise.all(Array.from({ length: pool.size }, () => pool.hashSegment(new Uint8Array(256))));
  const rss = watchRss();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const merkle = await computeFileMerkleStreaming(generated(fileMiB * MiB), { pool });
  const seconds = (performance.now() - t0) / 1000;
  // Process-wide CPU time (all threads).
  const cpu = cpuSeconds(c0);
  const rssGrowthMiB = rss.stop() / MiB;
  await pool?.close();
  if (merkle.root === null) throw new Error("no root");
  return {
    fileMiB,
    threads: threads ?? 0,
    seconds,
    mibPerSecond: fileMiB / seconds,
    cpuSeconds: cpu,
    mibPerCpuSecond: fileMiB / cpu,
    peakRssGrowthMiB: rssGrowthMiB,
  };
}

/** computeFileMerkle over an in-memory buffer on the calling thread (the buffer is allocated before measuring). */
function fileRootInMemory(fileMiB: number) {
  const data = new Uint8Array(fileMiB * MiB);
  const block = randomFillSync(new Uint8Array(8 * MiB));
  for (let o = 0; o < data.length; o += block.length)
    data.set(block.subarray(0, Math.min(block.length, data.length - o)), o);
  computeFileMerkle(data.subarray(0, MiB)); // warm-up
  const rss = watchRss();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const merkle = computeFileMerkle(data);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c0);
  const rssGrowthMiB = rss.stop() / MiB;
  if (merkle.root === null) throw new Error("no root");
  return {
    fileMiB,
    seconds,
    mibPerSecond: fileMiB / seconds,
    cpuSeconds: cpu,
    mibPerCpuSecond: fileMiB / cpu,
    peakRssGrowthMiB: rssGrowthMiB,
  };
}

/** CPU seconds (user + system) this process used since `start`: a load-independent rate for one-thread work. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function sealBench(totalMiB: number) {
  const units = (totalMiB * MiB) / BYTES_PER_SEAL;
  const buf = new Uint8Array(totalMiB * MiB);
  randomFillSync(buf);
  const minerId = keccak256(new TextEncoder().encode("bench-miner"));
  const sealContextDigest = keccak256(new TextEncoder().encode("bench-ctx"));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let u = 0; u < units; u++) {
    sealInPlace(buf.subarray(u * BYTES_PER_SEAL, (u + 1) * BYTES_PER_SEAL), {
      minerId,
      sealContextDigest,
      startSector: BigInt(u * 16),
    });
  }
  const sealSeconds = (performance.now() - t0) / 1000;
  const sealCpuSeconds = cpuSeconds(c0);
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  for (let u = 0; u < units; u++) {
    unsealInPlace(buf.subarray(u * BYTES_PER_SEAL, (u + 1) * BYTES_PER_SEAL), {
      minerId,
      sealContextDigest,
      startSector: BigInt(u * 16),
    });
  }
  const unsealSeconds = (performance.now() - t1) / 1000;
  const unsealCpuSeconds = cpuSeconds(c1);
  // The miner's path: whole 256 KiB loads, each seal with its own context (looked up per seal).
  const contexts = [sealContextDigest, keccak256(new TextEncoder().encode("bench-ctx-2"))];
  const loadBytes = BYTES_PER_SEAL * SEALS_PER_LOAD;
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  for (let o = 0; o < buf.length; o += loadBytes) {
    sealLoadInPlace(buf.subarray(o, o + loadBytes), {
      minerId,
      startSector: BigInt(o / 256),
      sealContextDigestOf: (i) => contexts[Number(i & 1n)],
    });
  }
  const loadSeconds = (performance.now() - t2) / 1000;
  const loadCpuSeconds = cpuSeconds(c2);
  const bytes = totalMiB * MiB;
  return {
    totalMiB,
    sealMBps: bytes / 1e6 / sealSeconds,
    sealMiBps: totalMiB / sealSeconds,
    sealMBpsPerCpuSecond: bytes / 1e6 / sealCpuSeconds,
    unsealMBps: bytes / 1e6 / unsealSeconds,
    unsealMBpsPerCpuSecond: bytes / 1e6 / unsealCpuSeconds,
    sealLoadMBps: bytes / 1e6 / loadSeconds,
    sealLoadMBpsPerCpuSecond: bytes / 1e6 / loadCpuSeconds,
  };
}

function poraBench(nonces: number) {
  const range = createUnshardedRange(1n << 30n);
  const minerId = keccak256(new TextEncoder().encode("bench-miner"));
  const subtaskDigest = keccak256(new TextEncoder().encode("bench-subtask"));
  const load = new Uint8Array(BYTES_PER_SEAL * SEALS_PER_LOAD);
  randomFillSync(load);
  let scratchSeconds = 0;
  let outputSeconds = 0;
  const c0 = process.cpuUsage();
  for (let n = 0; n < nonces; n++) {
    const t0 = performance.now();
    const padSeed = computePadSeed({ minerId, nonce: uint256ToBytes(BigInt(n)), subtaskDigest, range });
    const { pad, recallSeed } = computeScratchpad(padSeed);
    computeRecallLoad({ recallSeed, range });
    const t1 = performance.now();
    for (let s = 0; s < SEALS_PER_LOAD; s++) {
      computePoraOutput({
        sealOffset: s,
        padSeed,
        pad,
        sealedData: load.subarray(s * BYTES_PER_SEAL, (s + 1) * BYTES_PER_SEAL),
      });
    }
    const t2 = performance.now();
    scratchSeconds += (t1 - t0) / 1000;
    outputSeconds += (t2 - t1) / 1000;
  }
  const cpu = cpuSeconds(c0);
  return {
    nonces,
    noncesPerSecond: nonces / (scratchSeconds + outputSeconds),
    noncesPerCpuSecond: nonces / cpu,
    poraOutputsPerSecond: (nonces * SEALS_PER_LOAD) / (scratchSeconds + outputSeconds),
    scratchpadsPerSecond: nonces / scratchSeconds,
    note: "one nonce = pad seed + 16 KiB scratchpad + recall load + 64 PoRA outputs (a full load scan), excluding disk reads",
  };
}

async function main(): Promise<void> {
  const fileMiB = argNumber("file-mib", "STORAGE_BENCH_FILE_MIB", 256);
  const memoryMiB = argNumber("memory-mib", "STORAGE_BENCH_MEMORY_MIB", 64);
  const sealMiB = argNumber("seal-mib", "STORAGE_BENCH_SEAL_MIB", 16);
  const nonces = argNumber("pora-nonces", "STORAGE_BENCH_PORA_NONCES", 400);
  const loadBefore = loadavg();
  const cores = availableParallelism();
  const streamedPool = await fileRoot(fileMiB, cores);
  const streamedOneThread = await fileRoot(Math.min(fileMiB, memoryMiB), undefined);
  const inMemory = fileRootInMemory(memoryMiB);
  const seal = sealBench(sealMiB);
  const pora = poraBench(nonces);
  const loadAfter = loadavg();
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores,
    loadAverage1mBefore: loadBefore[0],
    loadAverage1mAfter: loadAfter[0],
    loadAverage1m5m15mBefore: loadBefore,
    loadAverage1m5m15mAfter: loadAfter,
    note: "wall-clock rates on a machine shared with other jobs; *PerCpuSecond rates divide by this process's CPU time",
    fileRoot: { streamedWorkerPool: streamedPool, streamedCallingThreadOnly: streamedOneThread, inMemory },
    seal,
    pora,
  };
  console.log(
    `load average (1/5/15 min): ${loadBefore.map((x) => x.toFixed(2)).join("/")} before, ${loadAfter.map((x) => x.toFixed(2)).join("/")} after, ${cores} cores`,
  );
  console.table({
    [`file root, ${streamedPool.threads} workers`]: {
      value: streamedPool.mibPerSecond.toFixed(1),
      unit: "MiB/s",
      extra: `peak RSS +${streamedPool.peakRssGrowthMiB.toFixed(1)} MiB over ${fileMiB} MiB; ${streamedPool.mibPerCpuSecond.toFixed(1)} MiB per CPU-second`,
    },
    "file root, calling thread": {
      value: streamedOneThread.mibPerSecond.toFixed(1),
      unit: "MiB/s",
      extra: `peak RSS +${streamedOneThread.peakRssGrowthMiB.toFixed(1)} MiB over ${streamedOneThread.fileMiB} MiB; ${streamedOneThread.mibPerCpuSecond.toFixed(1)} MiB per CPU-second`,
    },
    "file root, in memory": {
      value: inMemory.mibPerSecond.toFixed(1),
      unit: "MiB/s",
      extra: `computeFileMerkle over ${inMemory.fileMiB} MiB; ${inMemory.mibPerCpuSecond.toFixed(1)} MiB per CPU-second`,
    },
    "seal, 1 thread": {
      value: seal.sealMBps.toFixed(1),
      unit: "MB/s",
      extra: `${seal.sealMBpsPerCpuSecond.toFixed(1)} MB per CPU-second`,
    },
    "unseal, 1 thread": {
      value: seal.unsealMBps.toFixed(1),
      unit: "MB/s",
      extra: `${seal.unsealMBpsPerCpuSecond.toFixed(1)} MB per CPU-second`,
    },
    "seal loads (sealLoadInPlace)": {
      value: seal.sealLoadMBps.toFixed(1),
      unit: "MB/s",
      extra: `256 KiB loads, per-seal context; ${seal.sealLoadMBpsPerCpuSecond.toFixed(1)} MB per CPU-second`,
    },
    "PoRA nonces, 1 core": {
      value: pora.noncesPerSecond.toFixed(0),
      unit: "nonce/s",
      extra: `${pora.poraOutputsPerSecond.toFixed(0)} outputs/s; ${pora.noncesPerCpuSecond.toFixed(0)} nonces per CPU-second`,
    },
    "scratchpads, 1 core": { value: pora.scratchpadsPerSecond.toFixed(0), unit: "pad/s", extra: "" },
  });
  const out = path.join(__dirname, "results", "storage-protocol.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`wrote ${out}`);
}

void main();
