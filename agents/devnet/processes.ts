/**
 * Child processes of the local devnet: the Hardhat JSON-RPC node, Redis and agents. Each is spawned in the
 * foreground (nothing daemonizes), its output is prefixed and forwarded, and `stop()` ends it with SIGTERM
 * then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { freePort, poll, portInUse, ServiceError, stopChild, which } from "../core/process";

export { freePort, portInUse, which };

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
      await stopChild(child, "SIGTERM", graceMs);
      await exited;
    })();
    return stopping;
  };
  return { name, child, exited, stop };
}

/** Polls `probe` until it resolves true, the process dies, or the timeout passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; proc?: ManagedProcess },
): Promise<void> {
  try {
    await poll(probe, { what, timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs, exited: opts.proc?.exited });
  } catch (err) {
    throw err instanceof ServiceError ? new DevnetError(err.message) : err;
  }
}
