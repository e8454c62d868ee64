/**
 * The provider broker end to end: real `hardhat node` with the system deployed as on the devnet, real Redis, real
 * HTTP, the test upstream. Every refusal is checked for its status, its named reason and for NOT reaching the
 * upstream (hit counter); every accepted request for its signature, its metered fee and its settlement.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, recoverMessageAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { waitFor } from "../core/testing/index.js";
import { InferenceServingAbi } from "../generated/abis.js";
import { computeRequestsHash } from "../protocol/compute/index.js";
import type { ProviderBroker } from "./broker.js";
import { countTokens } from "./pricing.js";
import { Settler, SettlementBusyError, type SettlerOptions } from "./settlement.js";
import {
  brokerFor,
  chat,
  hardhatKey,
  ownerAcknowledges,
  ownerRevokes,
  startSystem,
  userOf,
  type System,
} from "./test-harness.js";
import { testAnswer } from "./test-upstream.js";

const IN = 1_000_000_000n;
const OUT = 2_000_000_000n;

let sys: System;
let broker: ProviderBroker;
let alice: ReturnType<typeof userOf>;

async function expectRefused(res: Response, status: number, reason: string): Promise<void> {
  const body = (await res.json()) as { error?: { code?: string } };
  expect({ status: res.status, reason: body.error?.code }).toEqual({ status, reason });
}

function fee(prompt: string, maxTokens = 64): bigint {
  return BigInt(countTokens(prompt)) * IN + BigInt(countTokens(testAnswer(prompt, maxTokens))) * OUT;
}

beforeAll(async () => {
  sys = await startSystem();
  broker = brokerFor(sys);
  await broker.start();
  await ownerAcknowledges(sys);
  alice = userOf(sys, hardhatKey(9));
  await alice.addLedger("10");
  await alice.transferFund(parseEther("2"));
}, 240_000);

afterAll(async () => {
  await broker?.stop({ drain: false });
  await sys?.stop();
});

describe("registration and public endpoints", () => {
  it("registers the service with the broker URL, prices and the TEE signer, which the owner acknowledged", async () => {
    const s = await sys.publicClient.readContract({
      address: sys.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "getService",
      args: [sys.provider],
    });
    expect(s.url).toBe(broker.agent.url);
    expect(s.teeSignerAddress).toBe(broker.signer.address);
    expect(s.teeSignerAcknowledged).toBe(true);
    expect([s.inputPrice, s.outputPrice]).toEqual([IN, OUT]);
    expect(broker.registration?.action).toBe("registered");
  });

  it("serves the attestation report with the key's public data and says it is not hardware-backed", async () => {
    for (const p of ["/v1/quote", "/v1/proxy/attestation/report"]) {
      const r = (await (await fetch(`${broker.agent.url}${p}`)).json()) as Record<string, unknown>;
      expect(r.signing_address).toBe(broker.signer.address);
      expect(r.hardware_backed).toBe(false);
      expect(privateKeyToAccount(hardhatKey(0)).address).not.toBe(r.signing_address);
    }
  });
});

describe("admission: refused requests never reach the upstream", () => {
  it("no token → 401 missing_token; garbage → 401 malformed_token", async () => {
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, undefined, "hi"), 401, "missing_token");
    await expectRefused(await chat(broker.agent.url!, "Bearer app-sk-!!!", "hi"), 401, "malformed_token");
    expect(sys.upstream.hits()).toBe(before);
  });

  it("a user without a ledger → 402 no_ledger", async () => {
    const u = userOf(sys, hardhatKey(11));
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, await u.token(), "hi"), 402, "no_ledger");
    expect(sys.upstream.hits()).toBe(before);
  });

  it("a ledger without a sub-account with this provider → 402 no_sub_account", async () => {
    const u = userOf(sys, hardhatKey(12));
    await u.addLedger("3");
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, await u.token(), "hi"), 402, "no_sub_account");
    expect(sys.upstream.hits()).toBe(before);
  });

  it("a provider whose TEE signer the owner stopped trusting → 403 provider_not_acknowledged", async () => {
    await ownerRevokes(sys);
    await waitFor(async () => (await chat(broker.agent.url!, await alice.token(), "x")).status === 403, {
      timeoutMs: 10_000,
    });
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, await alice.token(), "hi"), 403, "provider_not_acknowledged");
    expect(sys.upstream.hits()).toBe(before);
    await ownerAcknowledges(sys);
    await waitFor(async () => (await chat(broker.agent.url!, await alice.token(), "x")).status === 200, {
      timeoutMs: 10_000,
    });
  });

  it("expired, future, wrong-provider and forged tokens → 401 with the reason", async () => {
    const before = sys.upstream.hits();
    const now = Date.now();
    const url = broker.agent.url!;
    await expectRefused(
      await chat(url, await alice.token({ timestamp: now - 7200_000, expiresAt: now - 1000 }), "hi"),
      401,
      "token_expired",
    );
    await expectRefused(
      await chat(url, await alice.token({ timestamp: now + 600_000, expiresAt: now + 900_000 }), "hi"),
      401,
      "token_not_yet_valid",
    );
    await expectRefused(await chat(url, await alice.token({ provider: alice.address }), "hi"), 401, "wrong_provider");
    // Signed by bob's key but claiming alice's address.
    await expectRefused(await chat(url, await alice.token({}, hardhatKey(10)), "hi"), 401, "bad_signature");
    await expectRefused(await chat(url, await alice.token({ generation: 1 }), "hi"), 401, "wrong_generation");
    expect(sys.upstream.hits()).toBe(before);
  });

  it("a revoked API key → 401 token_revoked once the TokenRevoked event is seen; other keys still work", async () => {
    const key3 = await alice.token({ tokenId: 3 });
    expect((await chat(broker.agent.url!, key3, "before revocation")).status).toBe(200);
    await alice.revokeToken(3);
    await waitFor(async () => (await chat(broker.agent.url!, key3, "x")).status === 401, { timeoutMs: 10_000 });
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, key3, "hi"), 401, "token_revoked");
    expect(sys.upstream.hits()).toBe(before);
    expect((await chat(broker.agent.url!, await alice.token({ tokenId: 4 }), "other key")).status).toBe(200);
  });

  it("a request whose worst-case cost exceeds balance − unsettled → 402 insufficient_balance", async () => {
    const u = userOf(sys, hardhatKey(8));
    await u.addLedger("3");
    await u.transferFund(parseEther("1"));
    const first = await chat(broker.agent.url!, await u.token(), "one two three");
    expect(first.status).toBe(200);
    // Asking everything back leaves nothing spendable (balance − pending refund − unsettled < max cost).
    await u.retrieveFund();
    await waitFor(async () => (await chat(broker.agent.url!, await u.token(), "x")).status === 402, {
      timeoutMs: 10_000,
    });
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, await u.token(), "one two three"), 402, "insufficient_balance");
    expect(sys.upstream.hits()).toBe(before);
  });
});

describe("serving, metering and signatures", () => {
  it("answers a completion, records usage × prices and signs it as processResponse verifies", async () => {
    const prompt = "the quick brown fox jumps";
    const owedBefore = broker.ledger.unsettledOf(alice.address);
    const res = await chat(broker.agent.url!, await alice.token(), prompt);
    expect(res.status).toBe(200);
    const chatId = res.headers.get("zg-res-key")!;
    const body = (await res.json()) as {
      id: string;
      usage: { prompt_tokens: number; completion_tokens: number };
      choices: { message: { content: string } }[];
    };
    expect(body.choices[0]!.message.content).toBe("jumps fox brown quick the");
    expect(broker.ledger.unsettledOf(alice.address) - owedBefore).toBe(fee(prompt));
    const stored = await broker.store.requestState(chatId);
    expect(stored.fee).toBe(fee(prompt).toString());
    expect(stored.state).toBe("unsettled");
    for (const id of [chatId, body.id]) {
      const sig = (await (await fetch(`${broker.agent.url}/v1/proxy/signature/${id}?model=test-echo-1`)).json()) as {
        text: string;
        signature: Hex;
      };
      expect(await recoverMessageAddress({ message: sig.text, signature: sig.signature })).toBe(broker.signer.address);
      expect(JSON.parse(sig.text)).toMatchObject({
        chat_id: chatId,
        fee: fee(prompt).toString(),
        input_tokens: 5,
        output_tokens: 5,
      });
    }
    expect((await fetch(`${broker.agent.url}/v1/proxy/signature/nope`)).status).toBe(404);
  });

  it("records the signed text (bound to the exact body received) before answering; signs it on fetch or in the background", async () => {
    const prompt = "signed text first";
    const res = await chat(broker.agent.url!, await alice.token(), prompt);
    const chatId = res.headers.get("zg-res-key")!;
    const received = Buffer.from(await res.arrayBuffer());
    // on-fetch (the default): the text is durable, no signature yet.
    const stored = await broker.store.signature(chatId);
    expect(stored?.signature).toBeUndefined();
    const text = JSON.parse(stored!.text) as { response_sha256: string; request_sha256: string; chat_id: string };
    expect(text.chat_id).toBe(chatId);
    expect(text.response_sha256).toBe(createHash("sha256").update(received).digest("hex"));
    const fetched = (await (await fetch(`${broker.agent.url}/v1/proxy/signature/${chatId}`)).json()) as {
      text: string;
      signature: Hex;
    };
    expect(fetched.text).toBe(stored!.text);
    expect(await recoverMessageAddress({ message: fetched.text, signature: fetched.signature })).toBe(
      broker.signer.address,
    );
    // Kept after the first fetch, and identical when signed again (RFC 6979).
    await waitFor(async () => (await broker.store.signature(chatId))?.signature === fetched.signature, {
      timeoutMs: 5_000,
    });
    expect(await broker.signer.signText(fetched.text)).toBe(fetched.signature);

    broker.proxy.signatures = "background";
    try {
      const bg = await chat(broker.agent.url!, await alice.token(), prompt);
      const bgId = bg.headers.get("zg-res-key")!;
      await bg.arrayBuffer();
      await waitFor(async () => (await broker.store.signature(bgId))?.signature !== undefined, { timeoutMs: 5_000 });
      const s = (await broker.store.signature(bgId))!;
      expect(await recoverMessageAddress({ message: s.text, signature: s.signature! })).toBe(broker.signer.address);
    } finally {
      broker.proxy.signatures = "on-fetch";
    }
    const timings = (await (await fetch(`${broker.agent.url}/v1/broker/timings?last=2`)).json()) as {
      samples: number;
      handlerMs: { p50: number };
      recordMs: { p50: number };
    };
    expect(timings.samples).toBe(2);
    expect(timings.handlerMs.p50).toBeGreaterThan(0);
    expect(timings.recordMs.p50).toBeGreaterThan(0);
    expect(timings.recordMs.p50).toBeLessThanOrEqual(timings.handlerMs.p50);
  });

  it("streams SSE chunks, meters the stream from its usage and holds [DONE] until the record is durable", async () => {
    const prompt = "alpha beta gamma delta epsilon zeta";
    const owedBefore = broker.ledger.unsettledOf(alice.address);
    const res = await chat(broker.agent.url!, await alice.token(), prompt, { stream: true, max_tokens: 4 });
    expect(res.status).toBe(200);
    const chatId = res.headers.get("zg-res-key")!;
    const text = await res.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const content = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice(6)) as { choices: { delta?: { content?: string } }[] })
      .flatMap((c) => c.choices.map((x) => x.delta?.content ?? ""))
      .join("");
    expect(content).toBe("zeta epsilon delta gamma");
    const expected = 6n * IN + 4n * OUT;
    expect(broker.ledger.unsettledOf(alice.address) - owedBefore).toBe(expected);
    expect((await broker.store.requestState(chatId)).fee).toBe(expected.toString());
    const sig = (await (await fetch(`${broker.agent.url}/v1/proxy/signature/${chatId}`)).json()) as {
      text: string;
      signature: Hex;
    };
    expect(await recoverMessageAddress({ message: sig.text, signature: sig.signature })).toBe(broker.signer.address);
  });

  it("reports the user's unsettled fee to the user's own token only", async () => {
    const r = await fetch(`${broker.agent.url}/v1/user/${alice.address}/unsettledfee`, {
      headers: { authorization: await alice.token() },
    });
    expect(((await r.json()) as { unsettledFee: string }).unsettledFee).toBe(
      broker.ledger.unsettledOf(alice.address).toString(),
    );
    const bob = userOf(sys, hardhatKey(10));
    const other = await fetch(`${broker.agent.url}/v1/user/${alice.address}/unsettledfee`, {
      headers: { authorization: await bob.token() },
    });
    expect(other.status).toBe(403);
  });
});

describe("settlement", () => {
  it("settles every unsettled request once, with the committed requestsHash, and the fee reaches the provider", async () => {
    const requests = await broker.store.unsettled(alice.address);
    expect(requests.length).toBeGreaterThan(0);
    const owed = requests.reduce((a, r) => a + BigInt(r.fee), 0n);
    const before = await alice.account();
    const escrowBefore = await sys.publicClient.getBalance({ address: sys.inferenceServing });
    const outcomes = await broker.settler.settle([alice.address]);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: "SUCCESS", settled: owed.toString(), requests: requests.length });
    const after = await alice.account();
    expect(before.balance - after.balance).toBe(owed);
    expect(after.nonce).toBe(BigInt(outcomes[0]!.nonce));
    // The fee left the escrow (to the provider: no payout was deferred).
    expect(escrowBefore - (await sys.publicClient.getBalance({ address: sys.inferenceServing }))).toBe(owed);
    expect(
      await sys.publicClient.readContract({
        address: sys.inferenceServing,
        abi: InferenceServingAbi,
        functionName: "payoutOf",
        args: [sys.provider],
      }),
    ).toBe(0n);
    const events = await sys.publicClient.getContractEvents({
      address: sys.inferenceServing,
      abi: InferenceServingAbi,
      eventName: "TEESettlementRecorded",
      args: { user: alice.address },
      fromBlock: 0n,
    });
    expect(events.at(-1)!.args.requestsHash).toBe(computeRequestsHash(requests));
    expect(await broker.store.unsettled(alice.address)).toEqual([]);
    expect(broker.ledger.unsettledOf(alice.address)).toBe(0n);
    // Nothing left: a second run settles nothing and charges nothing.
    expect(await broker.settler.settle([alice.address])).toEqual([]);
    expect((await alice.account()).balance).toBe(after.balance);
  });

  it("a failed item (NO_TEE_SIGNER) is not sent; its requests stay owed and settle once the owner trusts the signer", async () => {
    expect((await chat(broker.agent.url!, await alice.token(), "kept for later")).status).toBe(200);
    const owed = fee("kept for later");
    await ownerRevokes(sys);
    const before = await alice.account();
    const failed = await broker.settler.settle([alice.address]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: "NO_TEE_SIGNER", settled: "0" });
    expect((await alice.account()).nonce).toBe(before.nonce);
    expect(broker.ledger.unsettledOf(alice.address)).toBe(owed);
    expect(await broker.store.inflight(alice.address)).toBeUndefined();
    await ownerAcknowledges(sys);
    const ok = await broker.settler.settle([alice.address]);
    expect(ok[0]).toMatchObject({ status: "SUCCESS", settled: owed.toString() });
    expect(before.balance - (await alice.account()).balance).toBe(owed);
  });

  it("overlapping runs never settle the same requests twice: in-process calls queue, another process's lock is waited for", async () => {
    for (const text of ["overlap one", "overlap two"]) {
      expect((await chat(broker.agent.url!, await alice.token(), text)).status).toBe(200);
    }
    const owed = (await broker.store.unsettled(alice.address)).reduce((a, r) => a + BigInt(r.fee), 0n);
    expect(owed).toBeGreaterThan(0n);
    const before = (await alice.account()).balance;
    // Another process (e.g. `zg compute provider settle`) holds the lock: the runs wait for it.
    expect(await broker.store.tryLockSettlement("other-process", 60_000)).toBe(true);
    let settled = false;
    const runs = Promise.all([broker.settler.settle([alice.address]), broker.settler.settle([alice.address])]).then(
      (r) => ((settled = true), r),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(settled).toBe(false);
    await broker.store.unlockSettlement("other-process");
    const [first, second] = await runs;
    // One run settled everything; the other found nothing left. The user paid the fee once.
    expect([...first, ...second]).toHaveLength(1);
    expect([...first, ...second][0]).toMatchObject({ status: "SUCCESS", settled: owed.toString() });
    expect(before - (await alice.account()).balance).toBe(owed);
    expect(await broker.store.unsettled(alice.address)).toEqual([]);
  });

  it("a run gives up with SettlementBusyError when the lock stays held past its wait", async () => {
    expect(await broker.store.tryLockSettlement("stuck-holder", 60_000)).toBe(true);
    try {
      // Only the store is touched before the lock is taken.
      const impatient = new Settler({ store: broker.store, lockWaitMs: 300 } as unknown as SettlerOptions);
      await expect(impatient.settle([alice.address])).rejects.toBeInstanceOf(SettlementBusyError);
      // The holder's lock is untouched by the failed run.
      expect(await broker.store.tryLockSettlement("someone-else", 1_000)).toBe(false);
    } finally {
      await broker.store.unlockSettlement("stuck-holder");
    }
  });

  it("nonces come from the durable counter: strictly increasing and never below the wall-clock floor", async () => {
    const a = await broker.store.nextNonce(5n);
    const b = await broker.store.nextNonce(5n);
    expect(b).toBeGreaterThan(a);
    const floor = BigInt(Math.floor(Date.now() / 1000)) * 10_000_000n + 10n ** 12n;
    expect(await broker.store.nextNonce(floor)).toBe(floor);
    expect(await broker.store.nextNonce(0n)).toBe(floor + 1n);
  });
});

describe("crash safety", () => {
  it("a broker killed after answering settles those requests exactly once after restart", async () => {
    const url = broker.agent.url!;
    for (const p of ["one two", "three four five", "six"])
      expect((await chat(url, await alice.token(), p)).status).toBe(200);
    const owed = fee("one two") + fee("three four five") + fee("six");
    await broker.stop({ drain: false });
    broker = brokerFor(sys);
    await broker.start();
    expect(broker.ledger.unsettledOf(alice.address)).toBe(owed);
    const before = await alice.account();
    const outcomes = await broker.settler.settle();
    expect(outcomes.find((o) => o.user.toLowerCase() === alice.address.toLowerCase())).toMatchObject({
      status: "SUCCESS",
      settled: owed.toString(),
    });
    expect(before.balance - (await alice.account()).balance).toBe(owed);
  });

  it("a crash after the settlement tx and before bookkeeping is reconciled from the chain, not charged twice", async () => {
    let crash = true;
    await broker.stop({ drain: false });
    broker = brokerFor(sys, {
      hooks: {
        afterSettlementSent: () => {
          if (crash) throw new Error("simulated crash after the transaction");
        },
      },
    });
    await broker.start();
    const url = broker.agent.url!;
    expect((await chat(url, await alice.token(), "seven eight nine")).status).toBe(200);
    const owed = fee("seven eight nine");
    const before = await alice.account();
    await expect(broker.settler.settle([alice.address])).rejects.toThrow("simulated crash");
    const mid = await alice.account();
    expect(before.balance - mid.balance).toBe(owed);
    expect(await broker.store.inflight(alice.address)).toBeDefined();
    crash = false;
    await broker.stop({ drain: false });
    broker = brokerFor(sys);
    await broker.start();
    const outcomes = await broker.settler.settle([alice.address]);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: "SUCCESS", reconciled: true, settled: owed.toString() });
    expect((await alice.account()).balance).toBe(mid.balance);
    expect(await broker.store.inflight(alice.address)).toBeUndefined();
    expect(await broker.settler.settle([alice.address])).toEqual([]);
    expect((await alice.account()).balance).toBe(mid.balance);
  });

  it("an item signed and persisted but never sent (crash before the tx) is sent as is after restart", async () => {
    const url = broker.agent.url!;
    expect((await chat(url, await alice.token(), "ten eleven")).status).toBe(200);
    const owed = fee("ten eleven");
    // Persist an in-flight item the way sendBatch does, then "crash" before the send.
    const requests = await broker.store.unsettled(alice.address);
    const nonce = await broker.store.nextNonce(BigInt(Math.floor(Date.now() / 1000)) * 10_000_000n);
    const item = await broker.signer.signSettlement(
      { name: "0G Inference Serving", version: "1", chainId: 31337n, verifyingContract: sys.inferenceServing },
      {
        requestsHash: computeRequestsHash(requests),
        nonce,
        provider: sys.provider,
        user: alice.address.toLowerCase() as Hex,
        totalFee: owed,
      },
    );
    await broker.store.setInflight({
      user: alice.address.toLowerCase() as Hex,
      ids: requests.map((r) => r.id),
      totalFee: owed.toString(),
      requestsHash: item.requestsHash,
      nonce: nonce.toString(),
      signature: item.signature,
      fromBlock: (await sys.publicClient.getBlockNumber()).toString(),
      createdAt: Date.now(),
    });
    await broker.stop({ drain: false });
    broker = brokerFor(sys);
    await broker.start();
    const before = await alice.account();
    const outcomes = await broker.settler.settle([alice.address]);
    expect(outcomes[0]).toMatchObject({ status: "SUCCESS", nonce: nonce.toString(), settled: owed.toString() });
    expect(before.balance - (await alice.account()).balance).toBe(owed);
  });
});

describe("settlement triggers", () => {
  it("the threshold triggers a settlement job; the timer settles what is left", async () => {
    await broker.stop({ drain: false });
    // Threshold: about two short requests.
    broker = brokerFor(sys, { settlement: { thresholdWei: 2n * fee("a b c"), intervalMs: 3_600_000 } });
    await broker.start();
    const url = broker.agent.url!;
    const before = await alice.account();
    expect((await chat(url, await alice.token(), "a b c")).status).toBe(200);
    expect((await chat(url, await alice.token(), "a b c")).status).toBe(200);
    await waitFor(async () => (await alice.account()).nonce > before.nonce, { timeoutMs: 15_000 }).catch(async (e) => {
      console.log(JSON.stringify((await broker.agent.status()).queues, null, 1));
      throw e;
    });
    await waitFor(async () => broker.ledger.unsettledOf(alice.address) === 0n, { timeoutMs: 5_000 });
    expect(before.balance - (await alice.account()).balance).toBe(2n * fee("a b c"));

    await broker.stop({ drain: false });
    broker = brokerFor(sys, { settlement: { intervalMs: 1_000 } });
    await broker.start();
    const mid = await alice.account();
    expect((await chat(broker.agent.url!, await alice.token(), "below threshold")).status).toBe(200);
    await waitFor(async () => (await alice.account()).nonce > mid.nonce, { timeoutMs: 15_000 });
    expect(mid.balance - (await alice.account()).balance).toBe(fee("below threshold"));
  });

  it("a refund request schedules the user's settlement before the refund unlocks", async () => {
    await broker.stop({ drain: false });
    // Lock is 120 s on the devnet parameters; settle when less than 119 s remain: at once.
    broker = brokerFor(sys, { settlement: { intervalMs: 3_600_000, refundBufferSeconds: 119 } });
    await broker.start();
    const bob = userOf(sys, hardhatKey(10));
    await bob.addLedger("3");
    await bob.transferFund(parseEther("1"));
    expect((await chat(broker.agent.url!, await bob.token(), "bob asks once")).status).toBe(200);
    await bob.retrieveFund();
    await waitFor(async () => (await bob.account()).nonce > 0n, { timeoutMs: 15_000 });
    const acct = await bob.account();
    expect(parseEther("1") - acct.balance).toBe(fee("bob asks once"));
  });
});

describe("user acknowledgement (runs last: it moves chain time past the refund lock)", () => {
  it("a user who emptied the sub-account and withdrew the acknowledgement → 403 not_acknowledged", async () => {
    const u = userOf(sys, hardhatKey(13));
    await u.addLedger("3");
    await u.transferFund(parseEther("1"));
    expect((await chat(broker.agent.url!, await u.token(), "warm the cache")).status).toBe(200);
    await broker.settler.settle([u.address]);
    await u.retrieveFund();
    await sys.node.rpc("evm_increaseTime", [121]);
    await sys.node.rpc("evm_mine", []);
    await u.retrieveFund(); // the matured refund returns to the ledger: balance 0
    await u.acknowledge(false);
    await waitFor(async () => (await chat(broker.agent.url!, await u.token(), "x")).status === 403, {
      timeoutMs: 10_000,
    });
    const before = sys.upstream.hits();
    await expectRefused(await chat(broker.agent.url!, await u.token(), "hi"), 403, "not_acknowledged");
    expect(sys.upstream.hits()).toBe(before);
  });
});

describe("PARTIAL settlement (runs last: moves chain time)", () => {
  it("a user whose refund matured before settlement is settled PARTIAL; the rest is carried and paid after a top-up", async () => {
    await broker.stop({ drain: false });
    broker = brokerFor(sys, { settlement: { intervalMs: 3_600_000, refundBufferSeconds: 30 } });
    await broker.start();
    const u = userOf(sys, hardhatKey(15));
    await u.addLedger("5");
    await u.transferFund(parseEther("1"));
    expect((await chat(broker.agent.url!, await u.token(), "pay me later")).status).toBe(200);
    const owed = fee("pay me later");
    await u.retrieveFund();
    await sys.node.rpc("evm_increaseTime", [121]);
    await sys.node.rpc("evm_mine", []);
    await u.retrieveFund(); // the refund matured: the sub-account is empty before the provider settled
    expect((await u.account()).balance).toBe(0n);
    const first = await broker.settler.settle([u.address]);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ status: "PARTIAL", settled: "0", totalFee: owed.toString() });
    expect(broker.ledger.unsettledOf(u.address)).toBe(owed);
    const carried = await broker.store.unsettled(u.address);
    expect(carried.map((r) => [r.id.startsWith("carry-"), r.fee])).toEqual([[true, owed.toString()]]);
    await u.transferFund(parseEther("1"));
    // Settles the carry now, unless a settlement job the top-up triggered got there first (runs never overlap).
    await broker.settler.settle([u.address]);
    const paid = (await broker.store.recentSettlements(50)).filter(
      (o) => o.user.toLowerCase() === u.address.toLowerCase() && o.status === "SUCCESS",
    );
    expect(paid.map((o) => o.settled)).toEqual([owed.toString()]);
    expect(await broker.store.unsettled(u.address)).toEqual([]);
    expect(parseEther("1") - (await u.account()).balance).toBe(owed);
    expect(broker.ledger.unsettledOf(u.address)).toBe(0n);
  });
});
