import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import type { PoolState, RewardDue, ValidatorWork } from "./chain";
import { delayUntilHeight, jobIds, MAX_DISTRIBUTE_BATCH, planDistribution, queueWork } from "./plan";

const addr = (i: number) => `0x${i.toString(16).padStart(40, "0")}` as Address;
const pool = (p: Partial<PoolState> = {}): PoolState => ({
  epoch: 7n,
  epochLength: 60n,
  balance: 10n ** 21n,
  maxRewardPerEpoch: 10n ** 20n,
  paidInCurrentEpoch: 0n,
  ...p,
});
const due = (i: number, pendingReward: bigint, lastRewardedEpoch = 0n): RewardDue => ({
  validator: addr(i),
  pendingReward,
  lastRewardedEpoch,
});

describe("planDistribution", () => {
  it("pays validators not yet paid this epoch with something due, in order", () => {
    const plan = planDistribution(pool(), [due(1, 5n), due(2, 0n), due(3, 9n, 8n), due(4, 3n, 7n)], 100);
    expect(plan.due).toEqual([addr(1), addr(4)]); // 2 owes nothing (not Bonded), 3 was paid in epoch 7 (mark 8)
    expect(plan.paid).toBe(1);
    expect(plan.batches).toEqual([[addr(1), addr(4)]]);
    expect(plan.skip).toBeUndefined();
  });

  it("sends nothing when everything is paid, the budget is spent or the pool is empty", () => {
    expect(planDistribution(pool(), [due(1, 0n, 8n), due(2, 0n, 8n)], 100)).toMatchObject({
      skip: "nothing-due",
      paid: 2,
      batches: [],
    });
    expect(planDistribution(pool(), [], 100)).toMatchObject({ skip: "nothing-due", batches: [] });
    expect(planDistribution(pool({ paidInCurrentEpoch: 10n ** 20n }), [due(1, 5n)], 100)).toMatchObject({
      skip: "budget-spent",
      batches: [],
    });
    expect(planDistribution(pool({ balance: 0n }), [due(1, 5n)], 100)).toMatchObject({
      skip: "pool-empty",
      batches: [],
    });
  });

  it("rejects batch sizes the contract would refuse", () => {
    expect(() => planDistribution(pool(), [], 0)).toThrow(RangeError);
    expect(() => planDistribution(pool(), [], MAX_DISTRIBUTE_BATCH + 1)).toThrow(RangeError);
    expect(() => planDistribution(pool(), [], 1.5)).toThrow(RangeError);
  });

  it("batches cover every due validator exactly once, none larger than the batch size (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pending: fc.bigInt({ min: 0n, max: 10n }), paid: fc.boolean() }), { maxLength: 350 }),
        fc.integer({ min: 1, max: MAX_DISTRIBUTE_BATCH }),
        (rows, size) => {
          const rewards = rows.map((r, i) => due(i + 1, r.pending, r.paid ? 8n : 3n));
          const plan = planDistribution(pool(), rewards, size);
          const flat = plan.batches.flat();
          const expected = rewards
            .filter((r) => r.lastRewardedEpoch !== 8n && r.pendingReward > 0n)
            .map((r) => r.validator);
          expect(flat).toEqual(expected);
          expect(new Set(flat).size).toBe(flat.length);
          for (const b of plan.batches) expect(b.length).toBeLessThanOrEqual(size);
          expect(plan.batches.length).toBe(Math.ceil(expected.length / size));
          expect(plan.paid + plan.due.length).toBeLessThanOrEqual(rewards.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("queueWork", () => {
  const work = (w: Partial<ValidatorWork>): ValidatorWork => ({
    validator: addr(1),
    nextCompletionHeight: 0n,
    withdrawCount: 0n,
    failedWithdrawCount: 0n,
    failedWithdrawAmount: 0n,
    ...w,
  });
  it("a queue is matured when its head's height is reached, never when empty", () => {
    expect(queueWork(work({}), 100n)).toEqual({ matured: false, failed: false });
    expect(queueWork(work({ nextCompletionHeight: 101n, withdrawCount: 1n }), 100n).matured).toBe(false);
    expect(queueWork(work({ nextCompletionHeight: 100n, withdrawCount: 1n }), 100n).matured).toBe(true);
    expect(queueWork(work({ failedWithdrawCount: 1n }), 100n).failed).toBe(true);
  });
});

describe("job ids", () => {
  it("contain no ':' (BullMQ) and change exactly when the work changes", () => {
    const v = addr(0xabc);
    const ids = [
      jobIds.distribute(7n, 0),
      jobIds.distribute(7n, 1),
      jobIds.distribute(8n, 0),
      jobIds.queue(v, 10n, 2n),
      jobIds.queue(v, 10n, 1n),
      jobIds.matured(v, 10n),
      jobIds.matured(v, 10n, 9n),
      jobIds.failed(v, 1n, 5n, 12n),
    ];
    for (const id of ids) expect(id).not.toContain(":");
    expect(new Set(ids).size).toBe(ids.length);
    expect(jobIds.queue(v, 10n, 2n)).toBe(jobIds.queue(v.toUpperCase().replace("0X", "0x") as Address, 10n, 2n));
  });
  it("delayUntilHeight is never negative", () => {
    expect(delayUntilHeight(5n, 10n, 1000)).toBe(0);
    expect(delayUntilHeight(15n, 10n, 1000)).toBe(5000);
  });
});
