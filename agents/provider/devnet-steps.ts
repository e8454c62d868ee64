/**
 * The provider broker's part of the devnet scenario: the owner trusts the broker's TEE signer, alice opens a ledger
 * and funds the provider, one chat completion goes through the broker, its signature is checked against the
 * on-chain signer, and the settlement that moved the fee is shown.
 */
import {
  createWalletClient,
  getAddress,
  http,
  parseEther,
  recoverMessageAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getChain } from "../core/index.js";
import { devnetAccount, type DevnetRole } from "../devnet/accounts.js";
import type { ScenarioContext, ScenarioStep } from "../devnet/scenario.js";
import { InferenceServingAbi, LedgerManagerAbi } from "../generated/abis.js";
import { signSessionToken } from "../protocol/compute/index.js";

const SUBSYSTEM = "compute-provider";

function contracts(ctx: ScenarioContext): { serving: Address; ledger: Address; broker: string; provider: Address } {
  const serving = ctx.book.contracts.InferenceServing;
  const ledger = ctx.book.contracts.LedgerManager;
  const broker = ctx.book.agents.provider;
  if (!serving || !ledger) throw new Error("no InferenceServing/LedgerManager in the address book");
  if (!broker) throw new Error("no provider agent in the address book");
  return { serving, ledger, broker, provider: devnetAccount("provider").address };
}

async function send(
  ctx: ScenarioContext,
  role: DevnetRole,
  call: {
    address: Address;
    abi: typeof InferenceServingAbi | typeof LedgerManagerAbi;
    functionName: string;
    args: unknown[];
    value?: bigint;
  },
): Promise<Hex> {
  const account = privateKeyToAccount(devnetAccount(role).privateKey);
  const wallet = createWalletClient({
    account,
    chain: getChain(ctx.book.chainId, ctx.book.rpcUrl),
    transport: http(ctx.book.rpcUrl),
  });
  const hash = await wallet.writeContract(call as Parameters<typeof wallet.writeContract>[0]);
  const r = await (ctx.publicClient as PublicClient).waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new Error(`${call.functionName} reverted (${hash})`);
  return hash;
}

export const PROVIDER_SCENARIO_STEPS: ScenarioStep[] = [
  {
    subsystem: SUBSYSTEM,
    name: "owner trusts the broker's TEE signer",
    async run(ctx) {
      const c = contracts(ctx);
      const report = (await (await fetch(`${c.broker}/v1/quote`)).json()) as {
        signing_address: Address;
        hardware_backed: boolean;
      };
      let svc = await ctx.publicClient.readContract({
        address: c.serving,
        abi: InferenceServingAbi,
        functionName: "getService",
        args: [c.provider],
      });
      if (getAddress(svc.teeSignerAddress) !== getAddress(report.signing_address)) {
        throw new Error(`service signer ${svc.teeSignerAddress} differs from the broker's ${report.signing_address}`);
      }
      if (!svc.teeSignerAcknowledged) {
        await send(ctx, "deployer", {
          address: c.serving,
          abi: InferenceServingAbi,
          functionName: "acknowledgeTEESignerByOwner",
          args: [c.provider],
        });
        svc = await ctx.publicClient.readContract({
          address: c.serving,
          abi: InferenceServingAbi,
          functionName: "getService",
          args: [c.provider],
        });
      }
      return `signer ${report.signing_address} (hardware-backed: ${report.hardware_backed}) acknowledged: ${svc.teeSignerAcknowledged}, url ${svc.url}`;
    },
  },
  {
    subsystem: SUBSYSTEM,
    name: "alice opens a ledger and funds the provider",
    async run(ctx) {
      const c = contracts(ctx);
      const alice = devnetAccount("alice").address;
      let created = true;
      try {
        await ctx.publicClient.readContract({
          address: c.ledger,
          abi: LedgerManagerAbi,
          functionName: "getLedger",
          args: [alice],
        });
        created = false;
      } catch {
        await send(ctx, "alice", {
          address: c.ledger,
          abi: LedgerManagerAbi,
          functionName: "addLedger",
          args: [""],
          value: parseEther("5"),
        });
      }
      await send(ctx, "alice", {
        address: c.ledger,
        abi: LedgerManagerAbi,
        functionName: "transferFund",
        args: [c.provider, "inference-v1.0", parseEther("1")],
      });
      const a = await ctx.publicClient.readContract({
        address: c.serving,
        abi: InferenceServingAbi,
        functionName: "getAccount",
        args: [alice, c.provider],
      });
      ctx.state.set("provider:balanceBefore", a.balance);
      return `${created ? "ledger created with 5 0G" : "ledger existed"}; sub-account balance ${a.balance} wei, acknowledged ${a.acknowledged}`;
    },
  },
  {
    subsystem: SUBSYSTEM,
    name: "chat completion through the broker",
    async run(ctx) {
      const c = contracts(ctx);
      const alice = devnetAccount("alice");
      const now = Date.now();
      const auth = await signSessionToken(alice.privateKey, {
        address: alice.address,
        provider: c.provider,
        timestamp: now,
        expiresAt: now + 3_600_000,
        nonce: `devnet-${now}`,
        generation: 0,
        tokenId: 255,
      });
      const res = await fetch(`${c.broker}/v1/proxy/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: auth },
        body: JSON.stringify({ messages: [{ role: "user", content: "hello from the devnet scenario" }] }),
      });
      if (res.status !== 200) throw new Error(`broker answered ${res.status}: ${await res.text()}`);
      const chatId = res.headers.get("zg-res-key");
      const body = (await res.json()) as {
        choices: { message: { content: string } }[];
        usage: { prompt_tokens: number; completion_tokens: number };
      };
      ctx.state.set("provider:chatId", chatId);
      return `ZG-Res-Key ${chatId}: "${body.choices[0]?.message.content}" (${body.usage.prompt_tokens} in, ${body.usage.completion_tokens} out)`;
    },
  },
  {
    subsystem: SUBSYSTEM,
    name: "signed response verifies against the on-chain TEE signer",
    async run(ctx) {
      const c = contracts(ctx);
      const chatId = ctx.state.get("provider:chatId") as string;
      const sig = (await (await fetch(`${c.broker}/v1/proxy/signature/${chatId}`)).json()) as {
        text: string;
        signature: Hex;
      };
      const signer = await recoverMessageAddress({ message: sig.text, signature: sig.signature });
      const svc = await ctx.publicClient.readContract({
        address: c.serving,
        abi: InferenceServingAbi,
        functionName: "getService",
        args: [c.provider],
      });
      if (signer !== getAddress(svc.teeSignerAddress))
        throw new Error(`signature recovers to ${signer}, not ${svc.teeSignerAddress}`);
      return `recovered ${signer} = teeSignerAddress; fee ${(JSON.parse(sig.text) as { fee: string }).fee} wei`;
    },
  },
  {
    subsystem: SUBSYSTEM,
    name: "settlement moved the fee to the provider",
    async run(ctx) {
      const c = contracts(ctx);
      const alice = devnetAccount("alice").address;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const logs = await ctx.publicClient.getContractEvents({
          address: c.serving,
          abi: InferenceServingAbi,
          eventName: "TEESettlementRecorded",
          args: { user: alice, provider: c.provider },
          fromBlock: 0n,
        });
        const last = logs.at(-1);
        if (last) {
          const a = await ctx.publicClient.readContract({
            address: c.serving,
            abi: InferenceServingAbi,
            functionName: "getAccount",
            args: [alice, c.provider],
          });
          return `nonce ${last.args.nonce}: ${last.args.settledAmount} wei settled (tx ${last.transactionHash}); sub-account balance now ${a.balance}`;
        }
        if (Date.now() > deadline) throw new Error("no TEESettlementRecorded for alice within 60 s");
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
  },
];
