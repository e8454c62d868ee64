/**
 * zgs JSON-RPC over HTTP: POST a JSON body to the node's URL. Bodies above the limit get 413 with a JSON-RPC error
 * and the connection is closed; the server keeps serving. Mounted as `POST /` on the agent's status server and,
 * optionally, on a dedicated listener (0G's default port 5678).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isBinaryRoute, serveBinary, type BinaryTransferOptions } from "./binary";
import { RpcCodes, type ZgsRpc } from "./rpc";

function sendJson(res: http.ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
}

/** Serves one JSON-RPC HTTP request with a body limit. */
export function serveRpcRequest(
  rpc: ZgsRpc,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  maxBodyBytes: number,
): Promise<void> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    const tooLarge = () => {
      sendJson(
        res,
        413,
        {
          jsonrpc: "2.0",
          id: null,
          error: { code: RpcCodes.invalidRequest, message: `Request body larger than ${maxBodyBytes} bytes` },
        },
        true,
      );
      res.once("finish", () => req.destroy());
      resolve();
    };
    if (Number.isFinite(declared) && declared > maxBodyBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBodyBytes) {
        done = true;
        tooLarge();
      } else chunks.push(c);
    });
    req.on("error", () => {
      done = true;
      resolve();
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      rpc
        .handle(Buffer.concat(chunks).toString("utf8"))
        .then((out) => sendJson(res, 200, out))
        .catch((err: unknown) =>
          sendJson(res, 500, { jsonrpc: "2.0", id: null, error: { code: RpcCodes.internal, message: String(err) } }),
        )
        .finally(resolve);
    });
  });
}

/** A dedicated zgs RPC listener. */
export interface RpcServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a listener answering `POST /` (any path) with the zgs RPC, `GET /healthz` with the given probe and, when
 * `binary` is given, the binary segment routes (`/v1/files/<id>/segments`).
 */
export async function startRpcServer(opts: {
  rpc: ZgsRpc;
  host: string;
  port: number;
  maxBodyBytes: number;
  health?: () => Promise<boolean>;
  binary?: BinaryTransferOptions;
}): Promise<RpcServer> {
  const server = http.createServer((req, res) => {
    if (opts.binary && isBinaryRoute(req)) {
      serveBinary(opts.binary, req, res).catch(() => res.destroy());
      return;
    }
    if (req.method === "POST") {
      void serveRpcRequest(opts.rpc, req, res, opts.maxBodyBytes);
      return;
    }
    if (req.method === "GET" && (req.url ?? "/").split("?")[0] === "/healthz") {
      void Promise.resolve(opts.health ? opts.health() : true)
        .catch(() => false)
        .then((ok) => sendJson(res, ok ? 200 : 503, { ok }));
      return;
    }
    sendJson(res, 405, {
      jsonrpc: "2.0",
      id: null,
      error: { code: RpcCodes.invalidRequest, message: "POST a JSON-RPC 2.0 request" },
    });
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
