/**
 * A real SIGKILL: the broker runs as `zg agent provider` in a child process, answers requests, is killed before it
 * settles, and is started again; it must settle those requests exactly once (one TEESettlementRecorded, the
 * sub-account charged exactly the metered fees, and nothing more on later timer runs).
 */
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseEther } from "viem";
import { getFreePort, projectRoot, spawnTracked, stopChild, waitFor } from "../core/testing/index.js";
import { InferenceServingAbi } from "../generated/abis.js";
import { countTokens } from "./pricing.js";
import { chat, hardhatKey, ownerAcknowledges, startSystem, userOf, type System } from "./test-harness.js";
import { testAnswer } from "./test-upstream.js";

let sys: System;
let child: ChildProcess | undefined;
let url: string;

function startBroker(port: number, intervalMs: number): ChildProcess {
  return spawnTracked(process.execPath, [path.join(projectRoot(), "bin", "zg"), "agent", "provider"], {
    cwd: projectRoot(),
    stdio: "ignore",
    env: {
      ...process.env,
      ZG_PROVIDER_RPC_URL: sys.node.rpcUrl,
      ZG_PROVIDER_CHAIN_ID: "31337",
      ZG_PROVIDER_REDIS_URL: sys.redis.url,
      ZG_PROVIDER_PRIVATE_KEY: sys.providerKey,
      ZG_PROVIDER_HTTP__PORT: String(port),
      ZG_PROVIDER_CONFIRMATIONS: "0",
      ZG_PROVIDER_POLL_INTERVAL_MS: "200",
      ZG_PROVIDER_LOG_LEVEL: "silent",
      ZG_PROVIDER_UPSTREAM_URL: sys.upstream.baseUrl,
      ZG_PROVIDER_INFERENCE_SERVING: sys.inferenceServing,
      ZG_PROVIDER_LEDGER_MANAGER: sys.ledgerManager,
      ZG_PROVIDER_MAX_OUTPUT_TOKENS: "64",
      ZG_PROVIDER_SETTLEMENT__INTERVAL_MS: String(intervalMs),
      ZG_PROVIDER_SETTLEMENT__THRESHOLD_WEI: String(10n ** 30n),
      ZG_PROVIDER_TEE_KEY__SEALED_FILE: path.join(sys.tmp, "kill-tee-key.json"),
      ZG_PROVIDER_TEE_KEY__SECRET: "kill test secret",
    },
  });
}

async function healthy(): Promise<boolean> {
  return (await fetch(`${url}/healthz`)).ok;
}

beforeAll(async () => {
  sys = await startSystem();
}, 240_000);

afterAll(async () => {
  if (child) await stopChild(child, "SIGKILL");
  await sys?.stop();
});

it("a broker SIGKILLed after answering settles those requests exactly once after restart", async () => {
  const port = await getFreePort();
  url = `http://127.0.0.1:${port}`;
  child = startBroker(port, 3_600_000);
  await waitFor(healthy, { timeoutMs: 60_000 });
  await waitFor(
    async () =>
      (await sys.publicClient.readContract({
        address: sys.inferenceServing,
        abi: InferenceServingAbi,
        functionName: "serviceExists",
        args: [sys.provider],
      })) as boolean,
    { timeoutMs: 30_000 },
  );
  await ownerAcknowledges(sys);
  const alice = userOf(sys, hardhatKey(9));
  await alice.addLedger("3");
  await alice.transferFund(parseEther("1"));
  const prompts = ["one two three", "four five", "six seven eight nine"];
  let owed = 0n;
  for (const p of prompts) {
    await waitFor(async () => (await chat(url, await alice.token(), p)).status === 200, { timeoutMs: 10_000 });
    owed += BigInt(countTokens(p)) * 1_000_000_000n + BigInt(countTokens(testAnswer(p, 64))) * 2_000_000_000n;
  }
  const before = await alice.account();
  await stopChild(child, "SIGKILL");
  expect((await alice.account()).nonce).toBe(before.nonce);

  child = startBroker(port, 1_000);
  await waitFor(healthy, { timeoutMs: 60_000 });
  await waitFor(async () => (await alice.account()).nonce > before.nonce, { timeoutMs: 30_000 });
  expect(before.balance - (await alice.account()).balance).toBe(owed);
  // More timer runs charge nothing more.
  await new Promise((r) => setTimeout(r, 3_000));
  const after = await alice.account();
  expect(before.balance - after.balance).toBe(owed);
  const recorded = await sys.publicClient.getContractEvents({
    address: sys.inferenceServing,
    abi: InferenceServingAbi,
    eventName: "TEESettlementRecorded",
    args: { user: alice.address },
    fromBlock: 0n,
  });
  expect(recorded).toHaveLength(1);
  expect(recorded[0]!.args.settledAmount).toBe(owed);
}, 120_000);
