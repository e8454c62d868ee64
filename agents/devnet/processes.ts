/**
 * Child processes of the local devnet: the Hardhat JSON-RPC node, Redis and agents. Each is spawned in the
 * foreground (nothing daemonizes), its output is prefixed and forwarded, and `stop()` ends it with SIGTERM
 * then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export class DevnetError extends Error {
  override readonly name = "DevnetError";
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or 1 for a signal) when the process ends. */
  readonly exited: Promise<number>;
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where to write the process's output; default: forwarded to this process's stderr with a prefix. */
  logFile?: string;
  /** Forward output to stderr as well as the log file. */
  echo?: boolean;
}

export function spawnManaged(name: string, command: string, args: string[], opts: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const sink = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  const forward = (chunk: Buffer) => {
    sink?.write(chunk);
    if (!sink || opts.echo) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => {
      sink?.end();
      resolve(code ?? (signal ? 1 : 0));
    });
    child.once("error", (err) => {
      sink?.write(`spawn error: ${err.message}\n`);
      resolve(127);
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5_000): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { name, child, exited, stop };
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new DevnetError("no port"))));
    });
  });
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** Polls `probe` until it resolves true, the process dies, or the timeout passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; proc?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let dead = false;
  void opts.proc?.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new DevnetError(`${what}: process exited before it was ready`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  throw new DevnetError(`${what}: not ready after ${opts.timeoutMs} ms`);
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
