/**
 * Worker thread of the miner: seals loads in shared memory and scans nonces against the sealed loads it was given.
 */
import { parentPort } from "node:worker_threads";
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
  MineRequest,
  MineResponse,
  SealRequest,
  WorkerHit,
  WorkerRequest,
  WorkerResponse,
} from "./workerMessages";

const loads = new Map<bigint, Uint8Array>();

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
    const load = loads.get(loadIndex);
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
      seal(msg);
      break;
    case "addLoad":
      loads.set(msg.loadIndex, new Uint8Array(msg.data));
      break;
    case "clearLoads":
      loads.clear();
      break;
    case "mine":
      try {
        reply(mine(msg));
      } catch (err) {
        reply({ type: "mined", id: msg.id, scanned: 0, missing: 0, hits: [], busyMs: 0, error: String(err) });
      }
      break;
  }
});
