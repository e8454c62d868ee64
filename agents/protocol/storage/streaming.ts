import { BYTES_PER_SECTOR, BYTES_PER_SEGMENT, SECTORS_PER_SEGMENT, SEGMENT_HEIGHT } from "./constants";
import { StorageProtocolError } from "./errors";
import { assembleFileMerkle, type FileMerkle } from "./fileMerkle";
import { zeroSubtreeRoot } from "./flowTree";
import type { SegmentHashPool } from "./hashPool";
import { getFileLayout } from "./padding";
import { computeSectorsRoot } from "./sectors";

/** Options of {@link computeFileMerkleStreaming}. */
export interface ComputeFileMerkleStreamingParameters {
  /** Worker pool for segment hashing; without one, segments are hashed on the calling thread. */
  readonly pool?: SegmentHashPool;
  /** Segments being hashed at once (each holds a 256 KiB buffer); default `2 × pool.size + 2`. */
  readonly maxInFlight?: number;
  /** If given, the stream must deliver exactly this many bytes. */
  readonly expectedSize?: number;
}

/**
 * The same result as `computeFileMerkle`, computed from a stream with bounded memory: the data is cut into 256 KiB
 * segments as it arrives, full segments are hashed (on the pool's worker threads when given), and only the last
 * partial segment and the 32-byte segment roots are kept. Padding follows the SDK: the tail is zero-filled and any
 * all-zero padding segments use `zeros(10)` without hashing.
 *
 * @param source - any AsyncIterable of byte chunks (a Node `Readable`, a web stream reader adapter, a generator)
 * @param parameters - pool and limits
 * @returns the file merkle summary (root, segment roots, submission nodes)
 * @throws StorageProtocolError if `expectedSize` is given and the stream length differs
 */
export async function computeFileMerkleStreaming(
  source: AsyncIterable<Uint8Array>,
  { pool, maxInFlight = 2 * (pool?.size ?? 0) + 2, expectedSize }: ComputeFileMerkleStreamingParameters = {},
): Promise<FileMerkle> {
  const roots: Uint8Array[] = [];
  const inFlight = new Set<Promise<void>>();
  const segment = new Uint8Array(BYTES_PER_SEGMENT);
  let filled = 0;
  let total = 0;
  let fullSegments = 0;

  let failure: { readonly error: unknown } | undefined;

  /** Hashes one full segment: `bytes` is `segment` or a whole segment inside a source chunk (hashed without a copy). */
  async function flushFull(bytes: Uint8Array): Promise<void> {
    const index = fullSegments++;
    if (pool === undefined) {
      roots[index] = computeSectorsRoot(bytes, 0, SECTORS_PER_SEGMENT);
      return;
    }
    // hashSegment copies the bytes before its first await, so `bytes` can be refilled right away. Failures are
    // recorded at once (never left as an unhandled rejection while the source is being read) and rethrown below.
    const task: Promise<void> = pool.hashSegment(bytes, SECTORS_PER_SEGMENT).then(
      (root) => {
        roots[index] = root;
        inFlight.delete(task);
      },
      (error: unknown) => {
        failure ??= { error };
        inFlight.delete(task);
      },
    );
    inFlight.add(task);
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  }

  function throwIfFailed(): void {
    if (failure !== undefined) throw failure.error;
  }

  try {
    for await (const chunk of source) {
      let o = 0;
      total += chunk.length;
      while (o < chunk.length) {
        if (filled === 0 && chunk.length - o >= BYTES_PER_SEGMENT) {
          // A whole segment inside the chunk: hash it where it is instead of copying it into `segment` first.
          throwIfFailed();
          await flushFull(chunk.subarray(o, o + BYTES_PER_SEGMENT));
          o += BYTES_PER_SEGMENT;
          continue;
        }
        const n = Math.min(chunk.length - o, BYTES_PER_SEGMENT - filled);
        segment.set(chunk.subarray(o, o + n), filled);
        filled += n;
        o += n;
        if (filled === BYTES_PER_SEGMENT) {
          throwIfFailed();
          await flushFull(segment);
          filled = 0;
        }
      }
    }
  } finally {
    // Tasks never reject (see flushFull), so this only waits for work in flight, also when the source failed.
    await Promise.all(inFlight);
  }
  throwIfFailed();

  if (expectedSize !== undefined && expectedSize !== total) {
    throw new StorageProtocolError("Stream length differs from the expected size.", { expectedSize, received: total });
  }
  const layout = getFileLayout(total);
  const tail = segment.subarray(0, filled);
  const tailSegment = fullSegments;
  if (filled > 0) {
    const sectors = Math.min(SECTORS_PER_SEGMENT, layout.paddedSectors - tailSegment * SECTORS_PER_SEGMENT);
    roots[tailSegment] = computeSectorsRoot(tail, 0, sectors);
  }
  const zeroSegment = zeroSubtreeRoot(SEGMENT_HEIGHT);
  for (let k = roots.length; k < layout.numSegments; k++) roots[k] = zeroSegment;
  return assembleFileMerkle(layout, roots, (offset, height) => {
    const local = offset - tailSegment * SECTORS_PER_SEGMENT;
    return computeSectorsRoot(tail, local * BYTES_PER_SECTOR, 2 ** height);
  });
}
