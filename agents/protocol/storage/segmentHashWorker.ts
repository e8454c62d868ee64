/**
 * Worker thread of the segment hash pool: receives a segment buffer, returns its SDK merkle root and hands the buffer
 * back (both transferred, no copies). Each thread instantiates its own keccak WebAssembly module (on import of
 * ./sectors) and reuses it for every segment: one call hashes all 1024 sectors, one call per merkle level.
 */
import { parentPort } from "node:worker_threads";
import { computeSectorsRoot } from "./sectors";
import type { SegmentHashRequest, SegmentHashResponse } from "./segmentHashMessages";

function main(): void {
  const port = parentPort;
  if (port === null) throw new Error("segmentHashWorker must run in a worker thread");
  port.on("message", (req: SegmentHashRequest) => {
    let res: SegmentHashResponse;
    try {
      const data = new Uint8Array(req.buffer, 0, req.byteLength);
      res = { id: req.id, root: computeSectorsRoot(data, 0, req.numSectors), buffer: req.buffer };
    } catch (e) {
      res = { id: req.id, error: e instanceof Error ? e.message : String(e), buffer: req.buffer };
    }
    port.postMessage(res, [res.buffer]);
  });
  port.postMessage({ ready: true });
}

main();
