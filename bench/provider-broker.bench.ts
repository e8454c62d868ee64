/**
 * Provider broker overhead on loopback: latency the broker adds (admission, metering, durable record) over calling
 * the test upstream directly, the broker's own in-process handler time, sustained requests/s and broker CPU per
 * 1000 requests, for each Redis persistence mode.
 *
 * `npx tsx bench/provider-broker.bench.ts` → prints a table, writes bench/results/provider-broker.json.
 *
 * Real `hardhat node`, one real Redis (AOF on; each mode is set with `CONFIG SET` before its run), the
 * deterministic test upstream (in this process, for both paths), the broker as its own process
 * (`zg agent provider`, as deployed); one user with a funded, acknowledged sub-account; the same session token on
 * every request (as the SDK reuses its token). Every phase interleaves or mirrors direct and broker calls from the
 * same client at the same concurrency, so both see the same machine load.
 *
 * Env knobs: BENCH_N (sequential pairs, 1000), BENCH_WARMUP (200), BENCH_CONCURRENCY (16), BENCH_SUSTAIN_MS
 * (5000 per path), BENCH_MODES (`always,everysec,none`), BENCH_SIGNATURES (`on-fetch` | `background`),
 * BENCH_FETCH_SIGNATURES=1 (also fetch each answer's signature after the answer, as the SDK does; not timed).
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { parseEther } from "viem";
import { InferenceServingAbi } from "../agents/generated/abis";
import { spawnTracked, stopChild, waitFor } from "../agents/core/testing";
import { hardhatKey, ownerAcknowledges, startSystem, userOf } from "../agents/provider/test-harness";
import { percentiles, type Percentiles } from "../agents/provider/timings";

const SEQUENTIAL = Number(process.env.BENCH_N ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SUSTAIN_MS = Number(process.env.BENCH_SUSTAIN_MS ?? 5_000);
const SIGNATURES = process.env.BENCH_SIGNATURES ?? "on-fetch (default)";
const FETCH_SIGNATURES = process.env.BENCH_FETCH_SIGNATURES === "1";
type Mode = "always" | "everysec" | "none";
const MODES = (process.env.BENCH_MODES ?? "always,everysec,none").split(",").map((m) => m.trim()) as Mode[];

const MODE_TEXT: Record<Mode, string> = {
  always: "AOF, appendfsync always (each record fsynced before the answer)",
  everysec: "AOF, appendfsync everysec (records fsynced within ~1 s)",
  none: "no persistence (memory only)",
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const body = JSON.stringify({
  model: "test-echo-1",
  messages: [{ role: "user", content: "one two three four five six seven eight" }],
});

function post(url: string, auth?: string): Promise<{ ms: number; chatId?: string }> {
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
          else
            resolve({
              ms: Number(process.hrtime.bigint() - t0) / 1e6,
              chatId: res.headers["zg-res-key"] as string | undefined,
            });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Timings {
  served: number;
  timed: number;
  samples: number;
  handlerMs: Percentiles;
  recordMs: Percentiles;
  ownMs: Percentiles;
  upstreamMs: Percentiles;
  cpuSeconds: { user: number; system: number };
}

const round = (p: Percentiles): Percentiles => ({
  p50: +p.p50.toFixed(3),
  p90: +p.p90.toFixed(3),
  p99: +p.p99.toFixed(3),
  max: +p.max.toFixed(3),
});
const added = (b: Percentiles, d: Percentiles) => ({
  p50: +(b.p50 - d.p50).toFixed(3),
  p90: +(b.p90 - d.p90).toFixed(3),
  p99: +(b.p99 - d.p99).toFixed(3),
});
/** CPU seconds (user + system) of a process from /proc (Linux; 10 ms ticks), else NaN. */
function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** fdatasync latency of a small append on the disk holding os.tmpdir() (where the bench's Redis keeps its AOF). */
function fsyncFloor(n = 300): Percentiles {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zg-fsync-")), "probe");
  const fd = fs.openSync(file, "w");
  const t: number[] = [];
  const line = Buffer.alloc(300, 120);
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      fs.writeSync(fd, line);
      fs.fdatasyncSync(fd);
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  return round(percentiles(t));
}

async function setMode(redis: Redis, mode: Mode): Promise<void> {
  if (mode === "none") {
    await redis.config("SET", "appendonly", "no");
    return;
  }
  await redis.config("SET", "appendonly", "yes");
  await redis.config("SET", "appendfsync", mode);
  // Turning AOF on rewrites it in the background: wait until that is done before timing.
  await waitFor(
    async () => {
      const info = await redis.info("persistence");
      return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info);
    },
    { timeoutMs: 30_000 },
  );
}

async function main(): Promise<void> {
  const sys = await startSystem({ persistentRedis: true });
  const redis = new Redis(sys.redis.url);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const brokerUrl = `http://127.0.0.1:${port}`;
  const child = spawnTracked(process.execPath, [path.join(__dirname, "..", "bin", "zg"), "agent", "provider"], {
    cwd: path.join(__dirname, ".."),
    stdio: ["ignore", "ignore", "pipe"],
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
      ...(process.env.BENCH_SIGNATURES ? { ZG_PROVIDER_RESPONSE_SIGNATURES: process.env.BENCH_SIGNATURES } : {}),
      ZG_PROVIDER_SETTLEMENT__THRESHOLD_WEI: String(10n ** 30n),
      ZG_PROVIDER_SETTLEMENT__INTERVAL_MS: "3600000",
    },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const ownerReady = async () =>
    (await sys.publicClient.readContract({
      address: sys.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "serviceExists",
      args: [sys.provider],
    })) as boolean;
  const none: Percentiles = { p50: NaN, p90: NaN, p99: NaN, max: NaN };
  // A broker without the timings route (an older build) gives NaN handler figures; the wall figures still hold.
  const timings = async (last: number): Promise<Timings & { cpu: number }> => {
    const t = await readTimings(last);
    const proc = procCpuSeconds(child.pid);
    return { ...t, cpu: Number.isNaN(proc) ? t.cpuSeconds.user + t.cpuSeconds.system : proc };
  };
  const readTimings = async (last: number): Promise<Timings> => {
    const res = await fetch(`${brokerUrl}/v1/broker/timings?last=${last}`);
    if (res.ok) return (await res.json()) as Timings;
    const status = (await (await fetch(`${brokerUrl}/status`)).json()) as { role: { served: number } };
    const cpu = { user: NaN, system: NaN };
    return {
      served: status.role.served,
      timed: 0,
      samples: 0,
      handlerMs: none,
      recordMs: none,
      ownMs: none,
      upstreamMs: none,
      cpuSeconds: cpu,
    };
  };
  const results = [];
  try {
    // The broker registers its service at start: wait until the chain shows it.
    await waitFor(async () => (await fetch(`${brokerUrl}/status`)).ok && (await ownerReady()), {
      timeoutMs: 180_000,
    }).catch((err: unknown) => {
      throw new Error(`the broker did not come up: ${String(err)}\n${stderr}`);
    });
    await ownerAcknowledges(sys);
    const user = userOf(sys, hardhatKey(9));
    await user.addLedger("200");
    await user.transferFund(parseEther("100"));
    const auth = await user.token();
    const direct = `${sys.upstream.baseUrl}/chat/completions`;
    const viaBroker = `${brokerUrl}/v1/proxy/chat/completions`;
    const throughBroker = async () => {
      const r = await post(viaBroker, auth);
      if (FETCH_SIGNATURES && r.chatId) await (await fetch(`${brokerUrl}/v1/proxy/signature/${r.chatId}`)).json();
      return r.ms;
    };
    const fsync = fsyncFloor();
    // The agent's own background work (chain polling, queues) while no request comes: CPU seconds per second.
    const idle0 = await timings(0);
    await new Promise((r) => setTimeout(r, 3_000));
    const idle1 = await timings(0);
    const idleCpuPerSecond = +((idle1.cpu - idle0.cpu) / 3).toFixed(4);

    for (const mode of MODES) {
      await setMode(redis, mode);
      for (let i = 0; i < WARMUP; i++) {
        await post(direct);
        await throughBroker();
      }
      // Sequential, interleaved.
      const d: number[] = [];
      const b: number[] = [];
      const seq0 = await timings(0);
      for (let i = 0; i < SEQUENTIAL; i++) {
        d.push((await post(direct)).ms);
        b.push(await throughBroker());
      }
      const seq1 = await timings(SEQUENTIAL);
      const loadSeq = os.loadavg();
      const dSeq = percentiles(d);
      const bSeq = percentiles(b);

      // Concurrent: the same client at the same concurrency, direct then through the broker.
      const closedLoop = async (call: () => Promise<number>) => {
        const lat: number[] = [];
        const end = Date.now() + SUSTAIN_MS;
        const t0 = Date.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (Date.now() < end) lat.push(await call());
          }),
        );
        return { lat, rps: lat.length / ((Date.now() - t0) / 1000) };
      };
      const dc = await closedLoop(async () => (await post(direct)).ms);
      const c0 = await timings(0);
      const bc = await closedLoop(throughBroker);
      const c1 = await timings(bc.lat.length);
      const loadConc = os.loadavg();
      const dConc = percentiles(dc.lat);
      const bConc = percentiles(bc.lat);

      const result = {
        redis: MODE_TEXT[mode],
        mode,
        responseSignatures: SIGNATURES,
        signaturesFetched: FETCH_SIGNATURES,
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
        fsyncFloorMs: fsync,
        brokerIdleCpuSecondsPerSecond: idleCpuPerSecond,
        sequential: {
          requests: SEQUENTIAL,
          loadAverage: loadSeq,
          directMs: round(dSeq),
          brokerMs: round(bSeq),
          addedMs: added(bSeq, dSeq),
          handlerMs: round(seq1.handlerMs),
          recordMs: round(seq1.recordMs),
          ownMs: round(seq1.ownMs),
          brokerCpuSecondsPer1000: +((1000 * (seq1.cpu - seq0.cpu)) / SEQUENTIAL).toFixed(3),
        },
        concurrent: {
          concurrency: CONCURRENCY,
          seconds: SUSTAIN_MS / 1000,
          loadAverage: loadConc,
          directRequestsPerSecond: +dc.rps.toFixed(1),
          requestsPerSecond: +bc.rps.toFixed(1),
          requests: bc.lat.length,
          directMs: round(dConc),
          brokerMs: round(bConc),
          addedMs: added(bConc, dConc),
          handlerMs: round(c1.handlerMs),
          recordMs: round(c1.recordMs),
          ownMs: round(c1.ownMs),
          brokerCpuSecondsPer1000: +((1000 * (c1.cpu - c0.cpu)) / bc.lat.length).toFixed(3),
        },
        goal: {
          addedP99Ms: 5,
          sequentialMet: bSeq.p99 - dSeq.p99 < 5,
          handlerP99Met: seq1.handlerMs.p99 < 5,
        },
        recordedRequests: c1.served,
        measuredAt: new Date().toISOString(),
      };
      results.push(result);
      print(result);
    }
  } finally {
    redis.disconnect();
    await stopChild(child);
    await sys.stop();
  }
  const out = path.join(__dirname, "results", "provider-broker.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  agent.destroy();
}

function print(r: {
  redis: string;
  responseSignatures: string;
  fsyncFloorMs: Percentiles;
  brokerIdleCpuSecondsPerSecond: number;
  sequential: {
    loadAverage: number[];
    directMs: Percentiles;
    brokerMs: Percentiles;
    addedMs: { p50: number; p90: number; p99: number };
    handlerMs: Percentiles;
    recordMs: Percentiles;
    ownMs: Percentiles;
    brokerCpuSecondsPer1000: number;
  };
  concurrent: {
    concurrency: number;
    loadAverage: number[];
    requestsPerSecond: number;
    directRequestsPerSecond: number;
    directMs: Percentiles;
    brokerMs: Percentiles;
    addedMs: { p50: number; p90: number; p99: number };
    handlerMs: Percentiles;
    recordMs: Percentiles;
    ownMs: Percentiles;
    brokerCpuSecondsPer1000: number;
  };
}): void {
  const f = (n: number) => n.toFixed(2).padStart(8);
  const row = (name: string, m: { p50: number; p90: number; p99: number }) =>
    console.log(`${name.padEnd(34)} ${f(m.p50)} ${f(m.p90)} ${f(m.p99)}`);
  const s = r.sequential;
  const c = r.concurrent;
  console.log(`\nRedis: ${r.redis}; signatures ${r.responseSignatures}`);
  console.log(`disk fdatasync floor (ms): p50 ${r.fsyncFloorMs.p50}, p99 ${r.fsyncFloorMs.p99}`);
  console.log(`broker idle CPU: ${r.brokerIdleCpuSecondsPerSecond} s/s (included in the per-1000 figures below)`);
  console.log(`sequential, load average ${s.loadAverage.map((l) => l.toFixed(1)).join(" ")}`);
  console.log(`${"metric (ms)".padEnd(34)} ${"p50".padStart(8)} ${"p90".padStart(8)} ${"p99".padStart(8)}`);
  row("  upstream direct", s.directMs);
  row("  through broker", s.brokerMs);
  row("  added by broker (wall)", s.addedMs);
  row("  broker handler (in-process)", s.handlerMs);
  row("    of which Redis record", s.recordMs);
  row("    broker's own (handler - record)", s.ownMs);
  console.log(`  broker CPU: ${s.brokerCpuSecondsPer1000} s per 1000 requests`);
  console.log(`concurrency ${c.concurrency}, load average ${c.loadAverage.map((l) => l.toFixed(1)).join(" ")}`);
  row("  upstream direct", c.directMs);
  row("  through broker", c.brokerMs);
  row("  added by broker (wall)", c.addedMs);
  row("  broker handler (in-process)", c.handlerMs);
  row("    of which Redis record", c.recordMs);
  row("    broker's own (handler - record)", c.ownMs);
  console.log(
    `  sustained ${c.requestsPerSecond.toFixed(0)} req/s through the broker (direct ${c.directRequestsPerSecond.toFixed(0)}); broker CPU ${c.brokerCpuSecondsPer1000} s per 1000 requests`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
