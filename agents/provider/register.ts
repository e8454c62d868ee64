/** Registers or updates the provider's service on InferenceServing (`addOrUpdateService`). */
import type { Address, PublicClient } from "viem";
import type { TxSender } from "../core/index.js";
import { InferenceServingAbi } from "../generated/abis.js";

export interface ServiceDescription {
  serviceType: string;
  url: string;
  model: string;
  verifiability: string;
  inputPrice: bigint;
  outputPrice: bigint;
  additionalInfo: string;
  teeSignerAddress: Address;
}

/** What the SDK parses from `additionalInfo` (JSON): our broker is not hardware-backed and says so. */
export function defaultAdditionalInfo(): string {
  return JSON.stringify({ ProviderType: "centralized", TEEVerifier: "none", HardwareBacked: false });
}

export interface RegistrationResult {
  action: "registered" | "updated" | "unchanged";
  txHash?: `0x${string}`;
  teeSignerAcknowledged: boolean;
}

/**
 * Makes the on-chain service match `desc`: registers it with `stakeWei` the first time, updates it when any field
 * differs, and does nothing otherwise. A new TEE signer (or model, type, verifiability, info) clears the owner's
 * acknowledgement: the result says whether the signer is acknowledged now.
 */
export async function ensureService(p: {
  publicClient: PublicClient;
  txSender: TxSender;
  inferenceServing: Address;
  provider: Address;
  desc: ServiceDescription;
  stakeWei: bigint;
}): Promise<RegistrationResult> {
  const exists = await p.publicClient.readContract({
    address: p.inferenceServing,
    abi: InferenceServingAbi,
    functionName: "serviceExists",
    args: [p.provider],
  });
  if (exists) {
    const s = await p.publicClient.readContract({
      address: p.inferenceServing,
      abi: InferenceServingAbi,
      functionName: "getService",
      args: [p.provider],
    });
    const same =
      s.serviceType === p.desc.serviceType &&
      s.url === p.desc.url &&
      s.model === p.desc.model &&
      s.verifiability === p.desc.verifiability &&
      s.inputPrice === p.desc.inputPrice &&
      s.outputPrice === p.desc.outputPrice &&
      s.additionalInfo === p.desc.additionalInfo &&
      s.teeSignerAddress.toLowerCase() === p.desc.teeSignerAddress.toLowerCase();
    if (same) return { action: "unchanged", teeSignerAcknowledged: s.teeSignerAcknowledged };
  }
  const tx = await p.txSender.writeContract({
    address: p.inferenceServing,
    abi: InferenceServingAbi,
    functionName: "addOrUpdateService",
    args: [p.desc],
    value: exists ? 0n : p.stakeWei,
  });
  const after = await p.publicClient.readContract({
    address: p.inferenceServing,
    abi: InferenceServingAbi,
    functionName: "getService",
    args: [p.provider],
  });
  return {
    action: exists ? "updated" : "registered",
    txHash: tx.hash,
    teeSignerAcknowledged: after.teeSignerAcknowledged,
  };
}
