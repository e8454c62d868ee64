/**
 * The official storage SDKs (@0gfoundation/0g-ts-sdk 1.2.8 and @0glabs/0g-ts-sdk 0.3.3) submit through their
 * own upload path to a Flow on a real `hardhat node`. The official bytecode shipped in the SDK is the
 * differential oracle: the same submissions must land at the same positions with the same identities.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet, Interface } from "ethers";
import { freePort } from "../agents/devnet/processes";
import { startChain, type ChainService } from "../agents/devnet/services";
import { devnetAccount } from "../agents/devnet/accounts";
import { deployOfficialStorage, officialFlow128, type OfficialStorage } from "./lib/official-storage";

const sdk128 = require("@0gfoundation/0g-ts-sdk") as typeof import("@0gfoundation/0g-ts-sdk");

const root = path.resolve(__dirname, "..");
const replay = JSON.parse(
  fs.readFileSync(path.join(root, "..", "shared", "reference", "vectors", "storage-sdk-vectors.json"), "utf8"),
).sdkUploadReplay;

/** The replay's input: 4196 bytes, byte[i] = (i*7+3) & 0xff. */
function replayInput(): Uint8Array {
  const b = new Uint8Array(4196);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

describe("official storage SDK 1.2.8 against the official Flow bytecode (oracle baseline)", () => {
  let chain: ChainService;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let official: OfficialStorage;

  beforeAll(async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-interop-"));
    chain = await startChain({ root, port: await freePort(), logFile: path.join(tmp, "chain.log") });
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    wallet = new Wallet(devnetAccount("alice").privateKey, provider);
    official = await deployOfficialStorage(wallet, { pricePerSector: 7n, blocksPerEpoch: 100n });
  }, 120_000);
  afterAll(async () => chain?.stop());

  it("uploads the replay file: same fee, start position, length and identity as recorded", async () => {
    const file = new sdk128.MemData(replayInput());
    const [tree, err] = await file.merkleTree();
    expect(err).toBeNull();
    expect(tree!.rootHash()).toBe(replay.root);
    const flow = sdk128.getFlowContract(official.flow, wallet);
    const uploader = new sdk128.Uploader([], chain.rpcUrl, flow);
    const [res] = await uploader.uploadFile(file, { tags: "0x", finalityRequired: false } as never);
    const receipt = await provider.waitForTransaction(res.txHash);
    const iface = new Interface(officialFlow128().abi);
    const ev = receipt!.logs.map((l) => iface.parseLog(l)).find((l) => l?.name === "Submit")!;
    expect(Number(ev.args[2])).toBe(replay.new_1_2_8.submitEvent.submissionIndex);
    expect(Number(ev.args[3])).toBe(replay.new_1_2_8.submitEvent.startPos);
    expect(Number(ev.args[4])).toBe(replay.new_1_2_8.submitEvent.length);
    expect(ev.args[1]).toBe(replay.new_1_2_8.submitEvent.identity);
    const tx = await provider.getTransaction(res.txHash);
    expect(tx!.value).toBe(BigInt(replay.feeWei));
    expect(tx!.data.slice(0, 10)).toBe(replay.new_1_2_8.selector);
  });
});
