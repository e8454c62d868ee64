/**
 * The storage node's devnet scenario steps: the node reports our Flow, a multi-segment file uploads through the
 * typed client (Flow submit + verified segments) and downloads back byte-identical with every proof checked.
 */
import { randomBytes } from "node:crypto";
import { createWalletClient, http, type Account, type Chain, type Transport, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getChain } from "../core/chain";
import { devnetAccount } from "../devnet/accounts";
import type { ScenarioContext, ScenarioStep } from "../devnet/scenario";
import { BYTES_PER_SEGMENT, type Hex } from "../protocol/storage";
import { ZgsClient, downloadFile, uploadFile } from "./client";

const SUBSYSTEM = "storage-node";
const FILE_SIZE = 3 * BYTES_PER_SEGMENT + 4096 + 17;

function nodeOf(ctx: ScenarioContext): ZgsClient {
  const url = ctx.book.agents.storageNode;
  if (!url) throw new Error("no agents.storageNode in the address book");
  return new ZgsClient(url);
}

export const storageNodeSteps: ScenarioStep[] = [
  {
    subsystem: SUBSYSTEM,
    name: "zgs_getStatus reports our Flow",
    async run(ctx) {
      const status = await nodeOf(ctx).getStatus();
      const flow = ctx.book.contracts.Flow;
      if (status.networkIdentity.flowAddress.toLowerCase() !== flow?.toLowerCase())
        throw new Error(`node follows Flow ${status.networkIdentity.flowAddress}, the address book says ${flow}`);
      if (status.networkIdentity.chainId !== ctx.book.chainId)
        throw new Error(`node reports chainId ${status.networkIdentity.chainId}, expected ${ctx.book.chainId}`);
      return `Flow ${flow}, synced to block ${status.logSyncHeight}, nextTxSeq ${status.nextTxSeq}`;
    },
  },
  {
    subsystem: SUBSYSTEM,
    name: "upload a multi-segment file",
    async run(ctx) {
      const data = new Uint8Array(randomBytes(FILE_SIZE));
      const chain = getChain(ctx.book.chainId, ctx.book.rpcUrl);
      const transport = http(ctx.book.rpcUrl);
      const walletClient = createWalletClient({
        chain,
        transport,
        account: privateKeyToAccount(devnetAccount("alice").privateKey),
      }) as WalletClient<Transport, Chain, Account>;
      const res = await uploadFile(data, {
        nodes: [nodeOf(ctx)],
        chain: { publicClient: ctx.publicClient, walletClient, flowAddress: ctx.book.contracts.Flow as Hex },
        timeoutMs: 60_000,
      });
      ctx.state.set("storage-node:file", { data, root: res.root, txSeq: res.txSeq });
      return `${data.length} B, ${res.segments} segments, root ${res.root.slice(0, 10)}…, txSeq ${res.txSeq}, finalized`;
    },
  },
  {
    subsystem: SUBSYSTEM,
    name: "download it back byte-identical",
    async run(ctx) {
      const file = ctx.state.get("storage-node:file") as { data: Uint8Array; root: Hex; txSeq: number };
      const got = await downloadFile(file.root, { nodes: [nodeOf(ctx)] });
      if (!Buffer.from(got.data).equals(Buffer.from(file.data)))
        throw new Error("downloaded bytes differ from the upload");
      return `${got.data.length} B identical, root verified`;
    },
  },
];

interface MiningStatusView {
  minerId: string | null;
  epoch: string | null;
  answersAccepted: number;
  rewardsEarnedWei: string;
  rewardsWithdrawnWei: string;
  idleReason: string | null;
  lastError: string | null;
}

/**
 * Runs last in the scenario, so the node's miner has had the other subsystems' steps to close an epoch over the
 * uploaded file, seal it and mine: waits for an accepted PoRA answer and the reward the miner withdrew.
 */
export const storageMiningSteps: ScenarioStep[] = [
  {
    subsystem: "storage-mining",
    name: "the node's miner has an answer accepted and withdraws its reward",
    async run(ctx) {
      const url = ctx.book.agents.storageNode;
      if (!url) throw new Error("no agents.storageNode in the address book");
      const deadline = Date.now() + 240_000;
      let last: MiningStatusView | null = null;
      while (Date.now() < deadline) {
        const body = (await (await fetch(`${url}/status`)).json()) as { role?: { mining?: MiningStatusView | null } };
        last = body.role?.mining ?? null;
        if (last && last.answersAccepted > 0 && BigInt(last.rewardsWithdrawnWei) > 0n) {
          return (
            `miner ${last.minerId?.slice(0, 10)}…: ${last.answersAccepted} answer(s) accepted by Mine, ` +
            `reward earned ${last.rewardsEarnedWei} wei, withdrawn ${last.rewardsWithdrawnWei} wei (epoch ${last.epoch})`
          );
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      throw new Error(
        `no accepted answer with a withdrawn reward within 240 s; miner status: ` +
          (last
            ? `accepted ${last.answersAccepted}, withdrawn ${last.rewardsWithdrawnWei}, idle: ${last.idleReason}, error: ${last.lastError}`
            : "no mining status"),
      );
    },
  },
];
