/**
 * Worker thread of the segment hash pool: receives a segment buffer, returns its SDK merkle root and hands the buffer
 * back (both transferred, no copies). One hash-wasm keccak instance is created per thread and reused.
 */
import { parentPort } from "node:worker_threads";
import { createKeccak, type IHasher } from "hash-wasm";
import type { SegmentHashRequest, SegmentHashResponse } from "./segmentHashMessages";

const SECTOR = 256;

function segmentRoot(hasher: IHasher, data: Uint8Array, numSectors: number, nodes: Uint8Array): Uint8Array {
  const sector = new Uint8Array(SECTOR);
  for (let s = 0; s < numSectors; s++) {
    const start = s * SECTOR;
    hasher.init();
    if (start + SECTOR <= data.length) hasher.update(data.subarray(start, start + SECTOR));
    else {
      sector.fill(0);
      if (start < data.length) sector.set(data.subarray(start));
      hasher.update(sector);
    }
    nodes.set(hasher.digest("binary"), 32 * s);
  }
  let count = numSectors;
  while (count > 1) {
    const pairs = count >>> 1;
    for (let i = 0; i < pairs; i++) {
      hasher.init();
      hasher.update(nodes.subarray(64 * i, 64 * i + 64));
      nodes.set(hasher.digest("binary"), 32 * i);
    }
    if (count & 1) nodes.copyWithin(32 * pairs, 32 * (count - 1), 32 * count);
    count = pairs + (count & 1);
  }
  return nodes.slice(0, 32);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("segmentHashWorker must run in a worker thread");
  const hasher = await createKeccak(256);
  const nodes = new Uint8Array(32 * 1024);
  port.on("message", (req: SegmentHashRequest) => {
    let res: SegmentHashResponse;
    try {
      const data = new Uint8Array(req.buffer, 0, req.byteLength);
      res = { id: req.id, root: segmentRoot(hasher, data, req.numSectors, nodes), buffer: req.buffer };
    } catch (e) {
      res = { id: req.id, error: e instanceof Error ? e.message : String(e), buffer: req.buffer };
    }
    port.postMessage(res, [res.buffer]);
  });
  port.postMessage({ ready: true });
}

void main();
