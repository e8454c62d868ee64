import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, toBeHex } from "ethers";
import fc from "fast-check";
import { deployStorageCore } from "./helpers/deploy";
import { FlowTreeModel } from "./helpers/flowTree";

const PRICE = 3n;
const SUBMIT_NEW = "submit(((uint256,bytes,(bytes32,uint256)[]),address))";

async function fixture() {
  const [admin, user, treasury] = await ethers.getSigners();
  const core = await deployStorageCore(admin.address, treasury.address, {
    pricePerSector: PRICE,
    sectorsPerChunk: 512n,
  });
  return { admin, user, ...core };
}

/** A valid SDK-shaped node split: strictly decreasing heights with a spread below 4. */
const heightsArb = fc
  .record({ top: fc.integer({ min: 0, max: 11 }), mask: fc.integer({ min: 0, max: 7 }) })
  .map(({ top, mask }) => {
    const hs = [top];
    for (let k = 1; k <= 3; k++) if (mask & (1 << (k - 1)) && top - k >= 0) hs.push(top - k);
    return hs;
  });

describe("Flow tree and fees (property)", function () {
  it("roots, start indexes and tree() match an independent model, and every wei paid reaches Reward", async function () {
    const { flow, user, reward, market } = await loadFixture(fixture);
    const model = new FlowTreeModel();
    let paid = 0n;
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(heightsArb, { minLength: 1, maxLength: 6 }), fc.nat(1000), async (batches, tip) => {
        for (const heights of batches) {
          const sectors = heights.reduce((a, h) => a + (1n << BigInt(h)), 0n);
          const roots = heights.map((h) => keccak256(toBeHex(++seq * 64 + h, 32)));
          const data = {
            length: sectors * 256n,
            tags: "0x",
            nodes: heights.map((h, i) => ({ root: roots[i], height: h })),
          };
          const fee = sectors * PRICE;
          const tx = flow.connect(user).getFunction(SUBMIT_NEW)(
            { data, submitter: user.address },
            { value: fee + BigInt(tip) },
          );
          const { startIndex } = model.insert(heights, roots);
          await expect(tx)
            .to.emit(flow, "Submit")
            .withArgs(
              user.address,
              () => true,
              () => true,
              startIndex,
              sectors,
              () => true,
            );
          paid += fee;
          const [len, levels] = await flow.tree();
          expect(len).to.equal(model.length);
          expect(levels).to.equal(BigInt(model.height() + 1));
          expect(await flow.computeFlowRoot()).to.equal(model.root());
        }
        expect(await ethers.provider.getBalance(await reward.getAddress())).to.equal(paid);
        expect(await ethers.provider.getBalance(await flow.getAddress())).to.equal(0n);
        expect(await ethers.provider.getBalance(await market.getAddress())).to.equal(0n);
      }),
      { numRuns: 40 },
    );
  });
});
