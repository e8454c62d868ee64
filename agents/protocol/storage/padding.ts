import { BYTES_PER_SECTOR, SECTORS_PER_SEGMENT } from "./constants";
import { IndexOutOfRangeError, StorageProtocolError } from "./errors";

/** How a file of `size` bytes is laid out in sectors, the SDK's padding rule. */
export interface FileLayout {
  /** File size in bytes. */
  readonly size: number;
  /** `ceil(size / 256)`: sectors holding data. */
  readonly numSectors: number;
  /** Sectors after zero padding: a multiple of `minChunk`. 0 for an empty file. */
  readonly paddedSectors: number;
  /** Padding granule in sectors: `max(1, nextPow2(numSectors) / 16)`. */
  readonly minChunk: number;
  /** Segments (≤ 1024 sectors each) of the padded stream. */
  readonly numSegments: number;
  /** Submission node heights, largest first: the binary decomposition of `paddedSectors`. */
  readonly nodeHeights: readonly number[];
}

/**
 * The smallest power of two ≥ n (1 for n ≤ 1).
 *
 * @param n - a non-negative safe integer
 * @returns the power of two
 */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Sectors after the SDK's padding: `P = nextPow2(sectors)`; if `sectors == P` no padding, else round up to a multiple
 * of `minChunk = max(1, P/16)`. The Flow's `SubmissionLibrary.valid` accepts exactly these sizes.
 *
 * @param numSectors - data sectors
 * @returns padded sectors and the granule
 */
export function computePaddedSectors(numSectors: number): { paddedSectors: number; minChunk: number } {
  if (numSectors === 0) return { paddedSectors: 0, minChunk: 1 };
  const p = nextPow2(numSectors);
  const minChunk = p >= 16 ? p / 16 : 1;
  if (numSectors === p) return { paddedSectors: p, minChunk };
  return { paddedSectors: Math.ceil(numSectors / minChunk) * minChunk, minChunk };
}

/**
 * Heights of the submission nodes for `paddedSectors`: its set bits from the highest down.
 *
 * @param paddedSectors - output of {@link computePaddedSectors}
 * @returns node heights, strictly decreasing
 */
export function splitNodeHeights(paddedSectors: number): number[] {
  const heights: number[] = [];
  let rest = paddedSectors;
  let size = nextPow2(paddedSectors);
  let h = Math.log2(size);
  while (rest > 0) {
    if (size <= rest) {
      heights.push(h);
      rest -= size;
    }
    size /= 2;
    h -= 1;
  }
  return heights;
}

/**
 * The complete sector layout of a file of `size` bytes.
 *
 * @param size - bytes, a non-negative safe integer
 * @returns the layout
 * @example
 * getFileLayout(4353).nodeHeights // [4, 1]
 */
export function getFileLayout(size: number): FileLayout {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new StorageProtocolError("File size must be a non-negative safe integer.", { size });
  const numSectors = Math.ceil(size / BYTES_PER_SECTOR);
  const { paddedSectors, minChunk } = computePaddedSectors(numSectors);
  return {
    size,
    numSectors,
    paddedSectors,
    minChunk,
    numSegments: Math.ceil(paddedSectors / SECTORS_PER_SEGMENT),
    nodeHeights: splitNodeHeights(paddedSectors),
  };
}

/**
 * Sectors segment `index` covers in the padded file: 1024, except a shorter last segment.
 *
 * @param layout - from {@link getFileLayout}
 * @param index - segment index
 * @returns sector count (the `numSectors` for `computeSegmentRoot`)
 * @throws IndexOutOfRangeError for a bad segment index
 */
export function getSegmentSectors(layout: FileLayout, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0 || index >= layout.numSegments) {
    throw new IndexOutOfRangeError({ what: "Segment", index, limit: layout.numSegments });
  }
  return Math.min(SECTORS_PER_SEGMENT, layout.paddedSectors - index * SECTORS_PER_SEGMENT);
}
