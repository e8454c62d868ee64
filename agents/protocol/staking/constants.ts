/**
 * Constants shared by the staking contracts (contracts/staking) and these helpers. Each one is checked
 * against the contract in test/contracts/staking.
 */

/** ASCII tag that starts every proof-of-possession message. */
export const POP_MESSAGE_TAG = "0G-STAKING-POP-V1";

/** RFC 9380 domain separation tag used to hash the proof-of-possession message to G2. */
export const POP_DST = "0G-STAKING-V1_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/** Length of a compressed BLS12-381 G1 public key (the consensus key). */
export const PUBKEY_LENGTH = 48;

/** Length of the signature blob: uncompressed G2 signature (192) followed by the uncompressed public key (96). */
export const SIGNATURE_LENGTH = 288;

/** Length of the proof-of-possession message in bytes. */
export const POP_MESSAGE_LENGTH = POP_MESSAGE_TAG.length + 32 + 20 + 20 + 20 + 8 + PUBKEY_LENGTH;

/** Wei per gwei. */
export const WEI_PER_GWEI = 1_000_000_000n;

/** Commission and community tax rates are parts per million. */
export const RATE_DENOMINATOR = 1_000_000;

/** Maximum description field lengths in UTF-8 bytes, as in 0G's docs. */
export const DESCRIPTION_LIMITS = {
  moniker: 70,
  identity: 100,
  website: 140,
  securityContact: 140,
  details: 200,
} as const;

/** Validator bond status as returned by `bondStatus()` (the numbering of 0G's docs: Bonded = 1). */
export const BondStatus = {
  Unspecified: 0,
  Bonded: 1,
  Unbonding: 2,
  Unbonded: 3,
} as const;

/** One of the {@link BondStatus} values. */
export type BondStatus = (typeof BondStatus)[keyof typeof BondStatus];
