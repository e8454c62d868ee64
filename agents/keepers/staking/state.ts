/**
 * What the keeper remembers across restarts, in Redis: its recent transactions, its recent failures and the last
 * epoch it distributed. Only for `/status`; every decision is taken from chain state.
 */
import type { Redis } from "ioredis";

/** How many actions and failures are kept. */
export const HISTORY = 50;

export interface KeeperAction {
  kind: "distribute" | "process-queue" | "process-failed";
  validators: string[];
  txHash: string;
  block: string;
  epoch?: string;
  /** Entries processed (queue / failed stack) or wei paid (distribute), as a decimal string. */
  detail?: string;
  at: string;
}

export interface KeeperFailure {
  kind: string;
  validator?: string;
  error: string;
  at: string;
}

export function stateKeys(agent: string, chainId: number) {
  const base = `zg:${agent}:${chainId}:keeper`;
  return { actions: `${base}:actions`, failures: `${base}:failures`, summary: `${base}:summary` };
}

export interface KeeperState {
  recordAction(a: Omit<KeeperAction, "at">): Promise<void>;
  recordFailure(f: Omit<KeeperFailure, "at">): Promise<void>;
  setSummary(fields: Record<string, string>): Promise<void>;
  read(): Promise<{ actions: KeeperAction[]; failures: KeeperFailure[]; summary: Record<string, string> }>;
}

export function keeperState(redis: () => Redis, agent: string, chainId: number): KeeperState {
  const k = stateKeys(agent, chainId);
  const push = async (key: string, value: unknown) => {
    await redis()
      .multi()
      .lpush(key, JSON.stringify(value))
      .ltrim(key, 0, HISTORY - 1)
      .exec();
  };
  return {
    recordAction: (a) => push(k.actions, { ...a, at: new Date().toISOString() }),
    recordFailure: (f) => push(k.failures, { ...f, at: new Date().toISOString() }),
    async setSummary(fields) {
      await redis().hset(k.summary, fields);
    },
    async read() {
      const [actions, failures, summary] = await Promise.all([
        redis().lrange(k.actions, 0, 19),
        redis().lrange(k.failures, 0, 19),
        redis().hgetall(k.summary),
      ]);
      return {
        actions: actions.map((s) => JSON.parse(s) as KeeperAction),
        failures: failures.map((s) => JSON.parse(s) as KeeperFailure),
        summary,
      };
    },
  };
}
