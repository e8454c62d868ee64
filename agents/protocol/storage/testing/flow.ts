import { fromHex } from "../bytes";
import { BYTES_PER_SECTOR, EMPTY_SECTOR_HASH, ZERO_HASH } from "../constants";
import { computeFileMerkle } from "../fileMerkle";
import { createFlowTree, type FlowTree, type InsertionPlan } from "../flowTree";
import { hashSectors } from "../sectors";

/** A flow built from whole files: its incremental tree, every sector leaf, and the sector data by position. */
export interface TestFlow {
  readonly tree: FlowTree;
  readonly leaves: Uint8Array[];
  readonly plans: InsertionPlan[];
  /** Bytes of `count` sectors from `position` (zeros where nothing was written). */
  sectors(position: number, count: number): Uint8Array;
}

/** Submits `files` in order to a fresh flow, keeping the leaves (sector hashes) and the bytes. */
export function buildTestFlow(files: readonly Uint8Array[]): TestFlow {
  const tree = createFlowTree();
  const leaves: Uint8Array[] = [fromHex(ZERO_HASH)];
  const data = new Map<number, Uint8Array>();
  const plans: InsertionPlan[] = [];
  const zero = fromHex(EMPTY_SECTOR_HASH);
  for (const file of files) {
    const merkle = computeFileMerkle(file);
    const plan = tree.insert(merkle.nodes);
    plans.push(plan);
    const start = Number(plan.startIndex);
    while (leaves.length < start) leaves.push(zero);
    for (const h of hashSectors(file, 0, merkle.layout.paddedSectors)) leaves.push(h);
    data.set(start, file);
  }
  while (leaves.length < Number(tree.length())) leaves.push(zero);
  return {
    tree,
    leaves,
    plans,
    sectors(position, count) {
      const out = new Uint8Array(count * BYTES_PER_SECTOR);
      for (const [start, file] of data) {
        const from = Math.max(position, start) * BYTES_PER_SECTOR;
        const to = Math.min((position + count) * BYTES_PER_SECTOR, start * BYTES_PER_SECTOR + file.length);
        if (from < to)
          out.set(
            file.subarray(from - start * BYTES_PER_SECTOR, to - start * BYTES_PER_SECTOR),
            from - position * BYTES_PER_SECTOR,
          );
      }
      return out;
    },
  };
}
