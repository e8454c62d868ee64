/**
 * The end-to-end scenario that `zg devnet --once` runs: an ordered list of steps, each owned by a subsystem.
 * A step returns a one-line description of what it did; a step that throws fails the scenario, and the steps
 * after it still run only if they do not depend on it (each subsystem's steps stop at its first failure).
 */
import { createPublicClient, http, type PublicClient } from "viem";
import type { AddressBook as AddressBookData } from "../core/address-book";

export interface ScenarioContext {
  root: string;
  book: AddressBookData;
  publicClient: PublicClient;
  /** Shared scratch space between the steps of one subsystem. */
  state: Map<string, unknown>;
}

export interface ScenarioStep {
  subsystem: string;
  name: string;
  run(ctx: ScenarioContext): Promise<string>;
}

export interface StepResult {
  subsystem: string;
  name: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export async function runScenario(steps: ScenarioStep[], root: string, book: AddressBookData): Promise<StepResult[]> {
  const publicClient = createPublicClient({ transport: http(book.rpcUrl) }) as PublicClient;
  const ctx: ScenarioContext = { root, book, publicClient, state: new Map() };
  const failedSubsystems = new Set<string>();
  const results: StepResult[] = [];
  for (const step of steps) {
    const t0 = Date.now();
    if (failedSubsystems.has(step.subsystem)) {
      results.push({
        subsystem: step.subsystem,
        name: step.name,
        ok: false,
        ms: 0,
        detail: "skipped: an earlier step of this subsystem failed",
      });
      continue;
    }
    try {
      const detail = await step.run(ctx);
      results.push({ subsystem: step.subsystem, name: step.name, ok: true, ms: Date.now() - t0, detail });
    } catch (err) {
      failedSubsystems.add(step.subsystem);
      const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
      results.push({ subsystem: step.subsystem, name: step.name, ok: false, ms: Date.now() - t0, detail });
    }
  }
  return results;
}

/** Renders the results as a plain-text table. */
export function formatResults(results: StepResult[]): string {
  const rows = results.map((r, i) => [
    String(i + 1),
    r.ok ? "ok" : "FAIL",
    r.subsystem,
    r.name,
    `${r.ms} ms`,
    r.detail,
  ]);
  const header = ["#", "result", "subsystem", "step", "time", "what happened"];
  const widths = header.map((h, c) =>
    Math.min(c === 5 ? 100 : 40, Math.max(h.length, ...rows.map((r) => r[c].length))),
  );
  const line = (cells: string[]) => cells.map((s, c) => (c === 5 ? s : s.padEnd(widths[c]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
