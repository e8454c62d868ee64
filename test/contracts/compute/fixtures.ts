import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Address, Hex } from "viem";
import ComputeModule from "../../../ignition/modules/Compute";
import { buildTeeSettlement, inferenceDomain, type TeeSettlementData } from "../../../agents/protocol/compute";
import type { InferenceServing, LedgerManager } from "../../../typechain";

export const ONE = 10n ** 18n;
export const MIN_ACCOUNT_BALANCE = 3n * ONE;
export const MIN_TRANSFER_AMOUNT = ONE;
export const PROVIDER_STAKE = 100n * ONE;
export const LOCK = 3600n;
export const SERVICE_NAME = "inference-v1.0";
/** A fixed TEE signer key (test only). */
export const TEE_KEY: Hex = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
export const TEE_ADDRESS = new ethers.Wallet(TEE_KEY).address;
/** Settlement status codes. */
export const Status = {
  SUCCESS: 0,
  PARTIAL: 1,
  PROVIDER_MISMATCH: 2,
  NO_TEE_SIGNER: 3,
  INVALID_NONCE: 4,
  INVALID_SIGNATURE: 5,
  ACCOUNT_NOT_EXISTS: 6,
} as const;

export function serviceParams(overrides: Partial<Record<string, unknown>> = {}) {
  return {
    serviceType: "chatbot",
    url: "http://127.0.0.1:8080",
    model: "qwen-2.5-7b-instruct",
    verifiability: "TeeML",
    inputPrice: 50_000_000_000n,
    outputPrice: 100_000_000_000n,
    additionalInfo: "{}",
    teeSignerAddress: TEE_ADDRESS,
    ...overrides,
  };
}

export interface ComputeFixture {
  admin: HardhatEthersSigner;
  provider: HardhatEthersSigner;
  provider2: HardhatEthersSigner;
  user: HardhatEthersSigner;
  user2: HardhatEthersSigner;
  other: HardhatEthersSigner;
  ledger: LedgerManager;
  inference: InferenceServing;
}

/** Deploys through the Ignition module with a 1 h lock. */
export async function deployCompute(): Promise<ComputeFixture> {
  const [admin, provider, provider2, user, user2, other] = await ethers.getSigners();
  const { LedgerManager, InferenceServing } = await hre.ignition.deploy(ComputeModule, {
    parameters: { Compute: { refundLockSeconds: LOCK } },
  });
  const ledger = (await ethers.getContractAt(
    "LedgerManager",
    await LedgerManager.getAddress(),
  )) as unknown as LedgerManager;
  const inference = (await ethers.getContractAt(
    "InferenceServing",
    await InferenceServing.getAddress(),
  )) as unknown as InferenceServing;
  return { admin, provider, provider2, user, user2, other, ledger, inference };
}

/** Deploy + a registered, owner-acknowledged provider + a user with a 10 0G ledger and 5 0G sub-account. */
export async function fundedFixture() {
  const f = await deployCompute();
  await f.inference.connect(f.provider).addOrUpdateService(serviceParams(), { value: PROVIDER_STAKE });
  await f.inference.connect(f.admin).acknowledgeTEESignerByOwner(f.provider.address);
  await f.ledger.connect(f.user).addLedger("", { value: 10n * ONE });
  await f.ledger.connect(f.user).transferFund(f.provider.address, SERVICE_NAME, 5n * ONE);
  return f;
}

let nonceCounter = 1_000n;

/** Signs a settlement item with `key` for the given inference proxy. */
export async function signed(
  inference: InferenceServing,
  msg: { user: string; provider: string; totalFee: bigint; nonce?: bigint; requestsHash?: Hex },
  key: Hex = TEE_KEY,
): Promise<TeeSettlementData> {
  const domain = inferenceDomain(31337, (await inference.getAddress()) as Address);
  return buildTeeSettlement(key, domain, {
    user: msg.user as Address,
    provider: msg.provider as Address,
    totalFee: msg.totalFee,
    nonce: msg.nonce ?? ++nonceCounter,
    requestsHash: msg.requestsHash ?? (ethers.keccak256(ethers.toUtf8Bytes(`batch-${nonceCounter}`)) as Hex),
  });
}
