import { BYTES_PER_SECTOR, SECTORS_PER_SEGMENT, SEGMENT_HEIGHT } from "./constants";
import { IndexOutOfRangeError, InvalidSizeError } from "./errors";
import { computeCompleteRoot, computeMerkleProof, computeMerkleRoot, verifyMerkleProof } from "./merkle";
import { getFileLayout, type FileLayout } from "./padding";
import { computeSectorsRoot } from "./sectors";

/** A submission node as raw bytes: the root of `2^height` consecutive sectors of the padded file. */
export interface FileNode {
  readonly root: Uint8Array;
  readonly height: number;
}

/** Everything the SDK derives from a file's bytes. */
export interface FileMerkle {
  readonly layout: FileLayout;
  /** The file root (`merkleTree().rootHash()`), null for an empty file like the SDK. */
  readonly root: Uint8Array | null;
  /** One root per 256 KiB segment of the padded stream (the last may cover fewer sectors). */
  readonly segmentRoots: readonly Uint8Array[];
  /** Submission nodes, largest first. */
  readonly nodes: readonly FileNode[];
}

/**
 * Assembles a {@link FileMerkle} from segment roots. Nodes of height ≥ 10 are complete trees over their segment
 * roots; smaller nodes all lie in the last segment and are hashed by `smallNodeRoot`.
 *
 * @param layout - the file layout
 * @param segmentRoots - all `layout.numSegments` segment roots
 * @param smallNodeRoot - root of `2^height` sectors starting at `sectorOffset` (only called for height < 10)
 * @returns the file merkle summary
 */
export function assembleFileMerkle(
  layout: FileLayout,
  segmentRoots: readonly Uint8Array[],
  smallNodeRoot: (sectorOffset: number, height: number) => Uint8Array,
): FileMerkle {
  const nodes: FileNode[] = [];
  let offset = 0;
  for (const height of layout.nodeHeights) {
    if (height >= SEGMENT_HEIGHT) {
      const first = offset / SECTORS_PER_SEGMENT;
      nodes.push({
        root: computeCompleteRoot(segmentRoots.slice(first, first + 2 ** (height - SEGMENT_HEIGHT))),
        height,
      });
    } else {
      nodes.push({ root: smallNodeRoot(offset, height), height });
    }
    offset += 2 ** height;
  }
  return { layout, root: segmentRoots.length === 0 ? null : computeMerkleRoot(segmentRoots), segmentRoots, nodes };
}

/**
 * File root, segment roots and submission nodes of an in-memory file (synchronous; for small data). For large files
 * use {@link computeFileMerkleStreaming}, which gives the same result.
 *
 * @param data - the file bytes
 * @returns the file merkle summary
 * @example
 * toHex(computeFileMerkle(new Uint8Array(256)).root!) // 0xd397b3b0…e0b5 (one zero sector)
 */
export function computeFileMerkle(data: Uint8Array): FileMerkle {
  const layout = getFileLayout(data.length);
  const segmentRoots: Uint8Array[] = [];
  for (let k = 0; k < layout.numSegments; k++) {
    const sectors = Math.min(SECTORS_PER_SEGMENT, layout.paddedSectors - k * SECTORS_PER_SEGMENT);
    segmentRoots.push(computeSectorsRoot(data, k * SECTORS_PER_SEGMENT * BYTES_PER_SECTOR, sectors));
  }
  return assembleFileMerkle(layout, segmentRoots, (offset, height) =>
    computeSectorsRoot(data, offset * BYTES_PER_SECTOR, 2 ** height),
  );
}

/** A segment's proof to the file root. */
export interface SegmentProof {
  readonly index: number;
  readonly numSegments: number;
  readonly segmentRoot: Uint8Array;
  /** Siblings bottom-up (promoted levels omitted). */
  readonly proof: readonly Uint8Array[];
}

/**
 * Proof that segment `index` belongs to the file (as a storage node serves it with the segment).
 *
 * @param segmentRoots - all segment roots of the file
 * @param index - segment to prove
 * @returns the proof
 * @throws IndexOutOfRangeError for a bad segment index
 */
export function computeSegmentProof(segmentRoots: readonly Uint8Array[], index: number): SegmentProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= segmentRoots.length) {
    throw new IndexOutOfRangeError({ what: "Segment", index, limit: segmentRoots.length });
  }
  return {
    index,
    numSegments: segmentRoots.length,
    segmentRoot: segmentRoots[index],
    proof: computeMerkleProof(segmentRoots, index),
  };
}

/**
 * Checks a segment proof against a file root.
 *
 * @param root - the file root
 * @param proof - from {@link computeSegmentProof}
 * @returns true iff valid
 */
export function verifySegmentProof(root: Uint8Array, proof: SegmentProof): boolean {
  return verifyMerkleProof({
    root,
    leaf: proof.segmentRoot,
    index: proof.index,
    numLeaves: proof.numSegments,
    proof: proof.proof,
  });
}

/**
 * Root of one segment's bytes as uploaded to a storage node: `data` holds the segment's sectors (the last segment may
 * be shorter and is zero-padded to whole sectors).
 *
 * @param data - at most 256 KiB
 * @param numSectors - sectors the segment covers in the padded file
 * @returns the segment root
 */
export function computeSegmentRoot(data: Uint8Array, numSectors: number): Uint8Array {
  if (!Number.isInteger(numSectors) || numSectors < 1 || numSectors > SECTORS_PER_SEGMENT) {
    throw new IndexOutOfRangeError({ what: "Segment sector count", index: numSectors, limit: SECTORS_PER_SEGMENT });
  }
  if (data.length > numSectors * BYTES_PER_SECTOR) {
    throw new InvalidSizeError({
      what: "Segment data",
      expected: `at most ${numSectors * BYTES_PER_SECTOR}`,
      received: data.length,
    });
  }
  return computeSectorsRoot(data, 0, numSectors);
}
