/**
 * Gas benchmark for the staking contracts on the in-process Hardhat network (prague, solc 0.8.30 viaIR,
 * optimizer 200). Run with `npx tsx bench/staking-gas.bench.ts`; prints a table and writes
 * bench/results/staking-gas.json. Figures are gasUsed of single transactions, not timings.
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { generateConsensusKey, signProofOfPossession, type Hex } from "../agents/protocol/staking";
import {
  ERC1967Proxy__factory,
  RejectingReceiver__factory,
  RewardPool__factory,
  Staking__factory,
  Validator__factory,
} from "../typechain";

const ETH = 10n ** 18n;
const GWEI = 10n ** 9n;
const DELAY = 5n;

interface Row {
  operation: string;
  entries?: number;
  gasUsed: number;
  gasPerEntry?: number;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

async function main(): Promise<void> {
  await hre.run("compile", { quiet: true });
  const { ethers } = hre;
  const [admin, operator, alice, bob, keeper] = await ethers.getSigners();
  const rows: Row[] = [];

  const validatorImpl = await new Validator__factory(admin).deploy();
  const stakingImpl = await new Staking__factory(admin).deploy();
  const params = {
    maxValidatorCount: 100n,
    communityTaxRate: 20_000n,
    maxCommissionRate: 500_000n,
    minWithdrawabilityDelay: DELAY,
    minActivationStakesInGwei: 500n * GWEI,
    maxEffectiveStakesInGwei: 10_000_000n * GWEI,
    maxWithdrawalFeeInGwei: GWEI,
    minSelfDelegationInGwei: 500n * GWEI,
    effectiveDelegationInGwei: 1n,
  };
  const init = stakingImpl.interface.encodeFunctionData("initialize", [
    admin.address,
    0n,
    await validatorImpl.getAddress(),
    params,
  ]);
  const stakingProxy = await new ERC1967Proxy__factory(admin).deploy(await stakingImpl.getAddress(), init);
  const staking = Staking__factory.connect(await stakingProxy.getAddress(), admin);
  const poolImpl = await new RewardPool__factory(admin).deploy();
  const poolInit = poolImpl.interface.encodeFunctionData("initialize", [
    admin.address,
    0n,
    keeper.address,
    await staking.getAddress(),
    60n,
    100_000n,
    100n * ETH,
  ]);
  const poolProxy = await new ERC1967Proxy__factory(admin).deploy(await poolImpl.getAddress(), poolInit);
  const pool = RewardPool__factory.connect(await poolProxy.getAddress(), admin);
  await pool.fund({ value: 1000n * ETH });

  const chainId = (await ethers.provider.getNetwork()).chainId;
  async function newValidator(seed: number) {
    const key = generateConsensusKey(new Uint8Array(48).fill(seed));
    const validator = await staking.computeValidatorAddress(key.pubkey);
    const { pubkey, signature } = signProofOfPossession({
      secretKey: key.secretKey,
      chainId,
      staking: (await staking.getAddress()) as Hex,
      validator: validator as Hex,
      operator: operator.address as Hex,
      amountInGwei: 500n * GWEI,
    });
    const description = { moniker: "bench", identity: "", website: "", securityContact: "", details: "" };
    const gas = await gasOf(
      staking
        .connect(operator)
        .createAndInitializeValidatorIfNecessary(description, 50_000n, 1n, pubkey, signature, { value: 500n * ETH }),
    );
    return { gas, validator: Validator__factory.connect(validator, operator) };
  }

  const first = await newValidator(1);
  rows.push({ operation: "createAndInitializeValidatorIfNecessary (incl. BLS PoP)", gasUsed: first.gas });
  const v = first.validator;
  const va = await v.getAddress();

  rows.push({
    operation: "delegate (new delegator)",
    gasUsed: await gasOf(v.connect(alice).delegate(alice.address, { value: 10n * ETH })),
  });
  rows.push({
    operation: "delegate (existing delegator)",
    gasUsed: await gasOf(v.connect(alice).delegate(alice.address, { value: 10n * ETH })),
  });
  rows.push({
    operation: "undelegate",
    gasUsed: await gasOf(v.connect(alice).undelegate(alice.address, ETH, { value: GWEI })),
  });
  rows.push({
    operation: "undelegate (queue already in use)",
    gasUsed: await gasOf(v.connect(alice).undelegate(alice.address, ETH, { value: GWEI })),
  });
  rows.push({
    operation: "distributeRewards (with value)",
    gasUsed: await gasOf(v.connect(bob).distributeRewards({ value: ETH })),
  });
  rows.push({
    operation: "delegate (pending rewards distributed first)",
    gasUsed: await (async () => {
      await v.connect(bob).depositRewards({ value: ETH });
      return gasOf(v.connect(alice).delegate(alice.address, { value: ETH }));
    })(),
  });
  rows.push({
    operation: "RewardPool.distribute (1 validator)",
    gasUsed: await gasOf(pool.connect(keeper).distribute([va])),
  });

  // Drain what is queued so far.
  await hre.network.provider.send("hardhat_mine", ["0x" + (DELAY + 1n).toString(16)]);
  await v.processWithdrawQueueUpTo(1000);

  for (const n of [1, 10, 100]) {
    for (let i = 0; i < n; i++) await v.connect(alice).undelegate(bob.address, GWEI, { value: GWEI });
    await hre.network.provider.send("hardhat_mine", ["0x" + (DELAY + 1n).toString(16)]);
    const gas = await gasOf(v.connect(keeper).processWithdrawQueueUpTo(n));
    if ((await v.withdrawCount()) !== 0n) throw new Error("queue not drained");
    rows.push({ operation: "processWithdrawQueue", entries: n, gasUsed: gas, gasPerEntry: Math.round(gas / n) });
  }

  // Failed payments: a receiver that reverts.
  const receiver = await new RejectingReceiver__factory(admin).deploy();
  await receiver.delegateTo(va, { value: 10n * ETH });
  await receiver.setMode(1);
  for (const n of [1, 10]) {
    for (let i = 0; i < n; i++) await receiver.undelegateFrom(va, GWEI, { value: GWEI });
    await hre.network.provider.send("hardhat_mine", ["0x" + (DELAY + 1n).toString(16)]);
    const failGas = await gasOf(v.connect(keeper).processWithdrawQueueUpTo(n));
    rows.push({
      operation: "processWithdrawQueue (all rejected)",
      entries: n,
      gasUsed: failGas,
      gasPerEntry: Math.round(failGas / n),
    });
    const stackGas = await gasOf(v.connect(keeper).processFailedWithdrawStackUpTo(n));
    rows.push({
      operation: "processFailedWithdrawStack (to community pool)",
      entries: n,
      gasUsed: stackGas,
      gasPerEntry: Math.round(stackGas / n),
    });
  }

  console.table(rows);
  const out = {
    generatedAt: new Date().toISOString(),
    network: "hardhat (prague), solc 0.8.30 viaIR optimizer 200, evm cancun",
    notes: "gasUsed per transaction; withdrawal delay 5 blocks; queue payments forward at most 50k gas each",
    results: rows,
  };
  const file = path.join(__dirname, "results", "staking-gas.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
