/** Typed errors of the miner; each carries the offending values. */
export class MiningError extends Error {
  readonly details: Readonly<Record<string, unknown>>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    const shown = Object.entries(details)
      .map(([k, v]) => `${k}=${typeof v === "bigint" ? v.toString() : JSON.stringify(v)}`)
      .join(", ");
    super(shown ? `${message} (${shown})` : message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The local flow tree does not match the chain (missing events, reorg, wrong contract). */
export class FlowMirrorError extends MiningError {}

/** The node does not hold the data needed (for a proof or a seal). */
export class DataUnavailableError extends MiningError {}

/** A worker thread failed or the pool was closed. */
export class WorkerPoolError extends MiningError {}

/** A worker thread died with the request in flight (the pool has started a replacement). */
export class WorkerCrashedError extends WorkerPoolError {}

/** The worker threads crashed too often in a short time; the pool gave up and mining stops. */
export class WorkerPoolFailedError extends WorkerPoolError {}
