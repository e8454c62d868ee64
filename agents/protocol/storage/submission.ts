import { concatBytes, fromHex, toHex, type Hex } from "./bytes";
import { BYTES_PER_SECTOR, MAX_HEIGHT_SPREAD, MAX_SUBMISSION_DEPTH } from "./constants";
import { InvalidSubmissionError } from "./errors";
import type { FileMerkle } from "./fileMerkle";
import { hashPair, keccak256 } from "./keccak";

/** `SubmissionNode { bytes32 root; uint256 height; }`, shaped for viem's ABI encoder. */
export interface SubmissionNode {
  readonly root: Hex;
  readonly height: bigint;
}

/** `SubmissionData { uint256 length; bytes tags; SubmissionNode[] nodes; }` (the legacy Flow's whole `Submission`). */
export interface SubmissionData {
  /** File size in bytes. */
  readonly length: bigint;
  readonly tags: Hex;
  readonly nodes: readonly SubmissionNode[];
}

/** `Submission { SubmissionData data; address submitter; }` of the current Flow. */
export interface Submission {
  readonly data: SubmissionData;
  readonly submitter: Hex;
}

/** Inputs of {@link createSubmission}. */
export interface CreateSubmissionParameters {
  /** Output of `computeFileMerkle` or `computeFileMerkleStreaming`. */
  readonly merkle: FileMerkle;
  /** Opaque tags, default `0x`. */
  readonly tags?: Hex;
  /** The account the Flow records as `sender`; the Flow rejects the zero address. */
  readonly submitter: Hex;
}

/**
 * Builds the Flow submission of a file: its byte length, tags and the binary split of its padded sectors into nodes
 * (what the SDK's `createSubmission(tags, submitter)` returns). An empty file gives zero nodes, which the Flow rejects.
 *
 * @returns the submission
 */
export function createSubmission({ merkle, tags = "0x", submitter }: CreateSubmissionParameters): Submission {
  return {
    data: {
      length: BigInt(merkle.layout.size),
      tags,
      nodes: merkle.nodes.map((n) => ({ root: toHex(n.root), height: BigInt(n.height) })),
    },
    submitter,
  };
}

/**
 * Sectors a submission occupies and pays for: `Σ 2^height` (the Flow's `size()`, the `length` of its `Submit` event).
 *
 * @param nodes - submission nodes
 * @returns sectors
 */
export function computeSubmissionSectors(nodes: readonly SubmissionNode[]): bigint {
  let sum = 0n;
  for (const n of nodes) sum += 1n << n.height;
  return sum;
}

/**
 * Fee the Flow charges: `Σ 2^height × pricePerSector` (exact for every height, unlike the SDK's `1 << height`).
 *
 * @param nodes - submission nodes
 * @param pricePerSector - the market's `pricePerSector()`, in wei
 * @returns fee in wei
 */
export function computeSubmissionFee(nodes: readonly SubmissionNode[], pricePerSector: bigint): bigint {
  return computeSubmissionSectors(nodes) * pricePerSector;
}

/**
 * The submission's identity: `keccak256(abi.encodePacked(roots))` (the Flow's `digest()`, topic 2 of `Submit`).
 *
 * @param nodes - submission nodes
 * @returns the digest
 */
export function computeSubmissionDigest(nodes: readonly SubmissionNode[]): Hex {
  return toHex(keccak256(concatBytes(...nodes.map((n) => fromHex(n.root)))));
}

/**
 * File root from submission nodes: the right fold `keccak(n0 ‖ keccak(n1 ‖ … n_last))`, which equals the SDK file root
 * (how a storage node derives the root from a `Submit` event).
 *
 * @param nodes - at least one node
 * @returns the file root
 */
export function computeRootFromNodes(nodes: readonly SubmissionNode[]): Hex {
  if (nodes.length === 0) throw new InvalidSubmissionError({ reason: "no nodes", nodes: 0 });
  let root = fromHex(nodes[nodes.length - 1].root);
  for (let i = nodes.length - 2; i >= 0; i--) root = hashPair(fromHex(nodes[i].root), root);
  return toHex(root);
}

/**
 * Applies the Flow's `SubmissionLibrary.valid` rules (all but `submitter != 0`, which {@link checkSubmission} adds when
 * given a full `Submission`).
 *
 * @param submission - the data, or a full submission
 * @throws InvalidSubmissionError naming the broken rule and its values
 */
export function checkSubmission(submission: SubmissionData | Submission): void {
  const data = "data" in submission ? submission.data : submission;
  if ("submitter" in submission && /^0x0{40}$/i.test(submission.submitter)) {
    throw new InvalidSubmissionError({ reason: "zero submitter", submitter: submission.submitter });
  }
  const { nodes, length } = data;
  if (nodes.length === 0) throw new InvalidSubmissionError({ reason: "no nodes", nodes: 0 });
  const first = nodes[0].height;
  const last = nodes[nodes.length - 1].height;
  if (first < last || first - last >= BigInt(MAX_HEIGHT_SPREAD)) {
    throw new InvalidSubmissionError({ reason: "height spread", firstHeight: first, lastHeight: last });
  }
  if (first >= BigInt(MAX_SUBMISSION_DEPTH))
    throw new InvalidSubmissionError({ reason: "height too large", height: first });
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i].height >= nodes[i - 1].height) {
      throw new InvalidSubmissionError({
        reason: "heights not strictly decreasing",
        index: i,
        height: nodes[i].height,
      });
    }
  }
  const cap = computeSubmissionSectors(nodes);
  const sector = BigInt(BYTES_PER_SECTOR);
  if (length > cap * sector)
    throw new InvalidSubmissionError({ reason: "length exceeds nodes", length, capacity: cap * sector });
  let minLength: bigint;
  if (cap < 16n) minLength = (cap - 1n) * sector;
  else if (nodes.length === 1) minLength = (cap - cap / 16n) * sector;
  else minLength = (cap - (1n << (first - 3n))) * sector;
  if (length <= minLength)
    throw new InvalidSubmissionError({ reason: "length fits a smaller padding", length, minimumExclusive: minLength });
}

/**
 * Boolean form of {@link checkSubmission}.
 *
 * @returns true iff the Flow would accept the submission's shape
 */
export function isValidSubmission(submission: SubmissionData | Submission): boolean {
  try {
    checkSubmission(submission);
    return true;
  } catch (e) {
    if (e instanceof InvalidSubmissionError) return false;
    throw e;
  }
}
