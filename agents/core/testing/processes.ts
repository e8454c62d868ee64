/**
 * Child-process bookkeeping for test helpers: free loopback ports, readiness polling, and killing every
 * tracked child when the test process exits. The primitives live in `../process.ts`, shared with the devnet.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, poll, stopChild } from "../process.js";

export { stopChild };

const children = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
  };
  process.once("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Spawns a tracked child; it is SIGKILLed if this process exits first. */
export function spawnTracked(cmd: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  hookExit();
  const child = spawn(cmd, args, options);
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** A free TCP port on 127.0.0.1 (asks the OS, then releases it). */
export const getFreePort: () => Promise<number> = freePort;

/** Polls `probe` every `intervalMs` until it resolves true; rejects after `timeoutMs`. */
export function waitFor(
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100, what = "condition" } = {},
): Promise<void> {
  return poll(probe, { what, timeoutMs, intervalMs });
}

/** The project root: the nearest directory above this file holding hardhat.config.ts. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "hardhat.config.ts"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("project root (hardhat.config.ts) not found");
    dir = up;
  }
}
