/**
 * `zgs_getSectorProof(sectorIndex, flowRoot?)`: the merkle proof of one sector's leaf in the global flow tree (not a
 * file's tree), for the current flow root or a historical one, in the official clients' `FlowProof` shape
 * `{ lemma: [leaf, sibling_0, …, sibling_{d-1}, root], path: [isLeft_0, …] }`.
 *
 * Three layers:
 * - pure proof construction and checking ({@link flowProofDepth}, {@link assembleFlowProof},
 *   {@link verifyFlowProof}): no I/O;
 * - {@link createSectorProofService}: a {@link FlowMirror} (the miner's flow tree code, not a second tree) fed from the
 *   store's recorded submissions, reading sector data only through the store's public `readFlowSectors`;
 * - {@link createSectorProofMethod}: the JSON-RPC parameter parsing and error mapping registered in `rpc.ts`.
 *
 * The flow tree is the Flow contract's: a complete binary tree of `2^d` leaves, `d = ceil(log2(flowLength))`, leaf 0
 * is the reserved `bytes32(0)`, a data sector's leaf is `keccak256(sector)`, every other position is `zeros(0)`.
 */
import { ZERO_HASH, bytesEqual, fromHex, hashPair, toHex, verifyMerkleProof, type Hex } from "../protocol/storage";
import { DataUnavailableError, FlowMirrorError } from "./mining/errors";
import { createFlowMirror, type FlowMirror } from "./mining/flowMirror";
import type { FileEntry } from "./store";

/** The official clients' `FlowProof`. */
export interface FlowProof {
  /** `[leaf, sibling_0, …, sibling_{d-1}, root]`; `[root]` for a one-leaf tree. */
  lemma: Hex[];
  /** `path[i]` is true when the node at level `i` on the way up is a left child (its sibling is on the right). */
  path: boolean[];
}

/** Errors of sector proofs; each carries the offending values. */
export class SectorProofError extends Error {
  readonly details: Readonly<Record<string, unknown>>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    const shown = Object.entries(details)
      .map(([k, v]) => `${k}=${typeof v === "bigint" ? v.toString() : String(v)}`)
      .join(", ");
    super(shown ? `${message} (${shown})` : message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The sector is not inside the flow of the requested root. */
export class SectorOutOfRangeError extends SectorProofError {}

/** The root is not a flow root this node has seen (after any recorded submission). */
export class UnknownFlowRootError extends SectorProofError {}

/** The node does not hold the sector data the proof needs. */
export class SectorDataUnavailableError extends SectorProofError {}

/**
 * Height of the flow tree of `flowLength` sectors: `ceil(log2(flowLength))`.
 *
 * @param flowLength - ≥ 1
 */
export function flowProofDepth(flowLength: bigint): number {
  if (flowLength < 1n) throw new SectorProofError("a flow has at least the reserved leaf", { flowLength });
  let d = 0;
  while (1n << BigInt(d) < flowLength) d++;
  return d;
}

/**
 * Builds a `FlowProof` from a leaf and its siblings bottom-up (pure): the root is computed by folding, so the proof is
 * self-consistent by construction; compare `lemma.at(-1)` with the expected root.
 *
 * @param sectorIndex - the leaf's position
 * @param leaf - its 32-byte hash
 * @param siblings - one per level, bottom-up (`depth` of them)
 * @returns the proof
 */
export function assembleFlowProof(sectorIndex: bigint, leaf: Uint8Array, siblings: readonly Uint8Array[]): FlowProof {
  if (siblings.length === 0) return { lemma: [toHex(leaf)], path: [] };
  let cur = leaf;
  let idx = sectorIndex;
  const path: boolean[] = [];
  for (const sib of siblings) {
    const isLeft = (idx & 1n) === 0n;
    path.push(isLeft);
    cur = isLeft ? hashPair(cur, sib) : hashPair(sib, cur);
    idx >>= 1n;
  }
  return { lemma: [toHex(leaf), ...siblings.map((s) => toHex(s)), toHex(cur)], path };
}

/**
 * Checks a `FlowProof` for sector `sectorIndex` of a flow of `flowLength` sectors against `root`, with the project's
 * merkle verifier (the flow tree is complete, so its leaf count is `2^depth`). Also checks that `path` matches the
 * index and that the lemma ends with `root`. Never throws.
 *
 * @returns true iff the proof leads from its leaf (and `leaf`, when given) to `root`
 */
export function verifyFlowProof(p: {
  readonly proof: FlowProof;
  readonly root: Hex;
  readonly sectorIndex: bigint;
  readonly flowLength: bigint;
  readonly leaf?: Uint8Array;
}): boolean {
  try {
    const { lemma, path } = p.proof;
    const depth = flowProofDepth(p.flowLength);
    if (p.sectorIndex < 0n || p.sectorIndex >= 1n << BigInt(depth)) return false;
    if (path.length !== depth) return false;
    if (depth === 0 ? lemma.length !== 1 : lemma.length !== depth + 2) return false;
    if (lemma[lemma.length - 1].toLowerCase() !== p.root.toLowerCase()) return false;
    for (let i = 0; i < depth; i++) if (path[i] !== (((p.sectorIndex >> BigInt(i)) & 1n) === 0n)) return false;
    const leaf = fromHex(lemma[0]);
    if (p.leaf !== undefined && !bytesEqual(leaf, p.leaf)) return false;
    return verifyMerkleProof({
      root: fromHex(p.root),
      leaf,
      index: Number(p.sectorIndex),
      numLeaves: 2 ** depth,
      proof: depth === 0 ? [] : lemma.slice(1, -1).map((h) => fromHex(h)),
    });
  } catch {
    return false;
  }
}

/** The store reads the service needs (the store's public API; nothing else). */
export interface SectorProofStore {
  getByTxSeq(txSeq: number): Promise<FileEntry | undefined>;
  nextTxSeq(): Promise<number>;
  readFlowSectors(startSector: bigint, count: number): Promise<Uint8Array | null>;
}

/** Sector proofs over the node's recorded flow. */
export interface SectorProofService {
  /**
   * The proof of sector `sectorIndex` under `flowRoot` (default: the root after the latest recorded submission).
   *
   * @throws UnknownFlowRootError, SectorOutOfRangeError, SectorDataUnavailableError
   */
  getSectorProof(sectorIndex: bigint, flowRoot?: Hex): Promise<FlowProof>;
  /** Submissions mirrored so far. */
  submissions(): number;
}

interface Applied {
  readonly txSeq: number;
  readonly eventId: string;
  readonly flowLength: bigint;
  readonly root: Hex;
}

/**
 * Creates the service. Its {@link FlowMirror} is fed from the store's entries on each call (only new txSeqs are read);
 * if the last mirrored entry disappeared or changed (a reorg), the mirror is rebuilt from txSeq 0.
 *
 * @param p.store - the node's store
 * @param p.maxCachedNodes - memoised tree nodes (default 200,000 ≈ 20 MB)
 */
export function createSectorProofService(p: {
  readonly store: SectorProofStore;
  readonly maxCachedNodes?: number;
}): SectorProofService {
  const { store } = p;
  const options = { source: store, maxCachedNodes: p.maxCachedNodes ?? 200_000 };
  let mirror: FlowMirror = createFlowMirror(options);
  let applied: Applied[] = [];
  /** Flow root → the longest flow length with that root (appending zero data can leave the root unchanged). */
  let lengthByRoot = new Map<string, bigint>([[ZERO_HASH, 1n]]);
  let chain: Promise<unknown> = Promise.resolve();

  function reset(): void {
    mirror = createFlowMirror(options);
    applied = [];
    lengthByRoot = new Map([[ZERO_HASH, 1n]]);
  }

  async function sync(): Promise<void> {
    const last = applied.at(-1);
    if (last !== undefined) {
      const still = await store.getByTxSeq(last.txSeq);
      if (still === undefined || still.eventId !== last.eventId) reset();
    }
    const next = await store.nextTxSeq();
    for (let txSeq = applied.length; txSeq < next; txSeq++) {
      const e = await store.getByTxSeq(txSeq);
      if (e === undefined) return; // a gap: serve the prefix recorded so far
      try {
        mirror.apply({
          submissionIndex: BigInt(txSeq),
          startPos: e.startSector,
          length: e.sectors,
          nodes: e.nodes.map((n) => ({ root: n.root, height: BigInt(n.height) })),
        });
      } catch (err) {
        if (!(err instanceof FlowMirrorError)) throw err;
        reset(); // inconsistent index (mid-reorg); next call starts over
        throw new SectorProofError("the recorded submissions are inconsistent; retry", { txSeq });
      }
      const flowLength = mirror.length();
      const root = (mirror.rootAtLength(flowLength) as Hex).toLowerCase() as Hex;
      applied.push({ txSeq, eventId: e.eventId, flowLength, root });
      const prev = lengthByRoot.get(root);
      if (prev === undefined || prev < flowLength) lengthByRoot.set(root, flowLength);
    }
  }

  async function prove(sectorIndex: bigint, flowRoot: Hex | undefined): Promise<FlowProof> {
    await sync();
    let root: Hex;
    let flowLength: bigint;
    if (flowRoot === undefined) {
      const last = applied.at(-1);
      root = last?.root ?? ZERO_HASH;
      flowLength = last?.flowLength ?? 1n;
    } else {
      root = flowRoot.toLowerCase() as Hex;
      const len = lengthByRoot.get(root);
      if (len === undefined) throw new UnknownFlowRootError("unknown flow root", { flowRoot: root });
      flowLength = len;
    }
    if (sectorIndex < 0n || sectorIndex >= flowLength)
      throw new SectorOutOfRangeError("sector is outside the flow", { sectorIndex, flowLength, flowRoot: root });
    const depth = flowProofDepth(flowLength);
    try {
      const leaf = await mirror.nodeAt(0, sectorIndex, flowLength);
      const siblings: Uint8Array[] = [];
      for (let h = 0; h < depth; h++)
        siblings.push(await mirror.nodeAt(h, (sectorIndex >> BigInt(h)) ^ 1n, flowLength));
      const proof = assembleFlowProof(sectorIndex, leaf, siblings);
      if (proof.lemma[proof.lemma.length - 1] !== root)
        throw new SectorProofError("the mirrored tree does not reproduce the flow root", {
          sectorIndex,
          flowRoot: root,
          computed: proof.lemma[proof.lemma.length - 1],
        });
      return proof;
    } catch (err) {
      if (err instanceof DataUnavailableError)
        throw new SectorDataUnavailableError("this node does not hold the sector data the proof needs", {
          sectorIndex,
          flowRoot: root,
          ...err.details,
        });
      throw err;
    }
  }

  return {
    getSectorProof(sectorIndex, flowRoot) {
      // Serialised: the mirror is fed and read by one call at a time.
      const run = chain.then(
        () => prove(sectorIndex, flowRoot),
        () => prove(sectorIndex, flowRoot),
      );
      chain = run.catch(() => undefined);
      return run;
    },
    submissions: () => applied.length,
  };
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const UINT64_MAX = (1n << 64n) - 1n;
/** JSON-RPC codes used here (the values of `RpcCodes` in rpc.ts). */
const INVALID_PARAMS = -32602;
const SERVER_ERROR = -32000;

/** Builds the RPC layer's error object (rpc.ts passes `new RpcError(...)`, keeping this file free of an import cycle). */
export type RpcErrorFactory = (code: number, message: string, data?: unknown) => Error;

function parseSectorIndex(v: unknown, toError: RpcErrorFactory): bigint {
  let n: bigint | undefined;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
  else if (typeof v === "string" && /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) n = BigInt(v);
  if (n === undefined || n > UINT64_MAX)
    throw toError(INVALID_PARAMS, `Invalid params: sectorIndex must be a u64 (got ${JSON.stringify(v)})`, {
      sectorIndex: v ?? null,
    });
  return n;
}

/**
 * The `zgs_getSectorProof` handler: `params = [sectorIndex: u64, flowRoot?: H256 | null]` → `FlowProof`. Bad or
 * unknown values give JSON-RPC errors that name them: invalid params (-32602) for a malformed value, an unknown root
 * or a sector outside the flow; server error (-32000) when the node does not hold the data.
 *
 * @param store - the node's store (public reads only)
 * @param toError - the RPC layer's error constructor
 */
export function createSectorProofMethod(
  store: SectorProofStore,
  toError: RpcErrorFactory,
  service: SectorProofService = createSectorProofService({ store }),
): (params: unknown[]) => Promise<FlowProof> {
  return async (params) => {
    const sectorIndex = parseSectorIndex(params[0], toError);
    const rootV = params[1];
    if (rootV !== undefined && rootV !== null && (typeof rootV !== "string" || !HASH_RE.test(rootV)))
      throw toError(
        INVALID_PARAMS,
        `Invalid params: flowRoot must be null or a 0x-prefixed 32-byte hex string (got ${JSON.stringify(rootV)})`,
        { flowRoot: rootV },
      );
    const flowRoot = typeof rootV === "string" ? (rootV.toLowerCase() as Hex) : undefined;
    try {
      return await service.getSectorProof(sectorIndex, flowRoot);
    } catch (err) {
      if (err instanceof UnknownFlowRootError)
        throw toError(INVALID_PARAMS, `Invalid params: unknown flow root ${flowRoot}`, { flowRoot });
      if (err instanceof SectorOutOfRangeError)
        throw toError(
          INVALID_PARAMS,
          `Invalid params: sector ${sectorIndex} is outside the flow (length ${String(err.details.flowLength)} under root ${String(err.details.flowRoot)})`,
          { sectorIndex: sectorIndex.toString(), flowLength: String(err.details.flowLength) },
        );
      if (err instanceof SectorDataUnavailableError)
        throw toError(SERVER_ERROR, `Sector ${sectorIndex}: this node does not hold the data its proof needs`, {
          sectorIndex: sectorIndex.toString(),
          flowRoot: String(err.details.flowRoot),
        });
      throw err;
    }
  };
}
