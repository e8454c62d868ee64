/**
 * Worker thread of the miner: seals loads in shared memory and scans nonces against the sealed loads it was given.
 */
import fs from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import {
  computePadSeed,
  computeRecallLoad,
  computeScratchpad,
  findPoraHits,
  fromHex,
  sealLoadInPlace,
  toHex,
} from "../../protocol/storage";
import type {
  MiningWorkerData,
  MineRequest,
  MineResponse,
  SealRequest,
  WorkerHit,
  WorkerRequest,
  WorkerResponse,
} from "./workerMessages";

const LOAD_BYTES = 256 * 1024;
/** Sealed loads: in shared memory, or `null` for a load read from the attached sealed data file. */
const loads = new Map<bigint, Uint8Array | null>();
const testHooks = (workerData as MiningWorkerData | undefined)?.testHooks === true;
let crashNext: "exit" | "throw" | undefined;
let fd: number | undefined;
const fileBuf = new Uint8Array(LOAD_BYTES);

function attach(path: string | null): void {
  if (fd !== undefined) fs.closeSync(fd);
  fd = path === null ? undefined : fs.openSync(path, "r");
}

/** The load's sealed bytes: shared memory, or one positional read of the sealed data file (no copy kept). */
function loadBytes(loadIndex: bigint): Uint8Array | undefined {
  const l = loads.get(loadIndex);
  if (l === undefined) return undefined;
  if (l !== null) return l;
  if (fd === undefined) return undefined;
  const n = fs.readSync(fd, fileBuf, 0, LOAD_BYTES, Number(loadIndex) * LOAD_BYTES);
  return n === LOAD_BYTES ? fileBuf : undefined;
}

/** Test hook: die now if asked to (only when the pool was created with test hooks). */
function maybeCrash(): void {
  if (crashNext === undefined) return;
  const mode = crashNext;
  crashNext = undefined;
  if (mode === "exit") process.exit(1);
  throw new Error("test crash: uncaught exception in the mining worker");
}

function reply(r: WorkerResponse): void {
  parentPort?.postMessage(r);
}

function seal(req: SealRequest): void {
  try {
    const buf = new Uint8Array(req.data);
    const first = req.startSector / 16n;
    sealLoadInPlace(buf, {
      minerId: req.minerId,
      startSector: req.startSector,
      sealContextDigestOf: (i) => req.digests[Number(i - first)],
    });
    reply({ type: "sealed", id: req.id });
  } catch (err) {
    reply({ type: "sealed", id: req.id, error: String(err) });
  }
}

function mine(req: MineRequest): MineResponse {
  const t0 = performance.now();
  const nonce = fromHex(req.nonceBase);
  const view = new DataView(nonce.buffer, nonce.byteOffset, 32);
  let scanned = 0;
  let missing = 0;
  const hits: WorkerHit[] = [];
  for (let k = 0; k < req.count; k++) {
    view.setBigUint64(24, (req.first + BigInt(k)) & 0xffffffffffffffffn);
    const padSeed = computePadSeed({
      minerId: req.minerId,
      nonce,
      subtaskDigest: req.subtaskDigest,
      range: req.range,
    });
    const { pad, recallSeed } = computeScratchpad(padSeed);
    const { loadStart } = computeRecallLoad({ recallSeed, range: req.range });
    const loadIndex = loadStart / 1024n;
    const load = loadBytes(loadIndex);
    if (load === undefined) {
      missing++;
      continue;
    }
    scanned++;
    for (const h of findPoraHits({ padSeed, pad, load, threshold: req.threshold })) {
      hits.push({ nonce: toHex(nonce), loadIndex, sealOffset: h.sealOffset, poraOutput: toHex(h.poraOutput) });
    }
  }
  return { type: "mined", id: req.id, scanned, missing, hits, busyMs: performance.now() - t0 };
}

parentPort?.on("message", (msg: WorkerRequest) => {
  switch (msg.type) {
    case "seal":
      maybeCrash();
      seal(msg);
      break;
    case "addLoad":
      loads.set(msg.loadIndex, msg.data === undefined ? null : new Uint8Array(msg.data));
      break;
    case "addFileLoads":
      for (const i of msg.loadIndexes) loads.set(i, null);
      break;
    case "dropLoad":
      loads.delete(msg.loadIndex);
      break;
    case "attachFile":
      attach(msg.path);
      break;
    case "clearLoads":
      loads.clear();
      break;
    case "testCrash":
      if (testHooks) crashNext = msg.mode;
      break;
    case "mine":
      maybeCrash();
      try {
        reply(mine(msg));
      } catch (err) {
        reply({ type: "mined", id: msg.id, scanned: 0, missing: 0, hits: [], busyMs: 0, error: String(err) });
      }
      break;
  }
});
