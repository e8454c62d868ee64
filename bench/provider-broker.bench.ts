/**
 * Provider broker overhead on loopback: latency added by the broker (admission, metering, durable record, TEE
 * signature) over calling the test upstream directly, and sustained requests/s through the broker.
 *
 * `npx tsx bench/provider-broker.bench.ts` → prints a table, writes bench/results/provider-broker.json.
 * Real `hardhat node`, real Redis (AOF on, as in production), the deterministic test upstream; one user with a
 * funded, acknowledged sub-account; the same session token on every request (as the SDK reuses its token).
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseEther } from "viem";
import { brokerFor, hardhatKey, ownerAcknowledges, startSystem, userOf } from "../agents/provider/test-harness";

const SEQUENTIAL = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SUSTAIN_MS = Number(process.env.BENCH_SUSTAIN_MS ?? 10_000);

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

async function main(): Promise<void> {
  const sys = await startSystem();
  const broker = brokerFor(sys, { settlement: { thresholdWei: 10n ** 30n, intervalMs: 3_600_000 } });
  try {
    await broker.start();
    await ownerAcknowledges(sys);
    const user = userOf(sys, hardhatKey(9));
    await user.addLedger("200");
    await user.transferFund(parseEther("100"));
    const auth = await user.token();
    const direct = `${sys.upstream.baseUrl}/chat/completions`;
    const viaBroker = `${broker.agent.url}/v1/proxy/chat/completions`;
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
    const recorded = (await broker.store.unsettled(user.address)).length;
    const result = {
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      sequentialRequests: SEQUENTIAL,
      directMs: { p50: pct(d, 50), p90: pct(d, 90), p99: pct(d, 99) },
      brokerMs: { p50: pct(b, 50), p90: pct(b, 90), p99: pct(b, 99) },
      addedMs: { p50: pct(b, 50) - pct(d, 50), p90: pct(b, 90) - pct(d, 90), p99: pct(b, 99) - pct(d, 99) },
      goal: { addedP99Ms: 5, met: pct(b, 99) - pct(d, 99) < 5 },
      sustained: { concurrency: CONCURRENCY, seconds: SUSTAIN_MS / 1000, requests: done, requestsPerSecond: rps },
      recordedRequests: recorded,
      measuredAt: new Date().toISOString(),
    };
    const r2 = (n: number) => n.toFixed(2);
    console.log("metric                      p50      p90      p99");
    console.log(
      `upstream direct (ms)    ${r2(result.directMs.p50).padStart(8)} ${r2(result.directMs.p90).padStart(8)} ${r2(result.directMs.p99).padStart(8)}`,
    );
    console.log(
      `through broker (ms)     ${r2(result.brokerMs.p50).padStart(8)} ${r2(result.brokerMs.p90).padStart(8)} ${r2(result.brokerMs.p99).padStart(8)}`,
    );
    console.log(
      `added by broker (ms)    ${r2(result.addedMs.p50).padStart(8)} ${r2(result.addedMs.p90).padStart(8)} ${r2(result.addedMs.p99).padStart(8)}  (goal p99 < 5 ms: ${result.goal.met ? "met" : "NOT met"})`,
    );
    console.log(
      `sustained: ${rps.toFixed(0)} requests/s through the broker at concurrency ${CONCURRENCY} for ${SUSTAIN_MS / 1000} s (${recorded} requests recorded)`,
    );
    const out = path.join(__dirname, "results", "provider-broker.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  } finally {
    agent.destroy();
    await broker.stop({ drain: false });
    await sys.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
