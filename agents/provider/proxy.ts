/**
 * The OpenAI-compatible front door the official SDK talks to:
 *
 * | route | what |
 * |---|---|
 * | `POST /v1/proxy/chat/completions` | admission, upstream call (JSON or SSE), metering, durable record, signed answer |
 * | `GET /v1/proxy/signature/:chatId` | `{text, signature, signing_address}` of a served response |
 * | `GET /v1/quote`, `GET /v1/proxy/attestation/report` | the signing key's public data (not hardware-backed) |
 * | `GET /v1/user/:user/unsettledfee` | what the user owes and has not been settled yet (SDK auto-funding) |
 * | `GET /v1/proxy/models`, `GET /v1/models` | the served model |
 * | `GET /v1/broker/timings?last=N` | percentiles of the broker's own time per served request, CPU seconds |
 *
 * A request is recorded in Redis (with the text its signature covers) in one round trip before the last byte of
 * its answer is sent: the JSON body of a plain completion, or the final `data: [DONE]` of a stream.
 */
import { createHash, randomUUID } from "node:crypto";
import type http from "node:http";
import { keccak256, toBytes, type Address, type Hex } from "viem";
import type { AgentHttpServer } from "../core/index.js";
import { AuthFailure, type Authenticator } from "./auth.js";
import {
  countTokens,
  feeOf,
  maxCostOf,
  meteredRequest,
  parseUsage,
  promptText,
  requestedMaxTokens,
  type Prices,
  type RequestFee,
  type TokenUsage,
} from "./pricing.js";
import type { BrokerStore } from "./store.js";
import { attestationReport, type TeeSigner } from "./tee-key.js";
import type { TimingRing } from "./timings.js";
import { readAll, type UpstreamClient } from "./upstream-client.js";

/**
 * When the TEE key signs a response's recorded text: `on-fetch` when `/v1/proxy/signature/:chatId` is first asked
 * (the SDK's `processResponse` asks right after the answer), `background` right after every answer.
 */
export type SignatureMode = "on-fetch" | "background";

export interface ProxyContext {
  provider: Address;
  chainId: number;
  model: string;
  prices: Prices;
  /** Output tokens a request may ask for at most (also sent upstream as `max_tokens`). */
  maxOutputTokens: number;
  auth: Authenticator;
  store: BrokerStore;
  signer: TeeSigner;
  upstream: UpstreamClient;
  ledger: OwedLedger;
  /** Called after a request is recorded (settlement threshold check). */
  onRecorded(user: Address, owed: bigint): void;
  counters: { served: number; refused: Record<string, number>; upstreamErrors: number };
  /** When responses are signed (the text is always recorded before the answer). */
  signatures: SignatureMode;
  /** Handler, record and upstream times of served requests. */
  timings: TimingRing;
}

/** Where one request's time went (ms from `performance.now()`). */
interface Clock {
  start: number;
  upstreamMs: number;
  recordMs: number;
}

/**
 * What each user owes this broker in memory: unsettled recorded fees plus the worst-case cost of requests in
 * progress. One broker process per provider key owns these totals (rebuilt from Redis at start).
 */
export class OwedLedger {
  private readonly unsettled = new Map<string, bigint>();
  private readonly reserved = new Map<string, bigint>();

  load(totals: Map<string, bigint>): void {
    this.unsettled.clear();
    for (const [u, v] of totals) this.unsettled.set(u.toLowerCase(), v);
  }
  owed(user: string): bigint {
    const k = user.toLowerCase();
    return (this.unsettled.get(k) ?? 0n) + (this.reserved.get(k) ?? 0n);
  }
  unsettledOf(user: string): bigint {
    return this.unsettled.get(user.toLowerCase()) ?? 0n;
  }
  reserve(user: string, amount: bigint): void {
    const k = user.toLowerCase();
    this.reserved.set(k, (this.reserved.get(k) ?? 0n) + amount);
  }
  release(user: string, amount: bigint): void {
    const k = user.toLowerCase();
    const left = (this.reserved.get(k) ?? 0n) - amount;
    if (left > 0n) this.reserved.set(k, left);
    else this.reserved.delete(k);
  }
  add(user: string, fee: bigint): bigint {
    const k = user.toLowerCase();
    const v = (this.unsettled.get(k) ?? 0n) + fee;
    this.unsettled.set(k, v);
    return v;
  }
  subtract(user: string, fee: bigint): void {
    const k = user.toLowerCase();
    const v = (this.unsettled.get(k) ?? 0n) - fee;
    if (v > 0n) this.unsettled.set(k, v);
    else this.unsettled.delete(k);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

function refuse(res: http.ServerResponse, ctx: ProxyContext, f: AuthFailure): void {
  ctx.counters.refused[f.reason] = (ctx.counters.refused[f.reason] ?? 0) + 1;
  sendJson(res, f.status, { error: { code: f.reason, message: f.message } });
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** The text the TEE key signs for one response; the SDK verifies `personal_sign(text)`. */
export function responseSignatureText(p: {
  chatId: string;
  provider: Address;
  user: Address;
  model: string;
  requestSha256: string;
  responseSha256: string;
  usage: TokenUsage;
  fee: RequestFee;
}): string {
  return JSON.stringify({
    chat_id: p.chatId,
    provider: p.provider,
    user: p.user,
    model: p.model,
    request_sha256: p.requestSha256,
    response_sha256: p.responseSha256,
    input_tokens: p.usage.inputTokens,
    output_tokens: p.usage.outputTokens,
    fee: p.fee.fee.toString(),
  });
}

async function record(
  ctx: ProxyContext,
  clock: Clock,
  p: {
    chatId: string;
    aliases: string[];
    user: Address;
    requestSha256: string;
    responseSha256: string;
    usage: TokenUsage;
  },
): Promise<void> {
  const fee = feeOf(p.usage, ctx.prices);
  const requestSha256 = p.requestSha256;
  const text = responseSignatureText({
    chatId: p.chatId,
    provider: ctx.provider,
    user: p.user,
    model: ctx.model,
    requestSha256,
    responseSha256: p.responseSha256,
    usage: p.usage,
    fee,
  });
  // The committed request hash binds the chat id and the request body.
  const requestHash = keccak256(toBytes(`${p.chatId}:${requestSha256}`));
  const stored = {
    id: p.chatId,
    createdAt: Date.now(),
    ...meteredRequest(requestHash, p.user.toLowerCase(), fee),
  };
  const chatIds = [p.chatId, ...p.aliases.filter((a) => a && a !== p.chatId)];
  // The signed text is durable with the record (one Redis round trip) before the answer ends. The ECDSA signature
  // over it is computed off the answer's path: when first fetched, or right after the answer (`background`).
  const t = performance.now();
  const first = await ctx.store.recordRequest(stored, { chatIds, json: JSON.stringify({ text }) });
  clock.recordMs += performance.now() - t;
  if (first && fee.fee > 0n) ctx.onRecorded(p.user, ctx.ledger.add(p.user, fee.fee));
  ctx.counters.served++;
  if (first && ctx.signatures === "background") {
    setImmediate(() => void signStored(ctx, chatIds, text).catch(() => undefined));
  }
}

/** Adds the request's timings once its answer is handed to the socket. */
function timeAnswer(ctx: ProxyContext, res: http.ServerResponse, clock: Clock): void {
  res.once("finish", () => {
    const total = performance.now() - clock.start;
    ctx.timings.add({ handlerMs: total - clock.upstreamMs, recordMs: clock.recordMs, upstreamMs: clock.upstreamMs });
  });
}

/**
 * Signs a stored response text and keeps the signature under the given chat ids. The write is not awaited: the
 * signature is a cache (the durable part is the text, and signing it again gives the same bytes), so the caller
 * need not wait for Redis's fsync.
 */
async function signStored(ctx: ProxyContext, chatIds: string[], text: string): Promise<Hex> {
  const signature = await ctx.signer.signText(text);
  ctx.store.saveSignature(chatIds, JSON.stringify({ text, signature })).catch(() => undefined);
  return signature;
}

async function chatCompletions(ctx: ProxyContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const clock: Clock = { start: performance.now(), upstreamMs: 0, recordMs: 0 };
  const rawBody = await readAll(req);
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(rawBody.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    body = parsed as Record<string, unknown>;
  } catch {
    sendJson(res, 400, { error: { code: "bad_json", message: "request body must be a JSON object" } });
    return;
  }
  const maxCost = maxCostOf(body, ctx.prices, ctx.maxOutputTokens);
  let user: Address;
  try {
    ({ user } = await ctx.auth.admit(req.headers.authorization, maxCost));
  } catch (err) {
    if (err instanceof AuthFailure) return refuse(res, ctx, err);
    throw err;
  }
  ctx.ledger.reserve(user, maxCost);
  try {
    const stream = body.stream === true;
    let requestSha256 = "";
    const upstreamBody: Record<string, unknown> = {
      ...body,
      model: typeof body.model === "string" && body.model ? body.model : ctx.model,
      max_tokens: Math.min(requestedMaxTokens(body) ?? ctx.maxOutputTokens, ctx.maxOutputTokens),
    };
    delete upstreamBody.max_completion_tokens;
    if (stream) {
      const so = typeof body.stream_options === "object" && body.stream_options !== null ? body.stream_options : {};
      upstreamBody.stream_options = { ...so, include_usage: true };
    }
    const chatId = `chatcmpl-${randomUUID()}`;
    let up;
    const t = performance.now();
    try {
      const pending = ctx.upstream.post("chat/completions", upstreamBody);
      // While the upstream works: the request's own hash (part of the signed text and the settlement hash).
      requestSha256 = sha256(rawBody);
      up = await pending;
    } catch (err) {
      ctx.counters.upstreamErrors++;
      sendJson(res, 502, { error: { code: "upstream_unreachable", message: (err as Error).message } });
      return;
    }
    if (up.status < 200 || up.status >= 300) {
      ctx.counters.upstreamErrors++;
      const text = await readAll(up.body);
      // Nothing was served: pass the upstream's answer through, unbilled.
      res.writeHead(up.status, { "content-type": String(up.headers["content-type"] ?? "application/json") });
      res.end(text);
      return;
    }
    const relay: Relay = { res, up: up.body, chatId, user, requestSha256, prompt: promptText(body), clock, t };
    if (stream) await relayStream(ctx, relay);
    else await relayJson(ctx, relay);
  } finally {
    ctx.ledger.release(user, maxCost);
  }
}

interface Relay {
  res: http.ServerResponse;
  up: http.IncomingMessage;
  chatId: string;
  user: Address;
  requestSha256: string;
  prompt: string;
  clock: Clock;
  /** When the upstream call started (`performance.now()`). */
  t: number;
}

async function relayJson(ctx: ProxyContext, r: Relay): Promise<void> {
  const text = await readAll(r.up);
  r.clock.upstreamMs += performance.now() - r.t;
  let parsed: { id?: unknown; usage?: unknown; choices?: { message?: { content?: unknown } }[] };
  try {
    parsed = JSON.parse(text.toString("utf8")) as typeof parsed;
  } catch {
    ctx.counters.upstreamErrors++;
    sendJson(r.res, 502, { error: { code: "upstream_bad_json", message: "upstream answered non-JSON" } });
    return;
  }
  const content = parsed.choices?.map((c) => (typeof c.message?.content === "string" ? c.message.content : "")) ?? [];
  const usage = parseUsage(parsed.usage) ?? {
    inputTokens: countTokens(r.prompt),
    outputTokens: countTokens(content.join(" ")),
  };
  const aliases = typeof parsed.id === "string" ? [parsed.id] : [];
  await record(ctx, r.clock, {
    chatId: r.chatId,
    aliases,
    user: r.user,
    requestSha256: r.requestSha256,
    responseSha256: sha256(text),
    usage,
  });
  timeAnswer(ctx, r.res, r.clock);
  r.res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "ZG-Res-Key": r.chatId,
    "content-length": String(text.length),
  });
  r.res.end(text);
}

async function relayStream(ctx: ProxyContext, r: Relay): Promise<void> {
  r.res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "ZG-Res-Key": r.chatId,
  });
  const hash = createHash("sha256");
  let buffered = "";
  let usage: TokenUsage | undefined;
  let upstreamId: string | undefined;
  const content: string[] = [];
  let sawDone = false;
  const handleEvent = (event: string): void => {
    const data = event
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trimStart())
      .join("\n");
    if (data === "[DONE]") {
      sawDone = true;
      return; // held back until the request is recorded
    }
    if (data) {
      try {
        const chunk = JSON.parse(data) as {
          id?: unknown;
          usage?: unknown;
          choices?: { delta?: { content?: unknown } }[];
        };
        if (typeof chunk.id === "string") upstreamId ??= chunk.id;
        usage = parseUsage(chunk.usage) ?? usage;
        for (const c of chunk.choices ?? []) if (typeof c.delta?.content === "string") content.push(c.delta.content);
      } catch {
        // not JSON: relayed as is, not metered
      }
    }
    const out = `${event}\n\n`;
    hash.update(out);
    r.res.write(out);
  };
  try {
    for await (const c of r.up) {
      buffered += (c as Buffer).toString("utf8");
      let i: number;
      while ((i = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, i).replace(/\r/g, "");
        buffered = buffered.slice(i + 2);
        if (event.trim()) handleEvent(event);
      }
    }
    if (buffered.trim()) handleEvent(buffered.replace(/\r/g, ""));
  } catch {
    ctx.counters.upstreamErrors++;
  }
  // For a stream the upstream wait includes relaying its events (interleaved with the upstream's own pace).
  r.clock.upstreamMs += performance.now() - r.t;
  // Whatever was delivered is billed, from the upstream's usage or (if it sent none) by whitespace count.
  const billed = usage ?? { inputTokens: countTokens(r.prompt), outputTokens: countTokens(content.join("")) };
  await record(ctx, r.clock, {
    chatId: r.chatId,
    aliases: upstreamId ? [upstreamId] : [],
    user: r.user,
    requestSha256: r.requestSha256,
    responseSha256: hash.digest("hex"),
    usage: billed,
  });
  // The upstream's [DONE] (or its end) is answered only now that the request is durable.
  void sawDone;
  timeAnswer(ctx, r.res, r.clock);
  r.res.write("data: [DONE]\n\n");
  r.res.end();
}

/** Mounts the broker's routes on the agent's HTTP server. */
export function mountProxyRoutes(server: AgentHttpServer, ctx: ProxyContext): void {
  server.route("POST", "/v1/proxy/chat/completions", async ({ req, res }) => {
    await chatCompletions(ctx, req, res);
    return undefined;
  });
  server.route("GET", "/v1/proxy/signature/:chatId", async ({ params }) => {
    const chatId = params.chatId ?? "";
    const sig = await ctx.store.signature(chatId);
    if (!sig)
      return {
        status: 404,
        body: { error: { code: "unknown_chat_id", message: `no signature for ${chatId}` } },
      };
    // Deterministic (RFC 6979): any two signings of the recorded text give the same signature.
    const signature = sig.signature ?? (await signStored(ctx, [chatId], sig.text));
    return {
      body: { text: sig.text, signature, signing_address: ctx.signer.address, signing_algo: "ecdsa" },
    };
  });
  // Operators and the benchmark: where served requests spent their time, and the process's CPU so far.
  server.route("GET", "/v1/broker/timings", ({ url }) => {
    const last = Number(url.searchParams.get("last") ?? ctx.timings.capacity);
    const cpu = process.cpuUsage();
    return {
      body: {
        served: ctx.counters.served,
        timed: ctx.timings.count,
        ...ctx.timings.summary(Number.isFinite(last) ? last : ctx.timings.capacity),
        cpuSeconds: { user: cpu.user / 1e6, system: cpu.system / 1e6 },
        signatures: ctx.signatures,
      },
    };
  });
  const report = () => ({
    body: attestationReport(ctx.signer, { provider: ctx.provider, chainId: ctx.chainId, model: ctx.model }),
  });
  server.route("GET", "/v1/quote", report);
  server.route("GET", "/v1/proxy/attestation/report", report);
  const models = () => ({
    body: { object: "list", data: [{ id: ctx.model, object: "model", owned_by: ctx.provider }] },
  });
  server.route("GET", "/v1/models", models);
  server.route("GET", "/v1/proxy/models", models);
  server.route("GET", "/v1/user/:user/unsettledfee", async ({ req, params }) => {
    let token;
    try {
      token = await ctx.auth.verifyToken(req.headers.authorization ?? "", Date.now());
    } catch (err) {
      if (err instanceof AuthFailure)
        return { status: err.status, body: { error: { code: err.reason, message: err.message } } };
      throw err;
    }
    if (token.address.toLowerCase() !== (params.user ?? "").toLowerCase()) {
      return { status: 403, body: { error: { code: "wrong_user", message: "the token belongs to another user" } } };
    }
    return { body: { user: token.address, unsettledFee: ctx.ledger.unsettledOf(token.address).toString() } };
  });
}
