import type { Hex, RecallRange } from "../../protocol/storage";

/** Data passed to each worker thread at start. */
export interface MiningWorkerData {
  /** Honour {@link TestCrashMessage} (tests only). */
  readonly testHooks: boolean;
}

/** Seal a load held in shared memory, in place. */
export interface SealRequest {
  readonly type: "seal";
  readonly id: number;
  readonly data: SharedArrayBuffer;
  readonly minerId: Hex;
  readonly startSector: bigint;
  /** Seal context digest of each unit in `data`. */
  readonly digests: readonly Hex[];
}

/**
 * Make a sealed load visible to this worker's mining loop: from shared memory (`data`), or, without `data`, read
 * from the sealed data file attached with {@link AttachFileMessage} at offset `loadIndex × 256 KiB`.
 */
export interface AddLoadMessage {
  readonly type: "addLoad";
  readonly loadIndex: bigint;
  readonly data?: SharedArrayBuffer;
}

/** Many file-backed loads at once (a restart or a replacement worker). */
export interface AddFileLoadsMessage {
  readonly type: "addFileLoads";
  readonly loadIndexes: readonly bigint[];
}

/** Forget one load (its sealed data was found damaged and is being resealed). */
export interface DropLoadMessage {
  readonly type: "dropLoad";
  readonly loadIndex: bigint;
}

/** The sealed data file that file-backed loads are read from (null detaches). */
export interface AttachFileMessage {
  readonly type: "attachFile";
  readonly path: string | null;
}

export interface ClearLoadsMessage {
  readonly type: "clearLoads";
}

/** Test hook: the worker dies while handling its next seal or mine request (only with `testHooks`). */
export interface TestCrashMessage {
  readonly type: "testCrash";
  /** `exit`: `process.exit(1)` in the thread; `throw`: an uncaught exception. */
  readonly mode: "exit" | "throw";
}

/** Try `count` nonces: `nonceBase` with its last 8 bytes replaced by `first`, `first + 1`, ... */
export interface MineRequest {
  readonly type: "mine";
  readonly id: number;
  readonly minerId: Hex;
  readonly subtaskDigest: Hex;
  readonly range: RecallRange;
  readonly threshold: bigint;
  readonly nonceBase: Hex;
  readonly first: bigint;
  readonly count: number;
}

export type WorkerRequest =
  | SealRequest
  | AddLoadMessage
  | AddFileLoadsMessage
  | DropLoadMessage
  | AttachFileMessage
  | ClearLoadsMessage
  | TestCrashMessage
  | MineRequest;

/** A PoRA output at or below the threshold. */
export interface WorkerHit {
  readonly nonce: Hex;
  readonly loadIndex: bigint;
  readonly sealOffset: number;
  readonly poraOutput: Hex;
}

export interface SealResponse {
  readonly type: "sealed";
  readonly id: number;
  readonly error?: string;
}

export interface MineResponse {
  readonly type: "mined";
  readonly id: number;
  /** Nonces whose recall load was sealed here and scanned. */
  readonly scanned: number;
  /** Nonces skipped because their recall load is not sealed. */
  readonly missing: number;
  readonly hits: readonly WorkerHit[];
  readonly busyMs: number;
  readonly error?: string;
}

export type WorkerResponse = SealResponse | MineResponse;
