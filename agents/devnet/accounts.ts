/**
 * Devnet actors. Hardhat's node funds 20 accounts from its public test mnemonic; the devnet's own actors use
 * #0-#13 and leave #14-#19 untouched for users and outside tools. These keys are public knowledge: never use
 * them on a real network.
 */
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Role → Hardhat account index. Stable: tools and docs rely on it. */
export const DEVNET_ROLES = {
  deployer: 0,
  storageNode: 1,
  provider: 2,
  oracle: 3,
  keeper: 4,
  daSigner: 5,
  validator1: 6,
  validator2: 7,
  delegator: 8,
  alice: 9,
  bob: 10,
  finetune: 11,
  alignment: 12,
  treasury: 13,
} as const;

export type DevnetRole = keyof typeof DEVNET_ROLES;

/** Accounts #14-#19: never used by the devnet itself. */
export const RESERVED_FOR_USERS = [14, 15, 16, 17, 18, 19] as const;

export interface DevnetAccount {
  role: DevnetRole;
  index: number;
  address: `0x${string}`;
  privateKey: `0x${string}`;
}

export function devnetAccount(role: DevnetRole): DevnetAccount {
  const index = DEVNET_ROLES[role];
  const acct = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
  const pk = acct.getHdKey().privateKey;
  if (!pk) throw new Error(`no private key for account #${index}`);
  return { role, index, address: acct.address, privateKey: bytesToHex(pk) };
}

export function devnetAccounts(): DevnetAccount[] {
  return (Object.keys(DEVNET_ROLES) as DevnetRole[]).map(devnetAccount);
}
