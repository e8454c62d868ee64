/**
 * A deterministic OpenAI-compatible TEST upstream (not a model): it answers a chat completion with the words of
 * the last user message in reverse order, cut at `max_tokens`, and reports real token counts (whitespace
 * tokenisation of every message's text and of the answer). Supports `stream: true` (one SSE chunk per word,
 * then a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`). It counts its hits so
 * tests can prove that refused requests never reach it.
 *
 * Standalone: `npx tsx agents/provider/test-upstream.ts [--port 8000] [--host 127.0.0.1]`; then point the broker's
 * `upstreamUrl` at `http://127.0.0.1:8000/v1`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { countTokens, promptText, requestedMaxTokens } from "./pricing.js";

export interface TestUpstream {
  url: string;
  /** Base URL to configure as the broker's `upstreamUrl`. */
  baseUrl: string;
  hits(): number;
  resetHits(): void;
  close(): Promise<void>;
}

export interface TestUpstreamOptions {
  host?: string;
  port?: number;
  model?: string;
  /** Omit `usage` from answers (to exercise the broker's fallback count). */
  omitUsage?: boolean;
}

/** The deterministic answer to a prompt: its words reversed, at most `maxTokens` of them. */
export function testAnswer(prompt: string, maxTokens: number): string {
  const words = prompt.trim().split(/\s+/).filter(Boolean).reverse();
  return (words.length ? words : ["(empty)"]).slice(0, Math.max(1, maxTokens)).join(" ");
}

function lastUserText(body: unknown): string {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown } | null;
    if (m?.role === "user") return promptText({ messages: [m] });
  }
  return "";
}

export async function startTestUpstream(o: TestUpstreamOptions = {}): Promise<TestUpstream> {
  let hits = 0;
  let seq = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && (url.pathname === "/v1/models" || url.pathname === "/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: o.model ?? "test-echo-1", object: "model" }] }));
      return;
    }
    if (req.method === "GET" && url.pathname === "/hits") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ hits }));
      return;
    }
    if (req.method !== "POST" || !/^(\/v1)?\/chat\/completions$/.test(url.pathname)) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    hits++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "bad json" } }));
        return;
      }
      const id = `test-${++seq}`;
      const model = typeof body.model === "string" ? body.model : (o.model ?? "test-echo-1");
      const answer = testAnswer(lastUserText(body), requestedMaxTokens(body) ?? 256);
      const usage = {
        prompt_tokens: countTokens(promptText(body)),
        completion_tokens: countTokens(answer),
        total_tokens: countTokens(promptText(body)) + countTokens(answer),
      };
      const created = 1_700_000_000 + seq;
      if (body.stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        const words = answer.split(" ");
        words.forEach((w, i) => {
          const delta = { ...(i === 0 ? { role: "assistant" } : {}), content: i === 0 ? w : ` ${w}` };
          const chunk = {
            id,
            object: "chat.completion.chunk",
            created,
            model,
            choices: [{ index: 0, delta, finish_reason: null }],
          };
          res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        });
        const end = {
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
        };
        res.write(`data: ${JSON.stringify(end)}\n\n`);
        const so = body.stream_options as { include_usage?: unknown } | undefined;
        if (so?.include_usage === true && !o.omitUsage) {
          res.write(
            `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
          );
        }
        res.end("data: [DONE]\n\n");
        return;
      }
      const answerBody = {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
        ...(o.omitUsage ? {} : { usage }),
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answerBody));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${o.host ?? "127.0.0.1"}:${addr.port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    hits: () => hits,
    resetHits: () => {
      hits = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  startTestUpstream({ port: Number(arg("--port") ?? 8000), host: arg("--host") ?? "127.0.0.1" })
    .then((u) => console.log(`test upstream (deterministic, not a model) at ${u.baseUrl}`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
