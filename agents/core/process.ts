/**
 * Process and loopback-service primitives shared by the devnet (`agents/devnet`) and the test helpers
 * (`agents/core/testing`): free ports, liveness probes, readiness polling, stopping children, and a
 * minimal JSON-RPC call. One implementation of each, so the devnet and the tests start services the same
 * way.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/** A service did not come up, a port is taken, or a probe failed; the message names what and where. */
export class ServiceError extends Error {
  override readonly name: string = "ServiceError";
}

/** A free TCP port on 127.0.0.1 (asks the OS, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === "object" && addr ? resolve(addr.port) : reject(new ServiceError("no free port")),
      );
    });
  });
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** Finds an executable on PATH. */
export function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/** True once the child has exited (by code or by signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Stops a child: `signal` (default SIGTERM), then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 5_000,
): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface PollOptions {
  /** What is awaited, for the error message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Resolves when the process behind the probe has ended: polling stops at once with an error. */
  exited?: Promise<unknown>;
}

/**
 * Polls `probe` until it resolves true; a probe that throws counts as "not yet". Rejects with a
 * {@link ServiceError} when `timeoutMs` passes or `exited` resolves first.
 */
export async function poll(probe: () => Promise<boolean>, opts: PollOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let dead = false;
  void opts.exited?.then(() => (dead = true));
  for (;;) {
    if (dead) throw new ServiceError(`${opts.what}: process exited before it was ready`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new ServiceError(`${opts.what}: not ready after ${opts.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** Sends PING over a raw socket and waits for +PONG (no client library needed for a liveness probe). */
export function redisPing(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let buf = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\r\n")) done(buf.startsWith("+PONG"));
    });
    sock.once("error", () => done(false));
  });
}

/** JSON-RPC call with fetch; throws a {@link ServiceError} naming the method on an RPC error. */
export async function jsonRpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new ServiceError(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Arguments that run `redis-server` in the foreground on 127.0.0.1:port with its files in `dir`. */
export function redisServerArgs(opts: {
  port: number;
  dir: string;
  /** AOF persistence; with `fsync: "always"` every write is on disk before Redis answers. */
  appendOnly: boolean;
  fsync?: "always" | "everysec" | "no";
  /** RDB snapshot rule (`""` disables snapshots). */
  save?: string;
}): string[] {
  return [
    "--bind",
    "127.0.0.1",
    "--port",
    String(opts.port),
    "--dir",
    path.resolve(opts.dir),
    "--daemonize",
    "no",
    "--protected-mode",
    "yes",
    "--save",
    opts.save ?? "",
    "--appendonly",
    opts.appendOnly ? "yes" : "no",
    "--appendfsync",
    opts.fsync ?? "everysec",
    "--maxmemory-policy",
    "noeviction",
  ];
}
