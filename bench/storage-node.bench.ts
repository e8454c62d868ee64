/**
 * Storage node benchmark: upload and download throughput through our node on loopback, with the node's peak RSS.
 * A real `hardhat node`, Redis and the system deployment; the node runs as its own process (`zg agent storage-node`)
 * so its memory is measured alone (/proc/<pid>/status VmHWM). Upload = zgs_uploadSegmentsByTxSeq calls (8 segments
 * each, SDK proof format, every proof verified and each batch fsynced by the node) until finalized; download =
 * zgs_downloadSegmentWithProofByTxSeq per segment, every proof checked by the client, then the file root recomputed.
 * Run: `npx tsx bench/storage-node.bench.ts [--sizes 64,256]`; writes bench/results/storage-node.json.
 */
import fs from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { getFreePort, projectRoot, spawnTracked, stopChild, waitFor } from "../agents/core/testing/index.js";
import { computeFileMerkle } from "../agents/protocol/storage";
import { ZgsClient, downloadFile, submitFile, uploadSegments } from "../agents/storage-node/client";
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

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

function procKiB(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const sizes = arg("sizes", "64,256").split(",").map(Number);
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
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const node = new ZgsClient(url);
  const rows: Record<string, unknown>[] = [];
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, { timeoutMs: 60_000, what: "node" });
    const pid = child.pid as number;
    const idleRssMiB = procKiB(pid, "VmRSS") / 1024;
    for (const mib of sizes) {
      const data = testBytes(mib * MiB, mib);
      const t0 = performance.now();
      const merkle = computeFileMerkle(data);
      const t1 = performance.now();
      const { txSeq } = await submitFile(merkle, stack.uploadChain());
      await waitFor(async () => (await node.getFileInfoByTxSeq(txSeq)) !== null, { timeoutMs: 60_000, what: "entry" });
      const t2 = performance.now();
      const cpu0 = procCpuSeconds(pid);
      let peakKiB = 0;
      const sampler = setInterval(() => (peakKiB = Math.max(peakKiB, procKiB(pid, "VmRSS"))), 100);
      await uploadSegments(data, txSeq, { nodes: [node], merkle, timeoutMs: 600_000 });
      const t3 = performance.now();
      const cpu1 = procCpuSeconds(pid);
      const got = await downloadFile(txSeq, { nodes: [node] });
      const t4 = performance.now();
      const cpu2 = procCpuSeconds(pid);
      clearInterval(sampler);
      if (!Buffer.from(got.data).equals(Buffer.from(data))) throw new Error("download differs");
      const row = {
        fileMiB: mib,
        segments: merkle.segmentRoots.length,
        clientMerkleMs: Math.round(t1 - t0),
        submitAndSyncMs: Math.round(t2 - t1),
        uploadMs: Math.round(t3 - t2),
        uploadMiBps: Number((mib / ((t3 - t2) / 1000)).toFixed(1)),
        downloadVerifiedMs: Math.round(t4 - t3),
        downloadMiBps: Number((mib / ((t4 - t3) / 1000)).toFixed(1)),
        nodeCpuSecondsUpload: Number((cpu1 - cpu0).toFixed(2)),
        uploadMiBPerNodeCpuSecond: Number((mib / (cpu1 - cpu0)).toFixed(1)),
        nodeCpuSecondsDownload: Number((cpu2 - cpu1).toFixed(2)),
        downloadMiBPerNodeCpuSecond: Number((mib / (cpu2 - cpu1)).toFixed(1)),
        nodeHeapUsedMiB: Number(((await metric(url, "zg_nodejs_heap_size_used_bytes")) / MiB).toFixed(1)),
        nodeHeapTotalMiB: Number(((await metric(url, "zg_nodejs_heap_size_total_bytes")) / MiB).toFixed(1)),
        nodeExternalMiB: Number(((await metric(url, "zg_nodejs_external_memory_bytes")) / MiB).toFixed(1)),
        nodePeakRssMiB: Number((peakKiB / 1024).toFixed(1)),
        nodeRssAfterMiB: Number((procKiB(pid, "VmRSS") / 1024).toFixed(1)),
        // File-backed pages are LevelDB's memory-mapped table files (reclaimable page cache); anonymous is the heap.
        nodeRssAnonAfterMiB: Number((procKiB(pid, "RssAnon") / 1024).toFixed(1)),
        nodeRssFileAfterMiB: Number((procKiB(pid, "RssFile") / 1024).toFixed(1)),
      };
      rows.push(row);
      console.log(row);
    }
    const results = {
      benchmark: "storage-node",
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      nodeIdleRssMiB: Number(idleRssMiB.toFixed(1)),
      nodePeakRssHwmMiB: Number((procKiB(pid, "VmHWM") / 1024).toFixed(1)),
      notes:
        "loopback, one node process (LevelDB, fsync per upload call), client in the benchmark process; upload = 8-segment zgs_uploadSegmentsByTxSeq calls, 2 in flight, until finalized; download = one zgs_downloadSegmentWithProofByTxSeq per segment, 4 in flight, proofs and file root verified; the machine is shared (see loadAverage1m), so per-node-CPU-second figures are the fairer measure",
      rows,
    };
    console.table(
      Object.fromEntries(
        rows.map((r) => [
          `${String(r.fileMiB)} MiB`,
          {
            "upload MiB/s": r.uploadMiBps,
            "download MiB/s": r.downloadMiBps,
            "up MiB/node-CPU-s": r.uploadMiBPerNodeCpuSecond,
            "down MiB/node-CPU-s": r.downloadMiBPerNodeCpuSecond,
            "node peak RSS MiB": r.nodePeakRssMiB,
            "RSS anon/file MiB": `${String(r.nodeRssAnonAfterMiB)} / ${String(r.nodeRssFileAfterMiB)}`,
          },
        ]),
      ),
    );
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
