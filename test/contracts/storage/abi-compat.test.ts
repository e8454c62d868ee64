import { expect } from "chai";
import { ethers } from "hardhat";
import { EventFragment, FunctionFragment, ErrorFragment, Interface } from "ethers";
import { loadSdkAbi, loadSdkVectors } from "./helpers/vectors";
import { deployStorageCore } from "./helpers/deploy";

/** Reference functions we deliberately do not provide (documented in docs/storage-contracts.md). */
const NOT_PROVIDED = new Set([
  "deployDelay()",
  "rootHistory()",
  "setParams(uint256,uint256,address)",
  "initialize(address,uint256)",
  "initialize(address)",
  "initialized()",
  "initialize(uint256,address,address)",
]);

function outputsOf(f: FunctionFragment): string[] {
  return f.outputs.map((o) => o.format("sighash"));
}

function checkSection(section: string, iface: Interface): void {
  const entries = loadSdkAbi(section);
  expect(entries.length).to.be.greaterThan(10);
  for (const e of entries) {
    if (e.kind === "F") {
      const ref = FunctionFragment.from(e.signature);
      if (NOT_PROVIDED.has(ref.format("sighash"))) continue;
      expect(ref.selector, e.signature).to.equal(e.selector);
      const ours = iface.getFunction(e.selector);
      expect(ours, `missing ${e.signature}`).to.not.equal(null);
      expect(outputsOf(ours!), e.signature).to.deep.equal(outputsOf(ref));
      // Our chargeFee receives the fee as its own msg.value (by design; only the Flow calls it).
      if (ref.name !== "chargeFee") expect(ours!.payable, e.signature).to.equal(ref.payable);
    } else if (e.kind === "E") {
      const ref = EventFragment.from(e.signature);
      expect(ref.topicHash).to.equal(e.selector);
      const ours = iface.getEvent(e.selector);
      expect(ours, `missing ${e.signature}`).to.not.equal(null);
      expect(ours!.inputs.map((i) => i.indexed === true)).to.deep.equal(ref.inputs.map((i) => i.indexed === true));
    } else {
      const ref = ErrorFragment.from(e.signature);
      if (ref.name === "InvalidSubmission" || ref.name === "InvalidInitialization" || ref.name === "NotInitializing") {
        continue;
      }
      expect(iface.getError(e.selector), `missing ${e.signature}`).to.not.equal(null);
    }
  }
}

describe("Storage ABI compatibility with 0G's SDK-bundled ABIs", function () {
  it("Flow provides every selector, return tuple, event and error of @0gfoundation/0g-ts-sdk@1.2.8 FixedPriceFlow", async function () {
    checkSection("@0gfoundation/0g-ts-sdk@1.2.8 FixedPriceFlow", (await ethers.getContractFactory("Flow")).interface);
  });

  it("Flow provides the legacy @0glabs/0g-ts-sdk@0.3.3 submit and batchSubmit", async function () {
    checkSection("@0glabs/0g-ts-sdk@0.3.3 FixedPriceFlow", (await ethers.getContractFactory("Flow")).interface);
  });

  it("Market provides the FixedPrice ABI of both SDK generations", async function () {
    const iface = (await ethers.getContractFactory("Market")).interface;
    checkSection("@0gfoundation/0g-ts-sdk@1.2.8 FixedPrice (market)", iface);
    checkSection("@0glabs/0g-ts-sdk@0.3.3 FixedPrice (market)", iface);
  });

  it("keeps the documented reference selectors of Reward", async function () {
    const iface = (await ethers.getContractFactory("Reward")).interface;
    const expected: Record<string, string> = {
      "fillReward(uint256,uint256)": "0x59e96700",
      "claimMineReward(uint256,address,bytes32)": "0xb7a3c04c",
      "donate()": "0xed88c68e",
      "withdrawPayments(address)": "0x31b3eb94",
      "payments(address)": "0xe2982c21",
      "rewards(uint256)": "0xf301af42",
      "rewardDeadline(uint256)": "0x0a539a19",
      "firstRewardableChunk()": "0xb3b30c1a",
    };
    for (const [sig, sel] of Object.entries(expected)) expect(iface.getFunction(sig)!.selector, sig).to.equal(sel);
    expect(iface.getEvent("DistributeReward")!.topicHash).to.equal(
      "0xf099de0c527342bff1397d08daae31c3de66104f48886094fbe9126a21ebf4b0",
    );
  });

  it("our Submit logs decode with the SDK's own event ABI (what 0.3.3 processLogs does)", async function () {
    const [admin, user, treasury] = await ethers.getSigners();
    const { flow } = await deployStorageCore(admin.address, treasury.address, { pricePerSector: 7n });
    const submitLine = loadSdkAbi("@0glabs/0g-ts-sdk@0.3.3 FixedPriceFlow").find((e) =>
      e.signature.startsWith("event Submit("),
    );
    const sdkIface = new Interface([submitLine!.signature]);
    const v = loadSdkVectors().vectors.find((x) => x.name === "17-chunks")!;
    const tx = await user.sendTransaction({
      to: await flow.getAddress(),
      data: v.calldataOld,
      value: BigInt(v.sectors) * 7n,
    });
    const receipt = await tx.wait();
    const flowAddress = await flow.getAddress();
    const logs = receipt!.logs.filter(
      (l) => l.address === flowAddress && l.topics[0] === sdkIface.getEvent("Submit")!.topicHash,
    );
    expect(logs.length).to.equal(1);
    const parsed = sdkIface.parseLog(logs[0])!;
    expect(parsed.args.submissionIndex).to.equal(0n);
    expect(parsed.args.sender).to.equal(user.address);
    expect(parsed.args.identity).to.equal(v.identity);
    expect(parsed.args[4]).to.equal(BigInt(v.sectors));
    expect(parsed.args.submission[0]).to.equal(BigInt(v.size));
  });
});
