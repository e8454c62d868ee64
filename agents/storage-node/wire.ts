/**
 * The node's binary segment transfer format (our own clients; 0G's clients use the JSON-RPC). A body is a sequence
 * of frames, all integers big-endian:
 *
 *   u32 index          file segment index
 *   u32 length         data bytes that follow (a segment's data sectors: 256 KiB, less for the last segment)
 *   u8  siblings       number of proof sibling hashes
 *   32 × siblings      the merkle proof's siblings, bottom-up (the path is implied by the index and segment count;
 *                      the leaf is the segment root the receiver computes, the root is the file root it knows)
 *   length bytes       the segment data
 *
 * Served as `GET /v1/files/<txSeq|root>/segments?from=&to=` (download) and accepted as
 * `POST /v1/files/<txSeq>/segments` (upload), content type {@link SEGMENT_STREAM_TYPE}. Pure: no I/O.
 */
import { BYTES_PER_SEGMENT } from "../protocol/storage";

/** Content type of a frame stream. */
export const SEGMENT_STREAM_TYPE = "application/vnd.zg.segments.v1";

/** Bytes before the siblings. */
const HEADER = 9;
/** Deepest proof accepted (2^64 segments is far beyond any flow). */
export const MAX_SIBLINGS = 64;

/** One decoded frame. */
export interface SegmentFrame {
  index: number;
  data: Uint8Array;
  siblings: Uint8Array[];
}

/** A malformed frame stream. */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`segment stream at byte ${offset}: ${message}`);
    this.name = "FrameError";
  }
}

/** The header and siblings of a frame (the data follows it on the wire). */
export function encodeFrameHeader(index: number, length: number, siblings: readonly Uint8Array[]): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new RangeError(`bad segment index ${index}`);
  if (!Number.isInteger(length) || length < 0 || length > BYTES_PER_SEGMENT)
    throw new RangeError(`bad segment length ${length}`);
  if (siblings.length > MAX_SIBLINGS) throw new RangeError(`${siblings.length} siblings`);
  const out = new Uint8Array(HEADER + 32 * siblings.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, index);
  view.setUint32(4, length);
  out[8] = siblings.length;
  siblings.forEach((s, i) => {
    if (s.length !== 32) throw new RangeError(`sibling ${i} has ${s.length} bytes`);
    out.set(s, HEADER + 32 * i);
  });
  return out;
}

/** A whole frame in one buffer (tests and small bodies). */
export function encodeFrame(index: number, data: Uint8Array, siblings: readonly Uint8Array[]): Uint8Array {
  const head = encodeFrameHeader(index, data.length, siblings);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/**
 * Incremental decoder: feed chunks as they arrive, get the complete frames. Buffers at most one frame plus one
 * chunk. Lengths above 256 KiB or more than {@link MAX_SIBLINGS} siblings are refused before any data is buffered.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private consumed = 0;

  /** Bytes received but not yet part of a returned frame. */
  get pending(): number {
    return this.buffered;
  }

  /** @throws FrameError on a malformed header */
  push(chunk: Uint8Array): SegmentFrame[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const need = this.needed();
    if (need === undefined || this.buffered < need) return [];
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    const frames: SegmentFrame[] = [];
    let off = 0;
    for (;;) {
      const size = frameSize(buf, off, this.consumed + off);
      if (size === undefined || buf.length - off < size) break;
      const view = new DataView(buf.buffer, buf.byteOffset + off, HEADER);
      const index = view.getUint32(0);
      const length = view.getUint32(4);
      const n = buf[off + 8];
      const siblings: Uint8Array[] = [];
      for (let i = 0; i < n; i++) siblings.push(buf.slice(off + HEADER + 32 * i, off + HEADER + 32 * (i + 1)));
      const start = off + HEADER + 32 * n;
      frames.push({ index, data: buf.subarray(start, start + length), siblings });
      off += size;
    }
    this.consumed += off;
    const rest = buf.subarray(off);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return frames;
  }

  /** @throws FrameError when the stream ends inside a frame */
  finish(): void {
    if (this.buffered > 0)
      throw new FrameError(`stream ends inside a frame (${this.buffered} bytes left)`, this.consumed);
  }

  /** Bytes the first buffered frame needs, or undefined when its header is not complete yet. */
  private needed(): number | undefined {
    if (this.buffered < HEADER) return undefined;
    const head = this.chunks[0].length >= HEADER ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    return frameSize(head, 0, this.consumed);
  }
}

/** Size of the frame at `off` (header checked), or undefined when fewer than 9 bytes are there. */
function frameSize(buf: Uint8Array, off: number, at: number): number | undefined {
  if (buf.length - off < HEADER) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset + off, HEADER);
  const length = view.getUint32(4);
  const n = buf[off + 8];
  if (length > BYTES_PER_SEGMENT) throw new FrameError(`segment length ${length} above ${BYTES_PER_SEGMENT}`, at);
  if (n > MAX_SIBLINGS) throw new FrameError(`${n} proof siblings (at most ${MAX_SIBLINGS})`, at);
  return HEADER + 32 * n + length;
}
