/**
 * End to end on a real `hardhat node` with the system deployed as the devnet does, real Redis and real HTTP:
 * sync from Submit events, verified uploads through our client, byte-identical downloads, the miner's read,
 * every bad-input rejection (nothing stored), limits, sharding, and a restart in the middle of an upload.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BYTES_PER_SEGMENT,
  computeFileMerkle,
  computeMerkleLevels,
  createSegmentHashPool,
  getFileLayout,
  toHex,
} from "../protocol/storage";
import {
  ZgsClient,
  ZgsRpcError,
  buildFrame,
  buildSegment,
  downloadFile,
  submitFile,
  uploadFile,
  uploadSegments,
} from "./client";
import { SEGMENT_STREAM_TYPE, encodeFrameHeader } from "./wire";
import type { StorageNode } from "./node";
import { startStorageStack, startTestNode, testBytes, type StorageStack } from "./testing";

let stack: StorageStack;
let node: StorageNode;
let client: ZgsClient;

beforeAll(async () => {
  stack = await startStorageStack();
  ({ node, client } = await startTestNode(stack));
}, 180_000);

afterAll(async () => {
  await node?.stop({ drain: false });
  await stack?.stop();
});

async function rawPost(url: string, body: string | Buffer): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as unknown };
}

/** Submits a file on-chain without uploading, and waits until the node has its entry. */
async function submitOnly(data: Uint8Array, c: ZgsClient = client): Promise<number> {
  const { txSeq } = await submitFile(data, stack.uploadChain());
  await expect.poll(async () => (await c.getFileInfoByTxSeq(txSeq)) !== null, { timeout: 30_000 }).toBe(true);
  return txSeq;
}

describe("storage node", () => {
  it("answers zgs_getStatus and zgs_getShardConfig with the SDK's shapes", async () => {
    const status = await client.getStatus();
    expect(status.networkIdentity.chainId).toBe(31337);
    expect(status.networkIdentity.flowAddress.toLowerCase()).toBe(stack.contracts.Flow.toLowerCase());
    expect(status.networkIdentity.p2pProtocolVersion).toEqual({ major: 0, minor: 4, build: 0 });
    expect(typeof status.logSyncHeight).toBe("number");
    expect(status.logSyncBlock).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await client.getShardConfig()).toEqual({ numShard: 1, shardId: 0 });
    const health = await fetch(`${node.url}/healthz`);
    expect(health.status).toBe(200);
    const st = (await (await fetch(`${node.url}/status`)).json()) as { role: { shard: string; flowAddress: string } };
    expect(st.role.shard).toBe("0/1");
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toContain("zg_storage_segments_stored_total");
  });

  it("uploads a multi-segment file through the client and downloads it back byte-identical, by root and by txSeq", async () => {
    const data = testBytes(3 * BYTES_PER_SEGMENT + 12_345, 7);
    const progress: number[] = [];
    const up = await uploadFile(data, {
      nodes: [client],
      chain: stack.uploadChain(),
      batch: 2,
      onProgress: (p) => {
        if (p.phase === "segments") progress.push(p.done);
      },
    });
    expect(up.segments).toBe(4);
    expect(progress.at(-1)).toBe(4);
    expect(up.root).toBe(toHex(computeFileMerkle(data).root as Uint8Array));
    const info = await client.getFileInfoByTxSeq(up.txSeq);
    expect(info?.finalized).toBe(true);
    expect(info?.uploadedSegNum).toBe(4);
    expect(info?.tx.size).toBe(data.length);
    expect(info?.tx.dataMerkleRoot).toBe(up.root);
    expect(info?.isCached).toBe(false);
    const byRoot = await downloadFile(up.root, { nodes: [client] });
    expect(Buffer.from(byRoot.data).equals(Buffer.from(data))).toBe(true);
    const bySeq = await downloadFile(up.txSeq, { nodes: [client] });
    expect(Buffer.from(bySeq.data).equals(Buffer.from(data))).toBe(true);

    // The plain range download the official Downloader uses.
    const seg = await client.downloadSegmentByTxSeq(up.txSeq, 1024, 2048);
    expect(
      Buffer.from(seg as string, "base64").equals(Buffer.from(data.subarray(BYTES_PER_SEGMENT, 2 * BYTES_PER_SEGMENT))),
    ).toBe(true);

    // The miner's read: the flow range of the file holds its bytes, then zero padding.
    const start = BigInt(info!.tx.startEntryIndex);
    const layout = getFileLayout(data.length);
    const flow = await node.readFlowSectors(start, layout.paddedSectors);
    expect(flow).not.toBeNull();
    expect(Buffer.from(flow!.subarray(0, data.length)).equals(Buffer.from(data))).toBe(true);
    expect(flow!.subarray(data.length).every((b) => b === 0)).toBe(true);
    // Beyond the last known submission: not held.
    expect(await node.readFlowSectors(start + BigInt(layout.paddedSectors), 1)).toBeNull();
  });

  it("rejects bad segments with an error naming the segment and the reason, and stores nothing", async () => {
    const data = testBytes(2 * BYTES_PER_SEGMENT + 1000, 11);
    const txSeq = await submitOnly(data);
    const merkle = computeFileMerkle(data);
    const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
    const good = (i: number) => buildSegment(data, merkle, levels, i);
    const expectRejected = async (segs: unknown[], pattern: RegExp, seq: number = txSeq) => {
      const err = await client.request("zgs_uploadSegmentsByTxSeq", [segs, seq]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ZgsRpcError);
      expect((err as ZgsRpcError).code).toBe(-32602);
      expect((err as ZgsRpcError).message).toMatch(pattern);
    };
    // Unknown root (upload by root) and unknown txSeq.
    const unknown = { ...good(0), root: `0x${"ab".repeat(32)}` };
    const err = await client.uploadSegments([unknown]).catch((e: unknown) => e);
    expect((err as ZgsRpcError).message).toMatch(/segment 0: unknown file/);
    await expectRejected([good(0)], /unknown file \(txSeq 999\)/, 999);
    // Wrong index, wrong size, corrupted bytes, bad proof, wrong fileSize.
    await expectRejected([{ ...good(0), index: 5 }], /segment 5 .*index out of range/);
    await expectRejected([{ ...good(0), index: 1 }], /segment 1 .*(proof|data)/);
    const short = Buffer.from(good(0).data, "base64").subarray(0, 1000).toString("base64");
    await expectRejected([{ ...good(0), data: short }], /segment 0 .*wrong size 1000/);
    const corrupt = Buffer.from(good(1).data, "base64");
    corrupt[77] ^= 1;
    await expectRejected([{ ...good(1), data: corrupt.toString("base64") }], /segment 1 .*corrupted/);
    const badProof = good(2);
    badProof.proof.lemma[1] = `0x${"00".repeat(32)}`;
    await expectRejected([badProof], /segment 2 .*does not verify/);
    const badPath = good(2);
    badPath.proof.path[0] = !badPath.proof.path[0];
    await expectRejected([badPath], /segment 2 .*path/);
    await expectRejected([{ ...good(0), fileSize: 5 }], /segment 0 .*fileSize/);
    await expectRejected([{ ...good(0), data: "not base64!" }], /segment 0 .*base64/);
    await expectRejected([{ ...good(0), proof: { lemma: "x" } }], /segment 0 .*malformed proof/);
    // A batch with one bad segment stores none of them.
    const corrupt2 = Buffer.from(good(2).data, "base64");
    corrupt2[0] ^= 0xff;
    await expectRejected([good(0), good(1), { ...good(2), data: corrupt2.toString("base64") }], /segment 2/);
    const info = await client.getFileInfoByTxSeq(txSeq);
    expect(info?.uploadedSegNum).toBe(0);
    expect(info?.finalized).toBe(false);
    expect(await client.downloadSegmentWithProofByTxSeq(txSeq, 0)).toBeNull();
    // The good ones then go through.
    await uploadSegments(data, txSeq, { nodes: [client] });
    expect((await client.getFileInfoByTxSeq(txSeq))?.finalized).toBe(true);
    // A finalized file answers the SDK's "already uploaded and finalized".
    const again = await client.uploadSegmentsByTxSeq([good(0)], txSeq).catch((e: unknown) => e);
    expect((again as ZgsRpcError).data).toBe("already uploaded and finalized");
  });

  it("answers malformed JSON, bad requests and oversized bodies with errors and keeps serving", async () => {
    const bad = await rawPost(node.url, "{ not json");
    expect(bad.json).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    const noMethod = await rawPost(node.url, JSON.stringify({ jsonrpc: "2.0", id: 3, method: "zgs_nope", params: [] }));
    expect(noMethod.json).toMatchObject({ id: 3, error: { code: -32601 } });
    const invalid = await rawPost(node.url, JSON.stringify({ id: 4, method: 1 }));
    expect(invalid.json).toMatchObject({ id: 4, error: { code: -32600 } });
    const badParam = await rawPost(
      node.url,
      JSON.stringify({ jsonrpc: "2.0", id: 5, method: "zgs_getFileInfo", params: ["0x12"] }),
    );
    expect(badParam.json).toMatchObject({ id: 5, error: { code: -32602 } });
    const batch = await rawPost(
      node.url,
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "zgs_getShardConfig" },
        { jsonrpc: "2.0", id: 2, method: "zgs_getFileInfoByTxSeq", params: [123456] },
      ]),
    );
    expect(batch.json).toEqual([
      { jsonrpc: "2.0", id: 1, result: { numShard: 1, shardId: 0 } },
      { jsonrpc: "2.0", id: 2, result: null },
    ]);
    const tooMany = await rawPost(
      node.url,
      JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "zgs_getShardConfig" }))),
    );
    expect(tooMany.json).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/batch of 40/) } });
    // Declared too large: refused before reading. (Node's fetch may also see the socket close mid-upload.)
    const huge = await rawPost(node.url, Buffer.alloc(33 * 1024 * 1024, 0x20)).catch((e: unknown) => e);
    if (!(huge instanceof Error)) {
      const h = huge as { status: number; json: unknown };
      expect(h.status).toBe(413);
      expect(h.json).toMatchObject({ error: { code: -32600 } });
    }
    // Still serving.
    expect(await client.getShardConfig()).toEqual({ numShard: 1, shardId: 0 });
  });

  it("restarts in the middle of an upload with a consistent index and resumes", async () => {
    const first = await startTestNode(stack);
    const data = testBytes(4 * BYTES_PER_SEGMENT, 21);
    const txSeq = await submitOnly(data, first.client);
    const merkle = computeFileMerkle(data);
    const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
    await first.client.uploadSegmentsByTxSeq(
      [buildSegment(data, merkle, levels, 0), buildSegment(data, merkle, levels, 1)],
      txSeq,
    );
    await first.node.stop({ drain: false });
    const again = await startTestNode(stack, { dataDir: first.config.dataDir });
    try {
      const info = await again.client.getFileInfoByTxSeq(txSeq);
      expect(info?.uploadedSegNum).toBe(2);
      expect(info?.finalized).toBe(false);
      // Resume: the client re-sends everything; the node keeps the two it has and takes the rest.
      await uploadSegments(data, txSeq, { nodes: [again.client] });
      expect((await again.client.getFileInfoByTxSeq(txSeq))?.uploadedSegNum).toBe(4);
      const got = await downloadFile(txSeq, { nodes: [again.client] });
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
    } finally {
      await again.node.stop({ drain: false });
    }
  });

  it("shards: two nodes 0/2 and 1/2 each keep their half; together they serve the file", async () => {
    const a = await startTestNode(stack, { shardPosition: "0/2" });
    const b = await startTestNode(stack, { shardPosition: "1/2" });
    try {
      expect(await b.client.getShardConfig()).toEqual({ numShard: 2, shardId: 1 });
      const data = testBytes(5 * BYTES_PER_SEGMENT - 300, 33);
      const up = await uploadFile(data, { nodes: [a.client, b.client], chain: stack.uploadChain() });
      const ia = await a.client.getFileInfoByTxSeq(up.txSeq);
      const ib = await b.client.getFileInfoByTxSeq(up.txSeq);
      expect(ia!.uploadedSegNum + ib!.uploadedSegNum).toBe(5);
      expect(ia!.finalized && ib!.finalized).toBe(true);
      const got = await downloadFile(up.root, { nodes: [a.client, b.client] });
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
      const viaRpc = await downloadFile(up.root, { nodes: [a.client, b.client], transport: "json-rpc" });
      expect(Buffer.from(viaRpc.data).equals(Buffer.from(data))).toBe(true);
      await expect(downloadFile(up.root, { nodes: [a.client] })).rejects.toThrow(/no node served a valid segment/);
      // The miner's read is null across another shard's segment.
      const start = BigInt(ia!.tx.startEntryIndex);
      const mine = (start / 1024n) % 2n === 0n ? a.node : b.node;
      expect(await mine.readFlowSectors(start, 1024)).not.toBeNull();
      expect(await mine.readFlowSectors(start, 2048)).toBeNull();
      // A segment of the other shard is refused.
      const merkle = computeFileMerkle(data);
      const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
      const other = (start / 1024n) % 2n === 0n ? b : a;
      const err = await other.client
        .request("zgs_uploadSegmentsByTxSeq", [[buildSegment(data, merkle, levels, 0)], up.txSeq])
        .catch((e: unknown) => e);
      expect(String(err)).toMatch(/already uploaded and finalized|not in this node's shard/);
    } finally {
      await a.node.stop({ drain: false });
      await b.node.stop({ drain: false });
    }
  });

  it("a reorg that drops a Submit removes its entry; the new branch's submission takes the txSeq", async () => {
    const snap = await stack.chain.rpc<string>("evm_snapshot");
    const dropped = testBytes(5000, 1234);
    const a = await submitFile(dropped, stack.uploadChain());
    await expect
      .poll(async () => (await client.getFileInfoByTxSeq(a.txSeq))?.tx.dataMerkleRoot, { timeout: 30_000 })
      .toBe(a.root);
    await stack.chain.rpc("evm_revert", [snap]);
    // The other branch: a different file at the same txSeq, then enough blocks to outgrow the dropped branch.
    const b = await submitFile(testBytes(6000, 4321), stack.uploadChain());
    expect(b.txSeq).toBe(a.txSeq);
    for (let i = 0; i < 3; i++) await stack.chain.rpc("evm_mine");
    await expect
      .poll(async () => (await client.getFileInfoByTxSeq(b.txSeq))?.tx.dataMerkleRoot, { timeout: 30_000 })
      .toBe(b.root);
    expect(await client.getFileInfo(a.root)).toBeNull();
  });

  it("the single-segment and by-root forms: zgs_uploadSegment, zgs_uploadSegmentByTxSeq, zgs_downloadSegment, zgs_downloadSegmentWithProof", async () => {
    const data = testBytes(BYTES_PER_SEGMENT + 700, 77);
    const txSeq = await submitOnly(data);
    const merkle = computeFileMerkle(data);
    const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
    const root = toHex(merkle.root as Uint8Array);
    expect(await client.request("zgs_uploadSegment", [buildSegment(data, merkle, levels, 0)])).toBeNull();
    expect((await client.getFileInfo(root))?.uploadedSegNum).toBe(1);
    expect(await client.request("zgs_uploadSegmentByTxSeq", [buildSegment(data, merkle, levels, 1), txSeq])).toBeNull();
    expect((await client.getFileInfo(root))?.finalized).toBe(true);
    // The last segment: 3 sectors of data (700 bytes, the last sector zero-padded).
    const tail = await client.downloadSegment(root, 1024, 1027);
    const want = new Uint8Array(3 * 256);
    want.set(data.subarray(BYTES_PER_SEGMENT));
    expect(Buffer.from(tail as string, "base64").equals(Buffer.from(want))).toBe(true);
    const withProof = await client.downloadSegmentWithProof(root, 1);
    expect(withProof).toMatchObject({ root, index: 1, fileSize: data.length });
    expect(withProof?.proof).toEqual(buildSegment(data, merkle, levels, 1).proof);
    // Ranges past the file or too long are refused; an unknown root answers null.
    await expect(client.downloadSegment(root, 1024, 1028)).rejects.toThrow(/past the file/);
    await expect(client.downloadSegment(root, 0, 1025)).rejects.toThrow(/at most 1024/);
    expect(await client.downloadSegment(`0x${"cd".repeat(32)}`, 0, 1)).toBeNull();
    expect(await client.downloadSegmentWithProof(`0x${"cd".repeat(32)}`, 0)).toBeNull();
  });

  it("binary transfer: upload and download over the frame routes equal the JSON-RPC path byte for byte", async () => {
    const data = testBytes(5 * BYTES_PER_SEGMENT + 777, 91);
    const up = await uploadFile(data, {
      nodes: [client],
      chain: stack.uploadChain(),
      transport: "binary",
      binaryBatch: 2,
    });
    expect(client.binary).toBe(true);
    const info = await client.getFileInfoByTxSeq(up.txSeq);
    expect(info?.finalized).toBe(true);
    expect(info?.uploadedSegNum).toBe(6);
    const bin = await downloadFile(up.root, { nodes: [client], transport: "binary", binaryRange: 4 });
    const rpc = await downloadFile(up.txSeq, { nodes: [client], transport: "json-rpc" });
    // Segment roots hashed by a worker pool check the same way.
    const pool = createSegmentHashPool({ size: 1 });
    try {
      const pooled = await downloadFile(up.txSeq, { nodes: [client], transport: "binary", hashPool: pool });
      expect(Buffer.from(pooled.data).equals(Buffer.from(data))).toBe(true);
    } finally {
      await pool.close();
    }
    expect(Buffer.from(bin.data).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(rpc.data).equals(Buffer.from(data))).toBe(true);
    // Segments uploaded as frames are served by the JSON-RPC with the SDK proof the client would have sent.
    const merkle = computeFileMerkle(data);
    const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
    expect(await client.downloadSegmentWithProofByTxSeq(up.txSeq, 5)).toEqual(buildSegment(data, merkle, levels, 5));
    // A range download holds exactly the asked segments, in order, with the data sectors only.
    const res = await fetch(`${node.url}/v1/files/${up.txSeq}/segments?from=4&to=6`);
    expect(res.headers.get("content-type")).toBe(SEGMENT_STREAM_TYPE);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(Buffer.concat([...buildFrame(data, levels, 4), ...buildFrame(data, levels, 5)]))).toBe(true);
    // A finalized file: the upload answers finalized and stores nothing.
    const again = await client.uploadSegmentsBinary(up.txSeq, Buffer.concat(buildFrame(data, levels, 0)));
    expect(again).toMatchObject({ added: 0, finalized: true });
  });

  it("binary upload refuses a bad segment by index and reason, keeps the verified ones before it; bad frames, ranges and ids", async () => {
    const data = testBytes(3 * BYTES_PER_SEGMENT, 92);
    const txSeq = await submitOnly(data);
    const merkle = computeFileMerkle(data);
    const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
    const bad = buildFrame(data, levels, 1);
    const corrupted = Uint8Array.from(bad[1]);
    corrupted[7] ^= 1;
    const err = await client
      .uploadSegmentsBinary(txSeq, Buffer.concat([...buildFrame(data, levels, 0), bad[0], corrupted]))
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/HTTP 422.*segment 1 .*merkle proof does not verify/);
    expect((await client.getFileInfoByTxSeq(txSeq))?.uploadedSegNum).toBe(1);
    // A proof of the wrong length, and a frame header claiming more than 256 KiB.
    const short = buildFrame(data, levels, 2);
    const err2 = await client
      .uploadSegmentsBinary(txSeq, Buffer.concat([encodeFrameHeader(2, short[1].length, []), short[1]]))
      .catch((e: unknown) => e);
    expect(String(err2)).toMatch(/HTTP 422.*proof length does not fit the index/);
    const huge = encodeFrameHeader(2, 0, []);
    new DataView(huge.buffer).setUint32(4, BYTES_PER_SEGMENT + 1);
    expect(String(await client.uploadSegmentsBinary(txSeq, huge).catch((e: unknown) => e))).toMatch(/HTTP 400/);
    const cut = buildFrame(data, levels, 2);
    expect(
      String(
        await client.uploadSegmentsBinary(txSeq, Buffer.concat([cut[0], cut[1].subarray(10)])).catch((e: unknown) => e),
      ),
    ).toMatch(/HTTP 400.*ends inside a frame/);
    expect((await client.getFileInfoByTxSeq(txSeq))?.uploadedSegNum).toBe(1);
    // Download: a segment not stored, a bad range, an unknown file.
    const missing = await fetch(`${node.url}/v1/files/${txSeq}/segments?from=0&to=3`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "segment_missing", index: 1 } });
    const range = await fetch(`${node.url}/v1/files/${txSeq}/segments?from=2&to=9`);
    expect(range.status).toBe(400);
    expect((await fetch(`${node.url}/v1/files/999999/segments?from=0&to=1`)).status).toBe(404);
    expect((await fetch(`${node.url}/v1/files/999999/segments`, { method: "POST", body: "" })).status).toBe(404);
    // The rest over binary completes the file.
    await uploadSegments(data, txSeq, { nodes: [client], transport: "binary" });
    const got = await downloadFile(txSeq, { nodes: [client], transport: "binary" });
    expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
  });

  it("a node without the binary routes (only JSON-RPC, like 0G's): the client falls back on upload and download", async () => {
    // A proxy that forwards JSON-RPC and answers anything else like a plain JSON-RPC server would.
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method !== "POST" || req.url !== "/") {
          res.writeHead(405, { "content-type": "text/plain" }).end("Method Not Allowed");
          return;
        }
        void fetch(node.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: Buffer.concat(chunks),
        }).then(async (r) => res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text()));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const plain = new ZgsClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      const data = testBytes(2 * BYTES_PER_SEGMENT + 3, 93);
      const up = await uploadFile(data, { nodes: [plain], chain: stack.uploadChain() });
      expect(plain.binary).toBe(false);
      expect((await plain.getFileInfoByTxSeq(up.txSeq))?.finalized).toBe(true);
      const got = await downloadFile(up.root, { nodes: [plain] });
      expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
      await expect(downloadFile(up.root, { nodes: [plain], transport: "binary" })).rejects.toThrow(
        /not served over the binary/,
      );
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it("the flow-root cross-check agrees with Flow.getFlowRootByTxSeq for every recorded submission", async () => {
    const next = await client.getStatus().then((st) => st.nextTxSeq);
    expect(next).toBeGreaterThan(3);
    await expect
      .poll(
        async () => {
          const st = (await (await fetch(`${node.url}/status`)).json()) as {
            role: { flowRootCheck: { checkedThrough: number | null; mismatch: unknown } };
          };
          expect(st.role.flowRootCheck.mismatch).toBeNull();
          return st.role.flowRootCheck.checkedThrough;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(next - 1);
  });
});
