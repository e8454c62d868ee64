/** Test helpers: an in-memory sector source filled with data the test submitted to the Flow itself. */
import { parseEventLogs, type PublicClient, type WalletClient } from "viem";
import { FlowAbi, MarketAbi } from "../../../generated/abis";
import {
  computeFileMerkle,
  computeSubmissionFee,
  createSubmission,
  encodeSubmitCalldata,
  type Hex,
} from "../../../protocol/storage";
import type { SectorSource } from "../types";

/** A flow-wide byte image: submitted files at their positions, zeros elsewhere; sectors past `stored` are unknown. */
export interface MemorySectorSource extends SectorSource {
  /** Writes a file's bytes at flow position `startPos` and extends the stored range to `end`. */
  place(startPos: bigint, data: Uint8Array, end: bigint): void;
  /** Sectors stored (every position below is known). */
  stored(): bigint;
  /** Reads served so far. */
  reads(): number;
}

/**
 * @param transform - applied to every read (a test corrupts data with it)
 */
export function createMemorySectorSource(transform?: (bytes: Uint8Array) => Uint8Array): MemorySectorSource {
  let image = new Uint8Array(0);
  let end = 1n;
  let reads = 0;
  return {
    place(startPos, data, newEnd) {
      const need = Number(newEnd) * 256;
      if (need > image.length) {
        const bigger = new Uint8Array(need);
        bigger.set(image);
        image = bigger;
      }
      image.set(data, Number(startPos) * 256);
      if (newEnd > end) end = newEnd;
    },
    stored: () => end,
    reads: () => reads,
    async readFlowSectors(start, count) {
      reads++;
      if (start + BigInt(count) > end) return null;
      const out = new Uint8Array(count * 256);
      const from = Number(start) * 256;
      out.set(image.subarray(from, Math.min(from + count * 256, image.length)));
      return transform ? transform(out) : out;
    },
  };
}

/** Deterministic pseudo-random bytes (xorshift). */
export function pseudoRandomBytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Submits `data` to the Flow (fee from the Market's price) and places it in the sources.
 *
 * @returns the Submit event's position and length
 */
export async function submitFile(p: {
  readonly publicClient: PublicClient;
  readonly walletClient: WalletClient;
  readonly flow: Hex;
  readonly market: Hex;
  readonly data: Uint8Array;
  readonly sources: readonly MemorySectorSource[];
}): Promise<{ startPos: bigint; length: bigint; submissionIndex: bigint }> {
  const account = p.walletClient.account;
  if (account === undefined) throw new Error("wallet client has no account");
  const merkle = computeFileMerkle(p.data);
  const submission = createSubmission({ merkle, submitter: account.address });
  const price = await p.publicClient.readContract({
    address: p.market,
    abi: MarketAbi,
    functionName: "pricePerSector",
  });
  const hash = await p.walletClient.sendTransaction({
    account,
    chain: p.walletClient.chain,
    to: p.flow,
    data: encodeSubmitCalldata(submission),
    value: computeSubmissionFee(submission.data.nodes, price),
  });
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash });
  const ev = parseEventLogs({ abi: FlowAbi, eventName: "Submit", logs: receipt.logs })[0];
  if (ev === undefined) throw new Error(`no Submit event in ${hash}`);
  for (const s of p.sources) s.place(ev.args.startPos, p.data, ev.args.startPos + ev.args.length);
  return { startPos: ev.args.startPos, length: ev.args.length, submissionIndex: ev.args.submissionIndex };
}
