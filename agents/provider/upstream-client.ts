/**
 * Minimal HTTP client for the OpenAI-compatible upstream (node:http with keep-alive; no framework), returning the
 * response stream so the proxy can forward SSE chunks as they arrive.
 */
import http from "node:http";
import https from "node:https";

export interface UpstreamResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
}

export class UpstreamClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  constructor(
    baseUrl: string,
    private readonly apiKey?: string,
    private readonly timeoutMs = 120_000,
  ) {
    this.base = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    const Agent = this.base.protocol === "https:" ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 256 });
  }

  /** POSTs JSON to `path` (relative to the base URL, e.g. `chat/completions`). */
  post(path: string, body: unknown): Promise<UpstreamResponse> {
    const url = new URL(path, this.base);
    const data = Buffer.from(JSON.stringify(body));
    const mod = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method: "POST",
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            "content-type": "application/json",
            "content-length": String(data.length),
            ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          },
        },
        (res) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res }),
      );
      req.on("timeout", () => req.destroy(new Error(`upstream timeout after ${this.timeoutMs} ms`)));
      req.on("error", reject);
      req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads a whole response body. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}
