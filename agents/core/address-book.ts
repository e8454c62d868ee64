/**
 * The address book, `deployments/<network>.json`: where the contracts, agents and role accounts of one
 * network live. Read with schema validation (addresses are checksummed on read) and written atomically
 * (temporary file in the same directory, then rename), so a reader never sees half a file.
 */
import fs from "node:fs";
import path from "node:path";
import { getAddress, isAddress, type Address } from "viem";
import { z } from "zod";
import { AddressBookError } from "./errors.js";

const address = z
  .string()
  .refine((s) => isAddress(s, { strict: false }), { message: "expected a 20-byte 0x address" })
  .transform((s) => getAddress(s));

/** Schema of an address book file. */
export const addressBookSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.url(),
  redisUrl: z.string().optional(),
  /** Contract name → proxy (or contract) address. */
  contracts: z.record(z.string(), address).default({}),
  /** Agent role → base URL of its HTTP server. */
  agents: z.record(z.string(), z.url()).default({}),
  /** Role → account address. */
  accounts: z.record(z.string(), address).default({}),
});

/** A validated address book. */
export interface AddressBook {
  chainId: number;
  rpcUrl: string;
  redisUrl?: string;
  contracts: Record<string, Address>;
  agents: Record<string, string>;
  accounts: Record<string, Address>;
}

/** `deployments/<network>.json` under `root`. */
export function addressBookPath(root: string, network: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(network)) throw new AddressBookError(network, "invalid network name");
  return path.join(root, "deployments", `${network}.json`);
}

/**
 * Reads and validates an address book.
 * @throws {AddressBookError} if the file is missing, is not JSON, or breaks the schema (naming the key).
 */
export function readAddressBook(file: string): AddressBook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new AddressBookError(file, "cannot be read", { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AddressBookError(file, "is not valid JSON", { cause: err });
  }
  return parseAddressBook(json, file);
}

/** Validates an address book object (e.g. one received over HTTP). */
export function parseAddressBook(value: unknown, origin = "<value>"): AddressBook {
  const r = addressBookSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues.map((i) => `${i.path.map(String).join(".") || "<root>"}: ${i.message}`).join("; ");
    throw new AddressBookError(origin, first, { cause: r.error });
  }
  return r.data as AddressBook;
}

/** Validates and writes an address book atomically (tmp file + rename); creates the directory if needed. */
export function writeAddressBook(file: string, book: AddressBook): void {
  const valid = parseAddressBook(book, file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new AddressBookError(file, "cannot be written", { cause: err });
  }
}

/**
 * Read-modify-write: applies `update` to the current book (or to `initial` if the file does not exist yet)
 * and writes the result atomically. Not safe against concurrent writers in other processes.
 */
export function updateAddressBook(
  file: string,
  update: (book: AddressBook) => AddressBook,
  initial?: AddressBook,
): AddressBook {
  let current: AddressBook;
  if (fs.existsSync(file)) current = readAddressBook(file);
  else if (initial) current = initial;
  else throw new AddressBookError(file, "does not exist and no initial book was given");
  const next = update(structuredClone(current));
  writeAddressBook(file, next);
  return readAddressBook(file);
}

/** Looks up a contract address, failing with a message naming the missing contract. */
export function contractAddress(book: AddressBook, name: string): Address {
  const a = book.contracts[name];
  if (!a) throw new AddressBookError(name, `no contract "${name}" in the address book`);
  return a;
}
