/**
 * `zg stake`: validators and delegations on the staking registry (docs/staking.md, docs/staking-keeper.md).
 *
 * Addresses come from the address book (`--network`, default localhost, or `--address-book`). The signing key is
 * `ZG_PRIVATE_KEY`; on localhost without it, the devnet account of the command's natural role is used
 * (validator1 for validator commands, delegator for delegations; `--as <role>` picks another devnet account).
 */
import fs from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import { formatEther, isAddress, parseEther, type Address, type PublicClient } from "viem";
import { addressBookPath, contractAddress, readAddressBook, type AddressBook } from "../../core/address-book";
import { createClients } from "../../core/chain";
import { DEVNET_ROLES, devnetAccount, type DevnetRole } from "../../devnet/accounts";
import { RewardPoolAbi, ValidatorAbi } from "../../generated/abis";
import { bytesToHex, generateConsensusKey, percentToPpm } from "../../protocol/staking";
import { listValidators, readValidatorReport } from "../../keepers/staking/chain";
import { createValidator, delegate, undelegate, type StakeClients } from "../../keepers/staking/operations";
import { projectRoot } from "../root";

interface CommonOptions {
  network: string;
  addressBook?: string;
  as?: string;
  json?: boolean;
}

export interface StakeCommandIo {
  out(line: string): void;
  env: NodeJS.ProcessEnv;
}

class StakeCliError extends Error {
  override readonly name = "StakeCliError";
}

function loadBook(o: CommonOptions): AddressBook {
  return readAddressBook(o.addressBook ?? addressBookPath(projectRoot(), o.network));
}

function readClients(book: AddressBook): PublicClient {
  return createClients({ rpcUrl: book.rpcUrl, chainId: book.chainId }).publicClient as PublicClient;
}

function signingClients(book: AddressBook, o: CommonOptions, io: StakeCommandIo, role: DevnetRole): StakeClients {
  let key = io.env.ZG_PRIVATE_KEY as `0x${string}` | undefined;
  if (!key) {
    if (o.network !== "localhost" || book.chainId !== 31337) {
      throw new StakeCliError(`ZG_PRIVATE_KEY is not set; it is required on ${o.network}`);
    }
    const chosen = (o.as ?? role) as DevnetRole;
    if (!(chosen in DEVNET_ROLES)) throw new StakeCliError(`--as: unknown devnet role "${o.as}"`);
    key = devnetAccount(chosen).privateKey;
  }
  const c = createClients({ rpcUrl: book.rpcUrl, chainId: book.chainId, privateKey: key });
  if (!c.walletClient) throw new StakeCliError("no wallet client");
  return { publicClient: c.publicClient as PublicClient, walletClient: c.walletClient };
}

function address(value: string, what: string): Address {
  if (!isAddress(value)) throw new StakeCliError(`${what}: "${value}" is not an address`);
  return value;
}

function amount(value: string, what: string): bigint {
  try {
    const wei = parseEther(value);
    if (wei <= 0n) throw new Error("not positive");
    return wei;
  } catch {
    throw new StakeCliError(`${what}: "${value}" is not a positive amount of 0G`);
  }
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new StakeCliError(`commission: "${value}" is not 0..100 %`);
  return percentToPpm(n);
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x), 2);

/** Adds the options every subcommand shares. */
function common(cmd: Command): Command {
  return cmd
    .option("-n, --network <name>", "address book network (deployments/<network>.json)", "localhost")
    .option("--address-book <file>", "address book file (overrides --network)")
    .option("--json", "print JSON");
}

function signer(cmd: Command): Command {
  return common(cmd).option(
    "--as <role>",
    `localhost only, without ZG_PRIVATE_KEY: devnet account to sign with (${Object.keys(DEVNET_ROLES).join(", ")})`,
  );
}

export function stakeCommand(io: StakeCommandIo = { out: (l) => console.log(l), env: process.env }): Command {
  const stake = new Command("stake").description(
    "validators and delegations: create a validator, delegate, undelegate, inspect withdrawals and rewards",
  );
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (err) {
        const msg =
          err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err);
        throw new StakeCliError(msg.split("\n")[0] ?? msg);
      }
    };

  stake.addCommand(
    signer(new Command("create-validator"))
      .description(
        "generate a BLS consensus key, sign its proof of possession and create + initialize the validator with the self-delegation",
      )
      .requiredOption("--amount <0G>", "self-delegation in 0G (at least the registry's minimum, 500 0G by default)")
      .requiredOption("--moniker <name>", "validator name (≤ 70 bytes)")
      .option("--identity <s>", "identity (≤ 100 bytes)", "")
      .option("--website <url>", "website (≤ 140 bytes)", "")
      .option("--security-contact <s>", "security contact (≤ 140 bytes)", "")
      .option("--details <s>", "details (≤ 200 bytes)", "")
      .option("--commission <percent>", "commission rate in percent", "5")
      .option("--withdrawal-fee <gwei>", "withdrawal fee in gwei charged on undelegate", "1")
      .addOption(
        new Option("--key-file <file>", "write the BLS secret key here (mode 0600, never overwritten)").conflicts(
          "printKey",
        ),
      )
      .option("--print-key", "print the BLS secret key once instead of writing a file")
      .action(
        run(
          async (
            o: CommonOptions & {
              amount: string;
              moniker: string;
              identity: string;
              website: string;
              securityContact: string;
              details: string;
              commission: string;
              withdrawalFee: string;
              keyFile?: string;
              printKey?: boolean;
            },
          ) => {
            const book = loadBook(o);
            const clients = signingClients(book, o, io, "validator1");
            const keyFile = o.printKey ? undefined : path.resolve(o.keyFile ?? `validator-${Date.now()}.bls.key`);
            if (keyFile && fs.existsSync(keyFile)) throw new StakeCliError(`${keyFile} exists; not overwriting a key`);
            const key = generateConsensusKey();
            const secret = bytesToHex(key.secretKey);
            // The key is saved before the transaction: a validator whose key was lost cannot be operated.
            if (keyFile) fs.writeFileSync(keyFile, `${secret}\n`, { mode: 0o600, flag: "wx" });
            const r = await createValidator(clients, {
              secretKey: key.secretKey,
              staking: contractAddress(book, "Staking"),
              value: amount(o.amount, "--amount"),
              description: {
                moniker: o.moniker,
                identity: o.identity,
                website: o.website,
                securityContact: o.securityContact,
                details: o.details,
              },
              commissionRate: percent(o.commission),
              withdrawalFeeInGwei: BigInt(o.withdrawalFee),
            });
            const result = { validator: r.validator, pubkey: r.pubkey, txHash: r.txHash, keyFile: keyFile ?? null };
            if (o.json) io.out(toJson(o.printKey ? { ...result, secretKey: secret } : result));
            else {
              io.out(`validator ${r.validator} created and initialized (tx ${r.txHash})`);
              io.out(`consensus pubkey ${r.pubkey}`);
              if (keyFile) io.out(`BLS secret key written to ${keyFile} (0600)`);
              else io.out(`BLS secret key (shown once, store it now): ${secret}`);
            }
          },
        ),
      ),
  );

  stake.addCommand(
    signer(new Command("delegate"))
      .description("delegate 0G to a validator")
      .argument("<validator>", "validator contract address")
      .requiredOption("--amount <0G>", "amount in 0G")
      .option("--delegator <address>", "credit the shares to this address (default: the sender)")
      .action(
        run(async (validator: string, o: CommonOptions & { amount: string; delegator?: string }) => {
          const book = loadBook(o);
          const r = await delegate(signingClients(book, o, io, "delegator"), {
            validator: address(validator, "validator"),
            value: amount(o.amount, "--amount"),
            delegator: o.delegator ? address(o.delegator, "--delegator") : undefined,
          });
          io.out(o.json ? toJson(r) : `delegated ${o.amount} 0G for ${r.shares} shares (tx ${r.txHash})`);
        }),
      ),
  );

  stake.addCommand(
    signer(new Command("undelegate"))
      .description("undelegate shares (default: all); the tokens are queued and paid by the keeper after the delay")
      .argument("<validator>", "validator contract address")
      .option("--shares <n>", "shares to undelegate (default: all the sender holds)")
      .option("--to <address>", "withdrawal address (default: the sender)")
      .action(
        run(async (validator: string, o: CommonOptions & { shares?: string; to?: string }) => {
          const book = loadBook(o);
          const r = await undelegate(signingClients(book, o, io, "delegator"), {
            validator: address(validator, "validator"),
            shares: o.shares === undefined ? undefined : BigInt(o.shares),
            withdrawalAddress: o.to ? address(o.to, "--to") : undefined,
          });
          io.out(
            o.json
              ? toJson(r)
              : `${formatEther(r.amount)} 0G queued as entry ${r.queueIndex}, payable from block ${r.completionHeight} (tx ${r.txHash})`,
          );
        }),
      ),
  );

  stake.addCommand(
    common(new Command("withdrawals"))
      .description("a validator's withdrawal queue (next to pay first) and failed-payment stack")
      .argument("<validator>", "validator contract address")
      .option("--limit <n>", "entries to list", "50")
      .action(
        run(async (validator: string, o: CommonOptions & { limit: string }) => {
          const client = readClients(loadBook(o));
          const v = { address: address(validator, "validator"), abi: ValidatorAbi } as const;
          const [count, failedCount, block] = await Promise.all([
            client.readContract({ ...v, functionName: "withdrawCount" }),
            client.readContract({ ...v, functionName: "failedWithdrawCount" }),
            client.getBlockNumber(),
          ]);
          const limit = BigInt(Math.max(0, Number(o.limit)));
          const queue = [];
          for (let i = 0n; i < count && i < limit; i++) {
            const e = await client.readContract({ ...v, functionName: "getWithdraw", args: [i] });
            queue.push({
              position: i,
              receiver: e.delegatorAddress,
              amount: e.amount,
              completionHeight: e.completionHeight,
              matured: e.completionHeight <= block,
            });
          }
          const failed = [];
          for (let i = 0n; i < failedCount && i < limit; i++) {
            const [receiver, amt] = await client.readContract({ ...v, functionName: "getFailedWithdraw", args: [i] });
            failed.push({ index: i, receiver, amount: amt });
          }
          if (o.json) return io.out(toJson({ block, queued: count, queue, failed: failedCount, failedStack: failed }));
          io.out(`block ${block}: ${count} queued, ${failedCount} failed`);
          for (const e of queue)
            io.out(
              `  #${e.position} ${e.receiver} ${formatEther(e.amount)} 0G at block ${e.completionHeight}${e.matured ? " (matured)" : ""}`,
            );
          for (const f of failed) io.out(`  failed ${f.receiver} ${formatEther(f.amount)} 0G`);
        }),
      ),
  );

  stake.addCommand(
    common(new Command("rewards"))
      .description("a delegation's value, the validator's rewards, commission, APY and the reward pool's epoch")
      .argument("<validator>", "validator contract address")
      .option("--delegator <address>", "delegator (default: ZG_PRIVATE_KEY's account, or the devnet delegator)")
      .action(
        run(async (validator: string, o: CommonOptions & { delegator?: string }) => {
          const book = loadBook(o);
          const client = readClients(book);
          const rewardPool = contractAddress(book, "RewardPool");
          const v = address(validator, "validator");
          const who = o.delegator
            ? address(o.delegator, "--delegator")
            : io.env.ZG_PRIVATE_KEY
              ? createClients({
                  rpcUrl: book.rpcUrl,
                  chainId: book.chainId,
                  privateKey: io.env.ZG_PRIVATE_KEY as `0x${string}`,
                }).account!.address
              : devnetAccount("delegator").address;
          const report = await readValidatorReport(client, rewardPool, v);
          const [, shares] = await client.readContract({
            address: v,
            abi: ValidatorAbi,
            functionName: "getDelegation",
            args: [who],
          });
          const [value, undistributed, commission, epoch] = await Promise.all([
            client.readContract({ address: v, abi: ValidatorAbi, functionName: "convertToTokens", args: [shares] }),
            client.readContract({ address: v, abi: ValidatorAbi, functionName: "rewards" }),
            client.readContract({ address: v, abi: ValidatorAbi, functionName: "commission" }),
            client.readContract({ address: rewardPool, abi: RewardPoolAbi, functionName: "currentEpoch" }),
          ]);
          const out = {
            validator: v,
            delegator: who,
            shares,
            value,
            apyBps: report.annualPercentageYieldBps,
            undistributedRewards: undistributed,
            commission,
            currentEpoch: epoch,
            lastRewardedEpoch: report.lastRewardedEpoch === 0n ? null : report.lastRewardedEpoch - 1n,
            pendingPoolReward: report.pendingReward,
          };
          if (o.json) return io.out(toJson(out));
          io.out(`delegation of ${who}: ${shares} shares worth ${formatEther(value)} 0G`);
          io.out(
            `validator APY ${Number(out.apyBps) / 100}%, undistributed rewards ${formatEther(undistributed)} 0G, commission ${formatEther(commission)} 0G`,
          );
          io.out(
            `reward pool epoch ${epoch}: last paid epoch ${out.lastRewardedEpoch ?? "never"}, due now ${formatEther(report.pendingReward)} 0G`,
          );
        }),
      ),
  );

  stake.addCommand(
    common(new Command("validators"))
      .description("every initialized validator: bond status, stake, commission, APY, queues")
      .action(
        run(async (o: CommonOptions) => {
          const book = loadBook(o);
          const client = readClients(book);
          const rewardPool = contractAddress(book, "RewardPool");
          const list = await listValidators(client, contractAddress(book, "Staking"));
          const reports = await Promise.all(list.map((v) => readValidatorReport(client, rewardPool, v)));
          if (o.json) return io.out(toJson(reports));
          io.out(`${reports.length} validators`);
          for (const r of reports)
            io.out(
              `  ${r.validator} ${r.bondStatus.padEnd(9)} ${formatEther(r.tokens)} 0G, commission ${r.commissionRate / 10_000}%, ` +
                `APY ${Number(r.annualPercentageYieldBps) / 100}%, ${r.withdrawCount} queued, ${r.failedWithdrawCount} failed, operator ${r.operator}`,
            );
        }),
      ),
  );

  stake.addCommand(
    signer(new Command("set-commission"))
      .description("set a validator's commission rate (operator only; pending rewards are distributed first)")
      .argument("<validator>", "validator contract address")
      .argument("<percent>", "new commission in percent (at most the registry's maximum)")
      .action(
        run(async (validator: string, pct: string, o: CommonOptions) => {
          const book = loadBook(o);
          const c = signingClients(book, o, io, "validator1");
          const { request } = await c.publicClient.simulateContract({
            account: c.walletClient.account,
            address: address(validator, "validator"),
            abi: ValidatorAbi,
            functionName: "setCommissionRate",
            args: [percent(pct)],
          });
          const hash = await c.walletClient.writeContract(request);
          const receipt = await c.publicClient.waitForTransactionReceipt({ hash });
          if (receipt.status !== "success") throw new StakeCliError(`transaction ${hash} reverted`);
          io.out(
            o.json ? toJson({ txHash: hash, commissionRate: percent(pct) }) : `commission set to ${pct}% (tx ${hash})`,
          );
        }),
      ),
  );
  return stake;
}
