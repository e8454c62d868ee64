import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ZERO_HASH,
  computeFileMerkle,
  computeSealProof,
  createFlowLevels,
  fromHex,
  keccak256,
  planInsertion,
  toHex,
  verifySealProof,
  type Hex,
} from "../../protocol/storage";
import { DataUnavailableError, FlowMirrorError } from "./errors";
import { createFlowMirror, type FlowSubmitEvent } from "./flowMirror";
import { createMemorySectorSource, pseudoRandomBytes } from "./testing/memorySource";

const EMPTY_SECTOR = new Uint8Array(256);

/** Builds a flow from files: the events, the in-memory image, and every sector leaf. */
function buildFlow(sizes: readonly number[]) {
  const source = createMemorySectorSource();
  const events: FlowSubmitEvent[] = [];
  let length = 1n;
  const files: { start: bigint; data: Uint8Array }[] = [];
  sizes.forEach((size, i) => {
    const data = pseudoRandomBytes(size, i + 11);
    const merkle = computeFileMerkle(data);
    const nodes = merkle.nodes.map((n) => ({ root: toHex(n.root), height: BigInt(n.height) }));
    const plan = planInsertion(
      length,
      merkle.nodes.map((n) => n.height),
    );
    events.push({ submissionIndex: BigInt(i), startPos: plan.startIndex, length: plan.chargedLength, nodes });
    source.place(plan.startIndex, data, plan.afterLength);
    files.push({ start: plan.startIndex, data });
    length = plan.afterLength;
  });
  const image = new Uint8Array(Number(length) * 256);
  for (const f of files) image.set(f.data, Number(f.start) * 256);
  const leaves: Uint8Array[] = [fromHex(ZERO_HASH)];
  for (let p = 1; p < Number(length); p++) leaves.push(keccak256(image.subarray(p * 256, (p + 1) * 256)));
  return { source, events, length, image, leaves };
}

describe("flow mirror", () => {
  it("roots after every submission and seal proofs equal the fully materialised tree (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 60_000, max: 700_000 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 1 << 30 }),
        async (sizes, pick) => {
          const flow = buildFlow(sizes);
          const mirror = createFlowMirror({ source: flow.source });
          for (const e of flow.events) mirror.apply(e);
          const levels = createFlowLevels(flow.leaves);
          expect(mirror.rootAtLength(flow.length)).toBe(toHex(levels.root));
          expect(mirror.length()).toBe(flow.length);
          const seals = flow.length / 16n;
          if (seals < 2n) return;
          for (const s of [1n, seals - 1n, 1n + (BigInt(pick) % (seals - 1n))]) {
            const proof = await mirror.sealProof(s, flow.length);
            const expected = computeSealProof({
              sealIndex: s,
              flowLength: flow.length,
              nodeAt: (h, i) => levels.nodeAt(h, Number(i)),
            });
            expect(proof.map(toHex)).toEqual(expected.map(toHex));
            const unsealed = flow.image.subarray(Number(s) * 4096, Number(s + 1n) * 4096);
            expect(
              verifySealProof({ unsealed, recallPosition: s * 16n, merkleProof: proof, flowRoot: levels.root }),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it("proofs against an earlier, shorter context use that context's tree", async () => {
    const flow = buildFlow([300_000, 5000]);
    const mirror = createFlowMirror({ source: flow.source });
    mirror.apply(flow.events[0]);
    const earlyLength = mirror.length();
    mirror.apply(flow.events[1]);
    const early = createFlowLevels(flow.leaves.slice(0, Number(earlyLength)));
    expect(mirror.rootAtLength(earlyLength)).toBe(toHex(early.root));
    const s = earlyLength / 16n - 1n;
    const proof = await mirror.sealProof(s, earlyLength);
    const unsealed = flow.image.subarray(Number(s) * 4096, Number(s + 1n) * 4096);
    expect(verifySealProof({ unsealed, recallPosition: s * 16n, merkleProof: proof, flowRoot: early.root })).toBe(true);
  });

  it("rejects events out of order or placed elsewhere, and reports missing data", async () => {
    const flow = buildFlow([5000, 3000]);
    const mirror = createFlowMirror({ source: flow.source });
    expect(() => mirror.apply(flow.events[1])).toThrow(FlowMirrorError);
    expect(() => mirror.apply({ ...flow.events[0], startPos: flow.events[0].startPos + 1n })).toThrow(
      /placement rules/,
    );
    expect(mirror.submissionCount()).toBe(0n);
    const empty = createFlowMirror({ source: { readFlowSectors: async () => null } });
    empty.apply(flow.events[0]);
    await expect(empty.sealProof(1n, empty.length())).rejects.toBeInstanceOf(DataUnavailableError);
    mirror.apply(flow.events[0]);
    mirror.reset();
    expect(mirror.submissionCount()).toBe(0n);
    expect(mirror.rootAtLength(1n)).toBe(ZERO_HASH as Hex);
  });

  it("an all-zero sector hashes like the Flow's padding", () => {
    expect(toHex(keccak256(EMPTY_SECTOR))).toBe("0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5");
  });
});
