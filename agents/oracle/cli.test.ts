/**
 * `zg inft` against a real chain, Redis and the oracle on HTTP: every command, run in-process through commander.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, type Hex } from "viem";
import { inftCommand, parseExpiry, type InftIo } from "../cli/commands/inft";
import { getCompressedPublicKey } from "../protocol/inft";
import { startOracleTestEnv, type Actor, type OracleTestEnv } from "./test-env";

let env: OracleTestEnv;
let dir: string;
let book: string;
const root = path.resolve(__dirname, "..", "..");

beforeAll(async () => {
  env = await startOracleTestEnv();
  dir = path.join(env.storeDir, "cli");
  fs.mkdirSync(dir);
  book = path.join(dir, "book.json");
  fs.writeFileSync(
    book,
    JSON.stringify({
      chainId: env.chainId,
      rpcUrl: env.node.rpcUrl,
      contracts: { AgentNFT: env.agentNFT, TEEVerifier: env.teeVerifier },
      agents: { oracle: env.client.url },
      accounts: {},
    }),
  );
}, 120_000);
afterAll(async () => env?.stop(), 60_000);

const key = (a: Actor) => bytesToHex(a.secretKey);
const pub = (a: Actor) => bytesToHex(getCompressedPublicKey(a.secretKey));

async function zg(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const out: string[] = [];
  let bytes: Uint8Array = new Uint8Array(0);
  const io: InftIo = { log: (l) => out.push(l), write: (d) => (bytes = d), env: opts.env ?? {} };
  const common =
    args[0] === "pubkey"
      ? []
      : ["--address-book", book, "--store", `file:${env.storeDir}`, "--keyring", path.join(dir, "keyring.json")];
  await inftCommand(io, { throwOnError: true }).parseAsync([...args, ...common], { from: "user" });
  return { out: out.join("\n"), json: () => JSON.parse(out.join("\n")) as Record<string, unknown>, bytes };
}

describe("zg inft", () => {
  let tokenId: string;
  const file = () => path.join(dir, "agent.json");

  it("mint encrypts a file, mints it to the key's account and keeps the sealed key", async () => {
    fs.writeFileSync(file(), JSON.stringify({ model: "tiny", prompt: "hello" }));
    const r = await zg([
      "mint",
      file(),
      "--key",
      key(env.actors.alice),
      "--minter-key",
      key(env.actors.deployer),
      "--json",
    ]);
    tokenId = String(r.json().tokenId);
    expect(tokenId).toMatch(/^[0-9]+$/);
    const shown = await zg(["show", tokenId, "--json"]);
    expect(shown.json().owner).toBe(env.actors.alice.account.address);
    expect(shown.json().encryptedURI).toBe(r.json().uri);
  });

  it("decrypt gives the owner the file back (key from $ZG_INFT_KEY)", async () => {
    const r = await zg(["decrypt", tokenId], { env: { ZG_INFT_KEY: key(env.actors.alice) } });
    expect(Buffer.from(r.bytes).toString()).toBe(fs.readFileSync(file(), "utf8"));
  });

  it("transfer → accept → submit moves the token; the receiver decrypts, the sender no longer does", async () => {
    const pkg = path.join(dir, "t.json");
    const prepared = await zg([
      "transfer",
      tokenId,
      "--to",
      env.actors.bob.account.address,
      "--to-pubkey",
      pub(env.actors.bob),
      "--key",
      key(env.actors.alice),
      "--out",
      pkg,
    ]);
    expect(prepared.out).toContain("zg inft accept");
    await expect(zg(["submit", pkg, "--key", key(env.actors.alice)])).rejects.toThrow(/no receiver signature/);
    // Someone else than the receiver cannot accept it.
    await expect(zg(["accept", pkg, "--key", key(env.actors.carol)])).rejects.toThrow(/addressed to/);
    await zg(["accept", pkg, "--key", key(env.actors.bob)]);
    await zg(["submit", pkg, "--key", key(env.actors.alice)]);
    expect((await zg(["show", tokenId, "--json"])).json().owner).toBe(env.actors.bob.account.address);
    const mine = await zg(["decrypt", tokenId, "--key", key(env.actors.bob), "--out", path.join(dir, "out.json")]);
    expect(mine.out).toContain("wrote");
    expect(fs.readFileSync(path.join(dir, "out.json"), "utf8")).toBe(fs.readFileSync(file(), "utf8"));
    await expect(zg(["decrypt", tokenId, "--key", key(env.actors.alice)])).rejects.toThrow();
  });

  it("clone with --receiver-key completes in one command and prints the new id", async () => {
    const r = await zg([
      "clone",
      tokenId,
      "--to",
      env.actors.carol.account.address,
      "--to-pubkey",
      pub(env.actors.carol),
      "--key",
      key(env.actors.bob),
      "--receiver-key",
      key(env.actors.carol),
      "--json",
    ]);
    const copy = String(r.json().newTokenId);
    const plain = await zg(["decrypt", copy, "--key", key(env.actors.carol)]);
    expect(Buffer.from(plain.bytes).toString()).toBe(fs.readFileSync(file(), "utf8"));
  });

  it("rotate re-encrypts the owner's token under a fresh key; it still decrypts", async () => {
    const before = (await zg(["show", tokenId, "--json"])).json().metadataHash;
    const r = await zg(["rotate", tokenId, "--key", key(env.actors.bob), "--json"]);
    expect((r.json().claim as { action: number }).action).toBe(2);
    const after = (await zg(["show", tokenId, "--json"])).json().metadataHash;
    expect(after).not.toBe(before);
    const plain = await zg(["decrypt", tokenId, "--key", key(env.actors.bob)]);
    expect(Buffer.from(plain.bytes).toString()).toBe(fs.readFileSync(file(), "utf8"));
    await expect(zg(["rotate", tokenId, "--key", key(env.actors.alice)])).rejects.toThrow();
  });

  it("authorize, show and revoke an executor", async () => {
    const executor = env.actors.mallory.account.address;
    await zg(["authorize", tokenId, executor, "--key", key(env.actors.bob), "--expires", "2h", "--max-requests", "5"]);
    const shown = (await zg(["show", tokenId, "--json"])).json() as {
      executors: { executor: string; maxRequests: string }[];
    };
    expect(shown.executors).toEqual([expect.objectContaining({ executor, maxRequests: "5" })]);
    const text = await zg(["show", tokenId]);
    expect(text.out).toContain(`executor ${executor}`);
    await zg(["revoke", tokenId, executor, "--key", key(env.actors.bob)]);
    expect(((await zg(["show", tokenId, "--json"])).json() as { executors: unknown[] }).executors).toEqual([]);
    // Only the owner may authorize: the contract's revert surfaces.
    await expect(
      zg(["authorize", tokenId, executor, "--key", key(env.actors.alice), "--max-requests", "5"]),
    ).rejects.toThrow(/AgentNFTNotTokenOwner/);
  });

  it("pubkey prints the compressed key; bad arguments are refused before anything is sent", async () => {
    expect((await zg(["pubkey", "--key", key(env.actors.bob)])).out).toBe(pub(env.actors.bob));
    await expect(
      zg([
        "transfer",
        tokenId,
        "--to",
        env.actors.bob.account.address,
        "--to-pubkey",
        "0x1234",
        "--key",
        key(env.actors.bob),
      ]),
    ).rejects.toThrow(/secp256k1/);
    expect(parseExpiry("30d", 1000)).toBe(1000n + 30n * 86_400n);
    expect(parseExpiry("1700000000", 1000)).toBe(1_700_000_000n);
    expect(() => parseExpiry("soon")).toThrow();
  });

  it("every command has --help", async () => {
    const names = inftCommand().commands.map((c) => c.name());
    expect(names).toEqual(
      expect.arrayContaining([
        "mint",
        "transfer",
        "clone",
        "accept",
        "submit",
        "authorize",
        "revoke",
        "show",
        "decrypt",
        "pubkey",
      ]),
    );
    for (const name of names) {
      const out: string[] = [];
      const io: InftIo = { log: (l) => out.push(l), write: () => undefined, env: {} };
      await expect(
        inftCommand(io, { throwOnError: true }).parseAsync([name, "--help"], { from: "user" }),
      ).rejects.toThrow();
      expect(out.join("\n")).toContain(`Usage: inft ${name}`);
    }
    const r = spawnSync(process.execPath, [path.join(root, "bin", "zg"), "inft", "--help"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: zg inft");
  }, 60_000);
});
export type { Hex };
