/**
 * The official compute SDK (@0gfoundation/0g-compute-ts-sdk 0.9.0), unchanged, against our LedgerManager,
 * InferenceServing and provider broker on a real `hardhat node`: ledger, service discovery, acknowledgement,
 * request headers, a chat completion through our broker, `processResponse` verifying our TEE signature, the
 * settlement that moves the fee, and `retrieveFund` after the refund lock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcProvider, Wallet } from "ethers";
import { brokerFor, hardhatKey, ownerAcknowledges, startSystem, type System } from "../agents/provider/test-harness";
import type { ProviderBroker } from "../agents/provider/broker";
import { InferenceServingAbi, LedgerManagerAbi } from "../agents/generated/abis";

const sdk = require("@0gfoundation/0g-compute-ts-sdk") as typeof import("@0gfoundation/0g-compute-ts-sdk");

let sys: System;
let broker: ProviderBroker;
let user: Wallet;
let zg: Awaited<ReturnType<typeof sdk.createZGComputeNetworkBroker>>;

beforeAll(async () => {
  sys = await startSystem();
  broker = brokerFor(sys);
  await broker.start();
  await ownerAcknowledges(sys);
  user = new Wallet(hardhatKey(7), new JsonRpcProvider(sys.node.rpcUrl, undefined, { staticNetwork: true }));
  // No fine-tuning contract is deployed: the SDK only builds its fine-tuning broker; pointing it at the
  // inference contract keeps its constructor's reads on a contract that exists.
  zg = await sdk.createZGComputeNetworkBroker(user, sys.ledgerManager, sys.inferenceServing, sys.inferenceServing);
}, 240_000);

afterAll(async () => {
  await broker?.stop({ drain: false });
  await sys?.stop();
});

async function account() {
  return sys.publicClient.readContract({
    address: sys.inferenceServing,
    abi: InferenceServingAbi,
    functionName: "getAccount",
    args: [user.address as `0x${string}`, sys.provider],
  });
}

async function ledger() {
  return sys.publicClient.readContract({
    address: sys.ledgerManager,
    abi: LedgerManagerAbi,
    functionName: "getLedger",
    args: [user.address as `0x${string}`],
  });
}

describe("official compute SDK 0.9.0 against our contracts and broker", () => {
  let chatId: string;
  let fee: bigint;

  it("addLedger and depositFund", async () => {
    await zg.ledger.addLedger(5);
    await zg.ledger.depositFund(1);
    const l = await ledger();
    expect(l.totalBalance).toBe(6n * 10n ** 18n);
  });

  it("listService shows our acknowledged service; getServiceMetadata points at the broker", async () => {
    const services = await zg.inference.listService();
    const ours = services.find((s) => s.provider.toLowerCase() === sys.provider.toLowerCase());
    expect(ours).toBeDefined();
    expect(ours!.url).toBe(broker.agent.url);
    expect(ours!.teeSignerAddress).toBe(broker.signer.address);
    const meta = await zg.inference.getServiceMetadata(sys.provider);
    expect(meta).toEqual({ endpoint: `${broker.agent.url}/v1/proxy`, model: "test-echo-1" });
  });

  it("acknowledgeProviderSigner funds and acknowledges; getRequestHeaders yields a token our broker accepts", async () => {
    await zg.inference.acknowledgeProviderSigner(sys.provider);
    const a = await account();
    expect(a.acknowledged).toBe(true);
    expect(a.balance).toBeGreaterThanOrEqual(10n ** 18n);
    const headers = await zg.inference.getRequestHeaders(sys.provider);
    const meta = await zg.inference.getServiceMetadata(sys.provider);
    const hitsBefore = sys.upstream.hits();
    const res = await fetch(`${meta.endpoint}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(headers as unknown as Record<string, string>) },
      body: JSON.stringify({ model: meta.model, messages: [{ role: "user", content: "official sdk says hello" }] }),
    });
    expect(res.status).toBe(200);
    expect(sys.upstream.hits()).toBe(hitsBefore + 1);
    chatId = res.headers.get("ZG-Res-Key")!;
    const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 4 });
    fee = 4n * 1_000_000_000n + 4n * 2_000_000_000n;
    expect(broker.ledger.unsettledOf(user.address)).toBe(fee);
  });

  it("processResponse verifies our broker's signature (and rejects an unknown chat id)", async () => {
    const ok = await zg.inference.processResponse(
      sys.provider,
      chatId,
      JSON.stringify({ prompt_tokens: 4, completion_tokens: 4 }),
    );
    expect(ok).toBe(true);
    await expect(zg.inference.processResponse(sys.provider, "chatcmpl-unknown")).rejects.toThrow();
  });

  it("settlement moves exactly the fee", async () => {
    const before = await account();
    const outcomes = await broker.settler.settle([user.address as `0x${string}`]);
    expect(outcomes[0]).toMatchObject({ status: "SUCCESS", settled: fee.toString() });
    expect(before.balance - (await account()).balance).toBe(fee);
  });

  it("retrieveFund after the refund lock returns the rest to the ledger", async () => {
    const rest = (await account()).balance;
    const availableBefore = (await ledger()).availableBalance;
    await zg.ledger.retrieveFund("inference");
    expect((await account()).pendingRefund).toBe(rest);
    await sys.node.rpc("evm_increaseTime", [121]);
    await sys.node.rpc("evm_mine", []);
    await zg.ledger.retrieveFund("inference");
    expect((await account()).balance).toBe(0n);
    expect((await ledger()).availableBalance - availableBefore).toBe(rest);
  });
});
