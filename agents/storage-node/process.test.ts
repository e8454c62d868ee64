/**
 * The node as an operator runs it, in child processes: `zg agent storage-node` killed with SIGKILL in the middle of
 * an upload restarts with a consistent index (its counters match the segments actually stored, each of which still
 * verifies) and the upload resumes; Redis restarted under a running node loses no event; and the `zg storage` CLI
 * uploads, downloads and reports status against it.
 */
import { execFile, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeAddressBook } from "../core/address-book";
import { getFreePort, projectRoot, spawnTracked, stopChild, waitFor } from "../core/testing/index.js";
import { BYTES_PER_SEGMENT, computeFileMerkle, computeMerkleLevels, getFileLayout, toHex } from "../protocol/storage";
import { ZgsClient, buildFrame, buildSegment, downloadFile, submitFile, uploadSegments } from "./client";
import { verifySegment } from "./segments";
import { startStorageStack, testBytes, type StorageStack } from "./testing";
import { SEGMENT_STREAM_TYPE } from "./wire";

let stack: StorageStack;
const root = projectRoot();
const zg = path.join(root, "bin", "zg");

beforeAll(async () => {
  stack = await startStorageStack();
}, 180_000);
afterAll(async () => stack?.stop());

interface Child {
  proc: ChildProcess;
  url: string;
  client: ZgsClient;
}

async function startChild(dataDir: string, port: number, redisUrl = stack.redis.url): Promise<Child> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ZG_STORAGE_NODE_RPC_URL: stack.chain.rpcUrl,
    ZG_STORAGE_NODE_CHAIN_ID: String(stack.chainId),
    ZG_STORAGE_NODE_REDIS_URL: redisUrl,
    ZG_STORAGE_NODE_CONFIRMATIONS: "0",
    ZG_STORAGE_NODE_POLL_INTERVAL_MS: "100",
    ZG_STORAGE_NODE_HTTP__PORT: String(port),
    ZG_STORAGE_NODE_FLOW_ADDRESS: stack.contracts.Flow,
    ZG_STORAGE_NODE_DATA_DIR: dataDir,
    ZG_STORAGE_NODE_RPC__ENABLED: "false",
    ZG_STORAGE_NODE_LOG_LEVEL: "warn",
  };
  const proc = spawnTracked(process.execPath, [zg, "agent", "storage-node"], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`storage node exited ${proc.exitCode}: ${stderr}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    { timeoutMs: 60_000, what: "storage node /healthz" },
  );
  return { proc, url, client: new ZgsClient(url) };
}

function runZg(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [zg, ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
}

describe("storage node processes", () => {
  it("SIGKILL during an upload: the restarted node's index matches its stored segments and the upload resumes", async () => {
    const dataDir = fs.mkdtempSync(path.join(stack.tmp, "killed-"));
    const port = await getFreePort();
    let child = await startChild(dataDir, port);
    const data = testBytes(12 * BYTES_PER_SEGMENT + 99, 42);
    const { txSeq, root: fileRoot } = await submitFile(data, stack.uploadChain());
    await waitFor(async () => (await child.client.getFileInfoByTxSeq(txSeq)) !== null, { what: "entry" });
    const merkle = computeFileMerkle(data);
    const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
    // Upload one segment per call in the background, and kill the node once a few have landed.
    const uploading = (async () => {
      for (let i = 0; i < 13; i++)
        await child.client.uploadSegmentsByTxSeq([buildSegment(data, merkle, levels, i)], txSeq);
    })().catch((e: unknown) => e);
    await waitFor(async () => ((await child.client.getFileInfoByTxSeq(txSeq))?.uploadedSegNum ?? 0) >= 3, {
      what: "3 segments",
    });
    child.proc.kill("SIGKILL");
    await new Promise((r) => child.proc.once("exit", r));
    expect(await uploading).toBeInstanceOf(Error);

    child = await startChild(dataDir, port);
    try {
      const info = await child.client.getFileInfoByTxSeq(txSeq);
      expect(info).not.toBeNull();
      expect(info!.finalized).toBe(false);
      const n = info!.uploadedSegNum;
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThan(13);
      // The counter equals the segments really stored, and each stored segment still verifies.
      const layout = getFileLayout(data.length);
      let stored = 0;
      for (let i = 0; i < 13; i++) {
        const seg = await child.client.downloadSegmentWithProofByTxSeq(txSeq, i);
        if (!seg) continue;
        stored++;
        verifySegment(
          seg,
          { txSeq, root: fileRoot, size: data.length, startSector: BigInt(info!.tx.startEntryIndex) },
          { shardId: 0, numShard: 1 },
          layout,
        );
      }
      expect(stored).toBe(n);
      // The bytes live in the submission's segment file, the index in LevelDB.
      expect(fs.readdirSync(path.join(dataDir, "segments"))).toContain(`${String(txSeq).padStart(12, "0")}.seg`);
      // Resume (over the binary route: the client's default with our node).
      await uploadSegments(data, txSeq, { nodes: [child.client] });
      expect(child.client.binary).toBe(true);
      const got = await downloadFile(fileRoot, { nodes: [child.client] });
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
    } finally {
      await stopChild(child.proc);
    }
  });

  it("SIGKILL in the middle of a streamed binary upload: the index matches the segment file and the upload resumes", async () => {
    const dataDir = fs.mkdtempSync(path.join(stack.tmp, "killed-bin-"));
    const port = await getFreePort();
    let child = await startChild(dataDir, port);
    const total = 40;
    const data = testBytes(total * BYTES_PER_SEGMENT - 1234, 43);
    const { txSeq, root: fileRoot } = await submitFile(data, stack.uploadChain());
    await waitFor(async () => (await child.client.getFileInfoByTxSeq(txSeq)) !== null, { what: "entry" });
    const levels = computeMerkleLevels(computeFileMerkle(data).segmentRoots as Uint8Array[]);
    // One request whose body trickles out a frame every 20 ms, so the node is killed mid-stream.
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next >= total) return controller.close();
        await new Promise((r) => setTimeout(r, 20));
        controller.enqueue(Buffer.concat(buildFrame(data, levels, next++)));
      },
    });
    const uploading = fetch(`${child.url}/v1/files/${txSeq}/segments`, {
      method: "POST",
      headers: { "content-type": SEGMENT_STREAM_TYPE },
      body,
      duplex: "half",
    } as RequestInit).catch((e: unknown) => e);
    await waitFor(async () => ((await child.client.getFileInfoByTxSeq(txSeq))?.uploadedSegNum ?? 0) >= 16, {
      what: "16 segments",
    });
    child.proc.kill("SIGKILL");
    await new Promise((r) => child.proc.once("exit", r));
    expect(await uploading).toBeInstanceOf(Error);

    child = await startChild(dataDir, port);
    try {
      const info = await child.client.getFileInfoByTxSeq(txSeq);
      const n = info!.uploadedSegNum;
      expect(info!.finalized).toBe(false);
      expect(n).toBeGreaterThanOrEqual(16);
      expect(n).toBeLessThan(total);
      // Every segment the index marks is served and verifies; no other one is.
      const layout = getFileLayout(data.length);
      let stored = 0;
      for (let i = 0; i < total; i++) {
        const seg = await child.client.downloadSegmentWithProofByTxSeq(txSeq, i);
        if (!seg) continue;
        stored++;
        verifySegment(
          seg,
          { txSeq, root: fileRoot, size: data.length, startSector: BigInt(info!.tx.startEntryIndex) },
          { shardId: 0, numShard: 1 },
          layout,
        );
      }
      expect(stored).toBe(n);
      await uploadSegments(data, txSeq, { nodes: [child.client], transport: "binary" });
      const got = await downloadFile(txSeq, { nodes: [child.client], transport: "binary" });
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
    } finally {
      await stopChild(child.proc);
    }
  });

  it("zg storage upload / download / status work against a node from the address book", async () => {
    const dataDir = fs.mkdtempSync(path.join(stack.tmp, "cli-"));
    const child = await startChild(dataDir, await getFreePort());
    try {
      const book = path.join(stack.tmp, "book.json");
      writeAddressBook(book, {
        chainId: stack.chainId,
        rpcUrl: stack.chain.rpcUrl,
        redisUrl: stack.redis.url,
        contracts: stack.contracts,
        agents: { storageNode: child.url },
        accounts: {},
      });
      const file = path.join(stack.tmp, "cli-in.bin");
      const data = testBytes(2 * BYTES_PER_SEGMENT + 5, 8);
      fs.writeFileSync(file, data);
      const up = await runZg(["storage", "upload", file, "--address-book", book, "--tags", "0xabcd"]);
      expect(up.code, up.out).toBe(0);
      const rootHex = toHex(computeFileMerkle(data).root as Uint8Array);
      expect(up.out).toContain(`root   ${rootHex}`);
      const txSeq = Number(/txSeq\s+(\d+)/.exec(up.out)?.[1]);
      expect(Number.isInteger(txSeq)).toBe(true);
      const out1 = path.join(stack.tmp, "cli-out-root.bin");
      const d1 = await runZg(["storage", "download", rootHex, out1, "--address-book", book]);
      expect(d1.code, d1.out).toBe(0);
      expect(fs.readFileSync(out1).equals(Buffer.from(data))).toBe(true);
      const out2 = path.join(stack.tmp, "cli-out-seq.bin");
      const d2 = await runZg(["storage", "download", String(txSeq), out2, "--address-book", book, "--node", child.url]);
      expect(d2.code, d2.out).toBe(0);
      expect(fs.readFileSync(out2).equals(Buffer.from(data))).toBe(true);
      const st = await runZg(["storage", "status", "--address-book", book]);
      expect(st.code, st.out).toBe(0);
      expect(st.out).toContain(`flow        ${stack.contracts.Flow}`);
      expect(st.out).toContain("shard       0/1");
      const bad = await runZg(["storage", "download", "nonsense", path.join(stack.tmp, "x"), "--address-book", book]);
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/neither a root/);
    } finally {
      await stopChild(child.proc);
    }
  });

  it("Redis restarted under a running node: it reconnects and no Submit event is lost", async () => {
    const { startRedis } = await import("../core/testing/index.js");
    const redis = await startRedis({ persistent: true });
    const child = await startChild(fs.mkdtempSync(path.join(stack.tmp, "redis-")), await getFreePort(), redis.url);
    try {
      const before = await submitFile(testBytes(1000, 1), stack.uploadChain());
      await waitFor(async () => (await child.client.getFileInfoByTxSeq(before.txSeq)) !== null, {
        what: "first entry",
      });
      await redis.restart();
      const during = await submitFile(testBytes(2000, 2), stack.uploadChain());
      const after = await submitFile(testBytes(3000, 3), stack.uploadChain());
      await waitFor(
        async () =>
          (await child.client.getFileInfoByTxSeq(during.txSeq)) !== null &&
          (await child.client.getFileInfoByTxSeq(after.txSeq)) !== null,
        { timeoutMs: 60_000, what: "entries after the Redis restart" },
      );
      expect((await child.client.getFileInfoByTxSeq(after.txSeq))?.tx.dataMerkleRoot).toBe(after.root);
    } finally {
      await stopChild(child.proc);
      await redis.stop();
    }
  });
});
