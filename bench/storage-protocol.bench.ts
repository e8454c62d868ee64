/**
 * Storage protocol benchmark: streamed file-root throughput (worker pool on all cores) with peak RSS growth, sealing
 * and unsealing on one thread, and PoRA iterations per second on one core.
 * Run: `npx tsx bench/storage-protocol.bench.ts [--file-mib 256]`; writes bench/results/storage-protocol.json.
 */
import { randomFillSync } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import * as path from "node:path";
import {
  BYTES_PER_SEAL,
  SEALS_PER_LOAD,
  computeFileMerkleStreaming,
  computePadSeed,
  computePoraOutput,
  computeRecallLoad,
  computeScratchpad,
  createSegmentHashPool,
  createUnshardedRange,
  keccak256,
  sealInPlace,
  unsealInPlace,
  uint256ToBytes,
} from "../agents/protocol/storage";

const MiB = 1024 * 1024;

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
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
  const bytes = totalMiB * MiB;
  return {
    totalMiB,
    sealMBps: bytes / 1e6 / sealSeconds,
    sealMiBps: totalMiB / sealSeconds,
    sealMBpsPerCpuSecond: bytes / 1e6 / sealCpuSeconds,
    unsealMBps: bytes / 1e6 / unsealSeconds,
    unsealMBpsPerCpuSecond: bytes / 1e6 / unsealCpuSeconds,
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
  const fileMiB = argNumber("file-mib", 256);
  const loadBefore = loadavg()[0];
  const cores = availableParallelism();
  const streamedPool = await fileRoot(fileMiB, cores);
  const streamedOneThread = await fileRoot(Math.min(fileMiB, 64), undefined);
  const seal = sealBench(16);
  const pora = poraBench(400);
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores,
    loadAverage1mBefore: loadBefore,
    loadAverage1mAfter: loadavg()[0],
    note: "wall-clock rates on a machine shared with other jobs; *PerCpuSecond rates divide by this process's CPU time",
    fileRoot: { streamedWorkerPool: streamedPool, streamedCallingThreadOnly: streamedOneThread },
    seal,
    pora,
  };
  console.log(
    `load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after, ${cores} cores`,
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
