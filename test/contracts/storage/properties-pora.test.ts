import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  BYTES_PER_SEAL,
  SEALS_PER_LOAD,
  computePadSeed,
  computePoraOutput,
  computeRangeDigest,
  computeScratchpad,
  computeSealRoot,
  seal,
  toHex,
  unseal,
  type Hex,
} from "../../../agents/protocol/storage";
import { seededBytes } from "./helpers/propsData";

async function fixture() {
  const harness = await (await ethers.getContractFactory("PoraHarness")).deploy();
  return { harness };
}

const bytes32Arb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const U64_MAX = (1n << 64n) - 1n;

function words(unit: Uint8Array): Hex[] {
  return Array.from({ length: BYTES_PER_SEAL / 32 }, (_, i) => toHex(unit.subarray(32 * i, 32 * i + 32)));
}

describe("PoRA primitives: library against the contract's PoraLib (property)", function () {
  it("the contract's unseal inverts the library's seal, the seal roots agree, and unseal(seal(x)) == x in the library", async function () {
    this.timeout(300_000);
    const { harness } = await loadFixture(fixture);
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        bytes32Arb,
        bytes32Arb,
        fc.bigInt({ min: 0n, max: (1n << 60n) - 1n }),
        async (seed, minerId, sealContextDigest, sealIndex) => {
          const data = seededBytes(BYTES_PER_SEAL, seed);
          const params = { minerId, sealContextDigest, startSector: sealIndex * 16n };
          const sealed = seal(data, params);
          expect(unseal(sealed, params)).to.deep.equal(data);
          const [unsealed, root] = await harness.unsealRoot(
            toHex(minerId),
            toHex(sealContextDigest),
            params.startSector,
            words(sealed),
          );
          expect(unsealed).to.deep.equal(words(data));
          expect(root).to.equal(toHex(computeSealRoot(data)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("the library's pad seed, recall seed and PoRA output equal the contract's for random inputs", async function () {
    this.timeout(300_000);
    const { harness } = await loadFixture(fixture);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          minerId: bytes32Arb,
          nonce: bytes32Arb,
          subtaskDigest: bytes32Arb,
          startPosition: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          mineLength: fc.bigInt({ min: 1024n, max: 1n << 40n }),
          shardBits: fc.integer({ min: 0, max: 4 }),
          shardId: fc.bigInt({ min: 0n, max: 15n }),
          sealOffset: fc.integer({ min: 0, max: SEALS_PER_LOAD - 1 }),
          dataSeed: fc.integer(),
        }),
        async (x) => {
          const shardMask = U64_MAX ^ ((1n << BigInt(x.shardBits)) - 1n);
          const range = {
            startPosition: x.startPosition,
            mineLength: x.mineLength,
            shardId: x.shardId & ((1n << BigInt(x.shardBits)) - 1n),
            shardMask,
          };
          const sealedData = seededBytes(BYTES_PER_SEAL, x.dataSeed);
          const padSeed = computePadSeed({ minerId: x.minerId, nonce: x.nonce, subtaskDigest: x.subtaskDigest, range });
          const { pad, recallSeed } = computeScratchpad(padSeed);
          const output = computePoraOutput({ sealOffset: x.sealOffset, padSeed, pad, sealedData });
          const [seed, contractRecallSeed, contractOutput] = await harness.pora(
            toHex(x.minerId),
            toHex(x.nonce),
            toHex(x.subtaskDigest),
            toHex(computeRangeDigest(range)),
            x.sealOffset,
            words(sealedData),
          );
          expect(seed).to.equal(toHex(padSeed));
          expect(contractRecallSeed).to.equal(toHex(recallSeed));
          expect(contractOutput).to.equal(toHex(output));
          expect(
            await harness.rangeDigest(range.startPosition, range.mineLength, range.shardId, range.shardMask),
          ).to.equal(toHex(computeRangeDigest(range)));
        },
      ),
      { numRuns: 60 },
    );
  });
});
