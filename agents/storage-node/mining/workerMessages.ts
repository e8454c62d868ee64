import type { Hex, RecallRange } from "../../protocol/storage";

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

/** Make a sealed load visible to this worker's mining loop. */
export interface AddLoadMessage {
  readonly type: "addLoad";
  readonly loadIndex: bigint;
  readonly data: SharedArrayBuffer;
}

export interface ClearLoadsMessage {
  readonly type: "clearLoads";
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

export type WorkerRequest = SealRequest | AddLoadMessage | ClearLoadsMessage | MineRequest;

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
