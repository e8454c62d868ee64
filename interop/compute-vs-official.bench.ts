/**
 * Settlement gas, ours against 0G's official InferenceServing, in the same run on one `hardhat node`:
 * `settleFeesWithTEE` gas per settled item at batch sizes 1, 10 and 50 on our InferenceServing + LedgerManager and
 * on the official pair deployed from the bytecode shipped in @0gfoundation/0g-compute-ts-sdk@0.9.0
 * (interop/lib/official-compute.ts), both behind the same ERC1967Proxy. Goal: ours ≤ 0.9 × official.
 *
 * Conditions, identical on both sides: one item per user (the broker groups a user's requests into one item),
 * every user has a funded sub-account and no pending refund, every item is SUCCESS, the provider is an EOA (one
 * payout per batch). "first" is each user's first settlement (its nonce goes from zero to non-zero), "later" the
 * next one. Each batch size starts from the same chain snapshot.
 *
 * Run: `npx tsx interop/compute-vs-official.bench.ts` (or `npm run bench -- compute-vs-official`); needs
 * `npx hardhat compile` and `npm ci --prefix interop`. Knob: BENCH_BATCH_SIZES (default "1,10,50").
 * Writes bench/results/compute-vs-official.json.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startHardhatNode } from "../agents/core/testing/index.js";

const root = path.resolve(__dirname, "..");
const interop = __dirname;
// The official SDK pins ethers 6.13.1; use the interop package's copy throughout.
const ethers = require(path.join(interop, "node_modules", "ethers")) as typeof import("ethers");
const oc = require(path.join(interop, "lib", "official-compute")) as typeof import("./lib/official-compute");

const BATCH_SIZES = (process.env.BENCH_BATCH_SIZES ?? "1,10,50").split(",").map(Number);
const ONE = 10n ** 18n;
const FEE = 10n ** 15n;
const SERVICE = "inference-v1.0";

interface Row {
  batchSize: number;
  phase: "first" | "later";
  oursGas: number;
  officialGas: number;
  oursPerItem: number;
  officialPerItem: number;
  ratio: number;
}

async function main(): Promise<void> {
  const maxN = Math.max(...BATCH_SIZES);
  const node = await startHardhatNode({ root });
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  try {
    const provider = new ethers.JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const rpc = (method: string, params: unknown[]) => provider.send(method, params);
    const fund = (addr: string) => rpc("hardhat_setBalance", [addr, ethers.toQuantity(1000n * ONE)]);
    const wallet = async (label: string) => {
      const w = new ethers.Wallet(ethers.id(`compute-vs-official/${label}`), provider);
      await fund(w.address);
      return new ethers.NonceManager(w);
    };
    const owner = await wallet("owner");
    const prov = await wallet("provider");
    const tee = new ethers.Wallet(ethers.id("compute-vs-official/tee"));
    const sides = {
      ours: await oc.deployOurCompute(owner, { lockTime: 3600n }),
      official: await oc.deployOfficialCompute(owner, { lockTime: 3600n }),
    };
    const ledgerAbi = oc.officialLedgerManager().abi;
    const servingAbi = oc.officialInferenceServing().abi;
    for (const s of Object.values(sides)) await oc.registerProvider(s.serving, prov, owner, tee.address);
    const provAddr = await prov.getAddress();

    const users: string[] = [];
    for (let i = 0; i < maxN; i++) {
      const u = await wallet(`user-${i}`);
      users.push(await u.getAddress());
      for (const s of Object.values(sides)) {
        const lm = new ethers.Contract(s.ledger, ledgerAbi, u);
        await (await lm.getFunction("addLedger")("", { value: 3n * ONE })).wait();
        await (await lm.getFunction("transferFund")(provAddr, SERVICE, 2n * ONE)).wait();
      }
    }
    const chainId = (await provider.getNetwork()).chainId;
    const settle = async (serving: string, n: number, nonce: bigint): Promise<number> => {
      const items = await Promise.all(
        users.slice(0, n).map((user, i) =>
          oc.signSettlement(tee, chainId, serving, {
            user,
            provider: provAddr,
            totalFee: FEE,
            requestsHash: ethers.id(`requests-${n}-${i}-${nonce}`),
            nonce,
          }),
        ),
      );
      const c = new ethers.Contract(serving, servingAbi, prov);
      const statuses = (await c.getFunction("settleFeesWithTEE").staticCall(items)) as bigint[];
      if (statuses.some((st) => st !== 0n)) throw new Error(`not all SUCCESS on ${serving}: ${statuses.join(",")}`);
      const rc = await (await c.getFunction("settleFeesWithTEE")(items)).wait();
      if (rc?.status !== 1) throw new Error("settlement failed");
      return Number(rc.gasUsed);
    };

    const rows: Row[] = [];
    for (const n of BATCH_SIZES) {
      const snap = await rpc("evm_snapshot", []);
      for (const [phase, nonce] of [
        ["first", 1n],
        ["later", 2n],
      ] as const) {
        const oursGas = await settle(sides.ours.serving, n, nonce);
        const officialGas = await settle(sides.official.serving, n, nonce);
        rows.push({
          batchSize: n,
          phase,
          oursGas,
          officialGas,
          oursPerItem: Math.round(oursGas / n),
          officialPerItem: Math.round(officialGas / n),
          ratio: +(oursGas / officialGas).toFixed(3),
        });
      }
      if (!(await rpc("evm_revert", [snap]))) throw new Error("evm_revert failed");
      // The nonce manager must forget the reverted transactions.
      prov.reset();
    }
    console.table(rows);
    const cpu = process.cpuUsage(cpu0);
    const summary = {
      maxRatio: Math.max(...rows.map((r) => r.ratio)),
      goal: 0.9,
      wallSeconds: +((Date.now() - t0) / 1000).toFixed(1),
      benchProcessCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1),
      loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
    };
    console.log(summary);
    const out = path.join(root, "bench", "results", "compute-vs-official.json");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      `${JSON.stringify(
        {
          bench: "compute-vs-official",
          description:
            "settleFeesWithTEE gas per settled item, ours vs the official InferenceServing bytecode from @0gfoundation/0g-compute-ts-sdk@0.9.0, same hardhat node, both behind ERC1967Proxy",
          date: new Date().toISOString(),
          node: process.version,
          network: "hardhat node (EDR, prague)",
          rows,
          summary,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  } finally {
    await node.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
