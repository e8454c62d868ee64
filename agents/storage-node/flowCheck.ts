/**
 * Flow-root cross-check: rebuilds the Flow's incremental tree from the recorded submissions (node roots at the
 * Flow's placement) and compares its root after each txSeq with `Flow.getFlowRootByTxSeq`, like 0G's nodes do. A
 * difference (or a start position the placement rules do not give) is reported on `/status` and logged; it means the
 * index and the chain disagree. The tree lives in memory (O(depth)) and is rebuilt from txSeq 0 at start and after a
 * reorg.
 */
import { createFlowTree, type FlowTree, type Hex } from "../protocol/storage";
import type { StorageStore } from "./store";

/** What went wrong at a txSeq. */
export interface FlowRootMismatch {
  txSeq: number;
  local: string;
  onChain: string;
  what: "root" | "position";
}

export interface FlowRootChecker {
  /** Checks every recorded txSeq not checked yet (in order, stopping at the first gap). */
  check(): Promise<void>;
  /** Forgets everything (after a reorg). */
  reset(): void;
  status(): { checkedThrough: number | null; mismatch: FlowRootMismatch | null };
}

export function createFlowRootChecker(opts: {
  store: StorageStore;
  /** `Flow.getFlowRootByTxSeq(txSeq)`. */
  readRoot: (txSeq: number) => Promise<Hex>;
  onMismatch?: (m: FlowRootMismatch) => void;
}): FlowRootChecker {
  let tree: FlowTree = createFlowTree();
  let next = 0;
  let mismatch: FlowRootMismatch | null = null;
  let running: Promise<void> | undefined;

  const fail = (m: FlowRootMismatch) => {
    mismatch = m;
    opts.onMismatch?.(m);
  };

  async function run(): Promise<void> {
    while (!mismatch) {
      const e = await opts.store.getByTxSeq(next);
      if (!e) return;
      const plan = tree.insert(e.nodes);
      if (plan.startIndex !== e.startSector) {
        fail({ txSeq: next, local: plan.startIndex.toString(), onChain: e.startSector.toString(), what: "position" });
        return;
      }
      const onChain = (await opts.readRoot(next)).toLowerCase();
      const local = tree.root().toLowerCase();
      if (onChain !== local) {
        fail({ txSeq: next, local, onChain, what: "root" });
        return;
      }
      next++;
    }
  }

  return {
    async check() {
      running ??= run().finally(() => (running = undefined));
      await running;
    },
    reset() {
      tree = createFlowTree();
      next = 0;
      mismatch = null;
    },
    status: () => ({ checkedThrough: next > 0 ? next - 1 : null, mismatch }),
  };
}
