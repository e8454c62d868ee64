/**
 * In-process timings of served chat completions, for operators and the benchmark: how long the broker itself
 * held each request (from the handler's start to the answer's last byte, minus the time spent waiting for the
 * upstream), and how much of that was the durable Redis record. Kept in a fixed ring of recent samples, so the
 * cost is two array writes per request.
 */

/** Percentiles of a set of durations, milliseconds. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One served request's durations, milliseconds. */
export interface RequestTiming {
  /** Handler start to answer end, minus the upstream wait: the latency the broker adds. */
  handlerMs: number;
  /** The durable record's Redis round trip (part of `handlerMs`). */
  recordMs: number;
  /** Waiting for the upstream (headers and body). */
  upstreamMs: number;
}

/** Nearest-rank percentiles of `values` (sorted in place). */
export function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  const at = (p: number) => values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))];
  return { p50: at(50) ?? 0, p90: at(90) ?? 0, p99: at(99) ?? 0, max: values[values.length - 1] ?? 0 };
}

export class TimingRing {
  private readonly handler: Float64Array;
  private readonly recordT: Float64Array;
  private readonly upstream: Float64Array;
  /** Samples recorded since start. */
  count = 0;

  constructor(readonly capacity = 16_384) {
    this.handler = new Float64Array(capacity);
    this.recordT = new Float64Array(capacity);
    this.upstream = new Float64Array(capacity);
  }

  add(t: RequestTiming): void {
    const i = this.count % this.capacity;
    this.handler[i] = t.handlerMs;
    this.recordT[i] = t.recordMs;
    this.upstream[i] = t.upstreamMs;
    this.count++;
  }

  /** Percentiles over the last `last` samples (at most the ring's capacity and the samples recorded). */
  summary(last = this.capacity): {
    samples: number;
    handlerMs: Percentiles;
    recordMs: Percentiles;
    /** Handler time minus the Redis record: the broker's own work, independent of Redis and its disk. */
    ownMs: Percentiles;
    upstreamMs: Percentiles;
  } {
    const n = Math.max(0, Math.min(Math.floor(last), this.capacity, this.count));
    const pick = (a: Float64Array): number[] => {
      const out: number[] = [];
      for (let k = this.count - n; k < this.count; k++) out.push(a[k % this.capacity]!);
      return out;
    };
    const handler = pick(this.handler);
    const rec = pick(this.recordT);
    const own = handler.map((h, i) => h - rec[i]!);
    return {
      samples: n,
      handlerMs: percentiles(handler),
      recordMs: percentiles(rec),
      ownMs: percentiles(own),
      upstreamMs: percentiles(pick(this.upstream)),
    };
  }
}
