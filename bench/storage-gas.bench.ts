/**
 * Gas of the storage log layer on the in-process Hardhat network (solc 0.8.30, viaIR, cancun).
 * Run: `npx tsx bench/storage-gas.bench.ts`. Prints a table and writes bench/results/storage-gas.json.
 * The reference figure for 0G's deployed FixedPriceFlow (SDK-bundled bytecode, nodes [4,1], fresh flow) is
 * 299,350 gas (official-clients.md §2.3); the side-by-side run against that bytecode, in the same chain and
 * with the same submissions, is interop/storage-vs-official.bench.ts (ours/official per operation).
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { getBytes, keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { buildAnswer, minedWorld, SUBMIT_NEW } from "../test/contracts/storage/helpers/mineFixture";

interface Row {
  operation: string;
  gasUsed: number;
  note: string;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

function dataFor(heights: number[], seed: string) {
  const sectors = heights.reduce((a, h) => a + (1 << h), 0);
  return {
    length: sectors * 256,
    tags: "0x",
    nodes: heights.map((h, i) => ({ root: keccak256(toUtf8Bytes(`${seed}-${i}`)), height: h })),
  };
}

async function main(): Promise<void> {
  const w = await minedWorld();
  const rows: Row[] = [];
  const submit = w.flow.connect(w.miner).getFunction(SUBMIT_NEW);
  const price = await w.market.pricePerSector();
  const fee = (heights: number[]) => BigInt(heights.reduce((a, h) => a + (1 << h), 0)) * price;
  const cases: [string, number[]][] = [
    ["submit, 1 node [4]", [4]],
    ["submit, 2 nodes [4,1] (0G reference: 299,350)", [4, 1]],
    ["submit, 3 nodes [6,5,3]", [6, 5, 3]],
    ["submit, 4 nodes [9,8,7,6]", [9, 8, 7, 6]],
  ];
  for (const [label, heights] of cases) {
    const gas = await gasOf(
      submit({ data: dataFor(heights, label), submitter: w.miner.address }, { value: fee(heights) }),
    );
    rows.push({ operation: label, gasUsed: gas, note: "warm flow, fee forwarded to Market and Reward" });
  }
  const batch = Array.from({ length: 10 }, (_, i) => ({
    data: dataFor([2], `batch-${i}`),
    submitter: w.miner.address,
  }));
  const batchGas = await gasOf(
    w.flow.connect(w.miner).getFunction("batchSubmit(((uint256,bytes,(bytes32,uint256)[]),address)[])")(batch, {
      value: fee([2]) * 10n,
    }),
  );
  rows.push({ operation: "batchSubmit, 10 × [2]", gasUsed: batchGas, note: `${Math.round(batchGas / 10)} per entry` });

  // Mine: a fresh world so the answer's context is current; one accepted answer, then the payout withdrawal.
  const m = await minedWorld();
  await hre.network.provider.send("evm_increaseTime", [100]);
  const { answer } = await buildAnswer(m);
  const mineTx = m.mine.submit(answer);
  const data = getBytes((await mineTx).data);
  const zeros = data.filter((b) => b === 0).length;
  const standard = 21000 + 4 * zeros + 16 * (data.length - zeros);
  const floor = 21000 + 10 * (zeros + 4 * (data.length - zeros));
  const mineGas = await gasOf(mineTx);
  rows.push({
    operation: "Mine.submit (valid answer, seal + proof on)",
    gasUsed: mineGas,
    note:
      `first answer of the epoch; proof length ${(answer.merkleProof as string[]).length}; ` +
      `calldata ${data.length} B: intrinsic ${standard}, EIP-7623 floor ${floor}; ` +
      `execution ≈ ${mineGas - standard}`,
  });
  const second = await buildAnswer(m, { nonceSeed: 777 });
  rows.push({
    operation: "Mine.submit (second answer in the epoch)",
    gasUsed: await gasOf(m.mine.submit(second.answer)),
    note: "steady state: counters and payee slot already warm/non-zero",
  });
  const withdrawGas = await gasOf(m.reward.withdrawPayments(m.beneficiary.address));
  rows.push({ operation: "Reward.withdrawPayments", gasUsed: withdrawGas, note: "pull payment to the beneficiary" });

  const ctx = await m.flow.getContext();
  await hre.network.provider.send("hardhat_mine", [
    "0x" + (Number(ctx.mineStart) + 41 - (await hre.ethers.provider.getBlockNumber())).toString(16),
  ]);
  rows.push({
    operation: "Flow.makeContext (one epoch)",
    gasUsed: await gasOf(m.flow.makeContext()),
    note: "keeper call",
  });

  console.table(rows);
  const out = {
    generatedBy: "bench/storage-gas.bench.ts",
    network: "hardhat (in-process), hardfork prague",
    compiler: "solc 0.8.30, viaIR, optimizer 200 runs, evm cancun",
    reference: {
      "FixedPriceFlow.submit [4,1] (0G SDK 1.2.8 bytecode)": 299350,
      "PoraMine pora() only (istanbul)": 176000,
    },
    rows,
  };
  const file = path.join(__dirname, "results", "storage-gas.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
