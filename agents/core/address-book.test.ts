import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  addressBookPath,
  contractAddress,
  readAddressBook,
  updateAddressBook,
  writeAddressBook,
  type AddressBook,
} from "./address-book.js";
import { AddressBookError } from "./errors.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "zg-book-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const book: AddressBook = {
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545",
  redisUrl: "redis://127.0.0.1:6379",
  contracts: { Flow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" },
  agents: { "storage-node": "http://127.0.0.1:5678" },
  accounts: { deployer: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266" },
};

describe("address book", () => {
  it("round-trips through an atomic write, checksumming addresses", () => {
    const file = addressBookPath(root, "localhost");
    expect(file).toBe(path.join(root, "deployments", "localhost.json"));
    writeAddressBook(file, book);
    const read = readAddressBook(file);
    expect(read.contracts.Flow).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expect(read.accounts.deployer).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(read.agents["storage-node"]).toBe("http://127.0.0.1:5678");
    expect(contractAddress(read, "Flow")).toBe(read.contracts.Flow);
    expect(() => contractAddress(read, "Nope")).toThrow(/Nope/);
    // No temporary files are left behind.
    expect(fs.readdirSync(path.dirname(file))).toEqual(["localhost.json"]);
  });

  it("updates in place", () => {
    const file = addressBookPath(root, "devnet");
    const next = updateAddressBook(
      file,
      (b) => ({ ...b, contracts: { ...b.contracts, Market: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512" } }),
      book,
    );
    expect(Object.keys(next.contracts).sort()).toEqual(["Flow", "Market"]);
    expect(readAddressBook(file).contracts.Market).toBe("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
  });

  it("rejects a malformed address, naming the key", () => {
    const file = path.join(root, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ ...book, contracts: { Flow: "0x1234" } }));
    expect(() => readAddressBook(file)).toThrow(AddressBookError);
    expect(() => readAddressBook(file)).toThrow(/contracts\.Flow/);
  });

  it("refuses to write an invalid book and leaves the old file intact", () => {
    const file = addressBookPath(root, "keep");
    writeAddressBook(file, book);
    expect(() => writeAddressBook(file, { ...book, chainId: -1 })).toThrow(/chainId/);
    expect(readAddressBook(file).chainId).toBe(31337);
  });

  it("reports a missing file and invalid JSON", () => {
    expect(() => readAddressBook(path.join(root, "none.json"))).toThrow(/cannot be read/);
    const file = path.join(root, "junk.json");
    fs.writeFileSync(file, "{");
    expect(() => readAddressBook(file)).toThrow(/not valid JSON/);
    expect(() => addressBookPath(root, "../etc")).toThrow(AddressBookError);
  });
});
