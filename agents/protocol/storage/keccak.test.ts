import { keccak_256 } from "@noble/hashes/sha3.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "./bytes";
import { EMPTY_HASH, EMPTY_SECTOR_HASH } from "./constants";
import {
  hashPair,
  keccak256,
  keccak256Into,
  keccakPairsInPlace,
  keccakScratchpad,
  keccakSealChain,
  keccakSectorsInto,
  keccakSectorsRootInto,
  MAX_SECTORS_PER_ROOT_CALL,
} from "./keccak";

// @noble/hashes is the independent reference for every fast path of the WebAssembly keccak.
const ref = (b: Uint8Array) => keccak_256(b);

describe("keccak256 (WebAssembly)", () => {
  it("matches known digests", () => {
    expect(toHex(keccak256(new Uint8Array()))).toBe(EMPTY_HASH);
    expect(toHex(keccak256(new Uint8Array(256)))).toBe(EMPTY_SECTOR_HASH);
    expect(toHex(keccak256(new TextEncoder().encode("abc")))).toBe(
      "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    );
  });

  it("matches @noble/hashes for any length around the rate boundaries", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), (data) => {
        expect(keccak256(data)).toEqual(ref(data));
      }),
      { numRuns: 200 },
    );
    for (const n of [135, 136, 137, 271, 272, 273]) {
      const d = new Uint8Array(n).map((_, i) => i * 31);
      expect(keccak256(d), `n=${n}`).toEqual(ref(d));
    }
  });

  it("hashes inputs larger than the module's work area and sub-ranges", () => {
    const big = new Uint8Array(700_001).map((_, i) => (i * 7) ^ (i >>> 8));
    expect(keccak256(big)).toEqual(ref(big));
    const out = new Uint8Array(40);
    keccak256Into(big, 1000, 5000, out, 8);
    expect(out.subarray(8)).toEqual(ref(big.subarray(1000, 5000)));
  });

  it("hashes sectors in batches, zero-padding past the end", () => {
    const n = 2100;
    const data = new Uint8Array(n * 256 - 300).map((_, i) => i * 13);
    const out = new Uint8Array(32 * n);
    keccakSectorsInto(data, 0, n, out);
    for (const s of [0, 1, 1023, 1024, 1025, 2098, 2099]) {
      const sector = new Uint8Array(256);
      sector.set(data.subarray(256 * s, Math.min(data.length, 256 * s + 256)));
      expect(out.subarray(32 * s, 32 * s + 32), `sector ${s}`).toEqual(ref(sector));
    }
  });

  it("computes a sector range's SDK root inside the module (odd node promoted, zero-padded, any offset)", () => {
    // Reference: noble leaves, then pairs level by level with the odd last node promoted.
    const refRoot = (data: Uint8Array, offset: number, n: number): Uint8Array => {
      let level: Uint8Array[] = Array.from({ length: n }, (_, s) => {
        const sector = new Uint8Array(256);
        const from = offset + 256 * s;
        if (from < data.length) sector.set(data.subarray(from, Math.min(data.length, from + 256)));
        return ref(sector);
      });
      while (level.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) next.push(ref(new Uint8Array([...level[i], ...level[i + 1]])));
        if (level.length & 1) next.push(level[level.length - 1]);
        level = next;
      }
      return level[0];
    };
    expect(MAX_SECTORS_PER_ROOT_CALL).toBeGreaterThanOrEqual(1024);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_SECTORS_PER_ROOT_CALL }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.nat(1000),
        fc.nat(64),
        (n, size, sectorOffset, outOffset) => {
          const data = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
          const offset = sectorOffset * 256;
          const out = new Uint8Array(outOffset + 32);
          keccakSectorsRootInto(data, offset, n, out, outOffset);
          expect(out.subarray(outOffset)).toEqual(refRoot(data, offset, n));
        },
      ),
      { numRuns: 40 },
    );
    expect(() => keccakSectorsRootInto(new Uint8Array(0), 0, 0, new Uint8Array(32), 0)).toThrow(RangeError);
    expect(() =>
      keccakSectorsRootInto(new Uint8Array(0), 0, MAX_SECTORS_PER_ROOT_CALL + 1, new Uint8Array(32), 0),
    ).toThrow(RangeError);
  });

  it("reduces merkle pairs in place across batches", () => {
    const pairs = 1500;
    const flat = new Uint8Array(64 * pairs).map((_, i) => i * 3 + 1);
    const expected = Array.from({ length: pairs }, (_, i) => ref(flat.slice(64 * i, 64 * i + 64)));
    keccakPairsInPlace(flat, pairs);
    for (let i = 0; i < pairs; i++) expect(flat.subarray(32 * i, 32 * i + 32)).toEqual(expected[i]);
    expect(hashPair(expected[0], expected[1])).toEqual(ref(new Uint8Array([...expected[0], ...expected[1]])));
  });

  it("runs the seal chain both ways like a word-by-word reference", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), (unit) => {
        const expected = unit.slice();
        for (let i = 1; i < 128; i++) {
          const h = ref(expected.subarray(32 * (i - 1), 32 * i));
          for (let b = 0; b < 32; b++) expected[32 * i + b] ^= h[b];
        }
        const sealed = unit.slice();
        keccakSealChain(sealed, "seal");
        expect(sealed).toEqual(expected);
        keccakSealChain(sealed, "unseal");
        expect(sealed).toEqual(unit);
      }),
      { numRuns: 20 },
    );
  });

  it("builds the scratchpad like a step-by-step reference", () => {
    const seed = new Uint8Array(64).map((_, i) => i);
    const pad = new Uint8Array(16384);
    keccakScratchpad(seed, pad);
    const d = seed.slice();
    for (let c = 0; c < 256; c++) {
      d.set(ref(d), 0);
      d.set(ref(d), 32);
      expect(pad.subarray(64 * c, 64 * c + 64), `cell ${c}`).toEqual(d);
    }
  });
});
