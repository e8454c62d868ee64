/**
 * Pure checks of an uploaded segment against a file entry: index, size, shard, the segment root and its merkle
 * proof in the official SDK's `{ lemma, path }` format. No I/O.
 *
 * SDK proof format: `lemma = [leaf, sibling_0, …, sibling_{n-1}, root]` and `path[i]` is true when the node at
 * level i is a left child (its sibling is on the right). Levels where the SDK tree promotes an odd last node have no
 * sibling and no entry. A single-leaf tree has `lemma = [root]`, `path = []`.
 */
import {
  BYTES_PER_SECTOR,
  BYTES_PER_SEGMENT,
  SECTORS_PER_SEGMENT,
  toHex,
  computeSegmentRoot,
  getFileLayout,
  getSegmentSectors,
  fromHex,
  verifySegmentProof,
  type FileLayout,
  type Hex,
} from "../protocol/storage";
import { holdsFlowSegment, type ShardConfig } from "./shard";

/** The SDK's merkle proof shape (`FileProof` / `FlowProof`). */
export interface SdkProof {
  lemma: string[];
  path: boolean[];
}

/** The SDK's `SegmentWithProof`. */
export interface SegmentWithProof {
  root: string;
  data: string;
  index: number;
  proof: SdkProof;
  fileSize: number;
}

/** What the checks need to know about the file a segment belongs to. */
export interface SegmentTarget {
  txSeq: number;
  root: Hex;
  size: number;
  startSector: bigint;
}

/** A rejected segment: which one and why. */
export class SegmentRejectedError extends Error {
  constructor(
    readonly index: number | undefined,
    readonly reason: string,
    readonly root?: string,
  ) {
    super(`segment ${index ?? "?"}${root ? ` of ${root}` : ""}: ${reason}`);
    this.name = "SegmentRejectedError";
  }
}

/** Data segments of a file: segments that hold at least one byte of data (pure padding segments are never sent). */
export function dataSegmentCount(size: number): number {
  return Math.ceil(Math.ceil(size / BYTES_PER_SECTOR) / SECTORS_PER_SEGMENT);
}

/** The flow-wide segment index of a file's segment `index` (files never straddle flow segments unaligned). */
export function flowSegmentIndex(startSector: bigint, index: number): bigint {
  return startSector / BigInt(SECTORS_PER_SEGMENT) + BigInt(index);
}

/** File segments (data segments only) this shard keeps. */
export function segmentsInShard(target: { size: number; startSector: bigint }, shard: ShardConfig): number[] {
  const out: number[] = [];
  const n = dataSegmentCount(target.size);
  for (let i = 0; i < n; i++) if (holdsFlowSegment(shard, flowSegmentIndex(target.startSector, i))) out.push(i);
  return out;
}

/** The directions (`true` = left child) the SDK writes for leaf `index` of `numLeaves`. */
export function expectedPath(index: number, numLeaves: number): boolean[] {
  const path: boolean[] = [];
  let idx = index;
  let n = numLeaves;
  while (n > 1) {
    if ((idx ^ 1) < n) path.push((idx & 1) === 0);
    idx >>>= 1;
    n = (n + 1) >>> 1;
  }
  return path;
}

/** Builds the SDK proof format from our bottom-up sibling list. */
export function toSdkProof(
  segmentRoot: Uint8Array,
  siblings: readonly Uint8Array[],
  root: Uint8Array,
  index: number,
  numLeaves: number,
): SdkProof {
  if (numLeaves === 1) return { lemma: [toHex(root)], path: [] };
  return {
    lemma: [toHex(segmentRoot), ...siblings.map((s) => toHex(s)), toHex(root)],
    path: expectedPath(index, numLeaves),
  };
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

/** A verified segment, ready to store: `data` is zero-padded to the sectors the segment covers. */
export interface VerifiedSegment {
  index: number;
  data: Uint8Array;
  proof: SdkProof;
}

/** Decodes strict base64 (no whitespace, valid alphabet and padding). */
export function decodeBase64Strict(s: unknown): Uint8Array | undefined {
  if (typeof s !== "string" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  return Buffer.from(s, "base64");
}

/**
 * Checks one uploaded segment against the file entry and the shard; returns it normalised for storage.
 *
 * @throws SegmentRejectedError naming the segment and the reason
 */
export function verifySegment(
  seg: unknown,
  target: SegmentTarget,
  shard: ShardConfig,
  layout: FileLayout = getFileLayout(target.size),
): VerifiedSegment {
  if (typeof seg !== "object" || seg === null) throw new SegmentRejectedError(undefined, "not an object");
  const s = seg as Partial<SegmentWithProof>;
  const index = s.index;
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0)
    throw new SegmentRejectedError(undefined, `bad index ${JSON.stringify(index)}`);
  const fail = (reason: string): never => {
    throw new SegmentRejectedError(index, reason, target.root);
  };
  if (typeof s.root !== "string" || s.root.toLowerCase() !== target.root.toLowerCase())
    fail(`root ${String(s.root)} is not the file root ${target.root}`);
  if (s.fileSize !== target.size) fail(`fileSize ${String(s.fileSize)} differs from the submitted size ${target.size}`);
  checkPlacement(index, target, shard, fail);
  const data = decodeBase64Strict(s.data);
  if (!data) fail("data is not valid base64");
  const bytes = data as Uint8Array;
  const sectors = checkSize(index, bytes.length, target, layout, fail);
  const proof = s.proof;
  if (
    typeof proof !== "object" ||
    proof === null ||
    !Array.isArray(proof.lemma) ||
    !Array.isArray(proof.path) ||
    !proof.lemma.every((h) => typeof h === "string" && HASH_RE.test(h)) ||
    !proof.path.every((p) => typeof p === "boolean")
  )
    fail("malformed proof (expected { lemma: bytes32[], path: bool[] })");
  const { lemma, path } = proof as SdkProof;
  const segRoot = computeSegmentRoot(bytes, sectors);
  const fileRoot = fromHex(target.root);
  if (layout.numSegments === 1) {
    if (lemma.length !== 1 || path.length !== 0) fail("malformed proof for a single-segment file");
    if (lemma[0].toLowerCase() !== target.root.toLowerCase() || toHex(segRoot) !== target.root.toLowerCase())
      fail("data does not hash to the file root");
  } else {
    const want = expectedPath(index, layout.numSegments);
    if (path.length !== want.length || lemma.length !== want.length + 2) fail("proof length does not fit the index");
    if (path.some((p, i) => p !== want[i])) fail("proof path does not match the segment index");
    if (lemma[0].toLowerCase() !== toHex(segRoot)) fail("data does not match the proof's leaf (corrupted bytes?)");
    if (lemma[lemma.length - 1].toLowerCase() !== target.root.toLowerCase()) fail("proof is for another root");
    const ok = verifySegmentProof(fileRoot, {
      index,
      numSegments: layout.numSegments,
      segmentRoot: segRoot,
      proof: lemma.slice(1, -1).map((h) => fromHex(h)),
    });
    if (!ok) fail("merkle proof does not verify against the file root");
  }
  return {
    index,
    data: padToSectors(bytes, sectors),
    proof: { lemma: lemma.map((h) => h.toLowerCase()), path: [...path] },
  };
}

function padToSectors(bytes: Uint8Array, sectors: number): Uint8Array {
  if (bytes.length === sectors * BYTES_PER_SECTOR) return bytes;
  const padded = new Uint8Array(sectors * BYTES_PER_SECTOR);
  padded.set(bytes);
  return padded;
}

/** Index in range and in the shard. */
function checkPlacement(index: number, target: SegmentTarget, shard: ShardConfig, fail: (r: string) => never): void {
  const numData = dataSegmentCount(target.size);
  if (index >= numData) fail(`index out of range: the file has ${numData} data segments`);
  if (!holdsFlowSegment(shard, flowSegmentIndex(target.startSector, index)))
    fail(
      `flow segment ${flowSegmentIndex(target.startSector, index)} is not in this node's shard ${shard.shardId}/${shard.numShard}`,
    );
}

/** A non-last segment is exactly 256 KiB, the last one at least its data bytes and at most its sectors. @returns the sectors it covers */
function checkSize(
  index: number,
  length: number,
  target: SegmentTarget,
  layout: FileLayout,
  fail: (r: string) => never,
): number {
  const numData = dataSegmentCount(target.size);
  const sectors = getSegmentSectors(layout, index);
  const remaining = target.size - index * BYTES_PER_SEGMENT;
  if (index < numData - 1) {
    if (length !== BYTES_PER_SEGMENT) fail(`wrong size ${length}: a full segment has ${BYTES_PER_SEGMENT} bytes`);
  } else if (length < Math.min(remaining, BYTES_PER_SEGMENT) || length > sectors * BYTES_PER_SECTOR) {
    fail(
      `wrong size ${length}: the last segment has ${remaining} data bytes and at most ${sectors * BYTES_PER_SECTOR}`,
    );
  }
  return sectors;
}

/**
 * Checks a segment received in the binary form (raw bytes and the proof's sibling hashes, bottom-up; the path is
 * implied by the index) against the file entry and the shard, exactly as {@link verifySegment} does for the SDK form.
 *
 * @returns the segment padded to its sectors, with its proof in the SDK format (as stored and served by JSON-RPC)
 * @throws SegmentRejectedError naming the segment and the reason
 */
export function verifyRawSegment(
  index: number,
  bytes: Uint8Array,
  siblings: readonly Uint8Array[],
  target: SegmentTarget,
  shard: ShardConfig,
  layout: FileLayout = getFileLayout(target.size),
  /** The segment root when already computed (e.g. by a hash worker pool over these bytes and sectors). */
  segmentRoot?: Uint8Array,
): VerifiedSegment {
  const fail = (reason: string): never => {
    throw new SegmentRejectedError(index, reason, target.root);
  };
  if (!Number.isSafeInteger(index) || index < 0) throw new SegmentRejectedError(undefined, `bad index ${index}`);
  checkPlacement(index, target, shard, fail);
  const sectors = checkSize(index, bytes.length, target, layout, fail);
  const segRoot = segmentRoot ?? computeSegmentRoot(bytes, sectors);
  const fileRoot = fromHex(target.root);
  if (layout.numSegments === 1) {
    if (siblings.length !== 0) fail("malformed proof for a single-segment file");
    if (toHex(segRoot) !== target.root.toLowerCase()) fail("data does not hash to the file root");
  } else {
    if (siblings.length !== expectedPath(index, layout.numSegments).length) fail("proof length does not fit the index");
    const ok = verifySegmentProof(fileRoot, {
      index,
      numSegments: layout.numSegments,
      segmentRoot: segRoot,
      proof: siblings as Uint8Array[],
    });
    if (!ok) fail("merkle proof does not verify against the file root");
  }
  return {
    index,
    data: padToSectors(bytes, sectors),
    proof: toSdkProof(segRoot, siblings, fileRoot, index, layout.numSegments),
  };
}

/** The sibling hashes (bottom-up) of a stored SDK proof: `lemma` without the leaf and the root. */
export function proofSiblings(proof: SdkProof): Uint8Array[] {
  return proof.lemma.length <= 1 ? [] : proof.lemma.slice(1, -1).map((h) => fromHex(h as Hex));
}
