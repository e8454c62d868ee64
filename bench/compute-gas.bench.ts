/**
 * Gas of InferenceServing.settleFeesWithTEE per settled request at batch sizes 1, 10 and 50, measured in one
 * in-process Hardhat (EDR) run. Prints a table and writes bench/results/compute-gas.json.
 *
 * Usage: npx tsx bench/compute-gas.bench.ts
 *
 * Conditions: every item is a different user with its own funded sub-account (the broker groups requests per
 * user, so one item = one user's batch of requests). "first" is a user's first settlement (its nonce slot goes
 * from zero to non-zero); "repeat" is the next one. The provider is an EOA, so the single payout is a plain
 * transfer. Items are SUCCESS (the fee is below the balance, no refund pending).
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import type { Address } from "viem";
import { buildTeeSettlement, inferenceDomain, type TeeSettlementData } from "../agents/protocol/compute";
import {
  deployCompute,
  ONE,
  PROVIDER_STAKE,
  SERVICE_NAME,
  serviceParams,
  TEE_KEY,
} from "../test/contracts/compute/fixtures";

const BATCH_SIZES = [1, 10, 50] as const;
const FEE = 10n ** 15n;

type Row = { batchSize: number; phase: "first" | "repeat"; gasUsed: number; gasPerItem: number };

async function main(): Promise<void> {
  const { ethers, network } = hre;
  const f = await deployCompute();
  await f.inference.connect(f.provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
  await f.inference.connect(f.admin).acknowledgeTEESignerByOwner(f.provider.address);

  const users: { address: string }[] = [];
  for (let i = 0; i < 50; i++) {
    const w = ethers.Wallet.createRandom().connect(ethers.provider);
    await network.provider.send("hardhat_setBalance", [w.address, ethers.toQuantity(10n * ONE)]);
    await f.ledger.connect(w).addLedger("", { value: 3n * ONE });
    await f.ledger.connect(w).transferFund(f.provider.address, SERVICE_NAME, 2n * ONE);
    users.push(w);
  }
  const domain = inferenceDomain(31337, (await f.inference.getAddress()) as Address);
  const items = async (n: number, nonce: bigint): Promise<TeeSettlementData[]> =>
    Promise.all(
      users.slice(0, n).map((u, i) =>
        buildTeeSettlement(TEE_KEY, domain, {
          user: u.address as Address,
          provider: f.provider.address as Address,
          totalFee: FEE,
          nonce,
          requestsHash: ethers.keccak256(ethers.toUtf8Bytes(`requests-${n}-${i}-${nonce}`)) as `0x${string}`,
        }),
      ),
    );

  let snapshot: string = await network.provider.send("evm_snapshot", []);
  const rows: Row[] = [];
  for (const n of BATCH_SIZES) {
    // A snapshot id is consumed by evm_revert, so take a new one each round.
    if (!(await network.provider.send("evm_revert", [snapshot]))) throw new Error("evm_revert failed");
    snapshot = await network.provider.send("evm_snapshot", []);
    for (const [phase, nonce] of [
      ["first", 1n],
      ["repeat", 2n],
    ] as const) {
      const batch = await items(n, nonce);
      const statuses = await f.inference.connect(f.provider).settleFeesWithTEE.staticCall(batch);
      if (statuses.some((st) => st !== 0n)) throw new Error(`not all SUCCESS: ${statuses.join(",")}`);
      const receipt = await (await f.inference.connect(f.provider).settleFeesWithTEE(batch)).wait();
      if (!receipt) throw new Error("no receipt");
      const gasUsed = Number(receipt.gasUsed);
      rows.push({ batchSize: n, phase, gasUsed, gasPerItem: Math.round(gasUsed / n) });
    }
  }

  console.table(rows);
  const out = {
    bench: "compute-gas",
    description: "InferenceServing.settleFeesWithTEE gas per settled request (one item per user, all SUCCESS)",
    network: "hardhat (EDR, prague)",
    compiler: "solc 0.8.30, viaIR, optimizer 200 runs",
    rows,
  };
  const file = path.join(__dirname, "results", "compute-gas.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
