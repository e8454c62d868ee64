import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  computeFileMerkle,
  computeRootFromNodes,
  computeSubmissionDigest,
  computeSubmissionFee,
  computeSubmissionSectors,
  createFlowTree,
  createSubmission,
  toHex,
  type Hex,
} from "../../../agents/protocol/storage";
import { deployStorageCore } from "./helpers/deploy";
import { FlowDataOracle, fileSizeArb, seededBytes, submissionStruct } from "./helpers/propsData";

const PRICE = 7n;
const SUBMIT_NEW = "submit(((uint256,bytes,(bytes32,uint256)[]),address))";

async function fixture() {
  const [admin, user, treasury] = await ethers.getSigners();
  const core = await deployStorageCore(admin.address, treasury.address, { pricePerSector: PRICE });
  return { admin, user, ...core };
}

describe("Flow accepts submissions built by the protocol library (property)", function () {
  it("for random file sizes (1 B .. 4 MiB): fee, Submit event, placement and every flow root match the library and an independent oracle", async function () {
    this.timeout(600_000);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fileSizeArb, seed: fc.integer() }), { minLength: 1, maxLength: 3 }),
        async (files) => {
          const { flow, user } = await loadFixture(fixture);
          const libraryTree = createFlowTree();
          const oracle = new FlowDataOracle();
          expect(await flow.computeFlowRoot()).to.equal(libraryTree.root());
          for (const [txSeq, file] of files.entries()) {
            const data = seededBytes(file.size, file.seed);
            const merkle = computeFileMerkle(data);
            const submission = createSubmission({ merkle, submitter: user.address as Hex });
            const nodes = submission.data.nodes;
            const sectors = computeSubmissionSectors(nodes);
            const fee = computeSubmissionFee(nodes, PRICE);
            expect(computeRootFromNodes(nodes)).to.equal(toHex(merkle.root!));

            // One wei short is refused with the amounts the library computed.
            await expect(flow.connect(user).getFunction(SUBMIT_NEW)(submissionStruct(submission), { value: fee - 1n }))
              .to.be.revertedWithCustomError(flow, "NotEnoughFee")
              .withArgs(PRICE, sectors, fee - 1n);

            const balanceBefore = await ethers.provider.getBalance(user.address);
            const tx = await flow.connect(user).getFunction(SUBMIT_NEW)(submissionStruct(submission), { value: fee });
            const receipt = (await tx.wait())!;
            expect(await ethers.provider.getBalance(user.address)).to.equal(
              balanceBefore - fee - receipt.gasUsed * receipt.gasPrice,
            );

            const plan = libraryTree.insert(nodes);
            const event = receipt.logs.map((l) => flow.interface.parseLog(l)).find((l) => l?.name === "Submit");
            expect(event, "Submit event").to.not.equal(undefined);
            const [sender, identity, submissionIndex, startPos, length, echoed] = event!.args;
            expect(sender).to.equal(user.address);
            expect(identity).to.equal(computeSubmissionDigest(nodes));
            expect(submissionIndex).to.equal(BigInt(txSeq));
            expect(startPos).to.equal(plan.startIndex);
            expect(length).to.equal(sectors);
            // ethers' Result has its own `length` (field count): read the struct's fields by position.
            const [echoedLength, echoedTags, echoedNodes] = echoed;
            expect(echoedLength).to.equal(BigInt(file.size));
            expect(echoedTags).to.equal("0x");
            expect(echoedNodes.map((n: { root: string; height: bigint }) => [n.root, n.height])).to.deep.equal(
              nodes.map((n) => [n.root, n.height]),
            );

            // Each node root is the merkle root of the flow positions the node occupies, computed from the bytes.
            oracle.place(plan.startIndex, data);
            nodes.forEach((n, i) => {
              const h = Number(n.height);
              expect(n.root, `node ${i} (height ${h})`).to.equal(oracle.node(h, plan.nodeStarts[i] >> BigInt(h)));
            });

            const [treeLength] = await flow.tree();
            expect(treeLength).to.equal(libraryTree.length());
            const root = libraryTree.root();
            expect(root).to.equal(oracle.root(libraryTree.length()));
            expect(await flow.getFlowRootByTxSeq(txSeq)).to.equal(root);
            expect(await flow.computeFlowRoot()).to.equal(root);
          }
        },
      ),
      { numRuns: 24 },
    );
  });
});
