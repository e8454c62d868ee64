import type { PublicClient } from "viem";
import { FlowAbi } from "../../generated/abis";
import type { Hex } from "../../protocol/storage";
import { MiningError } from "./errors";

/** One recorded epoch range `[start, end)` and the context digest its data is sealed with. */
export interface EpochRange {
  readonly start: bigint;
  readonly end: bigint;
  readonly digest: Hex;
}

/**
 * The Flow's recorded epoch ranges (append-only), cached: the seal context of a unit is the digest of the range that
 * holds its last sector (what `Flow.queryContextAtPosition(16·i + 15)` returns), found here without a call per unit.
 */
export interface EpochRangeCache {
  /** Reads the ranges recorded since the last refresh. */
  refresh(): Promise<void>;
  /** Seal context digest of seal unit `sealIndex`, or undefined if its range is not recorded yet. */
  sealContextOf(sealIndex: bigint): Hex | undefined;
  /** Number of ranges known. */
  size(): number;
}

/**
 * @param p - client and Flow address
 * @returns the cache
 */
export function createEpochRangeCache(p: { readonly client: PublicClient; readonly flow: Hex }): EpochRangeCache {
  const ranges: EpochRange[] = [];
  return {
    async refresh() {
      const total = await p.client.readContract({
        address: p.flow,
        abi: FlowAbi,
        functionName: "epochRangeHistoryLength",
      });
      for (let i = BigInt(ranges.length); i < total; i++) {
        const r = await p.client.readContract({
          address: p.flow,
          abi: FlowAbi,
          functionName: "getEpochRangeHistory",
          args: [i],
        });
        const prev = ranges[ranges.length - 1];
        if (prev !== undefined && r.start < prev.end)
          throw new MiningError("epoch ranges overlap", { index: i, start: r.start, previousEnd: prev.end });
        ranges.push({ start: r.start, end: r.end, digest: r.digest });
      }
    },
    sealContextOf(sealIndex) {
      const last = sealIndex * 16n + 15n;
      let lo = 0;
      let hi = ranges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ranges[mid].end <= last) lo = mid + 1;
        else hi = mid;
      }
      const r = ranges[lo];
      return r !== undefined && r.start <= last ? r.digest : undefined;
    },
    size: () => ranges.length,
  };
}
