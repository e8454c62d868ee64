/**
 * The agents the devnet starts, one child process each (`zg agent <role>`), and how each is configured from
 * the address book. Subsystems add their agent here when it lands.
 */
import type { AddressBook as AddressBookData } from "../core/address-book";
import { devnetAccount, type DevnetRole } from "./accounts";

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

export const DEVNET_AGENTS: DevnetAgentSpec[] = [];

/** Environment shared by every agent: where the chain and Redis are, and its signing key. */
export function baseAgentEnv(
  spec: DevnetAgentSpec,
  book: AddressBookData,
  httpPort: number,
  bookFile: string,
): Record<string, string> {
  const prefix = `ZG_${spec.role.toUpperCase().replace(/-/g, "_")}_`;
  return {
    [`${prefix}RPC_URL`]: book.rpcUrl,
    [`${prefix}CHAIN_ID`]: String(book.chainId),
    [`${prefix}REDIS_URL`]: book.redisUrl ?? "",
    [`${prefix}HTTP__HOST`]: "127.0.0.1",
    [`${prefix}HTTP__PORT`]: String(httpPort),
    [`${prefix}ADDRESS_BOOK`]: bookFile,
    [`${prefix}PRIVATE_KEY`]: devnetAccount(spec.account).privateKey,
    ...spec.env(book, httpPort),
  };
}
