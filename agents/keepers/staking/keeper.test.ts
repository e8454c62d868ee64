/**
 * The staking keeper end to end: real Redis, a real `hardhat node` with the whole system deployed as the devnet
 * deploys it (`deploySystem`), the keeper in-process with its HTTP status server.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAbiItem, parseEther, type Abi, type Address, type PublicClient } from "viem";
import { createClients } from "../../core/chain";
import { deployArtifact, projectRoot, startHardhatNode, startRedis, waitFor } from "../../core/testing";
import type { TestHardhatNode, TestRedis } from "../../core/testing";
import { deploySystem } from "../../devnet/devnet";
import { devnetAccount, type DevnetRole } from "../../devnet/accounts";
import { RewardPoolAbi, StakingAbi, ValidatorAbi } from "../../generated/abis";
import { keeperConfigSchema } from "./config";
import { createStakingKeeper, type StakingKeeper } from "./keeper";
import { createValidator, delegate, undelegate, type StakeClients } from "./operations";
import { stakeCommand } from "../../cli/commands/stake";

const root = projectRoot();
const description = (moniker: string) => ({ moniker, identity: "", website: "", securityContact: "", details: "" });

let redis: TestRedis;
let node: TestHardhatNode;
let staking: Address;
let rewardPool: Address;
let publicClient: PublicClient;
const validators: Address[] = [];
let keeper: StakingKeeper | undefined;
const keeperAddress = devnetAccount("keeper").address;

function clients(role: DevnetRole): StakeClients {
  const c = createClients({ rpcUrl: node.rpcUrl, chainId: 31337, privateKey: devnetAccount(role).privateKey });
  return { publicClient: c.publicClient as PublicClient, walletClient: c.walletClient! };
}

function startKeeper(overrides: Record<string, unknown> = {}, name?: string): Promise<StakingKeeper> {
  const config = keeperConfigSchema.parse({
    rpcUrl: node.rpcUrl,
    chainId: 31337,
    redisUrl: redis.url,
    privateKey: devnetAccount("keeper").privateKey,
    confirmations: 0,
    pollIntervalMs: 200,
    distributeIntervalMs: 300,
    sweepIntervalMs: 600_000,
    blockTimeMs: 100,
    logLevel: "silent",
    ...overrides,
  });
  const k = createStakingKeeper({ config, staking, rewardPool, reloadCheckMs: 200, name });
  return k.start().then(() => k);
}

const keeperNonce = () => publicClient.getTransactionCount({ address: keeperAddress, blockTag: "latest" });
const currentEpoch = () =>
  publicClient.readContract({ address: rewardPool, abi: RewardPoolAbi, functionName: "currentEpoch" });
const lastRewarded = (v: Address) =>
  publicClient.readContract({ address: rewardPool, abi: RewardPoolAbi, functionName: "lastRewardedEpoch", args: [v] });
const rewardPaidEvent = parseAbiItem(
  "event RewardPaid(uint256 indexed epoch, address indexed validator, uint256 amount)",
);
const paidIn = async (epoch: bigint) =>
  (await publicClient.getLogs({ address: rewardPool, event: rewardPaidEvent, args: { epoch }, fromBlock: 0n })).length;
const mine = (n: number) => node.rpc("hardhat_mine", [`0x${n.toString(16)}`]);

async function allPaid(): Promise<boolean> {
  const e = await currentEpoch();
  for (const v of validators) if ((await lastRewarded(v)) !== e + 1n) return false;
  return true;
}

beforeAll(async () => {
  redis = await startRedis();
  node = await startHardhatNode();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-keeper-test-"));
  const deployed = await deploySystem(root, node.port, stateDir, `devnet-keeper-test-${node.port}`);
  staking = deployed.contracts.Staking!;
  rewardPool = deployed.contracts.RewardPool!;
  publicClient = clients("deployer").publicClient;
  const deployer = clients("deployer");
  await deployer.publicClient.waitForTransactionReceipt({
    hash: await deployer.walletClient.writeContract({
      address: rewardPool,
      abi: RewardPoolAbi,
      functionName: "fund",
      value: parseEther("1000"),
    }),
  });
  for (const role of ["validator1", "validator2"] as const) {
    const r = await createValidator(clients(role), {
      staking,
      value: parseEther("600"),
      description: description(role),
      commissionRate: 50_000,
      withdrawalFeeInGwei: 1n,
    });
    validators.push(r.validator);
    await delegate(clients("delegator"), { validator: r.validator, value: parseEther("100") });
  }
}, 180_000);

afterAll(async () => {
  await keeper?.stop({ drain: false });
  await node?.stop();
  await redis?.stop();
  if (node)
    fs.rmSync(path.join(root, "ignition", "deployments", `devnet-keeper-test-${node.port}`), {
      recursive: true,
      force: true,
    });
});

describe("staking keeper", () => {
  it("distributes the current epoch to every bonded validator once", async () => {
    keeper = await startKeeper();
    expect(keeper.watched.map((v) => v.toLowerCase()).sort()).toEqual(validators.map((v) => v.toLowerCase()).sort());
    await waitFor(allPaid, { timeoutMs: 30_000, what: "both validators paid" });
    const epoch = await currentEpoch();
    expect(await paidIn(epoch)).toBe(2);
    for (const v of validators) {
      expect(await publicClient.readContract({ address: v, abi: ValidatorAbi, functionName: "bondStatus" })).toBe(1);
    }
  });

  it("sends nothing more in the same epoch, across a restart and even with its Redis state lost", async () => {
    const epoch = await currentEpoch();
    const nonce = await keeperNonce();
    // Real time runs on: should a 60 s epoch end during the test, that new epoch may (and must only) be paid once.
    const expectNoDoubleSend = async () => {
      const now = await currentEpoch();
      expect((await keeperNonce()) - nonce).toBeLessThanOrEqual(Number(now - epoch));
      expect(await paidIn(epoch)).toBe(2);
      for (let e = epoch + 1n; e <= now; e++) expect(await paidIn(e)).toBeLessThanOrEqual(2);
    };
    await new Promise((r) => setTimeout(r, 1_500)); // several ticks
    await keeper!.stop();
    keeper = await startKeeper();
    await new Promise((r) => setTimeout(r, 1_500));
    await expectNoDoubleSend();
    await keeper.stop();
    // Lose every job id and cursor: only the chain's lastRewardedEpoch stops a second distribution now.
    const { Redis } = await import("ioredis");
    const r = new Redis(redis.url);
    await r.flushall();
    await r.quit();
    keeper = await startKeeper();
    await new Promise((r) => setTimeout(r, 1_500));
    await expectNoDoubleSend();
  });

  it("distributes the next epoch, and delegators earn (APY > 0)", async () => {
    const epoch = await currentEpoch();
    const epochLength = await publicClient.readContract({
      address: rewardPool,
      abi: RewardPoolAbi,
      functionName: "epochLength",
    });
    const tokensBefore = await publicClient.readContract({
      address: validators[0]!,
      abi: ValidatorAbi,
      functionName: "tokens",
    });
    await node.rpc("evm_increaseTime", [Number(epochLength)]);
    await mine(1);
    expect(await currentEpoch()).toBe(epoch + 1n);
    await waitFor(allPaid, { timeoutMs: 30_000, what: "next epoch paid" });
    expect(await paidIn(epoch + 1n)).toBe(2);
    const tokensAfter = await publicClient.readContract({
      address: validators[0]!,
      abi: ValidatorAbi,
      functionName: "tokens",
    });
    expect(tokensAfter).toBeGreaterThan(tokensBefore);
    const apy = await publicClient.readContract({
      address: validators[0]!,
      abi: ValidatorAbi,
      functionName: "annualPercentageYield",
    });
    expect(apy).toBeGreaterThan(0n);
  });

  it("pays a matured undelegation when its completion height is reached (WithdrawQueued → delayed job)", async () => {
    const d = clients("delegator");
    const me = d.walletClient.account.address;
    const q = await undelegate(d, { validator: validators[0]! });
    const before = await publicClient.getBalance({ address: me });
    const block = await publicClient.getBlockNumber();
    expect(q.completionHeight).toBeGreaterThan(block);
    // Not matured: the keeper must not touch it.
    const nonce = await keeperNonce();
    await new Promise((r) => setTimeout(r, 800));
    expect(await keeperNonce()).toBe(nonce);
    await mine(Number(q.completionHeight - block));
    await waitFor(
      async () =>
        (await publicClient.readContract({
          address: validators[0]!,
          abi: ValidatorAbi,
          functionName: "withdrawCount",
        })) === 0n,
      { timeoutMs: 30_000, what: "queue paid" },
    );
    expect(await publicClient.getBalance({ address: me })).toBe(before + q.amount);
  });

  it("moves a rejecting receiver's payment through the failed stack to the community pool", async () => {
    const alice = clients("alice");
    const mock = await deployArtifact({ ...alice, name: "RejectingReceiver" });
    const abi = mock.abi as Abi;
    const send = async (functionName: string, args: unknown[], value = 0n) => {
      const hash = await alice.walletClient.writeContract({ address: mock.address, abi, functionName, args, value });
      await publicClient.waitForTransactionReceipt({ hash });
    };
    const v = validators[1]!;
    await send("delegateTo", [v], parseEther("10"));
    const [, shares] = await publicClient.readContract({
      address: v,
      abi: ValidatorAbi,
      functionName: "getDelegation",
      args: [mock.address],
    });
    await send("setMode", [1]); // Revert
    const poolBefore = await publicClient.readContract({
      address: staking,
      abi: StakingAbi,
      functionName: "communityPool",
    });
    await send("undelegateFrom", [v, shares], 1_000_000_000n);
    const entry = await publicClient.readContract({
      address: v,
      abi: ValidatorAbi,
      functionName: "getWithdraw",
      args: [0n],
    });
    await mine(10);
    await waitFor(
      async () =>
        (await publicClient.readContract({ address: v, abi: ValidatorAbi, functionName: "withdrawCount" })) === 0n &&
        (await publicClient.readContract({ address: v, abi: ValidatorAbi, functionName: "failedWithdrawCount" })) ===
          0n,
      { timeoutMs: 30_000, what: "failed stack emptied" },
    );
    const poolAfter = await publicClient.readContract({
      address: staking,
      abi: StakingAbi,
      functionName: "communityPool",
    });
    expect(poolAfter - poolBefore).toBe(entry.amount);
    expect(await publicClient.getBalance({ address: mock.address })).toBe(0n);
  });

  it("reports validators, pool, last distribution and its transactions on /status", async () => {
    const res = await fetch(`${keeper!.url}/status`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      role: {
        validatorCount: number;
        pool: { balance: string; currentEpoch: string };
        lastDistributionEpoch: string | null;
        validators: {
          validator: string;
          bondStatus: string;
          tokens: string;
          withdrawCount: string;
          failedWithdrawCount: string;
        }[];
        recentTransactions: { kind: string; txHash: string }[];
        failures: unknown[];
      };
    };
    const role = body.role;
    expect(role.validatorCount).toBe(2);
    expect(role.validators.map((v) => v.bondStatus)).toEqual(["Bonded", "Bonded"]);
    expect(BigInt(role.pool.balance)).toBeGreaterThan(0n);
    expect(BigInt(role.pool.balance)).toBe(await publicClient.getBalance({ address: rewardPool }));
    const now = await currentEpoch(); // a real epoch boundary may just have passed
    expect([now, now - 1n].map(String)).toContain(role.lastDistributionEpoch);
    expect(role.validators.every((v) => v.withdrawCount === "0" && v.failedWithdrawCount === "0")).toBe(true);
    const kinds = new Set(role.recentTransactions.map((t) => t.kind));
    expect([...kinds].sort()).toEqual(["distribute", "process-failed", "process-queue"]);
    for (const t of role.recentTransactions) {
      const tx = await publicClient.getTransaction({ hash: t.txHash as `0x${string}` });
      expect(tx.from.toLowerCase()).toBe(keeperAddress.toLowerCase());
    }
    expect(role.failures).toEqual([]);
  });
});

describe("zg stake", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-stake-cli-"));
  const book = path.join(tmp, "book.json");
  let created: Address;

  async function zg(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const lines: string[] = [];
    const cmd = stakeCommand({ out: (l) => lines.push(l), env });
    cmd.exitOverride();
    for (const c of cmd.commands) c.exitOverride();
    await cmd.parseAsync([...args, "--address-book", book], { from: "user" });
    return lines.join("\n");
  }

  beforeAll(() => {
    fs.writeFileSync(
      book,
      JSON.stringify({
        chainId: 31337,
        rpcUrl: node.rpcUrl,
        contracts: { Staking: staking, RewardPool: rewardPool },
        agents: {},
        accounts: {},
      }),
    );
  });

  it("every subcommand has --help", () => {
    const names = stakeCommand().commands.map((c) => c.name());
    expect(names.sort()).toEqual(
      ["create-validator", "delegate", "rewards", "set-commission", "undelegate", "validators", "withdrawals"].sort(),
    );
    for (const c of stakeCommand().commands) {
      expect(c.helpInformation()).toContain("--network");
      expect(c.description().length).toBeGreaterThan(10);
    }
  });

  it("validators lists both devnet validators as Bonded", async () => {
    const list = JSON.parse(await zg(["validators", "--json"])) as { validator: string; bondStatus: string }[];
    expect(list.map((v) => v.bondStatus)).toEqual(["Bonded", "Bonded"]);
  });

  it("create-validator writes the BLS key 0600 (never in the output) and the keeper starts watching it", async () => {
    const keyFile = path.join(tmp, "v3.key");
    const out = JSON.parse(
      await zg([
        "create-validator",
        "--amount",
        "500",
        "--moniker",
        "cli",
        "--commission",
        "7.5",
        "--key-file",
        keyFile,
        "--json",
        "--as",
        "alice",
      ]),
    ) as { validator: Address; pubkey: string; keyFile: string; secretKey?: string };
    created = out.validator;
    expect(out.secretKey).toBeUndefined();
    const key = fs.readFileSync(keyFile, "utf8").trim();
    expect(key).toMatch(/^0x[0-9a-f]{64}$/);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(out)).not.toContain(key.slice(2));
    expect(
      await publicClient.readContract({ address: created, abi: ValidatorAbi, functionName: "commissionRate" }),
    ).toBe(75_000);
    // The same key file again: refused before anything is sent.
    const nonce = await publicClient.getTransactionCount({ address: devnetAccount("alice").address });
    await expect(
      zg(["create-validator", "--amount", "500", "--moniker", "x", "--key-file", keyFile, "--as", "alice"]),
    ).rejects.toThrow(/exists/);
    expect(await publicClient.getTransactionCount({ address: devnetAccount("alice").address })).toBe(nonce);
    await waitFor(async () => keeper!.watched.some((v) => v.toLowerCase() === created.toLowerCase()), {
      timeoutMs: 30_000,
      what: "keeper reloaded with the new validator",
    });
  });

  it("delegate, rewards, undelegate and withdrawals; the keeper pays the new validator's queue", async () => {
    expect(await zg(["delegate", created, "--amount", "5", "--as", "bob"])).toMatch(/delegated 5 0G/);
    const bob = devnetAccount("bob").address;
    const r = JSON.parse(await zg(["rewards", created, "--delegator", bob, "--json"])) as {
      shares: string;
      value: string;
    };
    expect(BigInt(r.shares)).toBeGreaterThan(0n);
    // Shares round down in the pool's favour: the value is 5 0G less at most a wei or two.
    expect(parseEther("5") - BigInt(r.value)).toBeGreaterThanOrEqual(0n);
    expect(parseEther("5") - BigInt(r.value)).toBeLessThan(3n);
    // The sweep runs every 10 minutes here: the WithdrawQueued event of the newly watched validator schedules the payment.
    const u = JSON.parse(await zg(["undelegate", created, "--as", "bob", "--json"])) as {
      completionHeight: string;
      amount: string;
    };
    const w = JSON.parse(await zg(["withdrawals", created, "--json"])) as {
      queued: string;
      queue: { receiver: string; matured: boolean }[];
    };
    expect(w.queued).toBe("1");
    expect(w.queue[0]!.receiver.toLowerCase()).toBe(bob.toLowerCase());
    expect(w.queue[0]!.matured).toBe(false);
    const before = await publicClient.getBalance({ address: bob });
    await mine(Number(BigInt(u.completionHeight) - (await publicClient.getBlockNumber())));
    await waitFor(async () => (await publicClient.getBalance({ address: bob })) === before + BigInt(u.amount), {
      timeoutMs: 30_000,
      what: "bob paid",
    });
  });

  it("set-commission works for the operator and is refused for anyone else with the decoded reason", async () => {
    expect(await zg(["set-commission", created, "10", "--as", "alice"])).toMatch(/commission set to 10%/);
    expect(
      await publicClient.readContract({ address: created, abi: ValidatorAbi, functionName: "commissionRate" }),
    ).toBe(100_000);
    await expect(zg(["set-commission", created, "20", "--as", "bob"])).rejects.toThrow(
      /reverted|Unauthorized|Operator/i,
    );
  });

  it("outside localhost a key is required", async () => {
    await expect(zg(["delegate", created, "--amount", "1", "--network", "zgTestnet"])).rejects.toThrow(
      /ZG_PRIVATE_KEY/,
    );
  });
});

describe("staking keeper without events", () => {
  it("the periodic sweep pays a matured queue whose WithdrawQueued event it never saw", async () => {
    await keeper!.stop();
    keeper = undefined;
    const d = clients("delegator");
    const q = await undelegate(d, { validator: validators[1]! });
    await mine(Number(q.completionHeight - (await publicClient.getBlockNumber())) + 1);
    const before = await publicClient.getBalance({ address: d.walletClient.account.address });
    // A fresh agent that starts scanning after the event: only the sweep can find the entry.
    const startBlock = Number(await publicClient.getBlockNumber());
    keeper = await startKeeper({ sweepIntervalMs: 500, startBlock }, "staking-keeper-sweep");
    await waitFor(
      async () => (await publicClient.getBalance({ address: d.walletClient.account.address })) === before + q.amount,
      {
        timeoutMs: 30_000,
        what: "swept payment",
      },
    );
    await keeper.stop();
    keeper = undefined;
  });

  it("a keeper without the distributor role sends nothing and reports the decoded failure on /status", async () => {
    const epochLength = await publicClient.readContract({
      address: rewardPool,
      abi: RewardPoolAbi,
      functionName: "epochLength",
    });
    await node.rpc("evm_increaseTime", [Number(epochLength)]);
    await mine(1);
    const alice = devnetAccount("alice");
    const nonce = await publicClient.getTransactionCount({ address: alice.address });
    keeper = await startKeeper({ privateKey: alice.privateKey }, "staking-keeper-unauthorized");
    type Failure = { kind: string; error: string };
    let failures: Failure[] = [];
    await waitFor(
      async () => {
        const body = (await (await fetch(`${keeper!.url}/status`)).json()) as { role: { failures: Failure[] } };
        failures = body.role.failures;
        return failures.length > 0;
      },
      { timeoutMs: 30_000, what: "a failure on /status" },
    );
    expect(failures[0]!.kind).toBe("distribute");
    expect(failures[0]!.error).toMatch(/AccessControlUnauthorizedAccount/);
    expect(await publicClient.getTransactionCount({ address: alice.address })).toBe(nonce);
  });

  it("an empty pool gets no transaction; refunded in the same epoch, the epoch is paid", async () => {
    await keeper!.stop();
    keeper = await startKeeper();
    const deployer = clients("deployer");
    const write = async (functionName: "withdraw" | "fund", args: readonly unknown[], value = 0n) => {
      const hash = await deployer.walletClient.writeContract({
        address: rewardPool,
        abi: RewardPoolAbi,
        functionName,
        args: args as never,
        value: value as never,
      });
      await publicClient.waitForTransactionReceipt({ hash });
    };
    const balance = await publicClient.getBalance({ address: rewardPool });
    await write("withdraw", [deployer.walletClient.account.address, balance]);
    const epochLength = await publicClient.readContract({
      address: rewardPool,
      abi: RewardPoolAbi,
      functionName: "epochLength",
    });
    await node.rpc("evm_increaseTime", [Number(epochLength)]);
    await mine(1);
    const nonce = await keeperNonce();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await keeperNonce()).toBe(nonce);
    expect(await allPaid()).toBe(false);
    await write("fund", [], parseEther("100"));
    await waitFor(allPaid, { timeoutMs: 30_000, what: "paid after refunding" });
  });
});
