/**
 * Prometheus metrics (prom-client): one registry per agent with the default process metrics and the
 * runtime's counters. Labels stay bounded (event names, queue names, source names; never hashes).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The runtime's metrics, registered on {@link AgentMetrics.registry}. */
export interface AgentMetrics {
  registry: Registry;
  /** Events whose handler completed, by `event` (`Contract:Event`). */
  eventsHandled: Counter<"event">;
  /** Event jobs skipped because they were already handled (replays), by `event`. */
  eventsSkipped: Counter<"event">;
  /** Failed job attempts, by `queue` and `final` ("true" on the last attempt). */
  jobsFailed: Counter<"queue" | "final">;
  /** Transactions broadcast (including replacements), by `kind` (`new`, `replacement`). */
  txsSent: Counter<"kind">;
  /** Last processed block of each event source, by `source`. */
  cursorBlock: Gauge<"source">;
  /** Reorgs detected, by `source`. */
  reorgs: Counter<"source">;
  /** Handler duration in seconds, by `event`. */
  handlerDuration: Histogram<"event">;
  /** Jobs per queue and state, read from Redis at scrape time (see {@link AgentMetrics.setQueueSource}). */
  queueJobs: Gauge<"queue" | "state">;
  /** Sets where `queueJobs` reads its numbers from on each scrape. */
  setQueueSource(source: () => Promise<Array<{ queue: string; counts: Record<string, number> }>>): void;
}

/** Creates a registry with default metrics (prefixed) and the runtime counters. */
export function createMetrics(options: { prefix?: string; agent: string; defaultMetrics?: boolean }): AgentMetrics {
  const prefix = options.prefix ?? "zg_";
  const registry = new Registry();
  registry.setDefaultLabels({ agent: options.agent });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  let queueSource: (() => Promise<Array<{ queue: string; counts: Record<string, number> }>>) | undefined;
  const queueJobs: Gauge<"queue" | "state"> = new Gauge({
    name: `${prefix}queue_jobs`,
    help: "Jobs per queue and state",
    labelNames: ["queue", "state"],
    registers,
    async collect() {
      if (!queueSource) return;
      queueJobs.reset();
      try {
        for (const { queue, counts } of await queueSource()) {
          for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue, state }, n);
        }
      } catch {
        /* Redis unreachable: report nothing rather than failing the scrape */
      }
    },
  });
  return {
    queueJobs,
    setQueueSource(source) {
      queueSource = source;
    },
    registry,
    eventsHandled: new Counter({
      name: `${prefix}events_handled_total`,
      help: "Events whose handler completed",
      labelNames: ["event"],
      registers,
    }),
    eventsSkipped: new Counter({
      name: `${prefix}events_skipped_total`,
      help: "Event jobs skipped because the event was already handled",
      labelNames: ["event"],
      registers,
    }),
    jobsFailed: new Counter({
      name: `${prefix}jobs_failed_total`,
      help: "Failed job attempts",
      labelNames: ["queue", "final"],
      registers,
    }),
    txsSent: new Counter({
      name: `${prefix}txs_sent_total`,
      help: "Transactions broadcast",
      labelNames: ["kind"],
      registers,
    }),
    cursorBlock: new Gauge({
      name: `${prefix}cursor_block`,
      help: "Last block processed by the event source",
      labelNames: ["source"],
      registers,
    }),
    reorgs: new Counter({
      name: `${prefix}reorgs_total`,
      help: "Chain reorganisations detected",
      labelNames: ["source"],
      registers,
    }),
    handlerDuration: new Histogram({
      name: `${prefix}handler_duration_seconds`,
      help: "Event handler duration",
      labelNames: ["event"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
  };
}
