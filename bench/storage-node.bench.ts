/**
 * Storage node benchmark: upload and download throughput through our node on loopback, time from submit to
 * finalized, node CPU and the node's peak RSS. A real `hardhat node`, Redis and the system deployment; the node runs as
 * its own process (`zg agent storage-node`) so its memory and CPU are measured alone (/proc/<pid>/status, /stat).
 *
 * Per file size: two submissions of different bytes, one uploaded over the binary frame route
 * (`POST /v1/files/<txSeq>/segments`, 32 segments per request, 2 in flight) and one over JSON-RPC
 * (`zgs_uploadSegmentsByTxSeq`, 8 segments per call, 2 in flight), each until finalized (every segment verified
 * against the on-chain root by the node, and fsynced before it is marked stored); then the first file downloaded over
 * the binary route (64-segment ranges, 2 in flight) and over JSON-RPC (`zgs_downloadSegmentWithProofByTxSeq`, 4 in
 * flight), every segment's proof checked by the client.
 *
 * Run: `npx tsx bench/storage-node.bench.ts [--sizes 64,256]` or `BENCH_NODE_MIB=1024 npx tsx bench/storage-node.bench.ts`;
 * `BENCH_NODE_JSON=0` skips the JSON-RPC upload and download (slow at 1 GiB); `BENCH_NODE_HEAP_MIB=96` caps the node's
 * V8 old space (NODE_OPTIONS). Writes bench/results/storage-node.json.
 */
import fs from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { getFreePort, projectRoot, spawnTracked, stopChild, waitFor } from "../agents/core/testing/index.js";
import { computeFileMerkle } from "../agents/protocol/storage";
import {
  ZgsClient,
  downloadFile,
  submitFile,
  uploadSegments,
  type SegmentTransport,
} from "../agents/storage-node/client";
import { startStorageStack, testBytes } from "../agents/storage-node/testing";

const MiB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? String(process.argv[i + 1]) : fallback;
}

/** CPU seconds (user + system) of a process so far. */
function procCpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function procKiB(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process we own. */
function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

const r1 = (x: number) => Number(x.toFixed(1));
const r2 = (x: number) => Number(x.toFixed(2));

/** Runs `fn`, measuring wall time, node and client CPU, the node's peak RSS (sampled and VmHWM) and the load. */
async function phase<T>(pid: number, fn: () => Promise<T>) {
  const canReset = resetPeak(pid);
  let sampled = procKiB(pid, "VmRSS");
  const sampler = setInterval(() => (sampled = Math.max(sampled, procKiB(pid, "VmRSS"))), 50);
  const t0 = performance.now();
  const n0 = procCpuSeconds(pid);
  const c0 = selfCpuSeconds();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    const hwm = procKiB(pid, "VmHWM");
    return {
      value,
      seconds,
      nodeCpu: procCpuSeconds(pid) - n0,
      clientCpu: selfCpuSeconds() - c0,
      peakRssMiB: Math.max(sampled, canReset ? hwm : 0) / 1024,
      load1m: loadavg()[0],
    };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_NODE_MIB ?? arg("sizes", "64,256")).split(",").map(Number);
  const withJson = process.env.BENCH_NODE_JSON !== "0";
  const loadBefore = loadavg()[0];
  const stack = await startStorageStack();
  const root = projectRoot();
  const port = await getFreePort();
  const dataDir = fs.mkdtempSync(path.join(stack.tmp, "bench-node-"));
  const child = spawnTracked(process.execPath, [path.join(root, "bin", "zg"), "agent", "storage-node"], {
    cwd: root,
    stdio: ["ignore", "ignore", fs.openSync(path.join(stack.tmp, "node-stderr.log"), "w")],
    env: {
      ...process.env,
      ZG_STORAGE_NODE_RPC_URL: stack.chain.rpcUrl,
      ZG_STORAGE_NODE_CHAIN_ID: String(stack.chainId),
      ZG_STORAGE_NODE_REDIS_URL: stack.redis.url,
      ZG_STORAGE_NODE_CONFIRMATIONS: "0",
      ZG_STORAGE_NODE_POLL_INTERVAL_MS: "200",
      ZG_STORAGE_NODE_HTTP__PORT: String(port),
      ZG_STORAGE_NODE_FLOW_ADDRESS: stack.contracts.Flow,
      ZG_STORAGE_NODE_DATA_DIR: dataDir,
      ZG_STORAGE_NODE_RPC__ENABLED: "false",
      ZG_STORAGE_NODE_LOG_LEVEL: "warn",
      // Optional V8 old-space cap for the node process (an operator's NODE_OPTIONS), e.g. BENCH_NODE_HEAP_MIB=96.
      ...(process.env.BENCH_NODE_HEAP_MIB
        ? { NODE_OPTIONS: `--max-old-space-size=${Number(process.env.BENCH_NODE_HEAP_MIB)}` }
        : {}),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const node = new ZgsClient(url, 600_000);
  const rows: Record<string, unknown>[] = [];
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, { timeoutMs: 60_000, what: "node" });
    const pid = child.pid as number;
    const idleRssMiB = procKiB(pid, "VmRSS") / 1024;
    // The idle node's own CPU (event polling, scheduled jobs), to read the per-phase CPU figures against.
    const idle0 = procCpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 5_000));
    const idleCpuPerSecond = (procCpuSeconds(pid) - idle0) / 5;
    for (const mib of sizes) {
      const transports: SegmentTransport[] = withJson ? ["binary", "json-rpc"] : ["binary"];
      const uploads: Record<string, unknown> = {};
      let binarySeq = -1;
      let original: Uint8Array | undefined;
      for (const [i, transport] of transports.entries()) {
        const data = testBytes(mib * MiB, mib * 10 + 2 * i + 1);
        const merkle = computeFileMerkle(data);
        const t0 = performance.now();
        const { txSeq } = await submitFile(merkle, stack.uploadChain());
        await waitFor(async () => (await node.getFileInfoByTxSeq(txSeq)) !== null, {
          timeoutMs: 60_000,
          what: "entry",
        });
        const syncedMs = performance.now() - t0;
        const up = await phase(pid, () =>
          uploadSegments(data, txSeq, { nodes: [node], merkle, transport, timeoutMs: 1_800_000 }),
        );
        uploads[transport] = {
          submitToSyncedMs: Math.round(syncedMs),
          submitToFinalizedMs: Math.round(performance.now() - t0),
          uploadMs: Math.round(up.seconds * 1000),
          uploadMiBps: r1(mib / up.seconds),
          nodeCpuSeconds: r2(up.nodeCpu),
          uploadMiBPerNodeCpuSecond: r1(mib / up.nodeCpu),
          clientCpuSeconds: r2(up.clientCpu),
          nodePeakRssMiB: r1(up.peakRssMiB),
          load1m: r2(up.load1m),
        };
        if (transport === "binary") {
          binarySeq = txSeq;
          original = data;
        }
      }
      const downloads: Record<string, unknown> = {};
      for (const transport of transports) {
        const down = await phase(pid, () => downloadFile(binarySeq, { nodes: [node], transport }));
        if (!Buffer.from(down.value.data).equals(Buffer.from(original as Uint8Array)))
          throw new Error(`${transport} download differs`);
        downloads[transport] = {
          downloadMs: Math.round(down.seconds * 1000),
          downloadMiBps: r1(mib / down.seconds),
          nodeCpuSeconds: r2(down.nodeCpu),
          downloadMiBPerNodeCpuSecond: r1(mib / down.nodeCpu),
          clientCpuSeconds: r2(down.clientCpu),
          downloadMiBPerClientCpuSecond: r1(mib / down.clientCpu),
          nodePeakRssMiB: r1(down.peakRssMiB),
          load1m: r2(down.load1m),
        };
      }
      const row = {
        fileMiB: mib,
        segments: Math.ceil((mib * MiB) / (256 * 1024)),
        upload: uploads,
        download: downloads,
        nodeRssAfterMiB: r1(procKiB(pid, "VmRSS") / 1024),
        nodeRssAnonAfterMiB: r1(procKiB(pid, "RssAnon") / 1024),
        nodeRssFileAfterMiB: r1(procKiB(pid, "RssFile") / 1024),
      };
      rows.push(row);
      console.log(JSON.stringify(row, null, 2));
    }
    const results = {
      benchmark: "storage-node",
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: { before: r2(loadBefore), after: r2(loadavg()[0]) },
      nodeIdleRssMiB: r1(idleRssMiB),
      nodeIdleCpuSecondsPerSecond: r2(idleCpuPerSecond),
      nodeMaxOldSpaceMiB: process.env.BENCH_NODE_HEAP_MIB ? Number(process.env.BENCH_NODE_HEAP_MIB) : null,
      notes:
        "loopback, one node process (segment bodies in flat files, fdatasync per store batch; LevelDB index only), client in the benchmark process on the same 2 cores; binary = our frame routes (/v1/files/<id>/segments), json-rpc = the official zgs methods (base64); every uploaded segment verified by the node against the on-chain root, every downloaded segment's proof checked by the client; peak RSS per phase from VmHWM (reset via clear_refs) and 50 ms VmRSS samples; the machine is shared (see load1m), so per-CPU-second figures are the fairer measure",
      rows,
    };
    const table: Record<string, Record<string, unknown>> = {};
    for (const r of rows) {
      const up = r.upload as Record<string, Record<string, number>>;
      const down = r.download as Record<string, Record<string, number>>;
      for (const t of Object.keys(up))
        table[`${String(r.fileMiB)} MiB ${t}`] = {
          "up MiB/s": up[t].uploadMiBps,
          "up MiB/node-CPU-s": up[t].uploadMiBPerNodeCpuSecond,
          "submit→final s": r2(up[t].submitToFinalizedMs / 1000),
          "up peak RSS MiB": up[t].nodePeakRssMiB,
          "down MiB/s": down[t]?.downloadMiBps,
          "down MiB/node-CPU-s": down[t]?.downloadMiBPerNodeCpuSecond,
          "down MiB/client-CPU-s": down[t]?.downloadMiBPerClientCpuSecond,
          "down peak RSS MiB": down[t]?.nodePeakRssMiB,
          load: up[t].load1m,
        };
    }
    console.table(table);
    const out = path.join(__dirname, "results", "storage-node.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
    console.log(`wrote ${out}`);
  } finally {
    if (child.exitCode !== null)
      console.error(
        `node exited ${child.exitCode}: ${fs.readFileSync(path.join(stack.tmp, "node-stderr.log"), "utf8").slice(-2000)}`,
      );
    await stopChild(child);
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
