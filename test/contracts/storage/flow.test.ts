import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, concat, ZeroAddress, toUtf8Bytes } from "ethers";
import { deployStorageCore } from "./helpers/deploy";
import { FlowTreeModel, hashPair, ZERO_SECTOR_HASH, zeros } from "./helpers/flowTree";
import { loadSdkVectors } from "./helpers/vectors";
import type { Signer } from "ethers";
import type { Flow } from "../../../typechain";
import type { SubmissionDataStruct } from "../../../typechain/contracts/storage/Flow";

const PRICE = 7n;
const EMPTY_HASH = keccak256("0x");
const SUBMIT_NEW = "submit(((uint256,bytes,(bytes32,uint256)[]),address))";
const SUBMIT_OLD = "submit((uint256,bytes,(bytes32,uint256)[]))";
const BATCH_NEW = "batchSubmit(((uint256,bytes,(bytes32,uint256)[]),address)[])";
const BATCH_OLD = "batchSubmit((uint256,bytes,(bytes32,uint256)[])[])";
const coder = AbiCoder.defaultAbiCoder();

const submitNew = (f: Flow, s: Signer) => f.connect(s).getFunction(SUBMIT_NEW);
const submitOld = (f: Flow, s: Signer) => f.connect(s).getFunction(SUBMIT_OLD);
const batchNew = (f: Flow, s: Signer) => f.connect(s).getFunction(BATCH_NEW);
const batchOld = (f: Flow, s: Signer) => f.connect(s).getFunction(BATCH_OLD);

/** A valid submission with the given heights (largest first) and a byte length just over the minimum. */
function dataFor(heights: number[], seed = "x"): SubmissionDataStruct {
  const sectors = heights.reduce((a, h) => a + (1 << h), 0);
  const length = sectors * 256;
  return {
    length,
    tags: "0x",
    nodes: heights.map((h, i) => ({ root: keccak256(toUtf8Bytes(`${seed}-${i}-${h}`)), height: h })),
  };
}

function sectorsOf(d: SubmissionDataStruct): bigint {
  return d.nodes.reduce((a, n) => a + (1n << BigInt(n.height)), 0n);
}

async function fixture() {
  const [admin, user, treasury, other] = await ethers.getSigners();
  const core = await deployStorageCore(admin.address, treasury.address, { pricePerSector: PRICE });
  return { admin, user, treasury, other, ...core };
}

describe("Flow", function () {
  describe("initialisation", function () {
    it("starts with only the reserved leaf, the empty context and the market", async function () {
      const { flow, market } = await loadFixture(fixture);
      const [len, levels] = await flow.tree();
      expect(len).to.equal(1n);
      expect(levels).to.equal(1n);
      expect(await flow.computeFlowRoot()).to.equal(ethers.ZeroHash);
      expect(await flow.market()).to.equal(await market.getAddress());
      const ctx = await flow.getContext();
      expect(ctx.epoch).to.equal(0n);
      expect(ctx.flowLength).to.equal(1n);
      expect(ctx.digest).to.equal(EMPTY_HASH);
      expect(await flow.numSubmissions()).to.equal(0n);
    });

    it("cannot be initialised again, and the implementation is locked", async function () {
      const { flow, admin, market } = await loadFixture(fixture);
      await expect(flow.initialize(admin.address, await market.getAddress(), 10, 0)).to.be.revertedWithCustomError(
        flow,
        "InvalidInitialization",
      );
      const impl = await (await ethers.getContractFactory("Flow")).deploy();
      await expect(impl.initialize(admin.address, await market.getAddress(), 10, 0)).to.be.revertedWithCustomError(
        impl,
        "InvalidInitialization",
      );
    });

    it("rejects zero parameters", async function () {
      const { admin, market } = await loadFixture(fixture);
      const factory = await ethers.getContractFactory("Flow");
      const impl = await factory.deploy();
      const proxy = await ethers.getContractFactory("ERC1967Proxy");
      for (const args of [
        [ZeroAddress, await market.getAddress(), 10, 0],
        [admin.address, ZeroAddress, 10, 0],
        [admin.address, await market.getAddress(), 0, 0],
        [admin.address, await market.getAddress(), 10, 1],
        // Too large for the packed fields.
        [admin.address, await market.getAddress(), 1n << 40n, 0],
        [admin.address, await market.getAddress(), 10, 1n << 48n],
      ]) {
        await expect(
          proxy.deploy(await impl.getAddress(), factory.interface.encodeFunctionData("initialize", args)),
        ).to.be.revertedWithCustomError(factory, "FlowInvalidParameter");
      }
    });

    it("uses the ERC-7201 slot of zg.storage.Flow", async function () {
      const { flow } = await loadFixture(fixture);
      const slot =
        BigInt(keccak256(coder.encode(["uint256"], [BigInt(keccak256(toUtf8Bytes("zg.storage.Flow"))) - 1n]))) & ~0xffn;
      // The first field of FlowStorage is the market address.
      const raw = await ethers.provider.getStorage(await flow.getAddress(), slot);
      expect(ethers.getAddress("0x" + raw.slice(26))).to.equal(await flow.market());
      // Slot 0 packs market | firstBlock (48 bits) | blocksPerEpoch (40 bits) | paused.
      const word = BigInt(raw);
      expect((word >> 160n) & ((1n << 48n) - 1n)).to.equal(await flow.firstBlock());
      expect((word >> 208n) & ((1n << 40n) - 1n)).to.equal(await flow.blocksPerEpoch());
      expect(word >> 248n).to.equal(0n);
      // Slot 1 packs length | submissionIndex | epoch | epochStartPosition (64 bits each).
      const counters = BigInt(await ethers.provider.getStorage(await flow.getAddress(), slot + 1n));
      expect(counters & ((1n << 64n) - 1n)).to.equal((await flow.tree()).currentLength);
      expect(counters >> 64n).to.equal(0n);
    });

    it("pre-initialises every frontier slot above level 0 so no submission writes a fresh slot there", async function () {
      const { flow } = await loadFixture(fixture);
      const base =
        BigInt(keccak256(coder.encode(["uint256"], [BigInt(keccak256(toUtf8Bytes("zg.storage.Flow"))) - 1n]))) & ~0xffn;
      // FlowStorage: 2 packed slots, MineContext (6), epochRanges, epochRangeHistory, rootByTxSeq, then left[64].
      const left = base + 11n;
      expect(BigInt(await ethers.provider.getStorage(await flow.getAddress(), left))).to.equal(0n);
      for (let h = 1n; h < 64n; h++) {
        expect(BigInt(await ethers.provider.getStorage(await flow.getAddress(), left + h))).to.equal(1n);
      }
      expect(BigInt(await ethers.provider.getStorage(await flow.getAddress(), left + 64n))).to.equal(0n);
    });
  });

  describe("submit: the official SDK vectors", function () {
    it("accepts every SDK 1.2.8 calldata as sent, with the vector's identity and sector count", async function () {
      const { flow, user, market } = await loadFixture(fixture);
      const { vectors } = loadSdkVectors();
      const model = new FlowTreeModel();
      for (const v of vectors) {
        const value = BigInt(v.sectors) * PRICE;
        if (!v.contractValid) {
          await expect(user.sendTransaction({ to: await flow.getAddress(), data: v.calldataNew, value })).to.be
            .reverted;
          continue;
        }
        const tx = user.sendTransaction({ to: await flow.getAddress(), data: v.calldataNew, value });
        const heights = v.submission.nodes.map((n) => n.height);
        const { startIndex } = model.insert(
          heights,
          v.submission.nodes.map((n) => n.root),
        );
        const index = (await flow.numSubmissions()) as bigint;
        await expect(tx)
          .to.emit(flow, "Submit")
          .withArgs(
            v.submission.submitter,
            v.identity,
            index,
            startIndex,
            BigInt(v.sectors),
            (s: unknown[]) => (s as bigint[])[0] === BigInt(v.size),
          );
        expect(await flow.getFlowRootByTxSeq(index)).to.equal(model.root());
      }
      expect(await ethers.provider.getBalance(await flow.getAddress())).to.equal(0n);
      expect(await ethers.provider.getBalance(await market.getAddress())).to.equal(0n);
    });

    it("accepts every legacy 0.3.3 calldata with the caller as sender", async function () {
      const { flow, user } = await loadFixture(fixture);
      const { vectors } = loadSdkVectors();
      for (const v of vectors.filter((x) => x.contractValid)) {
        const tx = user.sendTransaction({
          to: await flow.getAddress(),
          data: v.calldataOld,
          value: BigInt(v.sectors) * PRICE,
        });
        await expect(tx)
          .to.emit(flow, "Submit")
          .withArgs(user.address, v.identity, ...Array(4).fill(() => true));
      }
    });

    it("replays the §9.6 table (txSeq, startIndex, length, flow root) of SDK 1.2.8 on 0G's FixedPriceFlow", async function () {
      const { flow, user } = await loadFixture(fixture);
      const r262144 = "0x4d533607c0f4423a9287d761e7394aa61552adb7d6a080cdb278ddb65b2eacb7";
      const rows: [number, [string, number][], bigint, bigint, string][] = [
        [
          1000,
          [["0x956cc56baf1a3c8904b6dbd16868ad086f52bba0cabb859fad91e8370508f671", 2]],
          4n,
          4n,
          "0x110787d1f31c46792fed6a8461e8ee5bdd47d610de9872d9246bee629ec107af",
        ],
        [
          1280,
          [
            ["0xba60c9df2d2a0b6153a5c9c60711aab407a424471b938ad0c08e3699cc3e7b82", 2],
            ["0x645bf49486081db8e6e4c639b77b1dd27b888eb5afc8bcec4591b921d0af784a", 0],
          ],
          8n,
          5n,
          "0x290484e05ab33183060e2bb415881c01b8e93b228a15f5a5d9c4a6007e858a00",
        ],
        [
          4353,
          [
            ["0xaef6d19a4161f0fabc7a71f56477d1c829d6ba7967d6a987750ff67fbfb430a5", 4],
            ["0x9740803355633c427fef8bc0f771db933a2b0f231318a4036e710b01f726ddde", 1],
          ],
          16n,
          18n,
          "0x641395fedbea6e70c05a0f561f9aad141bd45a9266439c2b52b9ab4de2634825",
        ],
        [
          300000,
          [
            [r262144, 10],
            ["0x2c952a66f5595358191832ebb83c766db03296f5e269f5a27508d8fce86c68d9", 8],
          ],
          1024n,
          1280n,
          "0x96b4717e69ce3708c803daf8d853ab72a9cde6351c59dba78218ec8aff0040dd",
        ],
        [262144, [[r262144, 10]], 3072n, 1024n, "0x106982f16a6fa8a8bc743cdb415314efdca826e6a400e4b89920fa726552ce4f"],
      ];
      const identities = [
        "0xce885bed78fa8197524c8cb72bc319384b254bf0606aa607336227cfe204cd23",
        "0x59bf68b3f20f78aeaf7cfcb40260d224b84e8706881ab4915bd42b2ada6cbcc1",
        undefined,
        undefined,
        "0x993c12f7c8fc0e62ca9e4be9e4fb1f6a03715789dd3f4a56d25c3cd62638c6a7",
      ];
      for (const [i, [size, nodes, start, len, root]] of rows.entries()) {
        const data = { length: size, tags: "0x", nodes: nodes.map(([r, h]) => ({ root: r, height: h })) };
        const tx = submitNew(flow, user)({ data, submitter: user.address }, { value: len * PRICE });
        const identity = identities[i] ?? keccak256(concat(nodes.map(([r]) => r)));
        await expect(tx)
          .to.emit(flow, "Submit")
          .withArgs(user.address, identity, BigInt(i), start, len, () => true);
        expect(await flow.getFlowRootByTxSeq(i)).to.equal(root);
      }
      expect((await flow.tree())[0]).to.equal(4096n);
    });

    it("replays 0G's flow.spec cases and tree() values", async function () {
      const { flow, user } = await loadFixture(fixture);
      const { flowContractReplay, sdkUploadReplay } = loadSdkVectors();
      for (const r of flowContractReplay.results.filter((x) => x.nodes)) {
        const data = {
          length: r.length!,
          tags: "0x",
          nodes: r.nodes!.map((h) => ({ root: EMPTY_HASH, height: h })),
        };
        const tx = submitNew(flow, user)({ data, submitter: user.address }, { value: BigInt(r.sectors!) * PRICE });
        await expect(tx)
          .to.emit(flow, "Submit")
          .withArgs(
            user.address,
            () => true,
            () => true,
            BigInt(r.startIndex!),
            BigInt(r.sectors!),
            () => true,
          );
        expect((await flow.tree()).map((x) => x.toString())).to.deep.equal(r.treeAfter);
      }
      // The SDK upload replay on a fresh flow: 4196 bytes, nodes [4,1].
      const fresh = await loadFixture(fixture);
      const data = {
        length: 4196,
        tags: "0x",
        nodes: sdkUploadReplay.nodes.map(([root, height]) => ({ root, height })),
      };
      await expect(
        submitNew(fresh.flow, user)({ data, submitter: user.address }, { value: BigInt(sdkUploadReplay.feeWei) }),
      )
        .to.emit(fresh.flow, "Submit")
        .withArgs(user.address, sdkUploadReplay.new_1_2_8.submitEvent.identity, 0n, 16n, 18n, () => true);
      expect((await fresh.flow.tree()).map(Number)).to.deep.equal(sdkUploadReplay.new_1_2_8.treeAfter);
    });

    it("computes the checked root H(H(H(0, z0), z1), R) for a height-2 node at position 4", async function () {
      const { flow, user } = await loadFixture(fixture);
      const R = keccak256(toUtf8Bytes("R"));
      await submitNew(flow, user)(
        { data: { length: 1000, tags: "0x", nodes: [{ root: R, height: 2 }] }, submitter: user.address },
        { value: 4n * PRICE },
      );
      expect(zeros(0)).to.equal(ZERO_SECTOR_HASH);
      expect(await flow.computeFlowRoot()).to.equal(
        hashPair(hashPair(hashPair(ethers.ZeroHash, zeros(0)), zeros(1)), R),
      );
    });
  });

  describe("submit: fees", function () {
    it("reverts NotEnoughFee(price, sectors, paid) on underpayment", async function () {
      const { flow, user } = await loadFixture(fixture);
      const data = dataFor([4, 1]);
      await expect(submitNew(flow, user)({ data, submitter: user.address }, { value: 18n * PRICE - 1n }))
        .to.be.revertedWithCustomError(flow, "NotEnoughFee")
        .withArgs(PRICE, 18n, 18n * PRICE - 1n);
      await expect(submitOld(flow, user)(data, { value: 0 }))
        .to.be.revertedWithCustomError(flow, "NotEnoughFee")
        .withArgs(PRICE, 18n, 0n);
    });

    it("refunds overpayment to the caller and keeps nothing", async function () {
      const { flow, user, reward } = await loadFixture(fixture);
      const data = dataFor([4, 1]);
      const fee = 18n * PRICE;
      await expect(
        submitNew(flow, user)({ data, submitter: user.address }, { value: fee + 1000n }),
      ).to.changeEtherBalances([user, flow, reward], [-fee, 0n, fee]);
    });

    it("a later submitter cannot ride on an earlier overpayment (0G weakness 1)", async function () {
      const { flow, user, other } = await loadFixture(fixture);
      await submitNew(flow, user)({ data: dataFor([4]), submitter: user.address }, { value: 10_000n });
      await expect(submitNew(flow, other)({ data: dataFor([4]), submitter: other.address }, { value: 0 }))
        .to.be.revertedWithCustomError(flow, "NotEnoughFee")
        .withArgs(PRICE, 16n, 0n);
    });

    it("reverts FlowRefundFailed when the caller cannot take the refund", async function () {
      const { flow } = await loadFixture(fixture);
      const caller = await (await ethers.getContractFactory("RefundRejecter")).deploy();
      const data = dataFor([0], "r");
      const callData = flow.interface.encodeFunctionData(SUBMIT_OLD, [data]);
      await expect(caller.forward(await flow.getAddress(), callData, { value: PRICE + 1n }))
        .to.be.revertedWithCustomError(flow, "FlowRefundFailed")
        .withArgs(await caller.getAddress(), 1n);
      await expect(caller.forward(await flow.getAddress(), callData, { value: PRICE })).to.emit(flow, "Submit");
    });

    it("is free when the price is zero", async function () {
      const { flow, market, admin, user } = await loadFixture(fixture);
      await market.connect(admin).setPricePerSector(0);
      await expect(submitNew(flow, user)({ data: dataFor([3]), submitter: user.address })).to.emit(flow, "Submit");
    });
  });

  describe("batchSubmit", function () {
    for (const variant of ["new", "old"] as const) {
      it(`(${variant}) inserts in order, charges from one budget and refunds the rest`, async function () {
        const { flow, user, reward } = await loadFixture(fixture);
        const datas = [dataFor([2], "a"), dataFor([4, 1], "b"), dataFor([0], "c")];
        const fee = datas.reduce((a, d) => a + sectorsOf(d) * PRICE, 0n);
        const call =
          variant === "new"
            ? batchNew(flow, user)(
                datas.map((d) => ({ data: d, submitter: user.address })),
                { value: fee + 5n },
              )
            : batchOld(flow, user)(datas, { value: fee + 5n });
        await expect(call).to.changeEtherBalances([user, reward], [-fee, fee]);
        expect(await flow.numSubmissions()).to.equal(3n);
        const res =
          variant === "new"
            ? await batchNew(flow, user).staticCall(
                datas.map((d) => ({ data: d, submitter: user.address })),
                { value: fee },
              )
            : await batchOld(flow, user).staticCall(datas, { value: fee });
        expect(res[0]).to.deep.equal([3n, 4n, 5n]);
        expect(res[3]).to.deep.equal([4n, 18n, 1n]);
      });

      it(`(${variant}) reverts NotEnoughFee with the budget left for the first unpaid entry`, async function () {
        const { flow, user } = await loadFixture(fixture);
        const datas = [dataFor([2], "a"), dataFor([4, 1], "b")];
        const value = 4n * PRICE + 10n;
        const call =
          variant === "new"
            ? batchNew(flow, user)(
                datas.map((d) => ({ data: d, submitter: user.address })),
                { value },
              )
            : batchOld(flow, user)(datas, { value });
        await expect(call).to.be.revertedWithCustomError(flow, "NotEnoughFee").withArgs(PRICE, 18n, 10n);
      });
    }
  });

  describe("submit: invalid submissions", function () {
    const cases: [string, () => SubmissionDataStruct, string, (d: SubmissionDataStruct) => unknown[]][] = [
      ["no nodes", () => ({ length: 1, tags: "0x", nodes: [] }), "FlowNoNodes", () => []],
      ["heights not strictly decreasing", () => dataFor([3, 3]), "FlowHeightsNotDecreasing", () => [1n, 3n, 3n]],
      [
        "heights increasing",
        () => ({ ...dataFor([1, 2]), length: 1000 }),
        "FlowHeightsNotDecreasing",
        () => [1n, 1n, 2n],
      ],
      ["spread of 4", () => dataFor([6, 5, 2]), "FlowHeightSpreadTooLarge", () => [6n, 2n]],
      [
        "height 64",
        () => ({ length: 1, tags: "0x", nodes: [{ root: EMPTY_HASH, height: 64 }] }),
        "FlowNodeTooHigh",
        () => [64n],
      ],
      ["length too long", () => ({ ...dataFor([2]), length: 4 * 256 + 1 }), "FlowLengthTooLong", () => [1025n, 1024n]],
      [
        "length not minimal (small)",
        () => ({ ...dataFor([2]), length: 768 }),
        "FlowLengthNotMinimal",
        () => [768n, 768n],
      ],
      [
        "length not minimal (one node)",
        () => ({ ...dataFor([8]), length: 240 * 256 }),
        "FlowLengthNotMinimal",
        () => [61440n, 61440n],
      ],
      [
        "length not minimal (several nodes)",
        () => ({ ...dataFor([9, 8]), length: (768 - 64) * 256 }),
        "FlowLengthNotMinimal",
        () => [180224n, 180224n],
      ],
      ["zero length", () => ({ ...dataFor([0]), length: 0 }), "FlowLengthNotMinimal", () => [0n, 0n]],
    ];
    for (const [label, make, error, args] of cases) {
      it(`reverts ${error} for ${label}`, async function () {
        const { flow, user } = await loadFixture(fixture);
        const data = make();
        await expect(submitNew(flow, user)({ data, submitter: user.address }, { value: 10n ** 18n }))
          .to.be.revertedWithCustomError(flow, error)
          .withArgs(...args(data));
      });
    }

    it("reverts FlowZeroSubmitter for a zero submitter", async function () {
      const { flow, user } = await loadFixture(fixture);
      await expect(
        submitNew(flow, user)({ data: dataFor([2]), submitter: ZeroAddress }, { value: 100n }),
      ).to.be.revertedWithCustomError(flow, "FlowZeroSubmitter");
    });

    it("reverts FlowNotLaunched before the first block", async function () {
      const [admin, user, treasury] = await ethers.getSigners();
      const now = BigInt(await ethers.provider.getBlockNumber());
      const { flow } = await deployStorageCore(admin.address, treasury.address, { firstBlock: now + 100n });
      await expect(submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n }))
        .to.be.revertedWithCustomError(flow, "FlowNotLaunched")
        .withArgs(now + 100n, (n: bigint) => n < now + 100n);
    });
  });

  describe("epochs and contexts", function () {
    async function epochFixture() {
      const [admin, user, treasury] = await ethers.getSigners();
      const core = await deployStorageCore(admin.address, treasury.address, {
        pricePerSector: PRICE,
        blocksPerEpoch: 10n,
      });
      return { admin, user, ...core };
    }

    it("opens an epoch with contextDigest = keccak256(abi.encode(blockDigest, flowRoot, flowLength))", async function () {
      const { flow, user } = await loadFixture(epochFixture);
      await submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n });
      const first = await flow.firstBlock();
      await mine(12);
      const root = await flow.computeFlowRoot();
      const tx = flow.makeContext();
      const mineStart = first + 10n;
      const blockHash = (await ethers.provider.getBlock(Number(mineStart)))!.hash!;
      const digest = keccak256(coder.encode(["bytes32", "bytes32", "uint256"], [blockHash, root, 8n]));
      await expect(tx)
        .to.emit(flow, "NewEpoch")
        .withArgs((await ethers.getSigners())[0].address, 1n, root, 1n, 8n, digest);
      const ctx = await flow.getContext();
      expect([ctx.epoch, ctx.mineStart, ctx.flowRoot, ctx.flowLength, ctx.blockDigest, ctx.digest]).to.deep.equal([
        1n,
        mineStart,
        root,
        8n,
        blockHash,
        digest,
      ]);
      const range = await flow.getEpochRange(digest);
      expect([range.start, range.end]).to.deep.equal([0n, 8n]);
      const q = await flow.queryContextAtPosition.staticCall(5);
      expect([q.start, q.end, q.digest]).to.deep.equal([0n, 8n, digest]);
      expect(await flow.epochRangeHistoryLength()).to.equal(1n);
      expect(await flow.epochStartPosition()).to.equal(8n);
    });

    it("catches up in one call: the oldest pending epoch records the new data, then it jumps to the newest", async function () {
      const { flow, user } = await loadFixture(epochFixture);
      await submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n });
      await mine(35);
      await flow.makeContextFixedTimes(0);
      expect(await flow.epoch()).to.equal(0n);
      await flow.makeContextFixedTimes(1);
      expect(await flow.epoch()).to.equal(1n);
      const first = await flow.firstBlock();
      await mine(40);
      const receipt = await (await flow.makeContext()).wait();
      const newest = (BigInt(receipt!.blockNumber) - first - 1n) / 10n;
      expect(await flow.epoch()).to.equal(newest);
      const events = await flow.queryFilter(flow.filters.NewEpoch(), receipt!.blockNumber, receipt!.blockNumber);
      expect(events.map((e) => e.args.index)).to.deep.equal([2n, newest]);
      // Epoch 1 recorded [0, 8); the later epochs saw no new data.
      const q = await flow.queryContextAtPosition.staticCall(7);
      expect([q.start, q.end]).to.deep.equal([0n, 8n]);
      expect((await flow.getContext()).mineStart).to.equal(first + newest * 10n);
    });

    it("falls back to an EMPTY context past 256 blocks when the chain has no working EIP-2935 history", async function () {
      const { flow } = await loadFixture(epochFixture);
      await mine(600);
      await flow.makeContextFixedTimes(1);
      expect((await flow.getContext()).digest).to.equal(EMPTY_HASH);
    });

    it("uses the EIP-2935 history contract for epochs closed 256..8191 blocks late", async function () {
      const { flow } = await loadFixture(epochFixture);
      const history = "0x0000F90827F1C53a10cb7A02335B175320002935";
      const mock = await (await ethers.getContractFactory("BlockHashHistoryMock")).deploy();
      await ethers.provider.send("hardhat_setCode", [history, await ethers.provider.getCode(await mock.getAddress())]);
      const first = await flow.firstBlock();
      await mine(600);
      const expected = (await ethers.provider.getBlock(Number(first + 10n)))!.hash!;
      await mock.attach(history).getFunction("record")(first + 10n, expected);
      await flow.makeContextFixedTimes(1);
      const ctx = await flow.getContext();
      expect(ctx.blockDigest).to.equal(expected);
      expect(ctx.digest).to.not.equal(EMPTY_HASH);
    });

    it("turns epochs closed more than 8191 blocks late into EMPTY contexts whose data joins the next range", async function () {
      const { flow, user } = await loadFixture(epochFixture);
      await submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n });
      await mine(8300);
      await flow.makeContextFixedTimes(1);
      const ctx = await flow.getContext();
      expect(ctx.digest).to.equal(EMPTY_HASH);
      expect(ctx.blockDigest).to.equal(EMPTY_HASH);
      expect(await flow.epochRangeHistoryLength()).to.equal(0n);
      expect(await flow.epochStartPosition()).to.equal(0n);
      // The next reachable epoch records a range that starts at 0 and so covers the orphaned data.
      const q = await flow.queryContextAtPosition.staticCall(5);
      expect(q.start).to.equal(0n);
      expect(q.digest).to.not.equal(EMPTY_HASH);
    });

    it("stays cheap after a long idle period", async function () {
      const { flow } = await loadFixture(epochFixture);
      await mine(30_000);
      const receipt = await (await flow.makeContext()).wait();
      const first = await flow.firstBlock();
      expect(await flow.epoch()).to.equal((BigInt(receipt!.blockNumber) - first - 1n) / 10n);
      expect(receipt!.gasUsed).to.be.lessThan(300_000n);
      expect((await flow.getContext()).digest).to.not.equal(EMPTY_HASH);
    });

    it("queryContextAtPosition reverts past the end and inside the open epoch", async function () {
      const { flow, user } = await loadFixture(epochFixture);
      await submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n });
      await expect(flow.queryContextAtPosition(8))
        .to.be.revertedWithCustomError(flow, "FlowPositionOutOfBounds")
        .withArgs(8n, 8n);
      await expect(flow.queryContextAtPosition(4))
        .to.be.revertedWithCustomError(flow, "FlowContextNotFound")
        .withArgs(4n);
    });

    it("finds the right range among several", async function () {
      const { flow, user } = await loadFixture(epochFixture);
      for (let i = 0; i < 3; i++) {
        await submitNew(flow, user)({ data: dataFor([4], `e${i}`), submitter: user.address }, { value: 1000n });
        await mine(10);
        await flow.makeContext();
      }
      const n = await flow.epochRangeHistoryLength();
      for (let i = 0n; i < n; i++) {
        const h = await flow.getEpochRangeHistory(i);
        if (h.end === h.start) continue;
        const q = await flow.queryContextAtPosition.staticCall(h.end - 1n);
        expect(q.digest).to.equal(h.digest);
      }
    });
  });

  describe("getFlowRootByTxSeq", function () {
    it("reverts FlowUnknownTxSeq for a future txSeq", async function () {
      const { flow } = await loadFixture(fixture);
      await expect(flow.getFlowRootByTxSeq(0)).to.be.revertedWithCustomError(flow, "FlowUnknownTxSeq").withArgs(0n, 0n);
    });
  });

  describe("pause", function () {
    it("blocks submissions and contexts while paused; only PAUSER_ROLE may pause", async function () {
      const { flow, admin, user } = await loadFixture(fixture);
      await expect(flow.connect(user).pause())
        .to.be.revertedWithCustomError(flow, "AccessControlUnauthorizedAccount")
        .withArgs(user.address, await flow.PAUSER_ROLE());
      await flow.connect(admin).pause();
      await expect(
        submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n }),
      ).to.be.revertedWithCustomError(flow, "EnforcedPause");
      await expect(flow.makeContext()).to.be.revertedWithCustomError(flow, "EnforcedPause");
      await flow.connect(admin).unpause();
      await expect(submitNew(flow, user)({ data: dataFor([2]), submitter: user.address }, { value: 100n })).to.emit(
        flow,
        "Submit",
      );
    });

    it("emits Paused/Unpaused, reports paused(), and rejects pausing twice or unpausing when not paused", async function () {
      const { flow, admin } = await loadFixture(fixture);
      expect(await flow.paused()).to.equal(false);
      await expect(flow.connect(admin).unpause()).to.be.revertedWithCustomError(flow, "ExpectedPause");
      await expect(flow.connect(admin).pause()).to.emit(flow, "Paused").withArgs(admin.address);
      expect(await flow.paused()).to.equal(true);
      await expect(flow.connect(admin).pause()).to.be.revertedWithCustomError(flow, "EnforcedPause");
      await expect(flow.connect(admin).unpause()).to.emit(flow, "Unpaused").withArgs(admin.address);
      expect(await flow.paused()).to.equal(false);
    });
  });

  describe("upgrades", function () {
    it("only DEFAULT_ADMIN_ROLE may upgrade", async function () {
      const { flow, user, admin } = await loadFixture(fixture);
      const impl = await (await ethers.getContractFactory("Flow")).deploy();
      await expect(flow.connect(user).upgradeToAndCall(await impl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(flow, "AccessControlUnauthorizedAccount")
        .withArgs(user.address, ethers.ZeroHash);
      await flow.connect(admin).upgradeToAndCall(await impl.getAddress(), "0x");
    });
  });
});
