import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers, ignition } from "hardhat";
import { bytesToHex, hexToBytes, keccak256, toBytes, type Address, type Hex } from "viem";
import {
  generatePrivateKey,
  mnemonicToAccount,
  privateKeyToAccount,
  type HDAccount,
  type PrivateKeyAccount,
} from "viem/accounts";
import INFTModule from "../../../ignition/modules/INFT";
import {
  buildTransferClaim,
  encodeTeeOracleProof,
  encodeTransferProof,
  generateDataKey,
  getAgentNFTDomain,
  getTransferProof,
  INFT_ACTIONS,
  sealKey,
  signOracleAttestation,
  signReceiverAcknowledgment,
  type InftAction,
  type TransferClaim,
} from "../../../agents/protocol/inft";
import { AgentNFT__factory, TEEVerifier__factory, type AgentNFT, type TEEVerifier } from "../../../typechain";

/** Hardhat's default development mnemonic: viem HD accounts at index i sign as hardhat signer i. */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

export const FIRST_TOKEN_ID = 1n;
export const NONEXISTENT_TOKEN_ID = 99n;
export const INITIAL_HASH = keccak256(toBytes("agent-v1-ciphertext"));
export const INITIAL_URI = "0g://storage/agent-v1";

/** Signs as hardhat account `index` (same key), so a receiver can both acknowledge and later send transactions. */
export function hardhatAccount(index: number): HDAccount {
  // Deriving from the mnemonic runs PBKDF2; cache each account.
  let account = hdAccounts.get(index);
  if (!account) {
    account = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
    hdAccounts.set(index, account);
  }
  return account;
}

const hdAccounts = new Map<number, HDAccount>();

export function hardhatSecretKey(index: number): Uint8Array {
  const key = hardhatAccount(index).getHdKey().privateKey;
  if (!key) throw new Error("no private key");
  return key;
}

/** Deploys the INFT Ignition module with three random oracle keys and a 2-of-3 threshold, then mints token 1. */
export async function deployINFT() {
  const [admin, alice, bob, carol, mallory, executor] = await ethers.getSigners();
  const oracles: PrivateKeyAccount[] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
  const deployed = await ignition.deploy(INFTModule, {
    parameters: { INFT: { oracles: oracles.map((o) => o.address), minConfirmations: 2 } },
  });
  const nft: AgentNFT = AgentNFT__factory.connect(await deployed.AgentNFT.getAddress(), admin);
  const verifier: TEEVerifier = TEEVerifier__factory.connect(await deployed.TEEVerifier.getAddress(), admin);
  await nft.mint(alice.address, INITIAL_URI, INITIAL_HASH);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = getAgentNFTDomain({ chainId, verifyingContract: (await nft.getAddress()) as Address });
  return { nft, verifier, oracles, domain, admin, alice, bob, carol, mallory, executor };
}

export type Fixture = Awaited<ReturnType<typeof deployINFT>>;

export type ProofOptions = {
  action?: InftAction;
  tokenId?: bigint;
  from: Address;
  to: Address;
  /** Hardhat index of the account that signs the receiver acknowledgment (default: the receiver's). */
  receiverIndex: number;
  newDataHash?: Hex;
  newURI?: string;
  nonce?: bigint;
  deadline?: bigint;
  sealedKey?: Hex;
  receiverPubKey?: Hex;
  /** Oracles that sign (default: the first two). */
  signers?: PrivateKeyAccount[];
  /** Claim the oracles sign, when it must differ from the submitted one (binding tests). */
  oracleClaim?: (claim: TransferClaim) => TransferClaim;
  /** Claim the receiver signs, when it must differ from the submitted one. */
  receiverClaim?: (claim: TransferClaim) => TransferClaim;
  /** Domain the oracles sign on (default: the deployment's). */
  oracleDomain?: ReturnType<typeof getAgentNFTDomain>;
};

let nonceCounter = 1000n;

/**
 * Builds a real proof with the TypeScript protocol code: a fresh data key sealed (ECIES) to the receiver's
 * public key, oracle attestations and the receiver acknowledgment signed over the EIP-712 types.
 */
export async function makeProof(f: Fixture, o: ProofOptions) {
  const tokenId = o.tokenId ?? FIRST_TOKEN_ID;
  const receiver = hardhatAccount(o.receiverIndex);
  const receiverPubKey = o.receiverPubKey ?? receiver.publicKey;
  const dataKey = generateDataKey();
  const sealedKey = o.sealedKey ?? bytesToHex(sealKey({ publicKey: hexToBytes(receiver.publicKey), key: dataKey }));
  const nonce = o.nonce ?? nonceCounter++;
  const claim = buildTransferClaim({
    action: o.action ?? INFT_ACTIONS.Transfer,
    tokenId,
    from: o.from,
    to: o.to,
    oldDataHash: (await f.nft.getMetadataHash(tokenId)) as Hex,
    newDataHash: o.newDataHash ?? keccak256(toBytes(`reencrypted-${nonce}`)),
    newURI: o.newURI ?? `0g://storage/agent-${nonce}`,
    sealedKey,
    receiverPubKey,
    nonce,
    deadline: o.deadline ?? BigInt(await time.latest()) + 600n,
  });
  const signers = o.signers ?? f.oracles.slice(0, 2);
  const oracleClaim = o.oracleClaim ? o.oracleClaim(claim) : claim;
  const signatures = await Promise.all(
    signers.map(async (account) => ({
      signer: account.address,
      signature: await signOracleAttestation({ account, domain: o.oracleDomain ?? f.domain, claim: oracleClaim }),
    })),
  );
  const receiverSignature = await signReceiverAcknowledgment({
    account: receiver,
    domain: f.domain,
    claim: o.receiverClaim ? o.receiverClaim(claim) : claim,
  });
  const oracleProof = encodeTeeOracleProof(signatures);
  const proof = encodeTransferProof(getTransferProof({ claim, oracleProof, receiverSignature }));
  return { claim, proof, sealedKey, dataKey, oracleProof, receiverSignature };
}

/** Hardhat index of a default account (0..19). */
export function indexOf(address: string): number {
  for (let i = 0; i < 20; i++) if (hardhatAccount(i).address.toLowerCase() === address.toLowerCase()) return i;
  return 0;
}

/** Oracle proof bytes with the given signatures in the given order (no sorting), to test the verifier's checks. */
export async function rawOracleProof(f: Fixture, claim: TransferClaim, signers: PrivateKeyAccount[]): Promise<Hex> {
  const sigs = await Promise.all(signers.map((account) => signOracleAttestation({ account, domain: f.domain, claim })));
  return ethers.AbiCoder.defaultAbiCoder().encode(["bytes[]"], [sigs]) as Hex;
}

/** Sorts accounts by address ascending. */
export function ascending<T extends { address: string }>(accounts: T[]): T[] {
  return [...accounts].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

/** ERC-7201 slot of `namespace`. */
export function erc7201Slot(namespace: string): string {
  const inner = BigInt(ethers.keccak256(ethers.toUtf8Bytes(namespace))) - 1n;
  const outer = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [inner])));
  return ethers.toBeHex(outer & ~0xffn, 32);
}
