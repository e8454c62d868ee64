/**
 * The staking keeper on the devnet: its agent entry, the set-up that gives it work (two validators with their
 * self-delegation, a delegator on both, a funded reward pool) and the scenario steps that check it did that work.
 */
import fs from "node:fs";
import path from "node:path";
import { formatEther, parseAbiItem, parseEther, type Address, type PublicClient } from "viem";
import type { AddressBook as AddressBookData } from "../../core/address-book";
import { contractAddress } from "../../core/address-book";
import { createClients } from "../../core/chain";
import { envVarName } from "../../core/config";
import { devnetAccount, type DevnetRole } from "../../devnet/accounts";
import type { DevnetAgentSpec } from "../../devnet/agents";
import type { ScenarioStep } from "../../devnet/scenario";
import { RewardPoolAbi, ValidatorAbi } from "../../generated/abis";
import { bytesToHex } from "../../protocol/staking";
import { BOND_STATUS, listValidators } from "./chain";
import { KEEPER_ENV_PREFIX } from "./config";
import { createValidator, delegate, undelegate, type StakeClients } from "./operations";

/** Self-delegation of each devnet validator (the registry's minimum is 500 0G). */
export const DEVNET_SELF_DELEGATION = parseEther("600");
/** What the devnet delegator puts on each validator. */
export const DEVNET_DELEGATION = parseEther("100");
/** What the deployer puts into the reward pool. */
export const DEVNET_POOL_FUNDING = parseEther("1000");

export const stakingKeeperDevnetAgent: DevnetAgentSpec = {
  role: "keeper",
  bookKey: "keeper",
  account: "keeper",
  env: () => ({
    [envVarName(KEEPER_ENV_PREFIX, ["distributeIntervalMs"])]: "2000",
    [envVarName(KEEPER_ENV_PREFIX, ["sweepIntervalMs"])]: "5000",
  }),
};

function clientsFor(book: AddressBookData, role: DevnetRole): StakeClients {
  const c = createClients({ rpcUrl: book.rpcUrl, chainId: book.chainId, privateKey: devnetAccount(role).privateKey });
  if (!c.walletClient) throw new Error(`no wallet for ${role}`);
  return { publicClient: c.publicClient as PublicClient, walletClient: c.walletClient };
}

/** Funds the pool, creates validator1 and validator2 (keys saved 0600 under the state dir), delegates to both. */
export const stakingDevnetSetup = {
  name: "staking",
  async run({ book, stateDir }: { root: string; book: AddressBookData; stateDir: string }): Promise<string> {
    const staking = contractAddress(book, "Staking");
    const rewardPool = contractAddress(book, "RewardPool");
    const deployer = clientsFor(book, "deployer");
    await deployer.publicClient.waitForTransactionReceipt({
      hash: await deployer.walletClient.writeContract({
        address: rewardPool,
        abi: RewardPoolAbi,
        functionName: "fund",
        value: DEVNET_POOL_FUNDING,
      }),
    });
    const created: Address[] = [];
    for (const role of ["validator1", "validator2"] as const) {
      const r = await createValidator(clientsFor(book, role), {
        staking,
        value: DEVNET_SELF_DELEGATION,
        description: { moniker: `devnet-${role}`, identity: "", website: "", securityContact: "", details: "" },
        commissionRate: 50_000,
        withdrawalFeeInGwei: 1n,
      });
      const keyFile = path.join(stateDir, `${role}.bls.key`);
      fs.writeFileSync(keyFile, `${bytesToHex(r.secretKey)}\n`, { mode: 0o600 });
      created.push(r.validator);
      await delegate(clientsFor(book, "delegator"), { validator: r.validator, value: DEVNET_DELEGATION });
    }
    return (
      `pool funded with ${formatEther(DEVNET_POOL_FUNDING)} 0G; validators ${created.join(", ")} ` +
      `(${formatEther(DEVNET_SELF_DELEGATION)} 0G self-delegated each, BLS keys in ${stateDir}); ` +
      `delegator ${formatEther(DEVNET_DELEGATION)} 0G on each`
    );
  },
};

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rewardPaid = parseAbiItem("event RewardPaid(uint256 indexed epoch, address indexed validator, uint256 amount)");
const withdrawProcessed = parseAbiItem(
  "event WithdrawProcessed(uint64 indexed queueIndex, address indexed receiver, uint256 amount)",
);

export const STAKING_SCENARIO_STEPS: ScenarioStep[] = [
  {
    subsystem: "staking",
    name: "two validators are Bonded",
    async run({ book, publicClient }) {
      const validators = await listValidators(publicClient, contractAddress(book, "Staking"));
      if (validators.length < 2) throw new Error(`${validators.length} validators, expected 2`);
      const parts: string[] = [];
      for (const v of validators) {
        const status =
          BOND_STATUS[await publicClient.readContract({ address: v, abi: ValidatorAbi, functionName: "bondStatus" })];
        if (status !== "Bonded") throw new Error(`validator ${v} is ${status}`);
        const tokens = await publicClient.readContract({ address: v, abi: ValidatorAbi, functionName: "tokens" });
        parts.push(`${v.slice(0, 10)}… ${formatEther(tokens)} 0G`);
      }
      return `${validators.length} Bonded: ${parts.join(", ")}`;
    },
  },
  {
    subsystem: "staking",
    name: "keeper distributed rewards (APY > 0)",
    async run({ book, publicClient }) {
      const rewardPool = contractAddress(book, "RewardPool");
      const validators = await listValidators(publicClient, contractAddress(book, "Staking"));
      const keeper = devnetAccount("keeper").address.toLowerCase();
      const apys = await until("a distribution to every validator", 90_000, async () => {
        const out: bigint[] = [];
        for (const v of validators) {
          const apy = await publicClient.readContract({
            address: v,
            abi: ValidatorAbi,
            functionName: "annualPercentageYield",
          });
          if (apy === 0n) return undefined;
          out.push(apy);
        }
        return out;
      });
      const logs = await publicClient.getLogs({ address: rewardPool, event: rewardPaid, fromBlock: 0n });
      const total = logs.reduce((s, l) => s + (l.args.amount ?? 0n), 0n);
      if (total === 0n) throw new Error("no RewardPaid");
      const tx = await publicClient.getTransaction({ hash: logs[0]!.transactionHash });
      if (tx.from.toLowerCase() !== keeper) throw new Error(`RewardPaid sent by ${tx.from}, not the keeper`);
      const epochs = new Set(logs.map((l) => String(l.args.epoch)));
      return (
        `${logs.length} payments over ${epochs.size} epoch(s), ${formatEther(total)} 0G; ` +
        `APY ${apys.map((a) => `${Number(a) / 100}%`).join(" / ")}`
      );
    },
  },
  {
    subsystem: "staking",
    name: "delegator undelegates from validator 1",
    async run({ book, publicClient, state }) {
      const validators = await listValidators(publicClient, contractAddress(book, "Staking"));
      const d = clientsFor(book, "delegator");
      const [, shares] = await publicClient.readContract({
        address: validators[0]!,
        abi: ValidatorAbi,
        functionName: "getDelegation",
        args: [d.walletClient.account.address],
      });
      const q = await undelegate(d, { validator: validators[0]!, shares: shares / 2n });
      const block = await publicClient.getBlockNumber();
      state.set("staking.undelegation", { validator: validators[0]!, ...q, block });
      return `${formatEther(q.amount)} 0G queued (entry ${q.queueIndex}), payable at block ${q.completionHeight} (now ${block})`;
    },
  },
  {
    subsystem: "staking",
    name: "keeper paid the undelegation after the delay",
    async run({ book, publicClient, state }) {
      const u = state.get("staking.undelegation") as
        { validator: Address; queueIndex: bigint; completionHeight: bigint; block: bigint; amount: bigint } | undefined;
      if (!u) throw new Error("no undelegation recorded");
      const delegator = devnetAccount("delegator").address;
      const log = await until("WithdrawProcessed", 60_000, async () => {
        const logs = await publicClient.getLogs({
          address: u.validator,
          event: withdrawProcessed,
          args: { queueIndex: u.queueIndex, receiver: delegator },
          fromBlock: u.block,
        });
        return logs[0];
      });
      const tx = await publicClient.getTransaction({ hash: log.transactionHash });
      if (tx.from.toLowerCase() !== devnetAccount("keeper").address.toLowerCase())
        throw new Error(`processed by ${tx.from}, not the keeper`);
      if (log.blockNumber < u.completionHeight)
        throw new Error(`paid at block ${log.blockNumber}, before completion height ${u.completionHeight}`);
      const status = (await (await fetch(`${book.agents.keeper}/status`)).json()) as {
        role?: { lastDistributionEpoch?: string | null; pool?: { balance?: string } };
      };
      return (
        `${formatEther(log.args.amount ?? 0n)} 0G paid at block ${log.blockNumber} (due ${u.completionHeight}) by the keeper; ` +
        `/status: last distribution epoch ${status.role?.lastDistributionEpoch}, pool ${formatEther(BigInt(status.role?.pool?.balance ?? "0"))} 0G`
      );
    },
  },
];
