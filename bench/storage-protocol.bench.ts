/**
 * Storage protocol benchmark: streamed file-root throughput (worker pool on all cores) with peak RSS growth, sealing
 * and unsealing on one thread, and PoRA iterations per second on one core.
 * Run: `npx tsx bench/storage-protocol.bench.ts [--file-mib 256]`; writes bench/results/storage-protocol.json.
 */
import { randomFillSync } from "node:crypto";
import { writeFileSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
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

async function* generated(totalBytes: number, chunkBytes = MiB): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(chunkBytes);
  for (let sent = 0; sent < totalBytes; sent += chunkBytes) {
    randomFillSync(chunk);
    yield chunk.subarray(0, Math.min(chunkBytes, totalBytes - sent));
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
  const t0 = performance.now();
  const merkle = await computeFileMerkleStreaming(generated(fileMiB * MiB), { pool });
  const seconds = (performance.now() - t0) / 1000;
  const rssGrowthMiB = rss.stop() / MiB;
  await pool?.close();
  if (merkle.root === null) throw new Error("no root");
  return { fileMiB, threads: threads ?? 0, seconds, mibPerSecond: fileMiB / seconds, peakRssGrowthMiB: rssGrowthMiB };
}

function sealBench(totalMiB: number) {
  const units = (totalMiB * MiB) / BYTES_PER_SEAL;
  const buf = new Uint8Array(totalMiB * MiB);
  randomFillSync(buf);
  const minerId = keccak256(new TextEncoder().encode("bench-miner"));
  const sealContextDigest = keccak256(new TextEncoder().encode("bench-ctx"));
  const t0 = performance.now();
  for (let u = 0; u < units; u++) {
    sealInPlace(buf.subarray(u * BYTES_PER_SEAL, (u + 1) * BYTES_PER_SEAL), {
      minerId,
      sealContextDigest,
      startSector: BigInt(u * 16),
    });
  }
  const sealSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (let u = 0; u < units; u++) {
    unsealInPlace(buf.subarray(u * BYTES_PER_SEAL, (u + 1) * BYTES_PER_SEAL), {
      minerId,
      sealContextDigest,
      startSector: BigInt(u * 16),
    });
  }
  const unsealSeconds = (performance.now() - t1) / 1000;
  const bytes = totalMiB * MiB;
  return {
    totalMiB,
    sealMBps: bytes / 1e6 / sealSeconds,
    sealMiBps: totalMiB / sealSeconds,
    unsealMBps: bytes / 1e6 / unsealSeconds,
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
  return {
    nonces,
    noncesPerSecond: nonces / (scratchSeconds + outputSeconds),
    poraOutputsPerSecond: (nonces * SEALS_PER_LOAD) / (scratchSeconds + outputSeconds),
    scratchpadsPerSecond: nonces / scratchSeconds,
    note: "one nonce = pad seed + 16 KiB scratchpad + recall load + 64 PoRA outputs (a full load scan), excluding disk reads",
  };
}

async function main(): Promise<void> {
  const fileMiB = argNumber("file-mib", 256);
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
    fileRoot: { streamedWorkerPool: streamedPool, streamedCallingThreadOnly: streamedOneThread },
    seal,
    pora,
  };
  console.table({
    [`file root, ${streamedPool.threads} workers`]: {
      value: streamedPool.mibPerSecond.toFixed(1),
      unit: "MiB/s",
      extra: `peak RSS +${streamedPool.peakRssGrowthMiB.toFixed(1)} MiB over ${fileMiB} MiB`,
    },
    "file root, calling thread": {
      value: streamedOneThread.mibPerSecond.toFixed(1),
      unit: "MiB/s",
      extra: `peak RSS +${streamedOneThread.peakRssGrowthMiB.toFixed(1)} MiB over ${streamedOneThread.fileMiB} MiB`,
    },
    "seal, 1 thread": { value: seal.sealMBps.toFixed(1), unit: "MB/s", extra: `${seal.sealMiBps.toFixed(1)} MiB/s` },
    "unseal, 1 thread": { value: seal.unsealMBps.toFixed(1), unit: "MB/s", extra: "" },
    "PoRA nonces, 1 core": {
      value: pora.noncesPerSecond.toFixed(0),
      unit: "nonce/s",
      extra: `${pora.poraOutputsPerSecond.toFixed(0)} outputs/s`,
    },
    "scratchpads, 1 core": { value: pora.scratchpadsPerSecond.toFixed(0), unit: "pad/s", extra: "" },
  });
  const out = path.join(__dirname, "results", "storage-protocol.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`wrote ${out}`);
}

void main();
