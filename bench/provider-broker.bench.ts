/**
 * Provider broker overhead on loopback: latency added by the broker (admission, metering, durable record, TEE
 * signature) over calling the test upstream directly, and sustained requests/s through the broker.
 *
 * `npx tsx bench/provider-broker.bench.ts` → prints a table, writes bench/results/provider-broker.json.
 * Real `hardhat node`, real Redis (once with AOF fsync-always, once memory-only), the deterministic test upstream (in this process, for
 * both paths), the broker as its own process (`zg agent provider`, as deployed); one user with a funded,
 * acknowledged sub-account; the same session token on every request (as the SDK reuses its token).
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseEther } from "viem";
import { InferenceServingAbi } from "../agents/generated/abis";
import { spawnTracked, stopChild, waitFor } from "../agents/core/testing";
import { hardhatKey, ownerAcknowledges, startSystem, userOf } from "../agents/provider/test-harness";

const SEQUENTIAL = Number(process.env.BENCH_N ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SUSTAIN_MS = Number(process.env.BENCH_SUSTAIN_MS ?? 5_000);

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const body = JSON.stringify({
  model: "test-echo-1",
  messages: [{ role: "user", content: "one two three four five six seven eight" }],
});

function post(url: string, auth?: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      u,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(auth ? { authorization: auth } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(persistentRedis: boolean) {
  const sys = await startSystem({ persistentRedis });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const brokerUrl = `http://127.0.0.1:${port}`;
  const child = spawnTracked(process.execPath, [path.join(__dirname, "..", "bin", "zg"), "agent", "provider"], {
    cwd: path.join(__dirname, ".."),
    stdio: "ignore",
    env: {
      ...process.env,
      ZG_PROVIDER_RPC_URL: sys.node.rpcUrl,
      ZG_PROVIDER_CHAIN_ID: "31337",
      ZG_PROVIDER_REDIS_URL: sys.redis.url,
      ZG_PROVIDER_PRIVATE_KEY: sys.providerKey,
      ZG_PROVIDER_HTTP__PORT: String(port),
      ZG_PROVIDER_CONFIRMATIONS: "0",
      ZG_PROVIDER_POLL_INTERVAL_MS: "500",
      ZG_PROVIDER_LOG_LEVEL: "warn",
      ZG_PROVIDER_UPSTREAM_URL: sys.upstream.baseUrl,
      ZG_PROVIDER_INFERENCE_SERVING: sys.inferenceServing,
      ZG_PROVIDER_LEDGER_MANAGER: sys.ledgerManager,
      ZG_PROVIDER_MAX_OUTPUT_TOKENS: "64",
      ZG_PROVIDER_SETTLEMENT__THRESHOLD_WEI: String(10n ** 30n),
      ZG_PROVIDER_SETTLEMENT__INTERVAL_MS: "3600000",
    },
  });
  // The broker registers its service at start: wait until the chain shows it.
  const ownerReady = async () =>
    (await sys.publicClient.readContract({
      address: sys.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "serviceExists",
      args: [sys.provider],
    })) as boolean;
  try {
    await waitFor(async () => (await fetch(`${brokerUrl}/status`)).ok && (await ownerReady()), { timeoutMs: 60_000 });
    await ownerAcknowledges(sys);
    const user = userOf(sys, hardhatKey(9));
    await user.addLedger("200");
    await user.transferFund(parseEther("100"));
    const auth = await user.token();
    const direct = `${sys.upstream.baseUrl}/chat/completions`;
    const viaBroker = `${brokerUrl}/v1/proxy/chat/completions`;
    for (let i = 0; i < 200; i++) {
      await post(direct);
      await post(viaBroker, auth);
    }
    // Interleaved, so both see the same machine load.
    const d: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      d.push(await post(direct));
      b.push(await post(viaBroker, auth));
    }
    d.sort((x, y) => x - y);
    b.sort((x, y) => x - y);
    let done = 0;
    const end = Date.now() + SUSTAIN_MS;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < end) {
          await post(viaBroker, auth);
          done++;
        }
      }),
    );
    const rps = done / ((Date.now() - t0) / 1000);
    const status = (await (await fetch(`${brokerUrl}/status`)).json()) as { role: { served: number } };
    const recorded = status.role.served;
    const result = {
      redis: persistentRedis
        ? "AOF, appendfsync always (every record fsynced before the answer)"
        : "no persistence (memory only)",
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg() },
      sequentialRequests: SEQUENTIAL,
      directMs: { p50: pct(d, 50), p90: pct(d, 90), p99: pct(d, 99) },
      brokerMs: { p50: pct(b, 50), p90: pct(b, 90), p99: pct(b, 99) },
      addedMs: { p50: pct(b, 50) - pct(d, 50), p90: pct(b, 90) - pct(d, 90), p99: pct(b, 99) - pct(d, 99) },
      goal: { addedP99Ms: 5, met: pct(b, 99) - pct(d, 99) < 5 },
      sustained: { concurrency: CONCURRENCY, seconds: SUSTAIN_MS / 1000, requests: done, requestsPerSecond: rps },
      recordedRequests: recorded,
      measuredAt: new Date().toISOString(),
    };
    return result;
  } finally {
    await stopChild(child);
    await sys.stop();
  }
}

async function main(): Promise<void> {
  const results = [];
  for (const persistent of [true, false]) {
    const result = await measure(persistent);
    results.push(result);
    const r2 = (n: number) => n.toFixed(2);
    console.log(
      `\nRedis: ${result.redis}; load average ${result.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")} on ${result.machine.cpus} cores`,
    );
    console.log("metric                      p50      p90      p99");
    for (const [name, m] of [
      ["upstream direct (ms)", result.directMs],
      ["through broker (ms)", result.brokerMs],
      ["added by broker (ms)", result.addedMs],
    ] as const) {
      console.log(`${name.padEnd(22)} ${r2(m.p50).padStart(8)} ${r2(m.p90).padStart(8)} ${r2(m.p99).padStart(8)}`);
    }
    console.log(`goal p99 added < 5 ms: ${result.goal.met ? "met" : "NOT met"}`);
    console.log(
      `sustained: ${result.sustained.requestsPerSecond.toFixed(0)} requests/s at concurrency ${result.sustained.concurrency} for ${result.sustained.seconds} s (${result.recordedRequests} requests recorded)`,
    );
  }
  const out = path.join(__dirname, "results", "provider-broker.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  agent.destroy();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
