/**
 * Gas of the ERC-7857 AgentNFT operations next to a plain OpenZeppelin ERC-721, measured in one in-process Hardhat
 * (EDR) run. Prints a table and writes bench/results/inft-gas.json.
 *
 * Usage: npx tsx bench/inft-gas.bench.ts
 *
 * Conditions: both tokens transfer from an owner holding one token to an account holding none, so the ERC-721
 * bookkeeping is the same; AgentNFT URIs are `0g://` + a 64-hex root (71 bytes, three storage words).
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { keccak256, toBytes, type Address } from "viem";
import { INFT_ACTIONS } from "../agents/protocol/inft";
import { PlainERC721Mock__factory } from "../typechain";
import { deployINFT, makeProof } from "../test/contracts/inft/helpers";

type Row = { operation: string; gasUsed: number; baseline?: string; baselineGas?: number; ratio?: number };

const uri = (label: string) => `0g://${keccak256(toBytes(label)).slice(2)}`;

async function gasOf(tx: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

async function main(): Promise<void> {
  const { ethers } = hre;
  const f = await deployINFT();
  const [, alice, bob, carol, , executor] = await ethers.getSigners();
  const plain = await new PlainERC721Mock__factory(f.admin).deploy();

  const plainMint = await gasOf(plain.mint(alice.address));
  const plainTransfer = await gasOf(plain.connect(alice).transferFrom(alice.address, bob.address, 1n));

  const mint = await gasOf(f.nft.mint(alice.address, uri("mint"), keccak256(toBytes("mint"))));
  const tokenId = (await f.nft.nextTokenId()) - 1n;
  const a = (s: { address: string }) => s.address as Address;

  // 2-of-3 oracle signatures (the docs' minConfirmations = 2).
  const t2 = await makeProof(f, { tokenId, from: a(alice), to: a(bob), receiverIndex: 2, newURI: uri("t2") });
  const transfer2 = await gasOf(
    f.nft.connect(alice).transfer(alice.address, bob.address, tokenId, t2.sealedKey, t2.proof),
  );

  // Clone (2-of-3) to an account holding no token.
  const c2 = await makeProof(f, {
    action: INFT_ACTIONS.Clone,
    tokenId,
    from: a(bob),
    to: a(carol),
    receiverIndex: 3,
    newURI: uri("c2"),
  });
  const clone2 = await gasOf(f.nft.connect(bob).clone(carol.address, tokenId, c2.sealedKey, c2.proof));

  // Authorize an executor with expiry and cap, then record one request.
  const expiresAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 86_400n;
  const authorize5 = f.nft.connect(bob)["authorizeUsage(uint256,address,bytes,uint64,uint64)"];
  const authorize = await gasOf(authorize5(tokenId, executor.address, "0x01", expiresAt, 1000n));
  const record = await gasOf(f.nft.connect(executor).recordUsage(tokenId, executor.address, 1n));

  // 1-of-1 oracle signature: drop to a threshold of 1 and transfer back to a fresh holder.
  await f.verifier.setMinConfirmations(1);
  const [, , , , , , fresh] = await ethers.getSigners();
  const t1 = await makeProof(f, {
    tokenId,
    from: a(bob),
    to: a(fresh),
    receiverIndex: 6,
    newURI: uri("t1"),
    signers: [f.oracles[0]],
  });
  const transfer1 = await gasOf(
    f.nft.connect(bob).transfer(bob.address, fresh.address, tokenId, t1.sealedKey, t1.proof),
  );

  const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;
  const rows: Row[] = [
    { operation: "PlainERC721Mock.mint", gasUsed: plainMint },
    { operation: "PlainERC721Mock.transferFrom", gasUsed: plainTransfer },
    {
      operation: "AgentNFT.mint",
      gasUsed: mint,
      baseline: "PlainERC721Mock.mint",
      baselineGas: plainMint,
      ratio: ratio(mint, plainMint),
    },
    {
      operation: "AgentNFT.transfer (2 oracle sigs + receiver ack)",
      gasUsed: transfer2,
      baseline: "PlainERC721Mock.transferFrom",
      baselineGas: plainTransfer,
      ratio: ratio(transfer2, plainTransfer),
    },
    {
      operation: "AgentNFT.transfer (1 oracle sig + receiver ack, clears 1 authorization)",
      gasUsed: transfer1,
      baseline: "PlainERC721Mock.transferFrom",
      baselineGas: plainTransfer,
      ratio: ratio(transfer1, plainTransfer),
    },
    {
      operation: "AgentNFT.clone (2 oracle sigs + receiver ack)",
      gasUsed: clone2,
      baseline: "PlainERC721Mock.mint",
      baselineGas: plainMint,
      ratio: ratio(clone2, plainMint),
    },
    { operation: "AgentNFT.authorizeUsage (expiry + cap)", gasUsed: authorize },
    { operation: "AgentNFT.recordUsage (1 request)", gasUsed: record },
  ];

  console.log("\nERC-7857 AgentNFT gas vs plain OpenZeppelin ERC-721 (hardhat EDR, solc 0.8.30 viaIR, 200 runs)\n");
  console.log(`${"operation".padEnd(78)}${"gas".padStart(9)}${"ratio".padStart(8)}`);
  for (const r of rows) {
    console.log(
      `${r.operation.padEnd(78)}${String(r.gasUsed).padStart(9)}${(r.ratio ? `${r.ratio}x` : "").padStart(8)}`,
    );
  }

  const out = path.join(__dirname, "results", "inft-gas.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        benchmark: "inft-gas",
        measuredAt: new Date().toISOString(),
        network: `${hre.network.name} (EDR, chainId ${hre.network.config.chainId})`,
        compiler: { solc: hre.config.solidity.compilers[0].version, viaIR: true, optimizerRuns: 200 },
        conditions:
          "transfers go from an owner holding one token to an account holding none; URIs are 71 bytes; oracle threshold 2 of 3 unless noted",
        results: rows,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
