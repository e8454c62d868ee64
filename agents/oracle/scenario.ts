/**
 * The INFT steps of `zg devnet --once`, driven through the `zg inft` CLI in-process: alice mints an agent from a
 * file, transfers it to bob through the oracle (bob accepts, alice submits), bob decrypts it while alice's keys no
 * longer open it, and bob authorizes an executor.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "@noble/hashes/utils.js";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { inftCommand, type InftIo } from "../cli/commands/inft";
import { devnetAccount } from "../devnet/accounts";
import type { ScenarioContext, ScenarioStep } from "../devnet/scenario";
import { AgentNFTAbi } from "../generated/abis";
import { decryptMetadata, getCompressedPublicKey, openSealedKey } from "../protocol/inft";
import { Keyring } from "./owner";
import { openCiphertextStore } from "./store";
import { devnetStoreSpec } from "./devnet";

interface InftState {
  dir: string;
  book: string;
  keyring: string;
  plaintext: Uint8Array;
  tokenId?: bigint;
  oldDataHash?: Hex;
}

async function zgInft(args: string[], state: InftState): Promise<{ out: string[]; bytes: Uint8Array }> {
  const out: string[] = [];
  let bytes: Uint8Array = new Uint8Array(0);
  const io: InftIo = { log: (l) => out.push(l), write: (d) => (bytes = d), env: {} };
  await inftCommand(io).parseAsync([...args, "--address-book", state.book, "--keyring", state.keyring, "--json"], {
    from: "user",
  });
  return { out, bytes };
}

function st(ctx: ScenarioContext): InftState {
  let s = ctx.state.get("inft") as InftState | undefined;
  if (!s) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-inft-scenario-"));
    const book = path.join(dir, "book.json");
    fs.writeFileSync(book, JSON.stringify(ctx.book));
    s = { dir, book, keyring: path.join(dir, "keyring.json"), plaintext: randomBytes(4096) };
    ctx.state.set("inft", s);
  }
  return s;
}

const alice = devnetAccount("alice");
const bob = devnetAccount("bob");
const deployer = devnetAccount("deployer");
const executor = devnetAccount("provider");

export const inftScenarioSteps: ScenarioStep[] = [
  {
    subsystem: "inft",
    name: "mint an agent from a file",
    async run(ctx) {
      const s = st(ctx);
      const file = path.join(s.dir, "agent.bin");
      fs.writeFileSync(file, s.plaintext);
      const { out } = await zgInft(["mint", file, "--key", alice.privateKey, "--minter-key", deployer.privateKey], s);
      const minted = JSON.parse(out.join("\n")) as { tokenId: string; dataHash: Hex; uri: string };
      s.tokenId = BigInt(minted.tokenId);
      s.oldDataHash = minted.dataHash;
      return `token ${minted.tokenId} owned by alice, ${s.plaintext.length} B encrypted at ${minted.uri.slice(0, 20)}…`;
    },
  },
  {
    subsystem: "inft",
    name: "transfer it to bob through the oracle",
    async run(ctx) {
      const s = st(ctx);
      const id = String(s.tokenId);
      const pkg = path.join(s.dir, "transfer.json");
      const bobPub = bytesToHex(getCompressedPublicKey(hexToBytes(bob.privateKey)));
      await zgInft(
        ["transfer", id, "--to", bob.address, "--to-pubkey", bobPub, "--key", alice.privateKey, "--out", pkg],
        s,
      );
      await zgInft(["accept", pkg, "--key", bob.privateKey], s);
      const { out } = await zgInft(["submit", pkg, "--key", alice.privateKey], s);
      const owner = await ctx.publicClient.readContract({
        address: ctx.book.contracts.AgentNFT!,
        abi: AgentNFTAbi,
        functionName: "ownerOf",
        args: [s.tokenId!],
      });
      if (owner !== bob.address) throw new Error(`owner is ${owner}, not bob`);
      const tx = (JSON.parse(out.join("\n")) as { txHash: string }).txHash;
      return `oracle re-encrypted, bob acknowledged, alice submitted ${tx.slice(0, 12)}…; owner is bob`;
    },
  },
  {
    subsystem: "inft",
    name: "bob decrypts it; alice's keys no longer open it",
    async run(ctx) {
      const s = st(ctx);
      const id = String(s.tokenId);
      const { bytes } = await zgInft(["decrypt", id, "--key", bob.privateKey], s);
      if (bytesToHex(bytes) !== bytesToHex(s.plaintext)) throw new Error("bob's plaintext differs from the file");
      const aliceDecrypt = await zgInft(["decrypt", id, "--key", alice.privateKey], s).then(
        () => "opened",
        () => "refused",
      );
      if (aliceDecrypt !== "refused") throw new Error("alice's key still decrypts the token");
      // Alice's old data key (still in her keyring) does not open the new ciphertext.
      const entry = new Keyring(s.keyring).find(ctx.book.chainId, ctx.book.contracts.AgentNFT!, s.tokenId!);
      const oldKey = openSealedKey({ secretKey: hexToBytes(alice.privateKey), sealed: hexToBytes(entry!.sealedKey) });
      const uri = await ctx.publicClient.readContract({
        address: ctx.book.contracts.AgentNFT!,
        abi: AgentNFTAbi,
        functionName: "getEncryptedURI",
        args: [s.tokenId!],
      });
      const store = openCiphertextStore(devnetStoreSpec(ctx.book, ctx.root));
      const newCipher = await store.get(uri);
      let oldKeyOpens = true;
      try {
        decryptMetadata({ key: oldKey, ciphertext: newCipher });
      } catch {
        oldKeyOpens = false;
      }
      if (oldKeyOpens) throw new Error("alice's old data key opens the new ciphertext");
      return `bob's ${bytes.length} B match the file; alice's account key and old data key are refused`;
    },
  },
  {
    subsystem: "inft",
    name: "bob authorizes an executor",
    async run(ctx) {
      const s = st(ctx);
      const id = String(s.tokenId);
      await zgInft(
        ["authorize", id, executor.address, "--key", bob.privateKey, "--expires", "1d", "--max-requests", "100"],
        s,
      );
      const { out } = await zgInft(["show", id], s);
      const shown = JSON.parse(out.join("\n")) as { executors: { executor: string; maxRequests: string }[] };
      const e = shown.executors.find((x) => x.executor === executor.address);
      if (!e || e.maxRequests !== "100") throw new Error(`executor not listed: ${out.join(" ")}`);
      fs.rmSync(s.dir, { recursive: true, force: true });
      return `executor ${executor.address.slice(0, 10)}… may run token ${id} for 100 requests / 1 day`;
    },
  },
];
