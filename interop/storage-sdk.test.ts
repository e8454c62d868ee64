/**
 * The official storage SDKs (@0gfoundation/0g-ts-sdk 1.2.8 and @0glabs/0g-ts-sdk 0.3.3) submit through their
 * own upload path to our Flow on a real `hardhat node`. The official bytecode shipped in each SDK is the
 * differential oracle: the same submission sequence must land at the same positions with the same lengths
 * (and, for the current generation, the same identities and flow roots).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Contract, Interface, JsonRpcProvider, NonceManager, Wallet, type TransactionReceipt } from "ethers";
import { freePort } from "../agents/devnet/processes";
import { startChain, type ChainService } from "../agents/devnet/services";
import { deploySystem } from "../agents/devnet/devnet";
import { devnetAccount } from "../agents/devnet/accounts";
import {
  deployOfficialStorage,
  deployOfficialStorage033,
  officialFlow033,
  officialFlow128,
  type OfficialStorage,
} from "./lib/official-storage";

const sdk128 = require("@0gfoundation/0g-ts-sdk") as typeof import("@0gfoundation/0g-ts-sdk");
const sdk033 = require("@0glabs/0g-ts-sdk") as typeof import("@0glabs/0g-ts-sdk");

const root = path.resolve(__dirname, "..");
const replay = JSON.parse(
  fs.readFileSync(path.join(root, "agents", "protocol", "storage", "vectors", "storage-sdk-vectors.json"), "utf8"),
).sdkUploadReplay;

/** The replay's input: 4196 bytes, byte[i] = (i*7+3) & 0xff. */
function replayInput(): Uint8Array {
  const b = new Uint8Array(4196);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function bytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed | 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

// Sizes across the interesting boundaries: one byte, one sector + 1, 17 sectors, a segment + 1, a multi-node file.
const SIZES = [1, 257, 4352, 262_145, 1_000_000];

interface Landed {
  index: bigint;
  identity: string;
  startPos: bigint;
  length: bigint;
  fee: bigint;
  selector: string;
}

const submitEventAbi = new Interface(officialFlow128().abi);

function parseSubmit(receipt: TransactionReceipt, flow: string): Omit<Landed, "fee" | "selector"> {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== flow.toLowerCase()) continue;
    const ev = submitEventAbi.parseLog(log);
    if (ev?.name === "Submit")
      return { identity: ev.args[1], index: ev.args[2], startPos: ev.args[3], length: ev.args[4] };
  }
  throw new Error(`no Submit event from ${flow} in ${receipt.hash}`);
}

describe("official storage SDKs against our Flow, with the official bytecode as oracle", () => {
  let chain: ChainService;
  let provider: JsonRpcProvider;
  let signer: NonceManager;
  let ours: { Flow: string; Market: string };
  let official128: OfficialStorage;
  let official033: OfficialStorage;
  let price: bigint;

  beforeAll(async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-interop-"));
    const port = await freePort();
    chain = await startChain({ root, port, logFile: path.join(tmp, "chain.log") });
    // Our contracts, deployed exactly as the devnet deploys them (Ignition System module, devnet parameters).
    const deployed = await deploySystem(root, port, tmp);
    ours = { Flow: deployed.contracts.Flow, Market: deployed.contracts.Market };
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, {
      staticNetwork: true,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    signer = new NonceManager(new Wallet(devnetAccount("alice").privateKey, provider));
    price = await new Contract(
      ours.Market,
      ["function pricePerSector() view returns (uint256)"],
      provider,
    ).pricePerSector();
    // The oracles use the same price, so fees must match too.
    official128 = await deployOfficialStorage(signer, { pricePerSector: price, blocksPerEpoch: 100n });
    official033 = await deployOfficialStorage033(signer, { pricePerSector: price, blocksPerEpoch: 100n });
  }, 180_000);
  afterAll(async () => chain?.stop());

  async function upload128(flowAddr: string, data: Uint8Array): Promise<Landed> {
    const flow = sdk128.getFlowContract(flowAddr, signer as never);
    const uploader = new sdk128.Uploader([], chain.rpcUrl, flow);
    const [res] = await uploader.uploadFile(new sdk128.MemData(data), { tags: "0x", finalityRequired: false } as never);
    const receipt = (await provider.waitForTransaction(res.txHash))!;
    expect(receipt.status).toBe(1);
    const tx = (await provider.getTransaction(res.txHash))!;
    return { ...parseSubmit(receipt, flowAddr), fee: tx.value, selector: tx.data.slice(0, 10) };
  }

  async function upload033(flowAddr: string, data: Uint8Array): Promise<Landed & { txSeqs: number[] }> {
    const flow = sdk033.getFlowContract(flowAddr, signer as never);
    const uploader = new sdk033.Uploader([], chain.rpcUrl, flow);
    const [res, err] = await uploader.uploadFile(new sdk033.MemData(data), {
      tags: "0x",
      finalityRequired: false,
    } as never);
    // With no storage node the SDK ends with "Failed to get log entry" after the tx is mined and its logs parsed.
    expect(String(err)).not.toMatch(/Failed to get txSeqs/);
    const receipt = (await provider.waitForTransaction(res.txHash))!;
    const tx = (await provider.getTransaction(res.txHash))!;
    const txSeqs = await uploader.processLogs(receipt);
    return { ...parseSubmit(receipt, flowAddr), fee: tx.value, selector: tx.data.slice(0, 10), txSeqs };
  }

  it("SDK 1.2.8: the recorded replay lands on our Flow with the recorded position, length and identity", async () => {
    const got = await upload128(ours.Flow, replayInput());
    expect(got.selector).toBe(replay.new_1_2_8.selector);
    expect(Number(got.startPos)).toBe(replay.new_1_2_8.submitEvent.startPos);
    expect(Number(got.length)).toBe(replay.new_1_2_8.submitEvent.length);
    expect(got.identity).toBe(replay.new_1_2_8.submitEvent.identity);
    expect(got.fee).toBe(18n * price);
    const off = await upload128(official128.flow, replayInput());
    expect(got).toEqual(off);
  }, 120_000);

  it("SDK 1.2.8: a sequence of uploads matches the official Flow field by field, and the flow roots agree", async () => {
    for (const [i, size] of SIZES.entries()) {
      const data = bytes(size, 1000 + i);
      const a = await upload128(ours.Flow, data);
      const b = await upload128(official128.flow, data);
      expect(a, `size ${size}`).toEqual(b);
    }
    const tree = ["function tree() view returns (uint256 currentLength, uint256 height)"];
    const root = ["function getFlowRootByTxSeq(uint256) view returns (bytes32)"];
    const [oursTree, offTree] = await Promise.all([
      new Contract(ours.Flow, tree, provider).tree(),
      new Contract(official128.flow, tree, provider).tree(),
    ]);
    expect(oursTree.currentLength).toBe(offTree.currentLength);
    const last = BigInt(SIZES.length); // replay + SIZES
    const [ra, rb] = await Promise.all([
      new Contract(ours.Flow, root, provider).getFlowRootByTxSeq(last),
      new Contract(official128.flow, root, provider).getFlowRootByTxSeq(last),
    ]);
    expect(ra).toBe(rb);
  }, 240_000);

  it("SDK 0.3.3 (legacy submit 0xef3e12dc): parses our Submit log and lands where the 0.3.3 bytecode does", async () => {
    const iface033 = new Interface(officialFlow033().abi);
    expect(iface033.getFunction("submit")!.selector).toBe("0xef3e12dc");
    // Fresh sequence on a fresh pair: the 0.3.3 oracle starts empty, so compare against a fresh copy of ours.
    const port = new URL(chain.rpcUrl).port;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-interop-033-"));
    const fresh = await deploySystem(root, Number(port), tmp, `interop-033-${Date.now()}`);
    for (const [i, size] of [4196, ...SIZES].entries()) {
      const data = i === 0 ? replayInput() : bytes(size, 2000 + i);
      const a = await upload033(fresh.contracts.Flow, data);
      const b = await upload033(official033.flow, data);
      expect(a.selector).toBe("0xef3e12dc");
      expect(a.txSeqs).toEqual([Number(a.index)]);
      expect([a.index, a.startPos, a.length, a.fee], `size ${size}`).toEqual([b.index, b.startPos, b.length, b.fee]);
    }
  }, 300_000);
});
