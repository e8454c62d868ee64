/**
 * A typed client for zgs JSON-RPC nodes (ours or 0G's) and the upload / download helpers the CLI and other agents
 * use (the INFT oracle stores ciphertexts through `uploadFile`). Upload: file merkle → Flow `submit` with the fee
 * quoted from the Market → wait for the node to see the entry → upload each node's shard of segments with SDK-format
 * proofs → wait for finalization. Download: every segment's proof is checked against the file root.
 *
 * Transport: with our nodes the segments travel in the binary frame format (wire.ts, `/v1/files/<id>/segments`),
 * with any other zgs node (0G's) through the JSON-RPC methods; `transport: "auto"` (default) probes each node once
 * and falls back to JSON-RPC per node, and per segment when a binary transfer fails.
 */
import { decodeEventLog, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from "viem";
import { FlowAbi, MarketAbi } from "../generated/abis.js";
import {
  BYTES_PER_SECTOR,
  BYTES_PER_SEGMENT,
  computeFileMerkle,
  computeMerkleLevels,
  computeMerkleProof,
  computeSubmissionFee,
  createSegmentHashPool,
  createSubmission,
  getFileLayout,
  getSegmentSectors,
  toHex,
  type FileMerkle,
  type Hex,
  type SegmentHashPool,
} from "../protocol/storage";
import {
  dataSegmentCount,
  flowSegmentIndex,
  toSdkProof,
  verifyRawSegment,
  verifySegment,
  type SegmentTarget,
  type SegmentWithProof,
} from "./segments";
import type { FileInfo, NodeStatus } from "./rpc";
import { holdsFlowSegment, type ShardConfig } from "./shard";
import { FrameDecoder, SEGMENT_STREAM_TYPE, encodeFrameHeader, type SegmentFrame } from "./wire";

/** How segments travel: binary frames when the node offers them (else JSON-RPC), or one of the two only. */
export type SegmentTransport = "auto" | "binary" | "json-rpc";

/** What a binary upload answers. */
export interface BinaryUploadResult {
  txSeq: number;
  added: number;
  uploadedSegNum: number;
  finalized: boolean;
}

/** Error codes our node answers on the binary routes (anything else means the node does not offer them). */
const BINARY_ERROR_CODES = new Set(["unknown_file", "segment_missing", "bad_range", "segment_rejected", "bad_frame"]);

/** A JSON-RPC error answered by a node. */
export class ZgsRpcError extends Error {
  constructor(
    readonly url: string,
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data?: unknown,
  ) {
    super(
      `${method} at ${url}: ${rpcMessage} (code ${code}${data !== undefined ? `, data ${JSON.stringify(data)}` : ""})`,
    );
    this.name = "ZgsRpcError";
  }
}

/** A failed upload or download, with the offending values. */
export class StorageClientError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "StorageClientError";
  }
}

let nextId = 1;

/** One zgs node. */
export class ZgsClient {
  /** Whether the node serves the binary segment routes (probed once; undefined until then). */
  binary: boolean | undefined;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 60_000,
  ) {}

  private segmentsUrl(id: number | string): string {
    return `${this.url.replace(/\/$/, "")}/v1/files/${encodeURIComponent(String(id))}/segments`;
  }

  /** Whether the node offers the binary routes: one cheap GET, cached. */
  async supportsBinary(): Promise<boolean> {
    if (this.binary !== undefined) return this.binary;
    try {
      const res = await fetch(`${this.segmentsUrl(0)}?from=0&to=1`, { signal: AbortSignal.timeout(this.timeoutMs) });
      const type = res.headers.get("content-type") ?? "";
      if (type.startsWith(SEGMENT_STREAM_TYPE)) {
        await res.body?.cancel();
        this.binary = true;
      } else {
        const body = (await res.json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
        this.binary = BINARY_ERROR_CODES.has(String(body?.error?.code));
      }
    } catch {
      this.binary = false;
    }
    return this.binary;
  }

  /**
   * Binary download of the stored segments of `[from, to)` this node holds; `onFrame` gets each frame as it arrives
   * (unverified: the caller checks it).
   *
   * @throws StorageClientError when the node answers an error or the stream is cut
   */
  async downloadSegmentsBinary(
    id: number | Hex,
    from: number,
    to: number,
    onFrame: (f: SegmentFrame) => void | Promise<void>,
    /** Frames handled at once when `onFrame` is asynchronous (default 8). */
    window = 8,
  ): Promise<number> {
    const res = await fetch(`${this.segmentsUrl(id)}?from=${from}&to=${to}`, {
      signal: AbortSignal.timeout(this.timeoutMs * 4),
    });
    if (res.status !== 200 || !(res.headers.get("content-type") ?? "").startsWith(SEGMENT_STREAM_TYPE) || !res.body)
      throw new StorageClientError(`${this.url}: binary download of [${from}, ${to}) answered HTTP ${res.status}`, {
        body: (await res.text().catch(() => "")).slice(0, 300),
      });
    const decoder = new FrameDecoder();
    const reader = res.body.getReader();
    let frames = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const f of decoder.push(value)) {
          frames++;
          const p = onFrame(f);
          if (!p) continue;
          const tracked = p.then(
            () => void inFlight.delete(tracked),
            (err: unknown) => {
              inFlight.delete(tracked);
              failure ??= err;
            },
          );
          inFlight.add(tracked);
          if (inFlight.size >= window) await Promise.race(inFlight);
          if (failure !== undefined) throw failure;
        }
      }
      decoder.finish();
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      throw err;
    } finally {
      await Promise.all(inFlight);
    }
    if (failure !== undefined) throw failure;
    return frames;
  }

  /**
   * Binary upload of frames (see {@link encodeFrameHeader}) to a submission.
   *
   * @throws StorageClientError with the node's reason when it rejects a segment
   */
  async uploadSegmentsBinary(txSeq: number, body: Uint8Array): Promise<BinaryUploadResult> {
    const res = await fetch(this.segmentsUrl(txSeq), {
      method: "POST",
      headers: { "content-type": SEGMENT_STREAM_TYPE },
      body,
      signal: AbortSignal.timeout(this.timeoutMs * 4),
    });
    const text = await res.text();
    let out: (BinaryUploadResult & { error?: { code: string; message: string } }) | undefined;
    try {
      out = JSON.parse(text) as typeof out;
    } catch {
      // below
    }
    if (res.status !== 200 || !out || typeof out.added !== "number")
      throw new StorageClientError(
        `${this.url}: binary upload to txSeq ${txSeq} failed (HTTP ${res.status}): ${out?.error?.message ?? text.slice(0, 200)}`,
        { status: res.status, error: out?.error },
      );
    return out;
  }

  /**
   * One JSON-RPC call. Every zgs method is idempotent (a re-sent segment is skipped), so a connection that drops
   * before an answer (e.g. a keep-alive socket closed by the server as the request goes out) is retried twice.
   */
  async request<T>(method: string, params: unknown[] = []): Promise<T> {
    const payload = JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params });
    let res: Response | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: payload,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        break;
      } catch (err) {
        if (attempt >= 3 || !(err instanceof TypeError)) throw err;
        await sleep(200 * attempt);
      }
    }
    const text = await res.text();
    let body: { result?: T; error?: { code: number; message: string; data?: unknown } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ZgsRpcError(this.url, method, res.status, `HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (body.error) throw new ZgsRpcError(this.url, method, body.error.code, body.error.message, body.error.data);
    return body.result as T;
  }

  getStatus = () => this.request<NodeStatus>("zgs_getStatus");
  getShardConfig = () => this.request<ShardConfig>("zgs_getShardConfig");
  getFileInfo = (root: Hex, needAvailable = false) =>
    this.request<FileInfo | null>("zgs_getFileInfo", [root, needAvailable]);
  getFileInfoByTxSeq = (txSeq: number) => this.request<FileInfo | null>("zgs_getFileInfoByTxSeq", [txSeq]);
  uploadSegments = (segs: SegmentWithProof[]) => this.request<null>("zgs_uploadSegments", [segs]);
  uploadSegmentsByTxSeq = (segs: SegmentWithProof[], txSeq: number) =>
    this.request<null>("zgs_uploadSegmentsByTxSeq", [segs, txSeq]);
  downloadSegment = (root: Hex, start: number, end: number) =>
    this.request<string | null>("zgs_downloadSegment", [root, start, end]);
  downloadSegmentByTxSeq = (txSeq: number, start: number, end: number) =>
    this.request<string | null>("zgs_downloadSegmentByTxSeq", [txSeq, start, end]);
  downloadSegmentWithProof = (root: Hex, index: number) =>
    this.request<SegmentWithProof | null>("zgs_downloadSegmentWithProof", [root, index]);
  downloadSegmentWithProofByTxSeq = (txSeq: number, index: number) =>
    this.request<SegmentWithProof | null>("zgs_downloadSegmentWithProofByTxSeq", [txSeq, index]);
}

/** Runs `fn` over `items` with at most `concurrency` in flight; the first failure stops new starts and is thrown. */
async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Progress report of an upload or download. */
export interface TransferProgress {
  phase: "submitted" | "synced" | "segments" | "finalized";
  done: number;
  total: number;
  txSeq?: number;
}

/** Chain access for uploads. */
export interface UploadChain {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  flowAddress: Hex;
}

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  nodes: ZgsClient[];
  chain?: UploadChain;
  tags?: Hex;
  /** Resume: the file was already submitted under this txSeq; skip the Flow transaction. */
  txSeq?: number;
  /** Segments per upload call (default 8 ≈ 2.8 MB of base64). */
  batch?: number;
  /** Upload calls in flight at once (default 2). */
  concurrency?: number;
  /** Segments per binary upload request (default 32 = 8 MiB). */
  binaryBatch?: number;
  /** Binary frames or JSON-RPC (default "auto": binary where the node offers it). */
  transport?: SegmentTransport;
  /** Wait for finalization (default true). */
  waitFinalized?: boolean;
  timeoutMs?: number;
  onProgress?: (p: TransferProgress) => void;
}

/** What {@link uploadFile} did. */
export interface UploadResult {
  root: Hex;
  txSeq: number;
  txHash?: Hex;
  fee: bigint;
  segments: number;
}

async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new StorageClientError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The SDK-format segment `index` of a file (the last segment trimmed to whole sectors of data). */
export function buildSegment(
  data: Uint8Array,
  merkle: FileMerkle,
  levels: Uint8Array[][],
  index: number,
): SegmentWithProof {
  const start = index * BYTES_PER_SEGMENT;
  const end = Math.min(start + BYTES_PER_SEGMENT, data.length);
  let bytes = data.subarray(start, end);
  if (bytes.length % BYTES_PER_SECTOR !== 0) {
    const padded = new Uint8Array(Math.ceil(bytes.length / BYTES_PER_SECTOR) * BYTES_PER_SECTOR);
    padded.set(bytes);
    bytes = padded;
  }
  const root = merkle.root as Uint8Array;
  return {
    root: toHex(root),
    data: Buffer.from(bytes).toString("base64"),
    index,
    proof: toSdkProof(
      merkle.segmentRoots[index],
      computeMerkleProof(levels, index),
      root,
      index,
      merkle.segmentRoots.length,
    ),
    fileSize: data.length,
  };
}

/** The binary frame (header, proof siblings, data) of segment `index` of a file. */
export function buildFrame(data: Uint8Array, levels: Uint8Array[][], index: number): Uint8Array[] {
  const start = index * BYTES_PER_SEGMENT;
  const end = Math.min(start + BYTES_PER_SEGMENT, data.length);
  let bytes = data.subarray(start, end);
  if (bytes.length % BYTES_PER_SECTOR !== 0) {
    const padded = new Uint8Array(Math.ceil(bytes.length / BYTES_PER_SECTOR) * BYTES_PER_SECTOR);
    padded.set(bytes);
    bytes = padded;
  }
  const siblings = levels[0].length > 1 ? computeMerkleProof(levels, index) : [];
  return [encodeFrameHeader(index, bytes.length, siblings), bytes];
}

/** What {@link submitFile} did. */
export interface SubmitResult {
  root: Hex;
  txSeq: number;
  txHash: Hex;
  fee: bigint;
  startSector: bigint;
}

/**
 * Submits a file's merkle summary to the Flow, paying `Σ 2^height × Market.pricePerSector()`, and reads its txSeq
 * from the receipt's `Submit` event.
 */
export async function submitFile(
  fileOrMerkle: Uint8Array | FileMerkle,
  chain: UploadChain,
  opts: { tags?: Hex; timeoutMs?: number } = {},
): Promise<SubmitResult> {
  const merkle = fileOrMerkle instanceof Uint8Array ? computeFileMerkle(fileOrMerkle) : fileOrMerkle;
  if (!merkle.root) throw new StorageClientError("cannot submit an empty file (the Flow rejects it)");
  const submission = createSubmission({
    merkle,
    tags: opts.tags ?? "0x",
    submitter: chain.walletClient.account.address,
  });
  const market = await chain.publicClient.readContract({
    address: chain.flowAddress,
    abi: FlowAbi,
    functionName: "market",
  });
  const price = await chain.publicClient.readContract({
    address: market,
    abi: MarketAbi,
    functionName: "pricePerSector",
  });
  const fee = computeSubmissionFee(submission.data.nodes, price);
  const txHash = await chain.walletClient.writeContract({
    address: chain.flowAddress,
    abi: FlowAbi,
    functionName: "submit",
    args: [submission],
    value: fee,
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({
    hash: txHash,
    timeout: opts.timeoutMs ?? 120_000,
  });
  if (receipt.status !== "success") throw new StorageClientError("Flow.submit reverted", { txHash });
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== chain.flowAddress.toLowerCase()) continue;
    try {
      const ev = decodeEventLog({ abi: FlowAbi, data: log.data, topics: log.topics });
      if (ev.eventName === "Submit")
        return {
          root: toHex(merkle.root),
          txSeq: Number(ev.args.submissionIndex),
          txHash,
          fee,
          startSector: ev.args.startPos,
        };
    } catch {
      // another event of the Flow
    }
  }
  throw new StorageClientError("no Submit event in the receipt", { txHash });
}

/** Submits `data` to the Flow (unless `txSeq` is given) and uploads it to the nodes. */
export async function uploadFile(data: Uint8Array, opts: UploadFileOptions): Promise<UploadResult> {
  if (data.length === 0) throw new StorageClientError("cannot upload an empty file (the Flow rejects it)");
  if (opts.nodes.length === 0) throw new StorageClientError("no storage nodes given");
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const merkle = computeFileMerkle(data);
  const root = toHex(merkle.root as Uint8Array);
  let txSeq = opts.txSeq;
  let txHash: Hex | undefined;
  let fee = 0n;
  if (txSeq === undefined) {
    if (!opts.chain) throw new StorageClientError("a chain (wallet + Flow address) is needed to submit");
    const sub = await submitFile(merkle, opts.chain, { tags: opts.tags, timeoutMs });
    ({ txSeq, txHash, fee } = sub);
    opts.onProgress?.({ phase: "submitted", done: 0, total: 0, txSeq });
  }
  const seq = txSeq;
  const segments = await uploadSegments(data, seq, { ...opts, merkle, timeoutMs });
  return { root, txSeq: seq, txHash, fee, segments };
}

/**
 * Uploads every node's shard of the file's segments (idempotent: a node skips segments it has; a finalized file is
 * done), then waits for each node to report the file finalized.
 *
 * @returns segments sent
 */
export async function uploadSegments(
  data: Uint8Array,
  txSeq: number,
  opts: UploadFileOptions & { merkle?: FileMerkle },
): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const merkle = opts.merkle ?? computeFileMerkle(data);
  const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
  const batch = opts.batch ?? 8;
  const root = toHex(merkle.root as Uint8Array);
  // Every node must have seen the Submit event.
  const infos = await Promise.all(
    opts.nodes.map((n) =>
      waitUntil(
        async () => (await n.getFileInfoByTxSeq(txSeq)) ?? undefined,
        timeoutMs,
        `${n.url} to sync txSeq ${txSeq}`,
      ),
    ),
  );
  for (const info of infos) {
    if (info.tx.dataMerkleRoot.toLowerCase() !== root)
      throw new StorageClientError(`txSeq ${txSeq} has root ${info.tx.dataMerkleRoot}, not this file's ${root}`, {
        txSeq,
      });
    if (info.tx.size !== data.length)
      throw new StorageClientError(`txSeq ${txSeq} has size ${info.tx.size}, not ${data.length}`, { txSeq });
  }
  opts.onProgress?.({ phase: "synced", done: 0, total: 0, txSeq });
  const start = BigInt(infos[0].tx.startEntryIndex);
  const transport = opts.transport ?? "auto";
  const plan: { node: ZgsClient; indexes: number[]; binary: boolean }[] = [];
  for (const [i, node] of opts.nodes.entries()) {
    if (infos[i].finalized) continue;
    const shard = await node.getShardConfig();
    const indexes: number[] = [];
    for (let k = 0; k < dataSegmentCount(data.length); k++)
      if (holdsFlowSegment(shard, flowSegmentIndex(start, k))) indexes.push(k);
    const binary = transport !== "json-rpc" && (await node.supportsBinary());
    if (transport === "binary" && !binary)
      throw new StorageClientError(`${node.url} does not offer the binary segment transfer`);
    plan.push({ node, indexes, binary });
  }
  const total = plan.reduce((s, p) => s + p.indexes.length, 0);
  let done = 0;
  opts.onProgress?.({ phase: "segments", done, total, txSeq });
  const tasks = plan.flatMap(({ node, indexes, binary }) => {
    const out: { node: ZgsClient; indexes: number[]; binary: boolean }[] = [];
    const step = binary ? (opts.binaryBatch ?? 32) : batch;
    for (let i = 0; i < indexes.length; i += step) out.push({ node, indexes: indexes.slice(i, i + step), binary });
    return out;
  });
  const finalizedNodes = new Set<ZgsClient>();
  await runPool(tasks, opts.concurrency ?? 2, async ({ node, indexes, binary }) => {
    if (finalizedNodes.has(node)) return;
    if (binary) {
      const r = await node.uploadSegmentsBinary(
        txSeq,
        Buffer.concat(indexes.flatMap((k) => buildFrame(data, levels, k))),
      );
      if (r.finalized) finalizedNodes.add(node);
    } else {
      const segs = indexes.map((k) => buildSegment(data, merkle, levels, k));
      try {
        await node.uploadSegmentsByTxSeq(segs, txSeq);
      } catch (err) {
        if (!(err instanceof ZgsRpcError && err.data === "already uploaded and finalized")) throw err;
        finalizedNodes.add(node);
      }
    }
    done += indexes.length;
    opts.onProgress?.({ phase: "segments", done: Math.min(done, total), total, txSeq });
  });
  if (opts.waitFinalized ?? true) {
    await Promise.all(
      opts.nodes.map((n) =>
        waitUntil(
          async () => ((await n.getFileInfoByTxSeq(txSeq))?.finalized ? true : undefined),
          timeoutMs,
          `${n.url} to finalize txSeq ${txSeq}`,
        ),
      ),
    );
    opts.onProgress?.({ phase: "finalized", done, total, txSeq });
  }
  return total;
}

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  nodes: ZgsClient[];
  /** JSON-RPC segment calls in flight at once (default 4). */
  concurrency?: number;
  /** Binary frames or JSON-RPC (default "auto": binary where the node offers it, JSON-RPC for the rest). */
  transport?: SegmentTransport;
  /** Segments per binary download request (default 64 = 16 MiB). */
  binaryRange?: number;
  /** Binary download requests in flight at once (default 2). */
  binaryConcurrency?: number;
  /**
   * Worker threads hashing downloaded segments for their proof checks: a pool to use, or false to hash inline. By
   * default files of 64 segments (16 MiB) or more get a pool of the machine's parallelism for the call.
   */
  hashPool?: SegmentHashPool | false;
  onProgress?: (p: TransferProgress) => void;
}

/** A downloaded and verified file. */
export interface DownloadResult {
  data: Uint8Array;
  root: Hex;
  txSeq: number;
}

/**
 * Downloads a finalized file by root (0x…32 bytes) or txSeq from the nodes that hold its segments; every segment's
 * proof is checked against the file root, then the assembled file's root is recomputed.
 *
 * @throws StorageClientError when no node has a segment, a proof fails, or the root differs
 */
export async function downloadFile(rootOrTxSeq: Hex | number, opts: DownloadFileOptions): Promise<DownloadResult> {
  if (opts.nodes.length === 0) throw new StorageClientError("no storage nodes given");
  let info: FileInfo | null = null;
  for (const n of opts.nodes) {
    info =
      typeof rootOrTxSeq === "number"
        ? await n.getFileInfoByTxSeq(rootOrTxSeq)
        : await n.getFileInfo(rootOrTxSeq, true);
    if (info?.finalized) break;
  }
  if (!info) throw new StorageClientError(`file ${String(rootOrTxSeq)} not found on any node`);
  if (!info.finalized)
    throw new StorageClientError(`file ${String(rootOrTxSeq)} is not finalized yet`, { uploaded: info.uploadedSegNum });
  const size = info.tx.size;
  const txSeq = info.tx.seq;
  const root = info.tx.dataMerkleRoot;
  if (typeof rootOrTxSeq === "string" && root.toLowerCase() !== rootOrTxSeq.toLowerCase())
    throw new StorageClientError(`node answered root ${root} for ${rootOrTxSeq}`);
  const start = BigInt(info.tx.startEntryIndex);
  const shards = await Promise.all(opts.nodes.map((n) => n.getShardConfig()));
  const layout = getFileLayout(size);
  const target: SegmentTarget = { txSeq, root, size, startSector: start };
  const out = new Uint8Array(size);
  const n = dataSegmentCount(size);
  const missing = new Set(Array.from({ length: n }, (_, k) => k));
  const reasons: string[] = [];
  let done = 0;
  const place = (k: number, padded: Uint8Array) => {
    const off = k * BYTES_PER_SEGMENT;
    out.set(padded.subarray(0, Math.min(BYTES_PER_SEGMENT, size - off)), off);
    missing.delete(k);
    opts.onProgress?.({ phase: "segments", done: ++done, total: n, txSeq });
  };
  const transport = opts.transport ?? "auto";
  const ownPool = opts.hashPool === undefined && n >= 64 && transport !== "json-rpc";
  const pool = ownPool ? createSegmentHashPool() : opts.hashPool || undefined;
  try {
    if (transport !== "json-rpc") {
      for (const [i, node] of opts.nodes.entries()) {
        if (missing.size === 0) break;
        if (!(await node.supportsBinary())) {
          reasons.push(`${node.url}: no binary transfer`);
          continue;
        }
        const range = opts.binaryRange ?? 64;
        const windows: [number, number][] = [];
        for (let from = 0; from < n; from += range) {
          const to = Math.min(n, from + range);
          for (let k = from; k < to; k++)
            if (missing.has(k) && holdsFlowSegment(shards[i], flowSegmentIndex(start, k))) {
              windows.push([from, to]);
              break;
            }
        }
        await runPool(windows, opts.binaryConcurrency ?? 2, async ([from, to]) => {
          try {
            await node.downloadSegmentsBinary(txSeq, from, to, async (f) => {
              if (f.index < from || f.index >= to || !missing.has(f.index)) return;
              // Every segment is checked against the file root with its proof before it is used (its root hashed by
              // the worker pool when there is one; a size the pool refuses is caught by the checks inline).
              const sectors = getSegmentSectors(layout, f.index);
              const ok = f.data.length > 0 && f.data.length <= sectors * BYTES_PER_SECTOR;
              const segRoot = pool && ok ? await pool.hashSegment(f.data, sectors) : undefined;
              place(f.index, verifyRawSegment(f.index, f.data, f.siblings, target, shards[i], layout, segRoot).data);
            });
          } catch (err) {
            // What arrived verified is kept; the rest falls back to the next node / JSON-RPC.
            reasons.push(`${node.url} [${from}, ${to}): ${err instanceof Error ? err.message : String(err)}`);
          }
        });
      }
    }
    if (missing.size > 0 && transport === "binary")
      throw new StorageClientError(`${missing.size} segments of ${root} not served over the binary transfer`, {
        reasons,
      });
    await runPool([...missing], opts.concurrency ?? 4, async (k) => {
      let got: Uint8Array | undefined;
      const segReasons: string[] = [];
      for (const [i, node] of opts.nodes.entries()) {
        if (!holdsFlowSegment(shards[i], flowSegmentIndex(start, k))) continue;
        const seg = await node.downloadSegmentWithProofByTxSeq(txSeq, k);
        if (!seg) {
          segReasons.push(`${node.url}: not available`);
          continue;
        }
        try {
          got = verifySegment(seg, target, shards[i], layout).data;
          break;
        } catch (err) {
          segReasons.push(`${node.url}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (!got)
        throw new StorageClientError(`no node served a valid segment ${k} of ${root}`, {
          reasons: [...reasons, ...segReasons],
        });
      place(k, got);
    });
  } finally {
    if (ownPool) await pool?.close();
  }
  // No whole-file root recomputation: each data segment was checked against the file root with a proof whose path
  // the index and the segment count fix, so the assembled bytes are the committed ones (padding segments are zeros).
  return { data: out, root, txSeq };
}
