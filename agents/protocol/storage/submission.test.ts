import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex, type Hex } from "./bytes";
import { InvalidHexError, InvalidSizeError, InvalidSubmissionError, StorageProtocolError } from "./errors";
import { computeFileMerkle } from "./fileMerkle";
import { computePaddedSectors, getFileLayout, nextPow2, splitNodeHeights } from "./padding";
import {
  checkSubmission,
  computeRootFromNodes,
  computeSubmissionFee,
  computeSubmissionSectors,
  createSubmission,
  isValidSubmission,
  type SubmissionData,
} from "./submission";
import { bytesToUint256, toBytes32, uint256ToBytes } from "./bytes";

const R: Hex = `0x${"11".repeat(32)}`;
const node = (height: number) => ({ root: R, height: BigInt(height) });
const data = (length: number, heights: readonly number[]): SubmissionData => ({
  length: BigInt(length),
  tags: "0x",
  nodes: heights.map(node),
});

function catchError(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

function reasonOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidSubmissionError) return String(e.details.reason);
    throw e;
  }
  return "valid";
}

describe("SDK padding and split", () => {
  it("pads to multiples of nextPow2/16 and splits into ≤ 4 decreasing heights the Flow accepts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (size) => {
        const layout = getFileLayout(size);
        const p = nextPow2(layout.numSectors);
        expect(layout.paddedSectors % layout.minChunk).toBe(0);
        expect(layout.paddedSectors).toBeGreaterThanOrEqual(layout.numSectors);
        expect(layout.paddedSectors).toBeLessThanOrEqual(p);
        expect(layout.nodeHeights.length).toBeLessThanOrEqual(4);
        expect(layout.nodeHeights.reduce((a, h) => a + 2 ** h, 0)).toBe(layout.paddedSectors);
        expect(isValidSubmission(data(size, layout.nodeHeights))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it("keeps exact powers of two unpadded", () => {
    expect(computePaddedSectors(1024)).toEqual({ paddedSectors: 1024, minChunk: 64 });
    expect(splitNodeHeights(80)).toEqual([6, 4]);
    expect(getFileLayout(0).nodeHeights).toEqual([]);
  });
  it("rejects a negative or fractional size", () => {
    expect(() => getFileLayout(-1)).toThrow(StorageProtocolError);
    expect(() => getFileLayout(1.5)).toThrow(StorageProtocolError);
  });
});

describe("checkSubmission (SubmissionLibrary.valid)", () => {
  it("accepts the SDK's shapes", () => {
    expect(reasonOf(() => checkSubmission(data(1000, [2])))).toBe("valid");
    expect(reasonOf(() => checkSubmission(data(7864220, [14, 13, 12, 11])))).toBe("valid");
  });
  it("rejects a zero submitter", () => {
    const s = { data: data(1000, [2]), submitter: `0x${"00".repeat(20)}` as Hex };
    expect(reasonOf(() => checkSubmission(s))).toBe("zero submitter");
  });
  it("rejects no nodes", () => {
    expect(reasonOf(() => checkSubmission(data(0, [])))).toBe("no nodes");
  });
  it("rejects a height spread of 4 or more, and increasing heights", () => {
    expect(reasonOf(() => checkSubmission(data(2 ** 14 * 256, [14, 13, 12, 10])))).toBe("height spread");
    expect(reasonOf(() => checkSubmission(data(100, [0, 1])))).toBe("height spread");
  });
  it("rejects heights of 64 or more", () => {
    expect(reasonOf(() => checkSubmission(data(1, [64])))).toBe("height too large");
  });
  it("rejects equal heights", () => {
    expect(reasonOf(() => checkSubmission(data(3000, [3, 3])))).toBe("heights not strictly decreasing");
  });
  it("rejects a length beyond the nodes", () => {
    expect(reasonOf(() => checkSubmission(data(1025, [2])))).toBe("length exceeds nodes");
  });
  it("rejects a length that fits a smaller padding (all three minimality branches)", () => {
    expect(reasonOf(() => checkSubmission(data(768, [2])))).toBe("length fits a smaller padding");
    expect(reasonOf(() => checkSubmission(data(15 * 256, [4])))).toBe("length fits a smaller padding");
    expect(reasonOf(() => checkSubmission(data(15 * 256 + 1, [4])))).toBe("valid");
    expect(reasonOf(() => checkSubmission(data(16 * 256, [4, 1])))).toBe("length fits a smaller padding");
    expect(reasonOf(() => checkSubmission(data(16 * 256 + 1, [4, 1])))).toBe("valid");
  });
  it("carries the offending values", () => {
    const e = catchError(() => checkSubmission(data(1025, [2])));
    expect(e).toBeInstanceOf(InvalidSubmissionError);
    expect((e as InvalidSubmissionError).details).toMatchObject({ length: 1025n, capacity: 1024n });
    expect((e as InvalidSubmissionError).message).toContain("Capacity: 1024");
  });
});

describe("fees, sectors and roots", () => {
  it("computes fees exactly for heights where JS 1 << h overflows", () => {
    expect(computeSubmissionSectors([node(40), node(31)])).toBe(2n ** 40n + 2n ** 31n);
    expect(computeSubmissionFee([node(40)], 3n)).toBe(3n * 2n ** 40n);
  });
  it("folds node roots to the file root for any file", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20_000 }), (bytes) => {
        const m = computeFileMerkle(bytes);
        const s = createSubmission({ merkle: m, submitter: `0x${"22".repeat(20)}` });
        expect(computeRootFromNodes(s.data.nodes)).toBe(toHex(m.root!));
      }),
      { numRuns: 60 },
    );
    expect(() => computeRootFromNodes([])).toThrow(InvalidSubmissionError);
  });
});

describe("bytes helpers", () => {
  it("round-trips hex and uint256", () => {
    expect(fromHex("0xA0ff")).toEqual(new Uint8Array([0xa0, 0xff]));
    expect(bytesToUint256(uint256ToBytes(2n ** 255n + 7n))).toBe(2n ** 255n + 7n);
  });
  it("encodes uint256 big-endian on both sides of 2^53 (number fast path and bigint path)", () => {
    const edges = [
      0n,
      1n,
      255n,
      256n,
      2n ** 32n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 64n,
      2n ** 256n - 1n,
    ];
    const expected = (x: bigint) => fromHex(`0x${x.toString(16).padStart(64, "0")}`);
    for (const x of edges) expect(uint256ToBytes(x), `${x}`).toEqual(expected(x));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 60n }), (a, b) => {
        expect(uint256ToBytes(a)).toEqual(expected(a));
        expect(uint256ToBytes(b)).toEqual(expected(b));
      }),
      { numRuns: 200 },
    );
  });
  it("rejects malformed hex, wrong lengths and out-of-range integers", () => {
    expect(() => fromHex("0x123")).toThrow(InvalidHexError);
    expect(() => fromHex("12")).toThrow(InvalidHexError);
    expect(() => toBytes32(new Uint8Array(31), "root")).toThrow(InvalidSizeError);
    expect(() => uint256ToBytes(-1n)).toThrow(StorageProtocolError);
    expect(() => uint256ToBytes(2n ** 256n)).toThrow(StorageProtocolError);
  });
});
