/**
 * Ours against 0G's official storage code, in the same run on this machine:
 *  - gas of Flow.submit (1, 2, 3, 4 nodes) and batchSubmit (10 entries) on our Flow (deployed exactly as the
 *    devnet deploys it) and on the official FixedPriceFlow bytecode shipped in @0gfoundation/0g-ts-sdk@1.2.8,
 *    reported as ours/official (goal ≤ 0.9);
 *  - file-root throughput: the official SDK's `MemData.merkleTree()` against our in-memory and streaming
 *    (two worker threads) file merkle on the same bytes (goal ≥ 20×), with peak RSS growth of the streaming path.
 * The official Mine and Reward contracts do not ship in any npm package, so Mine.submit and reward withdrawal have
 * no official counterpart here (their absolute gas is in storage-gas.json).
 *
 * Run: `npm run bench -- storage-vs-official` (or `npx tsx interop/storage-vs-official.bench.ts`) (needs `npm ci --prefix interop`). Writes
 * bench/results/storage-vs-official.json. `BENCH_GAS_ONLY=1` prints the gas table only (no throughput, no file);
 * `BENCH_TRACE=1` adds, for our transactions, where the gas went (SSTORE/SLOAD/CALL/LOG/exec per contract).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { toHex } from "viem";
import { freePort } from "../agents/devnet/processes";
import { startChain } from "../agents/devnet/services";
import { deploySystem } from "../agents/devnet/devnet";
import { devnetAccount } from "../agents/devnet/accounts";
import { computeFileMerkle, computeFileMerkleStreaming, createSegmentHashPool } from "../agents/protocol/storage";

const root = path.resolve(__dirname, "..");
const interop = __dirname;
// The official SDK pins ethers 6.13.1; use the interop package's copy throughout for the official side.
const ethers = require(path.join(interop, "node_modules", "ethers")) as typeof import("ethers");
const { deployOfficialStorage, officialFlow128 } = require(
  path.join(interop, "lib", "official-storage"),
) as typeof import("./lib/official-storage");
const sdk = require(
  path.join(interop, "node_modules", "@0gfoundation", "0g-ts-sdk"),
) as typeof import("@0gfoundation/0g-ts-sdk");

interface GasRow {
  operation: string;
  ours: number;
  official: number;
  ratio: number;
}

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
}

/**
 * Where one of our transactions' gas went, from the node's `debug_traceTransaction` (without stacks, which makes
 * traces of batches too large): per contract, the cost of SSTORE, SLOAD, LOG*, calls (own cost only: the callee's
 * gas is counted in the callee) and everything else ("exec"). Frames are named by call depth, which our call chain
 * fixes: Flow proxy → Flow implementation → Market proxy → implementation → Reward proxy → implementation (a refund
 * to an account without code opens no frame). For BENCH_TRACE=1.
 */
async function gasBreakdown(provider: import("ethers").JsonRpcProvider, hash: string): Promise<string> {
  const trace = (await provider.send("debug_traceTransaction", [
    hash,
    { disableMemory: true, disableStorage: true, disableStack: true },
  ])) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const byDepth = ["Flow", "Flow", "Market", "Market", "Reward", "Reward"];
  const totals = new Map<string, number>();
  for (let i = 0; i < logs.length; i++) {
    const l = logs[i];
    const here = byDepth[l.depth - 1] ?? `depth ${l.depth}`;
    let cost = l.gasCost;
    let kind = ["SSTORE", "SLOAD"].includes(l.op) ? l.op : l.op.startsWith("LOG") ? "LOG" : "exec";
    if (["CALL", "DELEGATECALL", "STATICCALL"].includes(l.op)) {
      kind = "CALL";
      let j = i + 1;
      while (j < logs.length && logs[j].depth > l.depth) j++;
      const after = j < logs.length ? logs[j].gas : 0;
      const entered = i + 1 < logs.length && logs[i + 1].depth > l.depth;
      const inner = entered ? logs[i + 1].gas - logs[j - 1].gas + logs[j - 1].gasCost : 0;
      cost = l.gas - after - inner;
    }
    const key = `${here}:${kind}`;
    totals.set(key, (totals.get(key) ?? 0) + cost);
  }
  const byContract = new Map<string, string[]>();
  for (const [key, gas] of [...totals].sort((a, b) => b[1] - a[1])) {
    const [contract, kind] = key.split(":");
    if (!byContract.has(contract)) byContract.set(contract, []);
    byContract.get(contract)!.push(`${kind} ${gas}`);
  }
  return [...byContract].map(([c, parts]) => `${c}: ${parts.join(", ")}`).join(" | ");
}

function submission(heights: number[], seed: string, submitter: string) {
  const sectors = heights.reduce((a, h) => a + 2 ** h, 0);
  return {
    data: {
      length: sectors * 256,
      tags: "0x",
      nodes: heights.map((h, i) => ({ root: ethers.keccak256(ethers.toUtf8Bytes(`${seed}-${i}`)), height: h })),
    },
    submitter,
    sectors: BigInt(sectors),
  };
}

async function gasComparison(): Promise<GasRow[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-bench-"));
  const port = await freePort();
  const chain = await startChain({ root, port, logFile: path.join(tmp, "chain.log") });
  try {
    const deployed = await deploySystem(root, port, tmp, `bench-${port}`);
    const provider = new ethers.JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const signer = new ethers.NonceManager(new ethers.Wallet(devnetAccount("alice").privateKey, provider));
    const me = devnetAccount("alice").address;
    const price: bigint = await new ethers.Contract(
      deployed.contracts.Market,
      ["function pricePerSector() view returns (uint256)"],
      provider,
    ).pricePerSector();
    const official = await deployOfficialStorage(signer, { pricePerSector: price, blocksPerEpoch: 30n });
    const abi = officialFlow128().abi;
    const flows = {
      ours: new ethers.Contract(deployed.contracts.Flow, abi, signer),
      official: new ethers.Contract(official.flow, abi, signer),
    };
    const trace = process.env.BENCH_TRACE === "1";
    const rows: GasRow[] = [];
    const measure = async (
      label: string,
      send: (c: import("ethers").Contract) => Promise<import("ethers").ContractTransactionResponse>,
    ) => {
      const gas: Record<string, number> = {};
      for (const [name, c] of Object.entries(flows)) {
        const rc = await (await send(c)).wait();
        if (rc?.status !== 1) throw new Error(`${label} failed on ${name}`);
        gas[name] = Number(rc.gasUsed);
        // Ours only: the node's full structLog of the official transactions has not come back reliably.
        if (trace && name === "ours") {
          console.log(`${label}, ours (${rc.gasUsed}): ${await gasBreakdown(provider, rc.hash)}`);
        }
      }
      rows.push({
        operation: label,
        ours: gas.ours,
        official: gas.official,
        ratio: +(gas.ours / gas.official).toFixed(3),
      });
    };
    // Warm both flows identically first (the first submission pays for fresh storage slots on both).
    const warm = submission([4], "warm", me);
    await measure("submit, first ever [4] (cold)", (c) =>
      c.getFunction("submit(((uint256,bytes,(bytes32,uint256)[]),address))")(warm, { value: warm.sectors * price }),
    );
    for (const heights of [[4], [4, 1], [6, 5, 3], [9, 8, 7, 6]]) {
      const s = submission(heights, heights.join("-"), me);
      await measure(`submit, ${heights.length} node(s) [${heights}]`, (c) =>
        c.getFunction("submit(((uint256,bytes,(bytes32,uint256)[]),address))")(s, { value: s.sectors * price }),
      );
    }
    const batch = Array.from({ length: 10 }, (_, i) => submission([2], `batch-${i}`, me));
    await measure("batchSubmit, 10 × [2]", (c) =>
      c.getFunction("batchSubmit(((uint256,bytes,(bytes32,uint256)[]),address)[])")(batch, {
        value: batch.reduce((a, s) => a + s.sectors * price, 0n),
      }),
    );
    return rows;
  } finally {
    await chain.stop();
  }
}

interface ThroughputRow {
  implementation: string;
  sizeMiB: number;
  seconds: number;
  mibPerSecond: number;
  peakRssGrowthMiB?: number;
}

async function throughput(sizeMiB: number, bigMiB: number): Promise<ThroughputRow[]> {
  const data = new Uint8Array(randomBytes(sizeMiB * 1024 * 1024));
  const rows: ThroughputRow[] = [];
  const time = async (implementation: string, n: number, fn: () => Promise<string>) => {
    const t0 = process.hrtime.bigint();
    const r = await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rows.push({ implementation, sizeMiB: n, seconds: +s.toFixed(3), mibPerSecond: +(n / s).toFixed(1) });
    return r;
  };
  const officialRoot = await time("official SDK 1.2.8 MemData.merkleTree()", sizeMiB, async () => {
    const [tree, err] = await new sdk.MemData(data).merkleTree();
    if (err) throw err;
    return tree!.rootHash()!;
  });
  const inMemory = await time("ours, computeFileMerkle (one thread, in memory)", sizeMiB, async () =>
    toHex(computeFileMerkle(data).root!),
  );
  const pool = createSegmentHashPool({ size: Math.max(1, os.cpus().length) });
  try {
    const streamed = await time(`ours, computeFileMerkleStreaming (${pool.size} worker threads)`, sizeMiB, async () => {
      const m = await computeFileMerkleStreaming(Readable.from(chunks(data)), { pool });
      return toHex(m.root!);
    });
    if (officialRoot.toLowerCase() !== inMemory.toLowerCase() || inMemory.toLowerCase() !== streamed.toLowerCase()) {
      throw new Error(`roots differ: official ${officialRoot}, ours ${inMemory} / ${streamed}`);
    }
    // A larger file, generated on the fly and never held in memory, to show bounded RSS.
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    await time(`ours, streaming ${bigMiB} MiB generated on the fly (${pool.size} worker threads)`, bigMiB, async () => {
      const m = await computeFileMerkleStreaming(Readable.from(generated(bigMiB)), { pool });
      return toHex(m.root!);
    });
    clearInterval(timer);
    rows[rows.length - 1].peakRssGrowthMiB = +((peak - rss0) / 1024 / 1024).toFixed(1);
  } finally {
    await pool.close();
  }
  return rows;
}

function* chunks(data: Uint8Array, size = 1 << 20): Generator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

function* generated(mib: number): Generator<Uint8Array> {
  const block = new Uint8Array(randomBytes(1 << 20));
  for (let i = 0; i < mib; i++) {
    block[0] = i & 0xff;
    block[1] = i >> 8;
    yield block.slice();
  }
}

async function main(): Promise<void> {
  const gas = await gasComparison();
  console.table(gas);
  const maxGasRatio = Math.max(...gas.map((r) => r.ratio));
  if (process.env.BENCH_GAS_ONLY === "1") {
    // Gas figures only (deterministic): no throughput run and no results file.
    console.log({ maxGasRatio });
    return;
  }
  const tput = await throughput(Number(process.env.BENCH_MIB ?? 64), Number(process.env.BENCH_BIG_MIB ?? 256));
  console.table(tput);
  const official = tput[0].mibPerSecond;
  const bestOurs = Math.max(...tput.slice(1, 3).map((r) => r.mibPerSecond));
  const summary = {
    maxGasRatio,
    throughputSpeedup: +(bestOurs / official).toFixed(1),
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
  };
  console.log(summary);
  const out = path.join(root, "bench", "results", "storage-vs-official.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), node: process.version, gas, throughput: tput, summary }, null, 2) +
      "\n",
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
