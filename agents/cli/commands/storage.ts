/**
 * `zg storage upload|download|status`: files on 0G storage through zgs nodes (ours or 0G's) and our Flow, using the
 * typed client in `agents/storage-node/client.ts`.
 */
import fs from "node:fs";
import { Command } from "commander";
import { SingleBar, Presets } from "cli-progress";
import {
  createPublicClient,
  createWalletClient,
  http,
  type Account,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { addressBookPath, readAddressBook, type AddressBook } from "../../core/address-book";
import { getChain } from "../../core/chain";
import { devnetAccount } from "../../devnet/accounts";
import { formatEther } from "viem";
import type { Hex } from "../../protocol/storage";
import { ZgsClient, downloadFile, uploadFile, type TransferProgress } from "../../storage-node/client";
import { projectRoot } from "../root";

interface CommonOptions {
  network: string;
  addressBook?: string;
  node?: string[];
}

function loadBook(o: CommonOptions): { book: AddressBook; file: string } {
  const file = o.addressBook ?? addressBookPath(projectRoot(), o.network);
  return { book: readAddressBook(file), file };
}

function nodesOf(o: CommonOptions, book: AddressBook): ZgsClient[] {
  const urls = o.node?.length ? o.node : book.agents.storageNode ? [book.agents.storageNode] : [];
  if (urls.length === 0)
    throw new Error("no storage node: pass --node <url> or add agents.storageNode to the address book");
  return urls.map((u) => new ZgsClient(u));
}

function privateKey(network: string): Hex {
  const k = process.env.ZG_PRIVATE_KEY;
  if (k) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(k)) throw new Error("ZG_PRIVATE_KEY must be 0x followed by 64 hex digits");
    return k as Hex;
  }
  if (network === "localhost") return devnetAccount("alice").privateKey;
  throw new Error(`ZG_PRIVATE_KEY is not set; it is required for ${network}`);
}

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("-n, --network <name>", "network whose address book to read (deployments/<name>.json)", "localhost")
    .option("--address-book <file>", "address book file (overrides --network)")
    .option("--node <url>", "zgs node URL (repeatable; default: the address book's agents.storageNode)", collect);
}

function progressBar(label: string): { onProgress: (p: TransferProgress) => void; stop: () => void } {
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total} segments`, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (p) => {
      if (p.phase === "submitted") console.log(`submitted: txSeq ${p.txSeq}`);
      if (p.phase !== "segments") return;
      if (!started) {
        bar.start(p.total, p.done);
        started = true;
      } else bar.update(p.done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function storageCommand(): Command {
  const storage = new Command("storage").description("upload, download and inspect files on 0G storage nodes");

  withCommon(
    storage
      .command("upload")
      .description("submit a file to the Flow (fee quoted from the Market), upload its segments, wait for finalization")
      .argument("<file>", "file to upload")
      .option("--tags <hex>", "submission tags (0x-hex)", "0x")
      .option("--tx-seq <n>", "resume: the file was already submitted as this txSeq", (v) => Number(v)),
  ).action(async (file: string, o: CommonOptions & { tags: string; txSeq?: number }) => {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(o.tags)) throw new Error(`--tags must be 0x-hex of whole bytes (got ${o.tags})`);
    const { book } = loadBook(o);
    const flowAddress = book.contracts.Flow as Hex | undefined;
    if (!flowAddress) throw new Error("the address book has no contracts.Flow");
    const data = new Uint8Array(fs.readFileSync(file));
    const chain = getChain(book.chainId, book.rpcUrl);
    const transport = http(book.rpcUrl);
    const account = privateKeyToAccount(privateKey(o.network));
    const publicClient = createPublicClient({ chain, transport }) as PublicClient;
    const walletClient = createWalletClient({ chain, transport, account }) as WalletClient<Transport, Chain, Account>;
    const bar = progressBar("upload");
    try {
      const res = await uploadFile(data, {
        nodes: nodesOf(o, book),
        chain: { publicClient, walletClient, flowAddress },
        tags: o.tags as Hex,
        txSeq: o.txSeq,
        onProgress: bar.onProgress,
      });
      bar.stop();
      console.log(`root   ${res.root}`);
      console.log(`txSeq  ${res.txSeq}`);
      if (res.txHash) console.log(`tx     ${res.txHash} (fee ${formatEther(res.fee)} 0G)`);
      console.log(`size   ${data.length} bytes, ${res.segments} segments uploaded, finalized`);
    } finally {
      bar.stop();
    }
  });

  withCommon(
    storage
      .command("download")
      .description("download a file by root or txSeq, verifying every segment's proof and the file root")
      .argument("<rootOrTxSeq>", "file root (0x + 64 hex) or txSeq (decimal)")
      .argument("<out>", "output file (must not exist)"),
  ).action(async (id: string, out: string, o: CommonOptions) => {
    const key: Hex | number = /^0x[0-9a-fA-F]{64}$/.test(id)
      ? (id.toLowerCase() as Hex)
      : /^\d+$/.test(id)
        ? Number(id)
        : (() => {
            throw new Error(`"${id}" is neither a root (0x + 64 hex digits) nor a txSeq`);
          })();
    if (fs.existsSync(out)) throw new Error(`${out} exists; choose a new path`);
    const { book } = loadBook(o);
    const bar = progressBar("download");
    try {
      const res = await downloadFile(key, { nodes: nodesOf(o, book), onProgress: bar.onProgress });
      bar.stop();
      fs.writeFileSync(`${out}.partial`, res.data);
      fs.renameSync(`${out}.partial`, out);
      console.log(`root   ${res.root} (verified)`);
      console.log(`txSeq  ${res.txSeq}`);
      console.log(`wrote  ${out} (${res.data.length} bytes)`);
    } finally {
      bar.stop();
    }
  });

  withCommon(storage.command("status").description("zgs_getStatus and zgs_getShardConfig of each node")).action(
    async (o: CommonOptions) => {
      const { book } = loadBook(o);
      for (const node of nodesOf(o, book)) {
        const [status, shard] = await Promise.all([node.getStatus(), node.getShardConfig()]);
        console.log(`${node.url}`);
        console.log(`  chainId     ${status.networkIdentity.chainId}`);
        console.log(`  flow        ${status.networkIdentity.flowAddress}`);
        console.log(`  synced to   block ${status.logSyncHeight} (${status.logSyncBlock})`);
        console.log(`  nextTxSeq   ${status.nextTxSeq}`);
        console.log(`  shard       ${shard.shardId}/${shard.numShard}`);
      }
    },
  );
  return storage;
}
