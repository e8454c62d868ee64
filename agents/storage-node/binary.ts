/**
 * The binary segment transfer (our own clients; see wire.ts for the frame format):
 *
 *   GET  /v1/files/<txSeq|root>/segments?from=&to=   the stored segments of [from, to) in this node's shard, as
 *                                                     frames with their proof siblings (404 if one is not stored)
 *   POST /v1/files/<txSeq>/segments                   a frame stream; every segment is verified against the on-chain
 *                                                     root like a JSON-RPC upload, and stored in batches
 *
 * Both stream with backpressure: a download holds one segment in memory at a time, an upload at most one batch.
 * Unlike a JSON-RPC call, a binary upload is not all-or-nothing: the verified segments before a rejected frame are
 * kept (each of them passed the same checks), and the answer names the rejected segment.
 */
import type http from "node:http";
import { BYTES_PER_SECTOR, SECTORS_PER_SEGMENT, getFileLayout } from "../protocol/storage";
import {
  SegmentRejectedError,
  dataSegmentCount,
  proofSiblings,
  verifyRawSegment,
  type VerifiedSegment,
} from "./segments";
import { flowSegmentIndex } from "./segments";
import { holdsFlowSegment } from "./shard";
import type { FileEntry, StorageStore } from "./store";
import { FrameDecoder, FrameError, SEGMENT_STREAM_TYPE, encodeFrameHeader } from "./wire";

/** Most segments one download request may ask for (256 MiB). */
export const MAX_RANGE_SEGMENTS = 1024;
/** Segments verified before one store write (one fdatasync + index batch). */
const UPLOAD_BATCH = 16;

const ROUTE = /^\/v1\/files\/([^/]+)\/segments$/;

/** Options of {@link serveBinary}. */
export interface BinaryTransferOptions {
  store: StorageStore;
  onSegmentsStored?: (entry: FileEntry, added: number) => void;
  onSegmentRejected?: (err: SegmentRejectedError) => void;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
}

const fail = (res: http.ServerResponse, status: number, code: string, message: string, extra = {}, close = false) =>
  sendJson(res, status, { error: { code, message, ...extra } }, close);

async function entryOf(store: StorageStore, id: string): Promise<FileEntry | undefined> {
  if (/^0x[0-9a-fA-F]{64}$/.test(id)) return store.getPreferredByRoot(id.toLowerCase());
  if (/^\d{1,15}$/.test(id)) return store.getByTxSeq(Number(id));
  return undefined;
}

/** True when the request is a binary transfer route (served, whatever the outcome). */
export function isBinaryRoute(req: http.IncomingMessage): boolean {
  const path = (req.url ?? "/").split("?")[0];
  return ROUTE.test(path) && (req.method === "GET" || req.method === "POST");
}

/** Serves a binary transfer request (call when {@link isBinaryRoute} is true). */
export async function serveBinary(
  opts: BinaryTransferOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const id = decodeURIComponent(ROUTE.exec(url.pathname)?.[1] ?? "");
  if (req.method === "GET") return download(opts.store, id, url, res);
  return upload(opts, id, req, res);
}

function waitDrain(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

async function download(store: StorageStore, id: string, url: URL, res: http.ServerResponse): Promise<void> {
  const entry = await entryOf(store, id);
  if (!entry) return fail(res, 404, "unknown_file", `no file ${id}`);
  const numData = dataSegmentCount(entry.size);
  const from = Number(url.searchParams.get("from") ?? 0);
  const to = Number(url.searchParams.get("to") ?? Math.min(numData, from + MAX_RANGE_SEGMENTS));
  if (
    !Number.isSafeInteger(from) ||
    !Number.isSafeInteger(to) ||
    from < 0 ||
    to <= from ||
    to > numData ||
    to - from > MAX_RANGE_SEGMENTS
  )
    return fail(
      res,
      400,
      "bad_range",
      `segment range [${from}, ${to}) must be non-empty, within the file's ${numData} data segments and at most ${MAX_RANGE_SEGMENTS} long`,
    );
  const wanted: number[] = [];
  for (let i = from; i < to; i++)
    if (holdsFlowSegment(store.shard, flowSegmentIndex(entry.startSector, i))) wanted.push(i);
  const proofs = [];
  for (const i of wanted) {
    const p = await store.getProof(entry.txSeq, i);
    if (!p)
      return fail(res, 404, "segment_missing", `segment ${i} of txSeq ${entry.txSeq} is not stored`, { index: i });
    proofs.push(p);
  }
  res.writeHead(200, {
    "content-type": SEGMENT_STREAM_TYPE,
    "x-zg-tx-seq": String(entry.txSeq),
    "x-zg-segments": String(wanted.length),
  });
  const fileSectors = Math.ceil(entry.size / BYTES_PER_SECTOR);
  for (const [k, i] of wanted.entries()) {
    if (res.destroyed) return;
    const length = Math.min(SECTORS_PER_SEGMENT, fileSectors - i * SECTORS_PER_SEGMENT) * BYTES_PER_SECTOR;
    const data = await store.readSegmentBytes(entry, i, length);
    if (!data) {
      // Removed by a reorg under us: cut the stream, the client sees a short body.
      res.destroy();
      return;
    }
    res.write(encodeFrameHeader(i, length, proofSiblings(proofs[k])));
    if (!res.write(data)) await waitDrain(res);
  }
  res.end();
}

async function upload(
  opts: BinaryTransferOptions,
  id: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const { store } = opts;
  const entry = /^\d{1,15}$/.test(id) ? await store.getByTxSeq(Number(id)) : undefined;
  if (!entry) return fail(res, 404, "unknown_file", `no file with txSeq ${id}`, {}, true);
  const answer = async (status: number, extra: Record<string, unknown> = {}, close = false) => {
    const e = (await store.getByTxSeq(entry.txSeq)) ?? entry;
    sendJson(
      res,
      status,
      { txSeq: e.txSeq, added, uploadedSegNum: e.uploadedSegments, finalized: e.finalized, ...extra },
      close,
    );
  };
  let added = 0;
  if (entry.finalized) {
    await answer(200, {}, true);
    res.once("finish", () => req.destroy());
    return;
  }
  const layout = getFileLayout(entry.size);
  const decoder = new FrameDecoder();
  let batch: VerifiedSegment[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await store.putSegments(entry.txSeq, batch);
    batch = [];
    added += r.added;
    if (r.added > 0) opts.onSegmentsStored?.(r.entry, r.added);
  };
  try {
    // `for await` reads the socket only as fast as segments are verified and stored (backpressure).
    for await (const chunk of req as AsyncIterable<Buffer>) {
      for (const f of decoder.push(chunk)) {
        batch.push(verifyRawSegment(f.index, f.data, f.siblings, entry, store.shard, layout));
        if (batch.length >= UPLOAD_BATCH) await flush();
      }
    }
    decoder.finish();
    await flush();
    await answer(200);
  } catch (err) {
    await flush().catch(() => undefined);
    if (res.headersSent || res.destroyed) return;
    if (err instanceof SegmentRejectedError) {
      opts.onSegmentRejected?.(err);
      await answer(
        422,
        { error: { code: "segment_rejected", message: err.message, index: err.index, reason: err.reason } },
        true,
      );
    } else if (err instanceof FrameError) {
      await answer(400, { error: { code: "bad_frame", message: err.message } }, true);
    } else {
      await answer(
        500,
        { error: { code: "internal", message: err instanceof Error ? err.message : String(err) } },
        true,
      );
    }
    res.once("finish", () => req.destroy());
  }
}
