import { describe, expect, it } from "vitest";
import { encodeAbiParameters, encodePacked, keccak256 as viemKeccak } from "viem";
import { toHex, type Hex } from "./bytes";
import { computeContextDigest, computeMinerId, computeSubtask, computeSubtaskDigest } from "./context";
import { FlowTreeError, MiningInputError } from "./errors";
import { createFlowTree } from "./flowTree";
import { computeFileMerkle } from "./fileMerkle";
import { kpattern } from "./testing/inputs";

const a: Hex = `0x${"a1".repeat(32)}`;
const b: Hex = `0x${"b2".repeat(32)}`;

// viem's ABI encoder and keccak are the independent reference here.
describe("mining context helpers", () => {
  it("context digest = keccak(abi.encode(bytes32, bytes32, uint256))", () => {
    const expected = viemKeccak(
      encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }], [a, b, 4099n]),
    );
    expect(toHex(computeContextDigest({ blockDigest: a, flowRoot: b, flowLength: 4099n }))).toBe(expected);
  });

  it("miner id = keccak(abi.encodePacked(bytes32, address, uint64))", () => {
    const sender: Hex = "0x00000000000000000000000000000000000000aa";
    const expected = viemKeccak(encodePacked(["bytes32", "address", "uint64"], [a, sender, 77n]));
    expect(toHex(computeMinerId({ parentBlockHash: a, sender, seed: 77n }))).toBe(expected);
    expect(() => computeMinerId({ parentBlockHash: a, sender: "0x12", seed: 0n })).toThrow(MiningInputError);
    expect(() => computeMinerId({ parentBlockHash: a, sender, seed: 1n << 64n })).toThrow(MiningInputError);
  });

  it("subtask index and digest", () => {
    const h = BigInt(viemKeccak(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [a, b])));
    expect(
      computeSubtask({ contextDigest: a, minerId: b, mineStart: 1000n, nSubtasks: 4n, subtaskInterval: 800n }),
    ).toEqual({
      index: h % 4n,
      startBlock: 1000n + (h % 4n) * 800n,
    });
    expect(toHex(computeSubtaskDigest({ contextDigest: a, subtaskStartBlockHash: b }))).toBe(
      viemKeccak(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [a, b])),
    );
    expect(() =>
      computeSubtask({ contextDigest: a, minerId: b, mineStart: 0n, nSubtasks: 0n, subtaskInterval: 1n }),
    ).toThrow(MiningInputError);
  });
});

describe("flow tree snapshots", () => {
  it("resume to the same roots as an uninterrupted tree", () => {
    const files = [1000, 70_000, 300_000, 5, 262_144].map((n) => computeFileMerkle(kpattern(n)));
    const full = createFlowTree();
    let resumed = createFlowTree();
    for (const f of files) {
      full.insert(f.nodes);
      resumed = createFlowTree(
        JSON.parse(
          JSON.stringify(resumed.snapshot(), (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
          (_, v) => (typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v),
        ),
      );
      resumed.insert(f.nodes);
      expect(resumed.root()).toBe(full.root());
      expect(resumed.length()).toBe(full.length());
    }
  });

  it("rejects an inconsistent snapshot", () => {
    expect(() => createFlowTree({ length: 0n, frontier: [] })).toThrow(FlowTreeError);
    expect(() => createFlowTree({ length: 3n, frontier: [a, null] })).toThrow(FlowTreeError);
    expect(() => createFlowTree({ length: 4n, frontier: [null] })).toThrow(FlowTreeError);
  });
});
