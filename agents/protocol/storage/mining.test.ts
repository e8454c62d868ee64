import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toFunctionSelector } from "viem";
import { encodeMineSubmitCalldata } from "./abi";
import { buildPoraAnswer, checkPoraAnswer } from "./answer";
import { concatBytes, fromHex, toHex, uint256ToBytes } from "./bytes";
import { BYTES_PER_SEAL, MINE_SUBMIT_SELECTOR } from "./constants";
import { InvalidSizeError, MiningInputError } from "./errors";
import { createFlowLevels } from "./flowTree";
import { keccak256 } from "./keccak";
import {
  computeNumShards,
  computePadSeed,
  computePoraOutput,
  computePoraThreshold,
  computeRangeDigest,
  computeRecallLoad,
  computeRecallPosition,
  computeScratchpad,
  checkRecallRange,
  createUnshardedRange,
  findPoraHits,
  isPoraHit,
  type RecallRange,
} from "./pora";
import { seal, sealInPlace, sealLoadInPlace, unseal, unsealInPlace } from "./seal";
import { computeSealProof, computeSealRoot, recoverSealMerkleRoot, verifySealProof } from "./sealProof";
import { buildTestFlow } from "./testing/flow";
import { kpattern } from "./testing/inputs";

const K = (s: string) => keccak256(new TextEncoder().encode(s));
const U64_MAX = (1n << 64n) - 1n;

// storage-and-da.md §5.10: the reference PoraMineTest.pora() returned these bytes.
const v = {
  minerId: K("minerId"),
  nonce: K("nonce"),
  subtaskDigest: K("subtask"),
  range: { startPosition: 0n, mineLength: 16384n, shardId: 0n, shardMask: U64_MAX } satisfies RecallRange,
  sealContextDigest: K("ctx"),
  sealOffset: 11,
};
const vectorData = concatBytes(...Array.from({ length: 128 }, (_, i) => keccak256(uint256ToBytes(BigInt(i)))));

describe("§5.10 cross-check vector", () => {
  const padSeed = computePadSeed(v);
  const { pad, recallSeed } = computeScratchpad(padSeed);
  const load = computeRecallLoad({ recallSeed, range: v.range });
  const recallPosition = computeRecallPosition(load.loadStart, v.sealOffset);
  const sealed = seal(vectorData, {
    minerId: v.minerId,
    sealContextDigest: v.sealContextDigest,
    startSector: recallPosition,
  });

  it("reproduces rangeDigest, padSeed and recallSeed", () => {
    expect(toHex(computeRangeDigest(v.range))).toBe(
      "0x0428b8d537318479957e9cfcb45d2c3913808f11bfc15ef366eda4cf589fa3c0",
    );
    expect(toHex(padSeed)).toBe(
      "0x706598a2a5bc2763950fe6a1a34222ffffd8ad88b51ebff14324305d8d354bd46a7fecaf1d2ceb5d4db06790b950a10191239f1bd8616512482ba9bbec7cfd9f",
    );
    expect(toHex(recallSeed)).toBe("0xb4c8db2cfa042669157f1f8ffd57c2f4e05ee0c5e0e2108e68a60106245a442c");
  });

  it("picks chunkOffset 12 and recallPosition 12464", () => {
    expect(load.chunkOffset).toBe(12n);
    expect(recallPosition).toBe(12464n);
  });

  it("reproduces the PoRA output and the seal subtree root", () => {
    const out = computePoraOutput({ sealOffset: v.sealOffset, padSeed, pad, sealedData: sealed });
    expect(toHex(out)).toBe("0xa02e438d961b36321bcf26fde5abdb5a4479ed9f69d91388d9e74fde4afd2974");
    expect(toHex(computeSealRoot(vectorData))).toBe(
      "0xd6b6669764e75c842ed2f71c4885277b2b8f2e9a305d2d697c7ef59fa147071f",
    );
    expect(
      unseal(sealed, { minerId: v.minerId, sealContextDigest: v.sealContextDigest, startSector: recallPosition }),
    ).toEqual(vectorData);
  });

  it("finds the same output when scanning the whole load", () => {
    const loadBytes = new Uint8Array(64 * BYTES_PER_SEAL);
    loadBytes.set(sealed, v.sealOffset * BYTES_PER_SEAL);
    const out = computePoraOutput({ sealOffset: v.sealOffset, padSeed, pad, sealedData: sealed });
    const hits = findPoraHits({ padSeed, pad, load: loadBytes, threshold: (1n << 256n) - 1n });
    expect(hits).toHaveLength(64);
    expect(hits[v.sealOffset].poraOutput).toEqual(out);
    const exact = findPoraHits({ padSeed, pad, load: loadBytes, threshold: BigInt(toHex(out)) });
    expect(exact.map((h) => h.sealOffset)).toContain(v.sealOffset);
  });
});

describe("seal", () => {
  const params = { minerId: v.minerId, sealContextDigest: v.sealContextDigest, startSector: 32n };

  it("unseal(seal(x)) == x for any 4 KiB unit, miner, context and position", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        (data, minerId, ctx, seal16) => {
          const p = { minerId, sealContextDigest: ctx, startSector: seal16 * 16n };
          const s = seal(data, p);
          expect(unseal(s, p)).toEqual(data);
          const copy = s.slice();
          unsealInPlace(copy, p);
          expect(copy).toEqual(data);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("chains: word 0 is masked by keccak(minerId ‖ ctx ‖ position), word i by keccak(sealed word i−1)", () => {
    const data = new Uint8Array(4096);
    const s = seal(data, params);
    const mask = keccak256(concatBytes(v.minerId, v.sealContextDigest, uint256ToBytes(32n)));
    expect(s.subarray(0, 32)).toEqual(mask);
    expect(s.subarray(32, 64)).toEqual(keccak256(s.subarray(0, 32)));
  });

  it("depends on miner, context and position", () => {
    const data = kpattern(4096);
    const base = seal(data, params);
    expect(seal(data, { ...params, startSector: 48n })).not.toEqual(base);
    expect(seal(data, { ...params, minerId: K("other") })).not.toEqual(base);
    expect(seal(data, { ...params, sealContextDigest: K("other") })).not.toEqual(base);
  });

  it("seals a whole load unit by unit, each with its own context, and unseals it back", () => {
    const load = kpattern(64 * 4096);
    const ctxOf = (i: bigint) => keccak256(uint256ToBytes(i));
    const sealed = load.slice();
    sealLoadInPlace(sealed, { minerId: v.minerId, startSector: 1024n, sealContextDigestOf: ctxOf });
    for (const u of [0, 1, 63]) {
      const startSector = 1024n + BigInt(16 * u);
      const one = seal(load.subarray(4096 * u, 4096 * u + 4096), {
        minerId: v.minerId,
        sealContextDigest: ctxOf(startSector / 16n),
        startSector,
      });
      expect(sealed.subarray(4096 * u, 4096 * u + 4096)).toEqual(one);
    }
    sealLoadInPlace(sealed, { minerId: v.minerId, startSector: 1024n, sealContextDigestOf: ctxOf }, "unseal");
    expect(sealed).toEqual(load);
    expect(() =>
      sealLoadInPlace(new Uint8Array(100), { minerId: v.minerId, startSector: 0n, sealContextDigestOf: ctxOf }),
    ).toThrow(InvalidSizeError);
  });

  it("seals ranges longer than one batch of the keccak module (every unit equals its single seal), hex ids alike", () => {
    const units = 131; // two full batches of 65 units and one more
    const data = kpattern(units * 4096);
    const ctxOf = (i: bigint) => toHex(keccak256(uint256ToBytes(i ^ 5n)));
    const sealed = data.slice();
    const params = { minerId: toHex(v.minerId), startSector: 4096n, sealContextDigestOf: ctxOf };
    sealLoadInPlace(sealed, params);
    for (let u = 0; u < units; u++) {
      const startSector = 4096n + BigInt(16 * u);
      const one = seal(data.subarray(4096 * u, 4096 * u + 4096), {
        minerId: v.minerId,
        sealContextDigest: ctxOf(startSector / 16n),
        startSector,
      });
      expect(sealed.subarray(4096 * u, 4096 * u + 4096), `unit ${u}`).toEqual(one);
    }
    sealLoadInPlace(sealed, params, "unseal");
    expect(sealed).toEqual(data);
    // An unaligned start is refused before anything is written; so is a malformed context.
    const untouched = data.slice(0, 8192);
    expect(() => sealLoadInPlace(untouched, { ...params, startSector: 4100n })).toThrow(MiningInputError);
    expect(() => sealLoadInPlace(untouched, { ...params, sealContextDigestOf: () => "0x1234" })).toThrow(
      InvalidSizeError,
    );
    expect(untouched).toEqual(data.subarray(0, 8192));
  });

  it("rejects a unit that is not 4096 bytes and an unaligned position", () => {
    expect(() => sealInPlace(new Uint8Array(4095), params)).toThrow(InvalidSizeError);
    expect(() => seal(new Uint8Array(4096), { ...params, startSector: 17n })).toThrow(MiningInputError);
    expect(() => seal(new Uint8Array(4096), { ...params, minerId: new Uint8Array(31) })).toThrow(InvalidSizeError);
  });
});

describe("PoRA helpers", () => {
  it("counts shards from the mask's zero bits", () => {
    expect(computeNumShards(U64_MAX)).toBe(1n);
    expect(computeNumShards(U64_MAX ^ 3n)).toBe(4n);
  });

  it("applies the shard mask and id to the recall load", () => {
    const range = { startPosition: 1n << 25n, mineLength: 8192n, shardId: 1n, shardMask: U64_MAX ^ 1n };
    const seed = uint256ToBytes(6n);
    expect(computeRecallLoad({ recallSeed: seed, range })).toEqual({
      chunkOffset: 7n,
      loadStart: (1n << 25n) + 7n * 1024n,
    });
    expect(() => computeRecallLoad({ recallSeed: seed, range: { ...range, mineLength: 1000n } })).toThrow(
      MiningInputError,
    ); // Three loads, two shards, shard 1: o = 2 maps to load 3, one past the range (Mine: MineRecallOutOfRange(3, 3)).
    const threeLoads = { startPosition: 0n, mineLength: 3072n, shardId: 1n, shardMask: U64_MAX ^ 1n };
    expect(computeRecallLoad({ recallSeed: uint256ToBytes(1n), range: threeLoads }).chunkOffset).toBe(1n);
    expect(() => computeRecallLoad({ recallSeed: uint256ToBytes(2n), range: threeLoads })).toThrow(/outside the range/);
  });

  it("scales the threshold by the shard count and caps at 8 TiB", () => {
    const t = 1n << 200n;
    expect(computePoraThreshold({ poraTarget: t, flowLength: 1n << 20n, shardMask: U64_MAX })).toBe(t);
    expect(computePoraThreshold({ poraTarget: t, flowLength: 1n << 20n, shardMask: U64_MAX ^ 1n })).toBe(t / 2n);
    expect(computePoraThreshold({ poraTarget: t, flowLength: 1n << 40n, shardMask: U64_MAX ^ 1n })).toBe(t);
    expect(() => computePoraThreshold({ poraTarget: t, flowLength: 1n, shardMask: U64_MAX ^ 1n })).toThrow(
      MiningInputError,
    );
    expect(isPoraHit(uint256ToBytes(5n), 5n)).toBe(true);
    expect(isPoraHit(uint256ToBytes(6n), 5n)).toBe(false);
  });

  it("bounds the seal offset to one load", () => {
    expect(() => computeRecallPosition(0n, 64)).toThrow(MiningInputError);
    expect(() => computeRecallPosition(0n, -1)).toThrow(MiningInputError);
  });

  it("applies RecallRange.check", () => {
    const flowLength = (1n << 25n) + 5000n;
    const ok = createUnshardedRange(flowLength);
    expect(() => checkRecallRange({ range: ok, flowLength, maxShards: 1n })).not.toThrow();
    const reason = (range: RecallRange, maxShards = 4n) => {
      try {
        checkRecallRange({ range, flowLength, maxShards });
        return "ok";
      } catch (e) {
        expect(e).toBeInstanceOf(MiningInputError);
        return (e as MiningInputError).shortMessage;
      }
    };
    expect(reason({ ...ok, startPosition: 1024n, mineLength: ok.mineLength - 1024n })).toContain("pricing chunk");
    expect(reason({ ...ok, mineLength: ok.mineLength + 1024n })).toContain("whole loads");
    expect(reason({ ...ok, mineLength: ok.mineLength - 1024n })).toContain("full allowed length");
    const twoShards = { ...ok, shardMask: U64_MAX ^ 1n };
    expect(reason(twoShards)).toBe("ok");
    expect(reason({ ...twoShards, shardId: 2n })).toContain("overlaps");
    expect(reason(twoShards, 1n)).toContain("too many shards");
    const huge = 1n << 37n;
    expect(reason({ startPosition: 0n, mineLength: huge, shardId: 0n, shardMask: U64_MAX }, 1n)).toContain(
      "whole loads",
    );
    const bigFlow = (1n << 36n) + 1024n;
    expect(() =>
      checkRecallRange({
        range: { startPosition: 0n, mineLength: 1n << 36n, shardId: 0n, shardMask: U64_MAX },
        flowLength: bigFlow,
        maxShards: 1n,
      }),
    ).toThrow("mining cap");
  });

  it("covers whole loads of the flow when unsharded", () => {
    expect(createUnshardedRange(5000n)).toEqual({
      startPosition: 0n,
      mineLength: 4096n,
      shardId: 0n,
      shardMask: U64_MAX,
    });
  });
});

describe("seal proof and answer", () => {
  // Two files: 3 MiB (12288 sectors at 4096..16384) after a small file, so the flow has 16384+ sectors.
  const flow = buildTestFlow([kpattern(5000), kpattern(3 * 1024 * 1024), kpattern(70_000)]);
  const levels = createFlowLevels(flow.leaves);
  const flowLength = flow.tree.length();
  const flowRoot = fromHex(flow.tree.root());

  it("builds the flow with the expected root", () => {
    expect(toHex(levels.root)).toBe(flow.tree.root());
  });

  it("every seal's proof verifies like the contract, and a flipped bit breaks it", () => {
    const nSeals = Number(flowLength / 16n);
    fc.assert(
      // Seal 0 holds the reserved leaf bytes32(0), which is no sector's hash: it has no valid proof (see next test).
      fc.property(fc.integer({ min: 1, max: nSeals - 1 }), fc.nat(), (sealIndex, bit) => {
        const unsealed = flow.sectors(sealIndex * 16, 16);
        const merkleProof = computeSealProof({
          sealIndex: BigInt(sealIndex),
          flowLength,
          nodeAt: (h, i) => levels.nodeAt(h, Number(i)),
        });
        expect(merkleProof).toHaveLength(levels.depth - 4);
        const recallPosition = BigInt(sealIndex * 16);
        expect(verifySealProof({ unsealed, recallPosition, merkleProof, flowRoot })).toBe(true);
        const flipped = unsealed.slice();
        flipped[(bit >>> 3) % flipped.length] ^= 1 << (bit & 7);
        expect(verifySealProof({ unsealed: flipped, recallPosition, merkleProof, flowRoot })).toBe(false);
        const badProof = merkleProof.map((s) => s.slice());
        badProof[bit % badProof.length][bit % 32] ^= 0x80;
        expect(verifySealProof({ unsealed, recallPosition, merkleProof: badProof, flowRoot })).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it("cannot prove seal 0: the flow's reserved leaf 0 is bytes32(0), not keccak of a zero sector", () => {
    const merkleProof = computeSealProof({ sealIndex: 0n, flowLength, nodeAt: (h, i) => levels.nodeAt(h, Number(i)) });
    expect(verifySealProof({ unsealed: flow.sectors(0, 16), recallPosition: 0n, merkleProof, flowRoot })).toBe(false);
  });

  it("builds a Mine.submit answer that passes every offline check", () => {
    const range = createUnshardedRange(flowLength);
    const subtaskDigest = K("subtask");
    const contextDigest = K("context");
    {
      const nonce = K("nonce-1");
      const padSeed = computePadSeed({ minerId: v.minerId, nonce, subtaskDigest, range });
      const { pad, recallSeed } = computeScratchpad(padSeed);
      const { loadStart } = computeRecallLoad({ recallSeed, range });
      const sealOffset = 5;
      const recallPosition = computeRecallPosition(loadStart, sealOffset);
      const sealContextDigest = K("epoch-1");
      const unsealed = flow.sectors(Number(recallPosition), 16);
      const sealedData = seal(unsealed, { minerId: v.minerId, sealContextDigest, startSector: recallPosition });
      const merkleProof = computeSealProof({
        sealIndex: recallPosition / 16n,
        flowLength,
        nodeAt: (h, i) => levels.nodeAt(h, Number(i)),
      });
      const answer = buildPoraAnswer({
        contextDigest,
        nonce,
        minerId: v.minerId,
        range,
        loadStart,
        sealOffset,
        sealedContextDigest: sealContextDigest,
        sealedData,
        merkleProof,
      });
      expect(answer.recallPosition).toBe(recallPosition);
      expect(answer.sealedData).toHaveLength(128);
      const output = computePoraOutput({ sealOffset, padSeed, pad, sealedData });
      // Unsharded, scaleX64 = 2^64, so the threshold is poraTarget with its low 64 bits cleared.
      const outputValue = BigInt(toHex(output));
      const check = checkPoraAnswer(answer, {
        subtaskDigest,
        flowRoot,
        flowLength,
        poraTarget: outputValue + (1n << 64n),
      });
      expect(check.recallPositionMatches).toBe(true);
      expect(check.merkleRootMatches).toBe(true);
      expect(check.poraOutput).toEqual(output);
      expect(check.hit).toBe(true);
      expect(
        checkPoraAnswer(answer, { subtaskDigest, flowRoot, flowLength, poraTarget: outputValue - (1n << 64n) }).hit,
      ).toBe(false);
      const forged = { ...answer, recallPosition: answer.recallPosition + 16n };
      expect(checkPoraAnswer(forged, { subtaskDigest, flowRoot, flowLength }).recallPositionMatches).toBe(false);
      const calldata = encodeMineSubmitCalldata(answer);
      expect(calldata.slice(0, 10)).toBe(MINE_SUBMIT_SELECTOR);
      // 4 (selector) + 32 (offset) + 3·32 + 4·32 + 3·32 + 128·32 + 32 (proof offset) + 32 (len) + proof.
      expect((calldata.length - 2) / 2).toBe(4 + 32 + 96 + 128 + 96 + 4096 + 32 + 32 + 32 * merkleProof.length);
    }
  });

  it("declares the Mine.submit tuple with selector 0xae722e82", () => {
    expect(
      toFunctionSelector(
        "submit((bytes32,bytes32,bytes32,(uint256,uint256,uint64,uint64),uint256,uint256,bytes32,bytes32[128],bytes32[]))",
      ),
    ).toBe(MINE_SUBMIT_SELECTOR);
  });

  it("rejects malformed answer inputs", () => {
    const base = {
      contextDigest: K("c"),
      nonce: K("n"),
      minerId: v.minerId,
      range: v.range,
      loadStart: 0n,
      sealOffset: 0,
      sealedContextDigest: K("s"),
      merkleProof: [],
    };
    expect(() => buildPoraAnswer({ ...base, sealedData: new Uint8Array(10) })).toThrow(InvalidSizeError);
    expect(() => buildPoraAnswer({ ...base, sealedData: new Uint8Array(4096), sealOffset: 64 })).toThrow(
      MiningInputError,
    );
    expect(() =>
      recoverSealMerkleRoot({ unsealed: new Uint8Array(4096), recallPosition: 3n, merkleProof: [] }),
    ).toThrow(MiningInputError);
  });
});
