/**
 * The `zg` command line: every command and subcommand answers `--help`, unknown input fails with a reason, and
 * `zg deploy --network localhost` deploys the whole system to a running node and writes its address book.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "commander";
import { buildProgram } from "./main";
import { readAddressBook } from "../core/address-book";
import { freePort } from "../devnet/processes";
import { startChain, type ChainService } from "../devnet/services";

const root = path.resolve(__dirname, "..", "..");
const zg = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [path.join(root, "bin", "zg"), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });

/** Every command path of the program, e.g. ["stake", "delegate"]. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const sub of cmd.commands) {
    const p = [...prefix, sub.name()];
    out.push(p);
    out.push(...commandPaths(sub, p));
  }
  return out;
}

describe("zg --help", () => {
  const paths = commandPaths(buildProgram()).filter((p) => p[p.length - 1] !== "help");

  it("lists the commands", () => {
    const r = zg(["--help"]);
    expect(r.status).toBe(0);
    for (const name of ["devnet", "deploy", "agent"]) expect(r.stdout).toContain(name);
  });

  it.each(paths.map((p) => [p.join(" "), p]))("`zg %s --help` prints usage and exits 0", (_label, p) => {
    const r = zg([...(p as string[]), "--help"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: zg /m);
  });

  it("rejects an unknown command with a reason and a non-zero exit", () => {
    const r = zg(["frobnicate"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it("`zg agent` names the unknown role and the known ones", () => {
    const r = zg(["agent", "nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown role "nope"; known roles: .*keeper/);
  });

  it("`zg deploy` refuses a remote network without ZG_DEPLOYER_KEY", () => {
    const r = zg(["deploy", "--network", "zgTestnet"], { ZG_DEPLOYER_KEY: "" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("ZG_DEPLOYER_KEY is not set");
  });
});

describe("zg deploy --network localhost", () => {
  let chain: ChainService;
  let port: number;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zg-cli-"));
  const book = path.join(root, "deployments", "localhost.json");
  let saved: string | undefined;

  beforeAll(async () => {
    port = await freePort();
    chain = await startChain({ root, port, logFile: path.join(tmp, "chain.log") });
    saved = fs.existsSync(book) ? fs.readFileSync(book, "utf8") : undefined;
  }, 120_000);
  afterAll(async () => {
    await chain?.stop();
    if (saved !== undefined) fs.writeFileSync(book, saved);
    else fs.rmSync(book, { force: true });
  });

  it("deploys every subsystem with Ignition and writes the address book with the node's URL", () => {
    const r = zg(
      [
        "deploy",
        "--network",
        "localhost",
        "--parameters",
        "ignition/parameters/devnet.json",
        "--deployment-id",
        `cli-test-${port}`,
      ],
      { DEVNET_PORT: String(port) },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deployed \d+ contracts to localhost \(chainId 31337\)/);
    const b = readAddressBook(book);
    expect(b.rpcUrl).toBe(`http://127.0.0.1:${port}`);
    for (const name of [
      "Flow",
      "Market",
      "Reward",
      "Mine",
      "LedgerManager",
      "InferenceServing",
      "AgentNFT",
      "Staking",
    ]) {
      expect(b.contracts[name], name).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    fs.rmSync(path.join(root, "ignition", "deployments", `cli-test-${port}`), { recursive: true, force: true });
  }, 300_000);
});
