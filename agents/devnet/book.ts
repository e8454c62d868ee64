/**
 * The address book `deployments/<network>.json`: the one file every tool reads to find the chain, Redis,
 * the contracts (proxy addresses users call), the agents' HTTP endpoints and the devnet's accounts.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");

export const addressBookSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().url(),
  redisUrl: z.string().optional(),
  contracts: z.record(z.string(), address),
  agents: z.record(z.string(), z.string().url()),
  accounts: z.record(z.string(), address),
});

export type AddressBookData = z.infer<typeof addressBookSchema>;

export function addressBookPath(root: string, network: string): string {
  return path.join(root, "deployments", `${network}.json`);
}

/** Writes atomically (temp file + rename) so readers never see half a file. */
export function writeAddressBook(file: string, data: AddressBookData): void {
  const parsed = addressBookSchema.parse(data);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(parsed, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

export function readAddressBook(file: string): AddressBookData {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`address book ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const res = addressBookSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new Error(`address book ${file}: key ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return res.data;
}
