/**
 * End-to-end tests of `zg devnet`: real child processes (Hardhat node, Redis, agents), real ports on 127.0.0.1.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, http } from "viem";
import { devnetAccount, RESERVED_FOR_USERS } from "./accounts";
import { readAddressBook } from "../core/address-book";
import { installPrecompiles, ZG_PRECOMPILE_ADDRESSES } from "./precompiles";
import { freePort, portInUse, which } from "./processes";
import { startChain } from "./services";
import { mnemonicToAccount } from "viem/accounts";
import { HARDHAT_MNEMONIC } from "./accounts";

const root = path.resolve(__dirname, "..", "..");
const zg = path.join(root, "bin", "zg");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-devnet-test-"));

interface Run {
  code: number;
  out: string;
}

function runZg(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { onLine?: (line: string, kill: () => void) => void } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [zg, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split("\n")) opts.onLine?.(line, () => child.kill("SIGTERM"));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

describe("zg devnet", () => {
  let once: Run;
  let port: number;
  const book = path.join(tmp, "book-once.json");

  beforeAll(async () => {
    port = await freePort();
    once = await runZg(["devnet", "--once", "--address-book", book], { DEVNET_PORT: String(port) });
  }, 240_000);

  it("--once runs the scenario and exits 0 with a table of steps", () => {
    expect(once.out).toContain("devnet ready");
    expect(once.out).toMatch(/scenario: \d+ steps ok, 0 failed/);
    expect(once.out).toMatch(/chain answers/);
    expect(once.code).toBe(0);
  });

  it("writes an address book whose rpcUrl follows DEVNET_PORT and lists the devnet's accounts", () => {
    const b = readAddressBook(book);
    expect(b.rpcUrl).toBe(`http://127.0.0.1:${port}`);
    expect(b.chainId).toBe(31337);
    expect(b.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(b.accounts.deployer).toBe(devnetAccount("deployer").address);
    // The devnet's own actors are accounts #0-#13; #14-#19 are never named.
    const reserved = RESERVED_FOR_USERS.map((i) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).address);
    for (const a of Object.values(b.accounts)) expect(reserved).not.toContain(a);
  });

  it("stops everything it started after --once: the RPC port is free again", async () => {
    expect(await portInUse(port)).toBe(false);
  });

  it("prints `devnet ready` only after the address book is written, and SIGTERM stops it all", async () => {
    const p2 = await freePort();
    const book2 = path.join(tmp, "book-ready.json");
    let bookExistedAtReady: boolean | undefined;
    const run = await runZg(
      ["devnet", "--address-book", book2],
      { DEVNET_PORT: String(p2) },
      {
        onLine: (line, kill) => {
          if (line.includes("devnet ready") && bookExistedAtReady === undefined) {
            bookExistedAtReady = fs.existsSync(book2);
            kill();
          }
        },
      },
    );
    expect(bookExistedAtReady).toBe(true);
    expect(run.out).toContain("SIGTERM received, stopping");
    expect(await portInUse(p2)).toBe(false);
  }, 240_000);

  it("refuses a port that is already in use, with a one-line reason", async () => {
    const srv = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => srv.once("listening", r));
    const busy = (srv.address() as net.AddressInfo).port;
    const run = await runZg(["devnet", "--once"], { DEVNET_PORT: String(busy) });
    srv.close();
    expect(run.code).toBe(1);
    expect(run.out).toContain(`port ${busy} on 127.0.0.1 is in use`);
  }, 60_000);

  it("without redis-server or REDIS_URL, exits with a one-line error that says how to install Redis", async () => {
    // A PATH with node but without redis-server.
    const bin = path.join(tmp, "bin-no-redis");
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const run = await runZg(["devnet", "--once"], { PATH: bin, REDIS_URL: "", DEVNET_PORT: String(await freePort()) });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/redis-server not found: install Redis .*apt-get install redis-server/);
  }, 60_000);
});

describe("precompile stand-ins", () => {
  let chain: Awaited<ReturnType<typeof startChain>>;
  beforeAll(async () => {
    chain = await startChain({ root, port: await freePort(), logFile: path.join(tmp, "precompile-chain.log") });
  }, 120_000);
  afterAll(async () => chain?.stop());

  it("installs a stand-in's code at 0G's fixed address with hardhat_setCode, and it answers calls", async () => {
    const address = ZG_PRECOMPILE_ADDRESSES.DASigners;
    await installPrecompiles(chain.rpcUrl, root, [{ name: "probe", address, artifact: "StandInProbe" }]);
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const result = await client.readContract({
      address,
      abi: [{ type: "function", name: "probe", inputs: [], outputs: [{ type: "uint256" }], stateMutability: "pure" }],
      functionName: "probe",
    });
    expect(result).toBe(0x0a11cen);
  });

  it("fails clearly for an artifact that does not exist", async () => {
    await expect(
      installPrecompiles(chain.rpcUrl, root, [
        { name: "nope", address: ZG_PRECOMPILE_ADDRESSES.WrappedOGBase, artifact: "NoSuchContract" },
      ]),
    ).rejects.toThrow(/artifact NoSuchContract not found/);
  });
});

it("redis-server is installed on this machine (the devnet tests need it)", () => {
  expect(which("redis-server")).toBeTruthy();
});
