import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { TeeSettlementData } from "../../../agents/protocol/compute";
import { deployCompute, LOCK, ONE, PROVIDER_STAKE, SERVICE_NAME, serviceParams, signed } from "./fixtures";

const HALF = ONE / 2n;
const INITIAL_DEPOSIT = 8n * ONE;
const WRONG_KEY = "0x1111111111111111111111111111111111111111111111111111111111111111" as const;

/** Three users, two EOA providers and one provider contract that rejects coin (its payouts get credited). */
async function propertyFixture() {
  const f = await deployCompute();
  const signers = await ethers.getSigners();
  const users = [f.user, f.user2, signers[6]];
  const mock = await ethers.deployContract("ProviderMock", [await f.inference.getAddress()]);
  await f.inference.connect(f.provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
  await f.inference.connect(f.provider2).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
  await mock.register(serviceParams(), { value: PROVIDER_STAKE });
  const providers = [f.provider.address, f.provider2.address, await mock.getAddress()];
  for (const p of providers) await f.inference.connect(f.admin).acknowledgeTEESignerByOwner(p);
  // Users 0 and 1 start with a ledger and a sub-account with every provider; user 2 starts with nothing.
  for (const u of users.slice(0, 2)) {
    await f.ledger.connect(u).addLedger("", { value: INITIAL_DEPOSIT });
    for (const p of providers) await f.ledger.connect(u).transferFund(p, SERVICE_NAME, 2n * ONE);
  }
  return { ...f, users, mock, providers };
}

type Op =
  | { kind: "deposit"; u: number; halves: number }
  | { kind: "transfer"; u: number; p: number; halves: number }
  | { kind: "settle"; p: number; items: { u: number; halves: number; nonce: "next" | "replay"; badSig: boolean }[] }
  | { kind: "retrieve"; u: number; ps: number[] }
  | { kind: "refund"; u: number; halves: number }
  | { kind: "wait"; seconds: number }
  | { kind: "withdrawPayout" };

const user = fc.integer({ min: 0, max: 2 });
const prov = fc.integer({ min: 0, max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("deposit" as const), u: user, halves: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ kind: fc.constant("transfer" as const), u: user, p: prov, halves: fc.integer({ min: 0, max: 8 }) }),
  fc.record({
    kind: fc.constant("settle" as const),
    p: prov,
    items: fc.array(
      fc.record({
        u: user,
        halves: fc.integer({ min: 0, max: 10 }),
        nonce: fc.constantFrom("next" as const, "next" as const, "replay" as const),
        badSig: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  fc.record({ kind: fc.constant("retrieve" as const), u: user, ps: fc.subarray([0, 1, 2]) }),
  fc.record({ kind: fc.constant("refund" as const), u: user, halves: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant("wait" as const), seconds: fc.integer({ min: 1, max: Number(LOCK) * 2 }) }),
  fc.record({ kind: fc.constant("withdrawPayout" as const) }),
);

/** Runs a transaction; returns its receipt or null when it reverted (reverts are allowed moves). */
async function attempt(send: () => Promise<ContractTransactionResponse>) {
  try {
    return await (await send()).wait();
  } catch {
    return null;
  }
}

describe("compute funds conservation (property)", function () {
  this.timeout(600_000);
  /** Counts of effective moves across all runs, so the property cannot pass by reverting everything. */
  const seen = { settledItems: 0, retrievedRefunds: 0, deferredPayouts: 0 };

  after(function () {
    expect(seen.settledItems, "some settlements paid out").to.be.greaterThan(0);
    expect(seen.retrievedRefunds, "some refunds came back").to.be.greaterThan(0);
    expect(seen.deferredPayouts, "some payouts were deferred").to.be.greaterThan(0);
  });

  it("contract balances equal the sum of accounts and no user loses funds", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const { ledger, inference, users, providers, mock } = await loadFixture(propertyFixture);
        const provSigners = [await ethers.getSigner(providers[0]), await ethers.getSigner(providers[1])];
        const deposited = [INITIAL_DEPOSIT, INITIAL_DEPOSIT, 0n];
        const refunded = [0n, 0n, 0n];
        const settled = [0n, 0n, 0n];
        const nonces = new Map<string, bigint>();
        const withdrawn = { amount: 0n };
        const ledgerAddr = await ledger.getAddress();
        const infAddr = await inference.getAddress();

        for (const op of ops) {
          switch (op.kind) {
            case "deposit": {
              const v = BigInt(op.halves) * HALF;
              if (await attempt(() => ledger.connect(users[op.u]).depositFund({ value: v }))) deposited[op.u] += v;
              break;
            }
            case "transfer":
              await attempt(() =>
                ledger.connect(users[op.u]).transferFund(providers[op.p], SERVICE_NAME, BigInt(op.halves) * HALF),
              );
              break;
            case "refund": {
              const v = BigInt(op.halves) * HALF;
              if (await attempt(() => ledger.connect(users[op.u]).refund(v))) refunded[op.u] += v;
              break;
            }
            case "retrieve": {
              const r = await attempt(() =>
                ledger.connect(users[op.u]).retrieveFund(
                  op.ps.map((i) => providers[i]),
                  SERVICE_NAME,
                ),
              );
              if (r?.logs.some((l) => ledger.interface.parseLog(l)?.name === "FundRetrieved")) seen.retrievedRefunds++;
              break;
            }
            case "wait":
              await time.increase(op.seconds);
              break;
            case "withdrawPayout": {
              const owed = await inference.payoutOf(providers[2]);
              await mock.setAccept(true);
              if (await attempt(() => mock.withdraw())) withdrawn.amount += owed;
              await mock.setAccept(false);
              break;
            }
            case "settle": {
              const items: TeeSettlementData[] = [];
              for (const it of op.items) {
                const key = `${it.u}-${op.p}`;
                const last = nonces.get(key) ?? 0n;
                const nonce = it.nonce === "next" ? last + 1n : last;
                if (it.nonce === "next") nonces.set(key, nonce);
                const msg = {
                  user: users[it.u].address,
                  provider: providers[op.p],
                  totalFee: BigInt(it.halves) * HALF,
                  nonce,
                };
                items.push(it.badSig ? await signed(inference, msg, WRONG_KEY) : await signed(inference, msg));
              }
              const receipt =
                op.p === 2
                  ? await attempt(() => mock.settle(items))
                  : await attempt(() => inference.connect(provSigners[op.p]).settleFeesWithTEE(items));
              expect(receipt, "settlement must never revert for item-level problems").to.not.equal(null);
              for (const log of receipt!.logs) {
                if (log.address !== infAddr) continue;
                const parsed = inference.interface.parseLog(log);
                if (parsed?.name === "PayoutDeferred") seen.deferredPayouts++;
                if (parsed?.name !== "TEESettlementRecorded") continue;
                const [u, , , , totalFee, amount] = parsed.args as unknown as [
                  string,
                  string,
                  string,
                  bigint,
                  bigint,
                  bigint,
                ];
                expect(amount <= totalFee, "settled at most the signed fee").to.equal(true);
                if (amount > 0n) seen.settledItems++;
                settled[users.findIndex((s) => s.address === u)] += amount;
              }
              break;
            }
          }

          // Invariants after every step.
          let sumAvailable = 0n;
          let sumSub = 0n;
          for (let i = 0; i < users.length; i++) {
            const u = users[i].address;
            let available = 0n;
            let total = 0n;
            try {
              const l = await ledger.getLedger(u);
              available = l.availableBalance;
              total = l.totalBalance;
            } catch {
              // no ledger: both zero
            }
            let locked = 0n;
            for (const p of providers) {
              if (!(await inference.accountExists(u, p))) continue;
              const a = await inference.getAccount(u, p);
              const queued = a.refunds.reduce((s, r) => s + r.amount, 0n);
              expect(a.pendingRefund).to.equal(queued);
              expect(a.pendingRefund <= a.balance).to.equal(true);
              expect(a.validRefundsLength <= 5n).to.equal(true);
              locked += a.balance;
            }
            expect(total - available, "locked part of the ledger equals the sub-accounts").to.equal(locked);
            expect(await ledger.lockedIn(u, infAddr), "the ledger knows what the service holds").to.equal(locked);
            expect(total, "no user loses funds").to.equal(deposited[i] - refunded[i] - settled[i]);
            sumAvailable += available;
            sumSub += locked;
          }
          expect(await ethers.provider.getBalance(ledgerAddr)).to.equal(sumAvailable);
          const payouts = await inference.payoutOf(providers[2]);
          expect(await ethers.provider.getBalance(infAddr)).to.equal(sumSub + 3n * PROVIDER_STAKE + payouts);
        }
      }),
      {
        numRuns: 40,
        // A hand-written path that reaches every kind of effective move, run before the random ones.
        examples: [
          [
            [
              { kind: "settle", p: 2, items: [{ u: 0, halves: 1, nonce: "next", badSig: false }] },
              { kind: "retrieve", u: 0, ps: [0, 1, 2] },
              { kind: "settle", p: 0, items: [{ u: 0, halves: 6, nonce: "next", badSig: false }] },
              { kind: "wait", seconds: Number(LOCK) },
              { kind: "retrieve", u: 0, ps: [0, 1, 2] },
              { kind: "withdrawPayout" },
              { kind: "refund", u: 0, halves: 4 },
            ],
          ],
        ],
      },
    );
  });
});
