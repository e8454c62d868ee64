import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { ETH, GWEI, MIN_SELF_DELEGATION, WITHDRAW_DELAY, createValidator, keyFor, validatorFixture } from "./fixtures";

type Action =
  | { kind: "delegate"; who: number; amount: bigint }
  | { kind: "undelegate"; who: number; fraction: number }
  | { kind: "reward"; amount: bigint; deposit: boolean }
  | { kind: "process"; blocks: number; max: number }
  | { kind: "retry"; max: number }
  | { kind: "receiverMode"; mode: number }
  | { kind: "commission" }
  | { kind: "tip" }
  | { kind: "rate"; ppm: number };

const amountArb = fc.bigInt({ min: GWEI, max: 50n * ETH });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("delegate" as const), who: fc.integer({ min: 0, max: 3 }), amount: amountArb }),
  fc.record({
    kind: fc.constant("undelegate" as const),
    who: fc.integer({ min: 0, max: 3 }),
    fraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant("reward" as const),
    amount: fc.bigInt({ min: 1n, max: 20n * ETH }),
    deposit: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("process" as const),
    blocks: fc.integer({ min: 0, max: 8 }),
    max: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant("retry" as const), max: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("receiverMode" as const), mode: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("commission" as const) }),
  fc.record({ kind: fc.constant("tip" as const) }),
  fc.record({ kind: fc.constant("rate" as const), ppm: fc.integer({ min: 0, max: 500_000 }) }),
);

describe("Staking properties", () => {
  it("share accounting never creates or loses value, and rejecting receivers never block the queue", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 14 }), async (actions) => {
        const { staking, validator, operator, alice, bob, receiver } = await loadFixture(validatorFixture);
        const v = await validator.getAddress();
        const r = await receiver.getAddress();
        const holders = [operator.address, alice.address, bob.address, r];
        const fee = (await validator.withdrawalFeeInGwei()) * GWEI;

        let cameIn = MIN_SELF_DELEGATION; // delegations + rewards (fees are tracked apart)
        let feesIn = 0n;
        let paidOut = 0n; // queue payments and successful retries
        let toPool = 0n; // community tax and twice-failed payments
        let tipsOut = 0n;

        async function record(tx: Promise<ContractTransactionResponse>): Promise<void> {
          const receipt = await (await tx).wait();
          for (const log of receipt!.logs) {
            if (log.address === v) {
              const parsed = validator.interface.parseLog(log);
              if (parsed?.name === "WithdrawProcessed") paidOut += parsed.args.amount as bigint;
              if (parsed?.name === "FailedWithdrawRetried") paidOut += parsed.args.amount as bigint;
              if (parsed?.name === "TipFeeWithdrawn") tipsOut += parsed.args.amount as bigint;
            } else if (log.address === (await staking.getAddress())) {
              const parsed = staking.interface.parseLog(log);
              if (parsed?.name === "CommunityPoolDeposited" && parsed.args.from === v) {
                toPool += parsed.args.amount as bigint;
              }
            }
          }
        }

        for (const a of actions) {
          switch (a.kind) {
            case "delegate": {
              if (a.who === 3) await record(receiver.delegateTo(v, { value: a.amount }));
              else
                await record(
                  validator.connect([operator, alice, bob][a.who]).delegate(holders[a.who], { value: a.amount }),
                );
              cameIn += a.amount;
              break;
            }
            case "undelegate": {
              if (a.who === 0) break; // the operator's minimum is covered by unit tests
              const [, owned] = await validator.getDelegation(holders[a.who]);
              const shares = (owned * BigInt(Math.round(a.fraction * 1e6))) / 1_000_000n;
              if (shares === 0n || (await validator.convertToTokens(shares)) === 0n) break;
              if (a.who === 3) await record(receiver.undelegateFrom(v, shares, { value: fee }));
              else
                await record(
                  validator.connect([operator, alice, bob][a.who]).undelegate(holders[a.who], shares, { value: fee }),
                );
              feesIn += fee;
              break;
            }
            case "reward": {
              if (a.deposit) await record(validator.connect(bob).depositRewards({ value: a.amount }));
              else await record(validator.connect(bob).distributeRewards({ value: a.amount }));
              cameIn += a.amount;
              break;
            }
            case "process": {
              if (a.blocks > 0) await mine(a.blocks);
              const pendingBefore = await validator.withdrawCount();
              const head = pendingBefore > 0n ? await validator.getWithdraw(0) : undefined;
              await record(validator.connect(alice).processWithdrawQueueUpTo(a.max));
              const block = BigInt(await ethers.provider.getBlockNumber());
              // Never blocked: if the head had matured, the queue moved.
              if (head && head.completionHeight <= block)
                expect(await validator.withdrawCount()).to.be.lt(pendingBefore);
              break;
            }
            case "retry":
              await record(validator.connect(alice).processFailedWithdrawStackUpTo(a.max));
              break;
            case "receiverMode":
              await receiver.setMode(a.mode);
              break;
            case "commission":
              if ((await validator.commission()) >= GWEI)
                await record(validator.connect(operator).withdrawCommission(operator.address));
              break;
            case "tip":
              if ((await validator.tipFee()) > 0n)
                await record(validator.connect(operator).withdrawTipFee(operator.address));
              break;
            case "rate":
              await record(validator.connect(operator).setCommissionRate(a.ppm));
              break;
          }

          // Conservation: everything that came in is in the share pool, pending rewards, commission, the queue,
          // the failed stack, or has left (paid out or to the community pool).
          const tokens = await validator.tokens();
          const held =
            tokens +
            (await validator.rewards()) +
            (await validator.commission()) +
            (await validator.pendingWithdrawAmount()) +
            (await validator.failedWithdrawAmount());
          expect(held + paidOut + toPool).to.equal(cameIn);
          expect(await validator.tipFee()).to.equal(feesIn - tipsOut);
          expect(await ethers.provider.getBalance(v)).to.equal(held + feesIn - tipsOut);

          // Shares: the holders' shares sum to delegatorShares, and their token value to tokens minus
          // rounding dust of less than 1 wei per holder.
          let shareSum = 0n;
          let valueSum = 0n;
          for (const h of holders) {
            const [, s] = await validator.getDelegation(h);
            shareSum += s;
            valueSum += await validator.convertToTokens(s);
          }
          expect(shareSum).to.equal(await validator.delegatorShares());
          expect(valueSum).to.be.lte(tokens);
          expect(tokens - valueSum).to.be.lt(BigInt(holders.length));
          // Queued withdrawals: the sum of the entries equals pendingWithdrawAmount.
          expect(await validator.committedWithdrawAmount(2n ** 64n)).to.equal(await validator.pendingWithdrawAmount());
        }
        // committedWithdrawAmount(h) equals a brute-force sum over the waiting entries, at every height.
        const count = Number(await validator.withdrawCount());
        const entries = [];
        for (let i = 0; i < count; i++) entries.push(await validator.getWithdraw(i));
        const heights = new Set<bigint>([
          0n,
          ...entries.map((e) => e.completionHeight - 1n),
          ...entries.map((e) => e.completionHeight),
        ]);
        for (const h of heights) {
          const expected = entries.filter((e) => e.completionHeight <= h).reduce((sum, e) => sum + e.amount, 0n);
          expect(await validator.committedWithdrawAmount(h)).to.equal(expected);
        }
        for (let i = 1; i < entries.length; i++) {
          expect(entries[i].completionHeight).to.be.gte(entries[i - 1].completionHeight);
        }
        // Drain: after the delay, processing everything empties the queue even with a rejecting receiver.
        await mine(Number(WITHDRAW_DELAY) + 1);
        await validator.processWithdrawQueueUpTo(1000);
        expect(await validator.withdrawCount()).to.equal(0n);
      }),
      { numRuns: 50 },
    );
  });
});

describe("RewardPool properties", () => {
  it("never pays more than maxRewardPerEpoch per epoch, nor more than a validator's epoch reward", async () => {
    const YEAR = 365n * 24n * 3600n;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: 2000n * ETH }), { minLength: 1, maxLength: 3 }),
        fc.bigInt({ min: 0n, max: ETH / 100n }),
        fc.integer({ min: 1, max: 3 }),
        async (extraStakes, budget, epochs) => {
          const { staking, rewardPool, admin, keeper, alice } = await loadFixture(validatorFixture);
          const validators = [];
          for (let i = 0; i < extraStakes.length; i++) {
            const v = await createValidator(staking, alice, { key: keyFor(20 + i) });
            if (extraStakes[i] >= GWEI) await v.connect(alice).delegate(alice.address, { value: extraStakes[i] });
            validators.push(await v.getAddress());
          }
          await rewardPool.connect(admin).fund({ value: 10n * ETH });
          await rewardPool.connect(admin).setRewardParameters(100_000, budget);
          const epochLength = await rewardPool.epochLength();
          const paidPerEpoch = new Map<bigint, bigint>();
          for (let e = 0; e < epochs; e++) {
            const owed = new Map<string, bigint>();
            for (const v of validators) owed.set(v, await rewardPool.pendingReward(v));
            const receipt = await (await rewardPool.connect(keeper).distribute(validators)).wait();
            let paid = 0n;
            for (const log of receipt!.logs) {
              const parsed =
                log.address === (await rewardPool.getAddress()) ? rewardPool.interface.parseLog(log) : null;
              if (parsed?.name !== "RewardPaid") continue;
              const amount = parsed.args.amount as bigint;
              expect(amount).to.be.lte(owed.get(parsed.args.validator as string)!);
              paid += amount;
            }
            const epoch = await rewardPool.currentEpoch();
            const total = (paidPerEpoch.get(epoch) ?? 0n) + paid;
            paidPerEpoch.set(epoch, total);
            expect(total).to.be.lte(budget);
            expect(await rewardPool.paidInCurrentEpoch()).to.equal(total);
            for (const v of validators) {
              const stake = await (await ethers.getContractAt("Validator", v)).effectiveStakes();
              expect(owed.get(v)).to.be.lte((stake * 100_000n * epochLength) / (1_000_000n * YEAR) + 1n);
            }
            // Either a new epoch or (e odd) another call within the same epoch.
            if (e % 2 === 0) await time.increase(Number(epochLength));
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
