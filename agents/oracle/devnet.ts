/**
 * The oracle on the devnet: its agent entry (role `oracle`, address-book key `oracle`, devnet account #3, which
 * the devnet's Ignition parameters register in the TEEVerifier) and where the devnet keeps INFT ciphertexts.
 */
import path from "node:path";
import type { AddressBook } from "../core/address-book";
import type { DevnetAgentSpec } from "../devnet/agents";

/** The devnet's ciphertext store: `.devnet/<rpc port>/inft-store` under the project root (shared by oracle and CLI). */
export function devnetStoreDir(root: string, rpcUrl: string): string {
  const port = new URL(rpcUrl).port || "8545";
  return path.join(root, ".devnet", port, "inft-store");
}

/**
 * The devnet's ciphertext store spec, shared by the oracle, the CLI and the scenario: the 0G storage layer through
 * the devnet's storage node when it runs one (`zgs:<agents.storageNode>`), else a local directory.
 */
export function devnetStoreSpec(book: AddressBook, root: string): string {
  return book.agents.storageNode ? `zgs:${book.agents.storageNode}` : `file:${devnetStoreDir(root, book.rpcUrl)}`;
}

/** The project root as seen from this file. */
export function oracleProjectRoot(): string {
  return path.resolve(__dirname, "..", "..");
}

export const oracleDevnetAgent: DevnetAgentSpec = {
  role: "oracle",
  bookKey: "oracle",
  account: "oracle",
  env(book: AddressBook) {
    // The devnet starts the storage node before the oracle, so its URL is already in the book here.
    return { ZG_ORACLE_STORE: devnetStoreSpec(book, oracleProjectRoot()) };
  },
};
