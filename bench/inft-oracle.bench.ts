/**
 * Latency of the INFT re-encryption oracle for 1 MiB and 64 MiB of metadata, end to end over HTTP: the owner's
 * request in, the claim with its signature out (ownership checks on a real `hardhat node`, replay record in a real
 * Redis, ciphertext read and written through the fs store). Also times the pure parts the oracle runs on the
 * ciphertext (0G file root, AES-256-GCM decrypt and encrypt) in-process. Prints a table and writes
 * bench/results/inft-oracle.json.
 *
 * Usage: npx tsx bench/inft-oracle.bench.ts
 *
 * Conditions: one oracle, threshold 1, no peers; the benchmark process and the oracle share the machine's 2 cores
 * with the hardhat node and Redis. Each size is prepared `runs` times for the same token (fresh request ids), after
 * one warm-up request.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "@noble/hashes/utils.js";
import {
  getCompressedPublicKey,
  INFT_ACTIONS,
  decryptMetadata,
  encryptMetadata,
  generateDataKey,
} from "../agents/protocol/inft";
import { Keyring, mintEncryptedAgent, openTokenKey, requestReencryption } from "../agents/oracle/owner";
import { ciphertextRoot } from "../agents/oracle/store";
import { startOracleTestEnv } from "../agents/oracle/test-env";
import { bytesToHex } from "viem";

const MiB = 1024 * 1024;
const SIZES = [
  { label: "1 MiB", bytes: 1 * MiB, runs: 5 },
  { label: "64 MiB", bytes: 64 * MiB, runs: 3 },
] as const;

type Row = {
  size: string;
  bytes: number;
  runs: number;
  prepareMs: { median: number; min: number; max: number };
  rootMs: number;
  decryptMs: number;
  encryptMs: number;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

async function main(): Promise<void> {
  const env = await startOracleTestEnv({ maxMetadataBytes: 65 * MiB });
  const keyring = new Keyring(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zg-bench-")), "keyring.json"));
  const rows: Row[] = [];
  try {
    const { alice, bob, deployer } = env.actors;
    const ref = { publicClient: env.publicClient, chainId: env.chainId, agentNFT: env.agentNFT };
    for (const size of SIZES) {
      const plaintext = new Uint8Array(size.bytes);
      for (let o = 0; o < plaintext.length; o += 65536)
        plaintext.set(randomBytes(Math.min(65536, plaintext.length - o)), o);
      const minted = await mintEncryptedAgent({
        ...ref,
        minter: deployer.wallet,
        store: env.store,
        plaintext,
        owner: alice.account.address,
        ownerPublicKey: getCompressedPublicKey(alice.secretKey),
        keyring,
      });
      const dataKey = await openTokenKey({ ...ref, tokenId: minted.tokenId, secretKey: alice.secretKey, keyring });
      const prepare = () =>
        requestReencryption({
          ...ref,
          oracle: env.client,
          requester: alice.account,
          tokenId: minted.tokenId,
          action: INFT_ACTIONS.Transfer,
          to: bob.account.address,
          receiverPubKey: bytesToHex(getCompressedPublicKey(bob.secretKey)),
          dataKey,
        });
      await prepare(); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < size.runs; i++) {
        const t0 = performance.now();
        await prepare();
        samples.push(performance.now() - t0);
      }
      const ciphertext = await env.store.get(minted.uri);
      const [, rootMs] = time(() => ciphertextRoot(ciphertext));
      const [, decryptMs] = time(() => decryptMetadata({ key: dataKey, ciphertext }));
      const [, encryptMs] = time(() => encryptMetadata({ key: generateDataKey(), plaintext }));
      rows.push({
        size: size.label,
        bytes: size.bytes,
        runs: size.runs,
        prepareMs: {
          median: Math.round(median(samples)),
          min: Math.round(Math.min(...samples)),
          max: Math.round(Math.max(...samples)),
        },
        rootMs: Math.round(rootMs),
        decryptMs: Math.round(decryptMs),
        encryptMs: Math.round(encryptMs),
      });
    }
  } finally {
    await env.stop();
    fs.rmSync(path.dirname(keyring.file), { recursive: true, force: true });
  }

  console.log("size     runs  prepare median (min-max) ms   0G root ms  decrypt ms  encrypt ms");
  for (const r of rows) {
    console.log(
      `${r.size.padEnd(8)} ${String(r.runs).padEnd(5)} ${`${r.prepareMs.median} (${r.prepareMs.min}-${r.prepareMs.max})`.padEnd(28)} ${String(r.rootMs).padEnd(11)} ${String(r.decryptMs).padEnd(11)} ${r.encryptMs}`,
    );
  }
  const out = path.join(__dirname, "results", "inft-oracle.json");
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        benchmark: "inft-oracle",
        description:
          "POST /v1/prepare latency (owner request to signed claim) over loopback HTTP; hardhat node + Redis + fs store on the same 2-core machine",
        node: process.version,
        date: new Date().toISOString(),
        rows,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
