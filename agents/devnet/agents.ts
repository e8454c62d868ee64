/**
 * The agents the devnet starts, one child process each (`zg agent <role>`), and how each is configured from
 * the address book. Subsystems add their agent here when it lands.
 */
import type { AddressBook as AddressBookData } from "../core/address-book";
import { envVarName } from "../core/config";
import { devnetAccount, type DevnetRole } from "./accounts";
import { stakingKeeperDevnetAgent } from "../keepers/staking/devnet";
import { oracleDevnetAgent } from "../oracle/devnet";
import { PROVIDER_DEVNET_AGENT } from "../provider/devnet-agent";
import { storageNodeDevnetAgent } from "../storage-node/devnet";

export interface DevnetAgentSpec {
  /** The `zg agent <role>` role name. */
  role: string;
  /** Key under `agents` in the address book. */
  bookKey: string;
  /** The devnet account whose key the agent signs with. */
  account: DevnetRole;
  /** Extra environment for the agent (its config overrides), given the address book and its HTTP port. */
  env(book: AddressBookData, httpPort: number): Record<string, string>;
}

export const DEVNET_AGENTS: DevnetAgentSpec[] = [
  storageNodeDevnetAgent,
  stakingKeeperDevnetAgent,
  oracleDevnetAgent,
  PROVIDER_DEVNET_AGENT,
];

/** Environment shared by every agent: where the chain and Redis are, and its signing key. */
export function baseAgentEnv(
  spec: DevnetAgentSpec,
  book: AddressBookData,
  httpPort: number,
  bookFile: string,
): Record<string, string> {
  const prefix = agentEnvPrefix(spec.role);
  const v = (...key: string[]) => envVarName(prefix, key);
  return {
    [v("rpcUrl")]: book.rpcUrl,
    [v("chainId")]: String(book.chainId),
    [v("redisUrl")]: book.redisUrl ?? "",
    [v("http", "host")]: "127.0.0.1",
    [v("http", "port")]: String(httpPort),
    [v("addressBook")]: bookFile,
    [v("privateKey")]: devnetAccount(spec.account).privateKey,
    // The devnet mines a block a second and never reorganises: act on events quickly.
    [v("confirmations")]: "1",
    [v("pollIntervalMs")]: "500",
    ...spec.env(book, httpPort),
  };
}

/** The environment prefix of an agent role's config: `storage-node` → `ZG_STORAGE_NODE`. */
export function agentEnvPrefix(role: string): string {
  return `ZG_${role.toUpperCase().replace(/-/g, "_")}`;
}
