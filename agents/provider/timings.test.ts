import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { percentiles, TimingRing } from "./timings.js";

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(v)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7 });
    expect(percentiles([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it("returns members of the set, ordered p50 ≤ p90 ≤ p99 ≤ max", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), (v) => {
        const p = percentiles([...v]);
        for (const x of [p.p50, p.p90, p.p99, p.max]) expect(v).toContain(x);
        expect(p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.max).toBe(true);
        expect(p.max).toBe(Math.max(...v));
      }),
      { numRuns: 100 },
    );
  });
});

describe("TimingRing", () => {
  it("summarises the last N samples, across the ring's wrap-around", () => {
    const ring = new TimingRing(8);
    for (let i = 1; i <= 20; i++) ring.add({ handlerMs: i, recordMs: i / 2, upstreamMs: 100 + i });
    expect(ring.count).toBe(20);
    const last4 = ring.summary(4);
    expect(last4.samples).toBe(4);
    expect(last4.handlerMs).toEqual({ p50: 18, p90: 20, p99: 20, max: 20 });
    expect(last4.recordMs.max).toBe(10);
    expect(last4.upstreamMs.p50).toBe(118);
    expect(last4.ownMs).toEqual({ p50: 9, p90: 10, p99: 10, max: 10 });
    // More than kept: the ring's capacity.
    expect(ring.summary(1000).samples).toBe(8);
    expect(ring.summary(1000).handlerMs.p50).toBe(16);
    expect(ring.summary(0).samples).toBe(0);
  });
});
