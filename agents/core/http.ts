/**
 * The agent's HTTP server (node:http, no framework): `/healthz`, `/status` (role JSON from a callback),
 * `/metrics` (Prometheus text) and any routes a role mounts. Unknown paths get a 404 JSON body, thrown
 * {@link HttpError}s their status, anything else a 500. Binds 127.0.0.1 by default; port 0 picks a free port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { HttpError } from "./errors.js";

/** What a route handler receives. */
export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** Path parameters from `:name` segments. */
  params: Record<string, string>;
  /** Reads and parses a JSON request body (at most `limitBytes`, default 1 MiB). @throws {HttpError} 400/413 */
  json(limitBytes?: number): Promise<unknown>;
}

/** A JSON reply. Return `undefined` from a handler that wrote `res` itself. */
export interface JsonReply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RouteContext) => Promise<JsonReply | undefined> | JsonReply | undefined;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

/** Options of {@link createHttpServer}. */
export interface CreateHttpServerOptions {
  host?: string;
  port?: number;
  logger?: Logger;
  /** Metrics registry for `/metrics`. */
  registry?: Registry;
  /** Role-specific status JSON for `/status`. */
  status?: () => Promise<unknown> | unknown;
  /** Health check for `/healthz`: return false (or throw) to answer 503. */
  health?: () => Promise<boolean> | boolean;
}

/** The running server. */
export interface AgentHttpServer {
  /** Adds a route; `path` may contain `:param` segments. Routes added after `listen()` work too. */
  route(method: HttpMethod, path: string, handler: RouteHandler): void;
  listen(): Promise<{ url: string; port: number; host: string }>;
  /** Base URL (`http://127.0.0.1:1234`), once listening. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

interface Route {
  method: HttpMethod;
  segments: string[];
  handler: RouteHandler;
}

/** JSON-safe serialisation: bigints become decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = toJson(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(text);
}

function matchRoute(route: Route, parts: string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i] as string;
    const part = parts[i] as string;
    if (seg.startsWith(":")) params[seg.slice(1)] = decodeURIComponent(part);
    else if (seg !== part) return undefined;
  }
  return params;
}

function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, "payload_too_large", `body larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve(text ? (JSON.parse(text) as unknown) : undefined);
      } catch {
        reject(new HttpError(400, "bad_json", "request body is not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

/** Creates the status server (not yet listening). */
export function createHttpServer(options: CreateHttpServerOptions = {}): AgentHttpServer {
  const routes: Route[] = [];
  let url: string | undefined;
  const log = options.logger;

  const route = (method: HttpMethod, path: string, handler: RouteHandler): void => {
    const segments = path.split("/").filter(Boolean);
    if (routes.some((r) => r.method === method && r.segments.join("/") === segments.join("/"))) {
      throw new Error(`route ${method} ${path} registered twice`);
    }
    routes.push({ method, segments, handler });
  };

  route("GET", "/healthz", async () => {
    let ok: boolean;
    try {
      ok = options.health ? await options.health() : true;
    } catch {
      ok = false;
    }
    return { status: ok ? 200 : 503, body: { ok } };
  });
  route("GET", "/status", async () => ({ body: options.status ? await options.status() : {} }));
  route("GET", "/metrics", async ({ res }) => {
    const registry = options.registry;
    if (!registry) return { status: 404, body: { error: { code: "no_metrics", message: "metrics disabled" } } };
    const text = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(text);
    return undefined;
  });

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const reqUrl = new URL(req.url ?? "/", "http://localhost");
    const parts = reqUrl.pathname.split("/").filter(Boolean);
    const matched = routes.filter((r) => matchRoute(r, parts) !== undefined);
    const found = matched.find((r) => r.method === req.method);
    const finish = (status: number) =>
      log?.debug({ method: req.method, path: reqUrl.pathname, status, ms: Date.now() - started }, "http request");
    if (!found) {
      const status = matched.length ? 405 : 404;
      send(res, status, {
        error: {
          code: status === 404 ? "not_found" : "method_not_allowed",
          message: `${req.method} ${reqUrl.pathname} ${status === 404 ? "not found" : "not allowed"}`,
        },
      });
      finish(status);
      return;
    }
    const ctx: RouteContext = {
      req,
      res,
      url: reqUrl,
      params: matchRoute(found, parts) ?? {},
      json: (limit = 1 << 20) => readJson(req, limit),
    };
    Promise.resolve()
      .then(() => found.handler(ctx))
      .then((reply) => {
        if (reply && !res.headersSent) send(res, reply.status ?? 200, reply.body, reply.headers);
        finish(reply?.status ?? res.statusCode);
      })
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err instanceof HttpError) {
          send(res, err.status, { error: { code: err.code, message: err.message } });
          finish(err.status);
          return;
        }
        log?.error({ err, path: reqUrl.pathname }, "http handler failed");
        send(res, 500, { error: { code: "internal", message: err instanceof Error ? err.message : String(err) } });
        finish(500);
      });
  });
  server.keepAliveTimeout = 5_000;

  return {
    route,
    get url() {
      return url;
    },
    listen: () =>
      new Promise((resolve, reject) => {
        const host = options.host ?? "127.0.0.1";
        server.once("error", reject);
        server.listen(options.port ?? 0, host, () => {
          server.off("error", reject);
          const port = (server.address() as AddressInfo).port;
          url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
          log?.info({ url }, "http server listening");
          resolve({ url, port, host });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
