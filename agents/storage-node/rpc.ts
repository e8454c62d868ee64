/**
 * The zgs JSON-RPC 2.0 API, with exactly the methods, params and result shapes of 0G's storage node that the
 * official clients call. Transport-free: {@link createZgsRpc} maps a request body to a response body; `server.ts`
 * puts it on HTTP.
 */
import { BYTES_PER_SECTOR, SECTORS_PER_SEGMENT, getFileLayout, type Hex } from "../protocol/storage";
import type { FileEntry, StorageStore } from "./store";
import { createSectorProofMethod } from "./sectorProof";
import { SegmentRejectedError, dataSegmentCount, verifySegment, type SdkProof, type VerifiedSegment } from "./segments";

/** JSON-RPC error codes. */
export const RpcCodes = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  server: -32000,
} as const;

/** An error answered as a JSON-RPC error object. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** The SDK's `FileInfo`. */
export interface FileInfo {
  tx: {
    streamIds: string[];
    data: number[];
    dataMerkleRoot: Hex;
    merkleNodes: [number, Hex][];
    startEntryIndex: number;
    size: number;
    seq: number;
  };
  finalized: boolean;
  isCached: boolean;
  uploadedSegNum: number;
}

/** The SDK's `Status`. */
export interface NodeStatus {
  connectedPeers: number;
  logSyncHeight: number;
  logSyncBlock: Hex;
  nextTxSeq: number;
  networkIdentity: {
    chainId: number;
    flowAddress: Hex;
    p2pProtocolVersion: { major: number; minor: number; build: number };
  };
}

/** What the RPC layer needs besides the store. */
export interface ZgsRpcOptions {
  store: StorageStore;
  chainId: number;
  flowAddress: Hex;
  /** Last block the sync has processed, and its hash. */
  syncCursor: () => Promise<{ block: bigint; hash: Hex | undefined }>;
  /** Segments accepted in one upload call (default 64). */
  maxSegmentsPerCall?: number;
  /** Requests in one JSON-RPC batch (default 32). */
  maxBatchRequests?: number;
  /** Called after segments are stored. */
  onSegmentsStored?: (entry: FileEntry, added: number) => void;
  /** Called for each rejected segment. */
  onSegmentRejected?: (err: SegmentRejectedError) => void;
}

type Params = unknown[];

function fileInfo(e: FileEntry): FileInfo {
  return {
    tx: {
      streamIds: [],
      data: [],
      dataMerkleRoot: e.root,
      merkleNodes: e.nodes.map((n) => [n.height, n.root]),
      startEntryIndex: Number(e.startSector),
      size: e.size,
      seq: e.txSeq,
    },
    finalized: e.finalized,
    isCached: false,
    uploadedSegNum: e.uploadedSegments,
  };
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

function rootParam(v: unknown, name = "root"): string {
  if (typeof v !== "string" || !HASH_RE.test(v))
    throw new RpcError(RpcCodes.invalidParams, `Invalid params: ${name} must be a 0x-prefixed 32-byte hex string`);
  return v.toLowerCase();
}

function uintParam(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw new RpcError(
      RpcCodes.invalidParams,
      `Invalid params: ${name} must be a non-negative integer (got ${JSON.stringify(v)})`,
    );
  return v;
}

/** The dispatcher: `handle(bodyText)` returns the response body (every request, notifications included, is answered). */
export interface ZgsRpc {
  handle(body: string): Promise<unknown>;
  call(method: string, params: Params): Promise<unknown>;
}

/** Creates the zgs RPC dispatcher. */
export function createZgsRpc(opts: ZgsRpcOptions): ZgsRpc {
  const { store } = opts;
  const maxSegments = opts.maxSegmentsPerCall ?? 64;
  const maxBatch = opts.maxBatchRequests ?? 32;

  async function byRoot(root: string): Promise<FileEntry | undefined> {
    return store.getPreferredByRoot(root);
  }

  async function upload(segs: unknown, entry: FileEntry | undefined, what: string): Promise<null> {
    if (!Array.isArray(segs)) throw new RpcError(RpcCodes.invalidParams, "Invalid params: segments must be an array");
    if (segs.length === 0) return null;
    if (segs.length > maxSegments)
      throw new RpcError(
        RpcCodes.invalidParams,
        `Invalid params: ${segs.length} segments in one call (at most ${maxSegments})`,
      );
    if (!entry) {
      const idx = (segs[0] as { index?: unknown })?.index;
      throw new RpcError(RpcCodes.invalidParams, `Invalid params: segment ${String(idx)}: unknown file (${what})`, {
        index: idx,
        reason: `unknown file (${what})`,
      });
    }
    if (entry.finalized) throw new RpcError(RpcCodes.invalidParams, "Invalid params", "already uploaded and finalized");
    const layout = getFileLayout(entry.size);
    const verified: VerifiedSegment[] = [];
    for (const s of segs) {
      try {
        verified.push(verifySegment(s, entry, store.shard, layout));
      } catch (err) {
        if (err instanceof SegmentRejectedError) {
          opts.onSegmentRejected?.(err);
          throw new RpcError(RpcCodes.invalidParams, `Invalid params: ${err.message}`, {
            index: err.index,
            root: entry.root,
            txSeq: entry.txSeq,
            reason: err.reason,
          });
        }
        throw err;
      }
    }
    const { entry: updated, added } = await store.putSegments(entry.txSeq, verified);
    if (added > 0) opts.onSegmentsStored?.(updated, added);
    return null;
  }

  async function download(entry: FileEntry | undefined, startV: unknown, endV: unknown): Promise<string | null> {
    const start = uintParam(startV, "startIndex");
    const end = uintParam(endV, "endIndex");
    if (end <= start || end - start > SECTORS_PER_SEGMENT)
      throw new RpcError(
        RpcCodes.invalidParams,
        `Invalid params: sector range [${start}, ${end}) must be non-empty and at most ${SECTORS_PER_SEGMENT} sectors`,
      );
    if (!entry) return null;
    const numSectors = Math.ceil(entry.size / BYTES_PER_SECTOR);
    if (end > numSectors)
      throw new RpcError(
        RpcCodes.invalidParams,
        `Invalid params: endIndex ${end} is past the file's ${numSectors} sectors`,
      );
    const data = await store.readFileSectors(entry, start, end);
    return data ? Buffer.from(data).toString("base64") : null;
  }

  async function withProof(entry: FileEntry | undefined, indexV: unknown): Promise<unknown> {
    const index = uintParam(indexV, "index");
    if (!entry) return null;
    if (index >= dataSegmentCount(entry.size))
      throw new RpcError(
        RpcCodes.invalidParams,
        `Invalid params: segment ${index} out of range (${dataSegmentCount(entry.size)} data segments)`,
      );
    const proof: SdkProof | undefined = await store.getProof(entry.txSeq, index);
    if (!proof) return null;
    // The data sectors only, as uploaded, read straight from the segment file.
    const dataSectors = Math.min(
      SECTORS_PER_SEGMENT,
      Math.ceil(entry.size / BYTES_PER_SECTOR) - index * SECTORS_PER_SEGMENT,
    );
    const data = await store.readSegmentBytes(entry, index, dataSectors * BYTES_PER_SECTOR);
    if (!data) return null;
    return {
      root: entry.root,
      data: Buffer.from(data.buffer, data.byteOffset, data.length).toString("base64"),
      index,
      proof,
      fileSize: entry.size,
    };
  }

  const methods: Record<string, (p: Params) => Promise<unknown>> = {
    zgs_getStatus: async () => {
      const cursor = await opts.syncCursor();
      const status: NodeStatus = {
        connectedPeers: 0,
        logSyncHeight: Number(cursor.block),
        logSyncBlock: cursor.hash ?? `0x${"0".repeat(64)}`,
        nextTxSeq: await store.nextTxSeq(),
        networkIdentity: {
          chainId: opts.chainId,
          flowAddress: opts.flowAddress,
          p2pProtocolVersion: { major: 0, minor: 4, build: 0 },
        },
      };
      return status;
    },
    zgs_getShardConfig: async () => ({ numShard: store.shard.numShard, shardId: store.shard.shardId }),
    zgs_getFileInfo: async (p) => {
      const e = await byRoot(rootParam(p[0]));
      return e ? fileInfo(e) : null;
    },
    zgs_getFileInfoByTxSeq: async (p) => {
      const e = await store.getByTxSeq(uintParam(p[0], "txSeq"));
      return e ? fileInfo(e) : null;
    },
    zgs_uploadSegment: async (p) => {
      const root = rootParam((p[0] as { root?: unknown } | undefined)?.root, "segment.root");
      return upload([p[0]], await byRoot(root), `root ${root}`);
    },
    zgs_uploadSegments: async (p) => {
      const segs = p[0];
      const first = Array.isArray(segs) ? (segs[0] as { root?: unknown } | undefined) : undefined;
      if (!first) return upload(segs, undefined, "no segments");
      const root = rootParam(first.root, "segment.root");
      if (Array.isArray(segs) && segs.some((s) => String((s as { root?: unknown })?.root).toLowerCase() !== root))
        throw new RpcError(RpcCodes.invalidParams, "Invalid params: all segments of one call must have the same root");
      return upload(segs, await byRoot(root), `root ${root}`);
    },
    zgs_uploadSegmentByTxSeq: async (p) => {
      const txSeq = uintParam(p[1], "txSeq");
      return upload([p[0]], await store.getByTxSeq(txSeq), `txSeq ${txSeq}`);
    },
    zgs_uploadSegmentsByTxSeq: async (p) => {
      const txSeq = uintParam(p[1], "txSeq");
      return upload(p[0], await store.getByTxSeq(txSeq), `txSeq ${txSeq}`);
    },
    zgs_downloadSegment: async (p) => download(await byRoot(rootParam(p[0])), p[1], p[2]),
    zgs_downloadSegmentByTxSeq: async (p) => download(await store.getByTxSeq(uintParam(p[0], "txSeq")), p[1], p[2]),
    zgs_downloadSegmentWithProof: async (p) => withProof(await byRoot(rootParam(p[0])), p[1]),
    zgs_downloadSegmentWithProofByTxSeq: async (p) => withProof(await store.getByTxSeq(uintParam(p[0], "txSeq")), p[1]),
    zgs_getSectorProof: createSectorProofMethod(store, (code, message, data) => new RpcError(code, message, data)),
  };

  async function call(method: string, params: Params): Promise<unknown> {
    const fn = Object.prototype.hasOwnProperty.call(methods, method) ? methods[method] : undefined;
    if (!fn) throw new RpcError(RpcCodes.methodNotFound, `Method not found: ${method}`);
    return fn(params);
  }

  async function one(req: unknown): Promise<unknown> {
    const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id =
      r && typeof r === "object" && (typeof r.id === "string" || typeof r.id === "number" || r.id === null)
        ? r.id
        : null;
    if (!r || typeof r !== "object" || Array.isArray(r) || r.jsonrpc !== "2.0" || typeof r.method !== "string")
      return { jsonrpc: "2.0", id, error: { code: RpcCodes.invalidRequest, message: "Invalid request" } };
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params))
      return {
        jsonrpc: "2.0",
        id,
        error: { code: RpcCodes.invalidParams, message: "Invalid params: params must be an array" },
      };
    try {
      const result = await call(r.method, params);
      return { jsonrpc: "2.0", id, result: result === undefined ? null : result };
    } catch (err) {
      if (err instanceof RpcError)
        return {
          jsonrpc: "2.0",
          id,
          error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) },
        };
      return {
        jsonrpc: "2.0",
        id,
        error: {
          code: RpcCodes.internal,
          message: `Internal error: ${err instanceof Error ? err.message : String(err)}`,
        },
      };
    }
  }

  return {
    call,
    async handle(body: string) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return { jsonrpc: "2.0", id: null, error: { code: RpcCodes.parse, message: "Parse error" } };
      }
      if (Array.isArray(parsed)) {
        if (parsed.length === 0)
          return {
            jsonrpc: "2.0",
            id: null,
            error: { code: RpcCodes.invalidRequest, message: "Invalid request: empty batch" },
          };
        if (parsed.length > maxBatch)
          return {
            jsonrpc: "2.0",
            id: null,
            error: {
              code: RpcCodes.invalidRequest,
              message: `Invalid request: batch of ${parsed.length} (at most ${maxBatch})`,
            },
          };
        const out: unknown[] = [];
        for (const r of parsed) out.push(await one(r));
        return out;
      }
      return one(parsed);
    },
  };
}
