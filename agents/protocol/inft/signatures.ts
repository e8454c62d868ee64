import { isAddressEqual, recoverTypedDataAddress, type Address, type Hex, type TypedDataDomain } from "viem";
import type { LocalAccount } from "viem/accounts";
import { getOracleAttestationTypedData, getReceiverAcknowledgmentTypedData, type TransferClaim } from "./typedData";

/** Anything that signs EIP-712 data: a viem `LocalAccount` (private key, HD or a custom KMS-backed account). */
export type TypedDataSigner = Pick<LocalAccount, "address" | "signTypedData">;

export type SignClaimParameters = { account: TypedDataSigner; domain: TypedDataDomain; claim: TransferClaim };
export type RecoverClaimSignerParameters = { domain: TypedDataDomain; claim: TransferClaim; signature: Hex };

/**
 * Oracle side: signs the `OracleAttestation` for `claim`.
 * @example
 * const sig = await signOracleAttestation({ account: privateKeyToAccount(oracleKey), domain, claim });
 */
export function signOracleAttestation({ account, domain, claim }: SignClaimParameters): Promise<Hex> {
  return account.signTypedData(getOracleAttestationTypedData({ domain, claim }));
}

/** Receiver side: signs the `ReceiverAcknowledgment` for `claim` (the receiver's Ethereum key or its delegate). */
export function signReceiverAcknowledgment({ account, domain, claim }: SignClaimParameters): Promise<Hex> {
  return account.signTypedData(getReceiverAcknowledgmentTypedData({ domain, claim }));
}

/** Recovers the address that signed an `OracleAttestation`. */
export function recoverOracleAttestationSigner({
  domain,
  claim,
  signature,
}: RecoverClaimSignerParameters): Promise<Address> {
  return recoverTypedDataAddress({ ...getOracleAttestationTypedData({ domain, claim }), signature });
}

/** Recovers the address that signed a `ReceiverAcknowledgment`. */
export function recoverReceiverAcknowledgmentSigner({
  domain,
  claim,
  signature,
}: RecoverClaimSignerParameters): Promise<Address> {
  return recoverTypedDataAddress({ ...getReceiverAcknowledgmentTypedData({ domain, claim }), signature });
}

/**
 * True when `signature` is an EOA acknowledgment of `claim` by `claim.to` (or by `delegate` when given).
 * Contract receivers (ERC-1271) must be checked on chain.
 */
export async function verifyReceiverAcknowledgment({
  domain,
  claim,
  signature,
  delegate,
}: RecoverClaimSignerParameters & { delegate?: Address }): Promise<boolean> {
  let signer: Address;
  try {
    signer = await recoverReceiverAcknowledgmentSigner({ domain, claim, signature });
  } catch {
    return false;
  }
  return isAddressEqual(signer, claim.to) || (delegate !== undefined && isAddressEqual(signer, delegate));
}
