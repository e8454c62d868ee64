/**
 * `zg compute ...`: the user and provider sides of the compute network (inference) from the command line.
 *
 * Keys: `$ZG_COMPUTE_KEY`, or `--account <devnet role>` on a local chain (chain id 31337). Addresses: the address
 * book (`--address-book`, default deployments/localhost.json). Amounts are in 0G (18 decimals).
 */
import { Command } from "commander";
import {
  createPublicClient,
  createWalletClient,
  formatEther,
  getAddress,
  http,
  parseEther,
  recoverMessageAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { addressBookPath, readAddressBook, type AddressBook } from "../../core/address-book";
import { getChain } from "../../core/chain";
import { createQueue, createRedisConnection } from "../../core/queue";
import { createTxSender } from "../../core/tx-sender";
import { DEVNET_ROLES, devnetAccount, type DevnetRole } from "../../devnet/accounts";
import { InferenceServingAbi, LedgerManagerAbi } from "../../generated/abis";
import { signSessionToken } from "../../protocol/compute";
import { defaultAdditionalInfo, ensureService } from "../../provider/register";
import { projectRoot } from "../root";

const SERVICE = "inference-v1.0";

interface Common {
  addressBook?: string;
  account?: string;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("--address-book <file>", "address book (default deployments/localhost.json)")
    .option(
      "--account <role>",
      `devnet account on chain 31337 (${Object.keys(DEVNET_ROLES).join(", ")}); default $ZG_COMPUTE_KEY`,
    );
}

function context(o: Common) {
  const book: AddressBook = readAddressBook(o.addressBook ?? addressBookPath(projectRoot(), "localhost"));
  const serving = book.contracts.InferenceServing;
  const ledger = book.contracts.LedgerManager;
  if (!serving || !ledger) throw new Error("the address book has no InferenceServing/LedgerManager");
  const chain = getChain(book.chainId, book.rpcUrl);
  const publicClient = createPublicClient({ chain, transport: http(book.rpcUrl) }) as PublicClient;
  let key: Hex | undefined;
  if (o.account) {
    if (book.chainId !== 31337) throw new Error("--account uses the public devnet keys: only on chain 31337");
    if (!(o.account in DEVNET_ROLES)) throw new Error(`unknown devnet account ${o.account}`);
    key = devnetAccount(o.account as DevnetRole).privateKey;
  } else if (process.env.ZG_COMPUTE_KEY) key = process.env.ZG_COMPUTE_KEY as Hex;
  const account = key ? privateKeyToAccount(key) : undefined;
  const wallet = account ? createWalletClient({ account, chain, transport: http(book.rpcUrl) }) : undefined;
  const need = () => {
    if (!wallet || !account || !key) throw new Error("no key: set $ZG_COMPUTE_KEY or pass --account <devnet role>");
    return { wallet, account, key };
  };
  const write = async (
    address: Address,
    abi: typeof LedgerManagerAbi | typeof InferenceServingAbi,
    functionName: string,
    args: unknown[],
    value?: bigint,
  ) => {
    const { wallet } = need();
    const hash = await wallet.writeContract({ address, abi, functionName, args, value } as Parameters<
      typeof wallet.writeContract
    >[0]);
    const r = await publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
    return hash;
  };
  return { book, serving, ledger, publicClient, need, write, address: account?.address, key };
}

type Ctx = ReturnType<typeof context>;

function run(fn: (o: never, ...rest: never[]) => Promise<void>) {
  return async (...args: unknown[]) => {
    try {
      await (fn as (...a: unknown[]) => Promise<void>)(...args);
    } catch (err) {
      console.error(err instanceof Error ? err.message.split("\n")[0] : String(err));
      process.exit(1);
    }
  };
}

async function service(c: Ctx, provider: Address) {
  return c.publicClient.readContract({
    address: c.serving,
    abi: InferenceServingAbi,
    functionName: "getService",
    args: [provider],
  });
}

async function sessionHeader(c: Ctx, provider: Address, tokenId: number, lifetimeMs: number): Promise<string> {
  const { account, key } = c.need();
  let generation = 0n;
  try {
    const a = await c.publicClient.readContract({
      address: c.serving,
      abi: InferenceServingAbi,
      functionName: "getAccount",
      args: [account.address, provider],
    });
    generation = a.generation;
  } catch {
    // no sub-account yet: generation 0 (the broker will refuse with no_sub_account)
  }
  const now = Date.now();
  return signSessionToken(key, {
    address: account.address,
    provider,
    timestamp: now,
    expiresAt: lifetimeMs > 0 ? now + lifetimeMs : Number.MAX_SAFE_INTEGER,
    nonce: Math.random().toString(36).slice(2),
    generation: Number(generation),
    tokenId,
  });
}

function userCommands(compute: Command): void {
  withCommon(
    compute
      .command("deposit")
      .description("create your ledger with <amount> 0G, or add <amount> to it")
      .argument("<amount>", "0G"),
  ).action(
    run(async (amount: string, o: Common) => {
      const c = context(o);
      const { account } = c.need();
      let exists = true;
      try {
        await c.publicClient.readContract({
          address: c.ledger,
          abi: LedgerManagerAbi,
          functionName: "getLedger",
          args: [account.address],
        });
      } catch {
        exists = false;
      }
      const hash = exists
        ? await c.write(c.ledger, LedgerManagerAbi, "depositFund", [], parseEther(amount))
        : await c.write(c.ledger, LedgerManagerAbi, "addLedger", [""], parseEther(amount));
      console.log(`${exists ? "deposited" : "ledger created with"} ${amount} 0G (tx ${hash})`);
    }),
  );
  withCommon(
    compute.command("balance").description("your ledger and your sub-accounts with inference providers"),
  ).action(
    run(async (o: Common) => {
      const c = context(o);
      const user = c.need().account.address;
      const l = await c.publicClient.readContract({
        address: c.ledger,
        abi: LedgerManagerAbi,
        functionName: "getLedger",
        args: [user],
      });
      console.log(
        `ledger ${user}: total ${formatEther(l.totalBalance)} 0G, available ${formatEther(l.availableBalance)} 0G`,
      );
      const providers = await c.publicClient.readContract({
        address: c.ledger,
        abi: LedgerManagerAbi,
        functionName: "getLedgerProviders",
        args: [user, SERVICE],
      });
      for (const p of providers) {
        const a = await c.publicClient.readContract({
          address: c.serving,
          abi: InferenceServingAbi,
          functionName: "getAccount",
          args: [user, p],
        });
        console.log(
          `  provider ${p}: balance ${formatEther(a.balance)} 0G, pending refund ${formatEther(a.pendingRefund)} 0G, acknowledged ${a.acknowledged}, nonce ${a.nonce}`,
        );
      }
    }),
  );
  withCommon(
    compute.command("transfer-fund").description("move <amount> 0G from your ledger to a provider sub-account"),
  )
    .requiredOption("--provider <address>", "provider address")
    .argument("<amount>", "0G")
    .action(
      run(async (amount: string, o: Common & { provider: string }) => {
        const c = context(o);
        const hash = await c.write(c.ledger, LedgerManagerAbi, "transferFund", [
          getAddress(o.provider),
          SERVICE,
          parseEther(amount),
        ]);
        console.log(`transferred ${amount} 0G to ${o.provider} (tx ${hash})`);
      }),
    );
  withCommon(compute.command("list-providers").description("inference services registered on chain")).action(
    run(async (o: Common) => {
      const c = context(o);
      const services = [];
      // Pages of the contract's maximum size (limit 0), until the total is reached.
      for (let offset = 0n; ;) {
        const [page, total] = await c.publicClient.readContract({
          address: c.serving,
          abi: InferenceServingAbi,
          functionName: "getAllServices",
          args: [offset, 0n],
        });
        services.push(...page);
        offset += BigInt(page.length);
        if (!page.length || offset >= total) break;
      }
      for (const s of services) {
        console.log(
          `${s.provider}  ${s.model}  ${s.url}  in ${s.inputPrice} wei/token, out ${s.outputPrice} wei/token, ${s.verifiability}, signer ${s.teeSignerAddress} (owner-acknowledged: ${s.teeSignerAcknowledged})`,
        );
      }
      if (!services.length) console.log("(no services)");
    }),
  );
  withCommon(
    compute.command("acknowledge").description("acknowledge (or with --revoke withdraw) a provider's TEE signer"),
  )
    .requiredOption("--provider <address>", "provider address")
    .option("--revoke", "withdraw the acknowledgement (needs a zero balance)")
    .action(
      run(async (o: Common & { provider: string; revoke?: boolean }) => {
        const c = context(o);
        const hash = await c.write(c.serving, InferenceServingAbi, "acknowledgeTEESigner", [
          getAddress(o.provider),
          !o.revoke,
        ]);
        console.log(`${o.revoke ? "revoked" : "acknowledged"} provider ${o.provider} (tx ${hash})`);
      }),
    );
  withCommon(
    compute
      .command("get-secret")
      .description("print a persistent API key (app-sk-...) for a provider; revocable on chain by token id"),
  )
    .requiredOption("--provider <address>", "provider address")
    .option("--token-id <n>", "0-254", "0")
    .option("--expires-in <seconds>", "lifetime in seconds (0 = no expiry)", "0")
    .action(
      run(async (o: Common & { provider: string; tokenId: string; expiresIn: string }) => {
        const c = context(o);
        const id = Number(o.tokenId);
        if (!Number.isInteger(id) || id < 0 || id > 254) throw new Error(`--token-id must be 0-254, got ${o.tokenId}`);
        const header = await sessionHeader(c, getAddress(o.provider), id, Number(o.expiresIn) * 1000);
        console.log(header.replace(/^Bearer /, ""));
      }),
    );
  withCommon(
    compute
      .command("chat")
      .description("send one chat completion through a provider's broker and verify its signature"),
  )
    .requiredOption("--provider <address>", "provider address")
    .argument("<message>", "the user message")
    .option("--stream", "ask for a streamed answer")
    .action(
      run(async (message: string, o: Common & { provider: string; stream?: boolean }) => {
        const c = context(o);
        const provider = getAddress(o.provider);
        const s = await service(c, provider);
        const res = await fetch(`${s.url}/v1/proxy/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: await sessionHeader(c, provider, 255, 3_600_000),
          },
          body: JSON.stringify({ model: s.model, messages: [{ role: "user", content: message }], stream: !!o.stream }),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`broker answered ${res.status}: ${text}`);
        const chatId = res.headers.get("zg-res-key") ?? "";
        let content: string;
        if (o.stream) {
          content = text
            .split("\n\n")
            .filter((e) => e.startsWith("data: ") && e !== "data: [DONE]")
            .map((e) =>
              (JSON.parse(e.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices
                .map((x) => x.delta?.content ?? "")
                .join(""),
            )
            .join("");
        } else
          content =
            (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
        console.log(content);
        const ok = await verifyChat(s.url, chatId, s.teeSignerAddress);
        console.error(
          `chat id ${chatId}: signature ${ok ? "verified against" : "does NOT match"} TEE signer ${s.teeSignerAddress}`,
        );
      }),
    );
  withCommon(
    compute
      .command("retrieve-fund")
      .description("request back every inference sub-account balance (refund after the lock; run again to collect)"),
  ).action(
    run(async (o: Common) => {
      const c = context(o);
      const user = c.need().account.address;
      const providers = await c.publicClient.readContract({
        address: c.ledger,
        abi: LedgerManagerAbi,
        functionName: "getLedgerProviders",
        args: [user, SERVICE],
      });
      const hash = await c.write(c.ledger, LedgerManagerAbi, "retrieveFund", [providers, SERVICE]);
      console.log(`retrieveFund from ${providers.length} providers (tx ${hash})`);
    }),
  );
  withCommon(
    compute
      .command("refund")
      .description("withdraw <amount> 0G from your ledger to your wallet")
      .argument("<amount>", "0G"),
  ).action(
    run(async (amount: string, o: Common) => {
      const c = context(o);
      const hash = await c.write(c.ledger, LedgerManagerAbi, "refund", [parseEther(amount)]);
      console.log(`refunded ${amount} 0G (tx ${hash})`);
    }),
  );
  withCommon(
    compute
      .command("verify-receipts")
      .description("check response signatures of chat ids, and list your settlements with their requestsHash"),
  )
    .requiredOption("--provider <address>", "provider address")
    .option("--chat-id <id...>", "chat ids (ZG-Res-Key) to verify")
    .action(
      run(async (o: Common & { provider: string; chatId?: string[] }) => {
        const c = context(o);
        const provider = getAddress(o.provider);
        const s = await service(c, provider);
        let bad = 0;
        for (const id of o.chatId ?? []) {
          const ok = await verifyChat(s.url, id, s.teeSignerAddress);
          if (!ok) bad++;
          console.log(`${id}: ${ok ? "signature ok" : "signature INVALID or missing"}`);
        }
        if (c.address) {
          const logs = await c.publicClient.getContractEvents({
            address: c.serving,
            abi: InferenceServingAbi,
            eventName: "TEESettlementRecorded",
            args: { user: c.address, provider },
            fromBlock: 0n,
          });
          for (const l of logs) {
            console.log(
              `settlement nonce ${l.args.nonce}: ${l.args.settledAmount}/${l.args.totalFee} wei, requestsHash ${l.args.requestsHash} (tx ${l.transactionHash})`,
            );
          }
        }
        if (bad) process.exit(1);
      }),
    );
}

async function verifyChat(url: string, chatId: string, signer: Address): Promise<boolean> {
  const r = await fetch(`${url}/v1/proxy/signature/${encodeURIComponent(chatId)}`);
  if (!r.ok) return false;
  const sig = (await r.json()) as { text: string; signature: Hex };
  return (await recoverMessageAddress({ message: sig.text, signature: sig.signature })) === getAddress(signer);
}

interface ServiceOpts extends Common {
  brokerUrl: string;
  url?: string;
  model: string;
  inputPrice: string;
  outputPrice: string;
  stake: string;
}

function providerCommands(compute: Command): void {
  const provider = compute.command("provider").description("provider side: service registration, status, settlement");
  const register = (name: string, description: string) =>
    withCommon(provider.command(name).description(description))
      .requiredOption("--broker-url <url>", "the running broker (its /v1/quote gives the TEE signer address)")
      .option("--url <url>", "public URL to register (default: --broker-url)")
      .option("--model <name>", "model name", "test-echo-1")
      .option("--input-price <wei>", "wei per input token", "1000000000")
      .option("--output-price <wei>", "wei per output token", "2000000000")
      .option("--stake <0G>", "stake sent with the first registration", "100")
      .action(
        run(async (o: ServiceOpts) => {
          const c = context(o);
          const { account } = c.need();
          const quote = (await (await fetch(`${o.brokerUrl}/v1/quote`)).json()) as { signing_address: Address };
          const sender = createTxSender({ publicClient: c.publicClient, account });
          const r = await ensureService({
            publicClient: c.publicClient,
            txSender: sender,
            inferenceServing: c.serving,
            provider: account.address,
            stakeWei: parseEther(o.stake),
            desc: {
              serviceType: "chatbot",
              url: o.url ?? o.brokerUrl,
              model: o.model,
              verifiability: "TeeML",
              inputPrice: BigInt(o.inputPrice),
              outputPrice: BigInt(o.outputPrice),
              additionalInfo: defaultAdditionalInfo(),
              teeSignerAddress: quote.signing_address,
            },
          });
          console.log(
            `${r.action}${r.txHash ? ` (tx ${r.txHash})` : ""}; TEE signer ${quote.signing_address} owner-acknowledged: ${r.teeSignerAcknowledged}`,
          );
        }),
      );
  register("register", "register the service (stake, URL, model, prices, the broker's TEE signer)");
  register("update", "update the service to match the given description (same checks as register)");
  withCommon(
    provider
      .command("acknowledge-signer")
      .description(
        "as the contract owner (TEE_ACKNOWLEDGER_ROLE): trust a provider's TEE signer after checking its attestation",
      ),
  )
    .requiredOption("--provider <address>", "provider address")
    .option("--revoke", "withdraw the trust instead")
    .action(
      run(async (o: Common & { provider: string; revoke?: boolean }) => {
        const c = context(o);
        const p = getAddress(o.provider);
        const s = await service(c, p);
        const quote = (await (await fetch(`${s.url}/v1/quote`)).json()) as {
          signing_address: Address;
          hardware_backed: boolean;
        };
        if (!o.revoke && getAddress(quote.signing_address) !== getAddress(s.teeSignerAddress)) {
          throw new Error(
            `the broker at ${s.url} signs with ${quote.signing_address}, not the registered ${s.teeSignerAddress}`,
          );
        }
        const fn = o.revoke ? "revokeTEESignerAcknowledgement" : "acknowledgeTEESignerByOwner";
        const hash = await c.write(c.serving, InferenceServingAbi, fn, [p]);
        console.log(
          `${o.revoke ? "revoked" : "acknowledged"} signer ${s.teeSignerAddress} of ${p} (hardware-backed: ${quote.hardware_backed}) (tx ${hash})`,
        );
      }),
    );
  withCommon(provider.command("status").description("the service on chain and the broker's /status"))
    .option("--broker-url <url>", "the broker (default: the registered URL)")
    .action(
      run(async (o: Common & { brokerUrl?: string }) => {
        const c = context(o);
        const p =
          o.account || process.env.ZG_COMPUTE_KEY ? c.need().account.address : devnetAccount("provider").address;
        const s = await service(c, p);
        console.log(
          `service ${p}: ${s.model} at ${s.url}, signer ${s.teeSignerAddress} (owner-acknowledged ${s.teeSignerAcknowledged}), prices ${s.inputPrice}/${s.outputPrice} wei`,
        );
        const st = (await (await fetch(`${o.brokerUrl ?? s.url}/status`)).json()) as { role?: unknown };
        console.log(JSON.stringify(st.role ?? st, null, 2));
      }),
    );
  provider
    .command("settle")
    .description("ask the running broker to settle now (enqueues a job in its BullMQ queue)")
    .requiredOption("--redis-url <url>", "the broker's Redis")
    .option("--user <address...>", "only these users (default: everyone with unsettled requests)")
    .action(
      run(async (o: { redisUrl: string; user?: string[] }) => {
        const connection = createRedisConnection(o.redisUrl, { name: "zg-cli" });
        const queue = createQueue("provider-settle", { connection });
        const job = await queue.add("settle", {
          reason: "manual",
          ...(o.user ? { users: o.user.map((u) => getAddress(u)) } : {}),
        });
        console.log(`settlement job ${job.id} enqueued`);
        await queue.close();
        connection.disconnect();
      }),
    );
}

export function computeCommand(): Command {
  const compute = new Command("compute").description(
    "compute network (inference): ledger, providers, chat, settlement",
  );
  userCommands(compute);
  providerCommands(compute);
  return compute;
}
