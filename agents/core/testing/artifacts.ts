/**
 * Helpers to deploy compiled Hardhat artifacts (`artifacts/**\/<Name>.json`) with viem.
 */
import fs from "node:fs";
import path from "node:path";
import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { projectRoot } from "./processes.js";

/** The parts of a Hardhat artifact a deployment needs. */
export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
  bytecode: Hex;
}

function findArtifact(dir: string, file: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "build-info") out.push(...findArtifact(p, file));
    } else if (e.name === file) out.push(p);
  }
  return out;
}

/**
 * Reads `artifacts/**\/<name>.json`. `name` may be fully qualified (`contracts/test/X.sol:X`) to resolve
 * duplicates. @throws if the artifact is missing (run `npx hardhat compile`) or ambiguous.
 */
export function readArtifact(name: string, root = projectRoot()): Artifact {
  const base = path.join(root, "artifacts");
  let file: string;
  if (name.includes(":")) {
    const [source, contract] = name.split(":") as [string, string];
    file = path.join(base, source, `${contract}.json`);
    if (!fs.existsSync(file)) throw new Error(`artifact ${name} not found at ${file}; run npx hardhat compile`);
  } else {
    const found = findArtifact(base, `${name}.json`);
    if (found.length === 0) throw new Error(`artifact ${name} not found under ${base}; run npx hardhat compile`);
    if (found.length > 1) throw new Error(`artifact ${name} is ambiguous: ${found.join(", ")}`);
    file = found[0] as string;
  }
  const j = JSON.parse(fs.readFileSync(file, "utf8")) as Artifact;
  return { contractName: j.contractName, sourceName: j.sourceName, abi: j.abi, bytecode: j.bytecode };
}

/** Deploys an artifact and waits for its receipt. @returns the contract address and deployment block. */
export async function deployArtifact(p: {
  walletClient: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
  name: string;
  args?: readonly unknown[];
  root?: string;
}): Promise<{ address: Address; blockNumber: bigint; abi: Abi }> {
  const artifact = readArtifact(p.name, p.root);
  const hash = await p.walletClient.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: (p.args ?? []) as unknown[],
  });
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (!receipt.contractAddress || receipt.status !== "success") {
    throw new Error(`deployment of ${p.name} failed in ${hash}`);
  }
  return { address: receipt.contractAddress, blockNumber: receipt.blockNumber, abi: artifact.abi };
}
