import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  keccak256,
  toHex,
  type Abi,
  type Address,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhatLocal } from "./chain.js";
import { ContractRevertError, TransactionRevertedError } from "./errors.js";
import { createTxSender } from "./tx-sender.js";
import {
  HARDHAT_KEYS,
  deployArtifact,
  eventEmitterFixtureAbi,
  readArtifact,
  startHardhatNode,
  waitFor,
  type TestHardhatNode,
} from "./testing/index.js";

let node: TestHardhatNode;
let publicClient: PublicClient;
let emitter: Address;

beforeAll(async () => {
  node = await startHardhatNode();
  publicClient = createPublicClient({ chain: hardhatLocal, transport: http(node.rpcUrl), pollingInterval: 50 });
  const walletClient = createWalletClient({
    chain: hardhatLocal,
    transport: http(node.rpcUrl),
    account: privateKeyToAccount(HARDHAT_KEYS[0]!),
  });
  ({ address: emitter } = await deployArtifact({ walletClient, publicClient, name: "EventEmitterFixture" }));
});

afterAll(async () => {
  await node?.stop();
});

describe("tx sender", () => {
  it("the hand-written fixture ABI matches the compiled artifact", () => {
    const sig = (i: Abi[number]) =>
      "name" in i && "inputs" in i ? `${i.type} ${i.name}(${i.inputs.map((x) => x.type).join(",")})` : i.type;
    const compiled = readArtifact("EventEmitterFixture").abi.map(sig).sort();
    expect(eventEmitterFixtureAbi.map(sig).sort()).toEqual(compiled);
  });

  it("sends 25 concurrent transactions from one key with distinct, gap-free nonces", async () => {
    const account = privateKeyToAccount(HARDHAT_KEYS[1]!);
    const sender = createTxSender({ publicClient, account, pollIntervalMs: 50 });
    const start = await publicClient.getTransactionCount({ address: account.address });
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        sender.writeContract({
          address: emitter,
          abi: eventEmitterFixtureAbi,
          functionName: "ping",
          args: [BigInt(i), keccak256(toHex(i))],
        }),
      ),
    );
    const nonces = results.map((r) => r.nonce).sort((a, b) => a - b);
    expect(nonces).toEqual(Array.from({ length: 25 }, (_, i) => start + i));
    expect(results.every((r) => r.receipt.status === "success")).toBe(true);
    // The chain agrees: every nonce was mined exactly once, by the transaction we were told about.
    for (const r of results) {
      const tx = await publicClient.getTransaction({ hash: r.hash });
      expect(tx.nonce).toBe(r.nonce);
      expect(tx.from.toLowerCase()).toBe(account.address.toLowerCase());
    }
    expect(await publicClient.getTransactionCount({ address: account.address })).toBe(start + 25);
  });

  it("resyncs after a nonce was used behind its back", async () => {
    const account = privateKeyToAccount(HARDHAT_KEYS[2]!);
    const sender = createTxSender({ publicClient, account, pollIntervalMs: 50 });
    const ping = (id: bigint) =>
      sender.writeContract({
        address: emitter,
        abi: eventEmitterFixtureAbi,
        functionName: "ping",
        args: [id, toHex(0, { size: 32 })],
      });
    const first = await ping(1n);
    // Another process uses the same key: the sender's local nonce is now stale.
    const other = createWalletClient({ chain: hardhatLocal, transport: http(node.rpcUrl), account });
    await publicClient.waitForTransactionReceipt({
      hash: await other.sendTransaction({ to: account.address, value: 0n }),
    });
    const second = await ping(2n);
    expect(second.nonce).toBe(first.nonce + 2);
    expect(second.receipt.status).toBe("success");
  });

  it("decodes a custom error with its arguments before spending gas", async () => {
    const account = privateKeyToAccount(HARDHAT_KEYS[3]!);
    const sender = createTxSender({ publicClient, account, pollIntervalMs: 50 });
    const before = await publicClient.getTransactionCount({ address: account.address });
    const err = await sender
      .writeContract({ address: emitter, abi: eventEmitterFixtureAbi, functionName: "pay", args: [10n], value: 1n })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ContractRevertError);
    const revert = err as ContractRevertError;
    expect(revert.message).toBe("InsufficientFee(required=10, paid=1)");
    expect(revert.errorName).toBe("InsufficientFee");
    expect(revert.args).toEqual([10n, 1n]);
    expect(revert.namedArgs).toEqual({ required: 10n, paid: 1n });
    expect(revert.functionName).toBe("pay");
    // Nothing was broadcast.
    expect(await publicClient.getTransactionCount({ address: account.address })).toBe(before);
    // And the happy path of the same call works.
    const ok = await sender.writeContract({
      address: emitter,
      abi: eventEmitterFixtureAbi,
      functionName: "pay",
      args: [10n],
      value: 10n,
    });
    expect(ok.receipt.status).toBe("success");
  });

  it("reports a transaction that was mined but reverted (here: out of gas) with its hash", async () => {
    const account = privateKeyToAccount(HARDHAT_KEYS[5]!);
    let sent = false;
    const sender = createTxSender({ publicClient, account, pollIntervalMs: 50, onSent: () => (sent = true) });
    // With automine on, Hardhat answers eth_sendRawTransaction with the execution error itself; a real node
    // accepts the transaction and only the receipt tells. Mine by hand to get the real-node behaviour.
    await node.rpc("evm_setAutomine", [false]);
    let err: unknown;
    try {
      const pending = sender
        .writeContract({
          address: emitter,
          abi: eventEmitterFixtureAbi,
          functionName: "ping",
          args: [1n, toHex(0, { size: 32 })],
          gas: 23_000n,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      await waitFor(async () => sent, { what: "the broadcast" });
      await node.rpc("evm_mine");
      err = await pending;
    } finally {
      await node.rpc("evm_setAutomine", [true]);
    }
    expect(err).toBeInstanceOf(TransactionRevertedError);
    const reverted = err as TransactionRevertedError;
    const receipt = await publicClient.getTransactionReceipt({ hash: reverted.hash });
    expect(receipt.status).toBe("reverted");
    expect(reverted.blockNumber).toBe(receipt.blockNumber);
    // The nonce was consumed: the next send uses the following one.
    const next = await sender.writeContract({
      address: emitter,
      abi: eventEmitterFixtureAbi,
      functionName: "ping",
      args: [2n, toHex(0, { size: 32 })],
    });
    const first = await publicClient.getTransaction({ hash: reverted.hash });
    expect(next.nonce).toBe(first.nonce + 1);
  });

  it("falls back to a legacy gas price on a chain without EIP-1559 fees", async () => {
    // A view of the node whose blocks carry no base fee, as on a pre-London chain.
    const legacyClient = createPublicClient({
      chain: hardhatLocal,
      transport: custom(
        {
          request: async ({ method, params }: { method: string; params?: unknown }) => {
            const result = await node.rpc<Record<string, unknown> | null>(method, (params as unknown[]) ?? []);
            if (method === "eth_getBlockByNumber" && result) {
              const { baseFeePerGas: _dropped, ...rest } = result;
              return rest;
            }
            return result;
          },
        },
        { retryCount: 0 },
      ),
    });
    const account = privateKeyToAccount(HARDHAT_KEYS[6]!);
    const sender = createTxSender({ publicClient: legacyClient as PublicClient, account, pollIntervalMs: 50 });
    const result = await sender.writeContract({
      address: emitter,
      abi: eventEmitterFixtureAbi,
      functionName: "ping",
      args: [3n, toHex(0, { size: 32 })],
    });
    const tx = await publicClient.getTransaction({ hash: result.hash });
    expect(tx.type).toBe("legacy");
    expect(result.receipt.status).toBe("success");
  });

  it("replaces a stuck transaction with the same nonce and higher fees", async () => {
    const account = privateKeyToAccount(HARDHAT_KEYS[4]!);
    let replaced = false;
    const sender = createTxSender({
      publicClient,
      account,
      pollIntervalMs: 50,
      replaceAfterMs: 300,
      onSent: (info) => (replaced ||= info.replacement),
    });
    await node.rpc("evm_setAutomine", [false]);
    try {
      const pending = sender.writeContract({
        address: emitter,
        abi: eventEmitterFixtureAbi,
        functionName: "ping",
        args: [99n, toHex(1, { size: 32 })],
      });
      // Wait until the replacement is in the mempool, then mine one block.
      await waitFor(async () => replaced, { timeoutMs: 10_000, intervalMs: 20, what: "a replacement" });
      await node.rpc("evm_mine");
      const result = await pending;
      expect(result.hashes.length).toBeGreaterThanOrEqual(2);
      expect(result.hash).toBe(result.hashes[result.hashes.length - 1]);
      const mined = await publicClient.getTransaction({ hash: result.hash });
      const first = result.hashes[0]!;
      expect(mined.nonce).toBe(result.nonce);
      await expect(publicClient.getTransactionReceipt({ hash: first })).rejects.toThrow();
    } finally {
      await node.rpc("evm_setAutomine", [true]);
    }
  });
});

describe("HARDHAT_KEYS", () => {
  it("are Hardhat's funded development accounts", async () => {
    const accounts = await node.rpc<string[]>("eth_accounts");
    expect(HARDHAT_KEYS.map((k) => privateKeyToAccount(k).address.toLowerCase())).toEqual(
      accounts.slice(0, HARDHAT_KEYS.length).map((a) => a.toLowerCase()),
    );
  });
});
