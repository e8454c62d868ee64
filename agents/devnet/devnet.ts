/**
 * `zg devnet`: the whole system on the local default. Starts Redis and a Hardhat node on loopback, deploys
 * every module with Ignition, installs the precompile stand-ins, starts every agent, writes the address book,
 * prints `devnet ready`, and keeps running until SIGINT/SIGTERM stop it all. With `once`, runs the end-to-end
 * scenario instead of waiting, prints a table of what each step did, and exits with its status.
 */
import fs from "node:fs";
import { Redis } from "ioredis";
import path from "node:path";
import { devnetAccounts, type DevnetRole } from "./accounts";
import { baseAgentEnv, DEVNET_AGENTS } from "./agents";
import { addressBookPath, writeAddressBook, type AddressBook as AddressBookData } from "../core/address-book";
import { installPrecompiles } from "./precompiles";
import { DevnetError, freePort, spawnManaged, waitFor, type ManagedProcess } from "./processes";
import { formatResults, runScenario } from "./scenario";
import { SCENARIO_STEPS } from "./steps";
import { DEVNET_SETUP } from "./setup";
import { startChain, startRedis, type ChainService, type RedisService } from "./services";

export interface DevnetOptions {
  root: string;
  port: number;
  once: boolean;
  redisUrl?: string;
  /** Block interval for interval mining, so idle devnets still advance epochs. */
  blockIntervalMs: number;
  /** Where the address book goes; default deployments/localhost.json. */
  addressBook?: string;
  log: (line: string) => void;
}

export async function runDevnet(opts: DevnetOptions): Promise<number> {
  const stateDir = path.join(opts.root, ".devnet", String(opts.port));
  fs.mkdirSync(stateDir, { recursive: true });
  const children: ManagedProcess[] = [];
  let redis: RedisService | undefined;
  let chain: ChainService | undefined;
  let stopping = false;

  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    for (const c of [...children].reverse()) await c.stop();
    await chain?.stop();
    await redis?.stop();
  };
  let signalled: (code: number) => void = () => undefined;
  const signalledP = new Promise<number>((resolve) => (signalled = resolve));
  const onSignal = (sig: NodeJS.Signals) => {
    opts.log(`devnet: ${sig} received, stopping`);
    void stopAll().then(() => signalled(sig === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    opts.log(`devnet: starting Redis and a Hardhat node on 127.0.0.1:${opts.port}`);
    redis = await startRedis({
      dataDir: path.join(stateDir, "redis"),
      externalUrl: opts.redisUrl,
      logFile: path.join(stateDir, "redis.log"),
    });
    // A fresh chain means fresh Redis state: agents' cursors from an earlier run would point at blocks that
    // no longer exist.
    if (!opts.redisUrl) await flushRedis(redis.port);
    chain = await startChain({
      root: opts.root,
      port: opts.port,
      logFile: path.join(stateDir, "chain.log"),
      blockIntervalMs: opts.blockIntervalMs,
    });

    opts.log("devnet: deploying the system with Ignition");
    const deployed = await deploySystem(opts.root, opts.port, stateDir);
    const installed = await installPrecompiles(chain.rpcUrl, opts.root);
    if (installed.length)
      opts.log(`devnet: precompile stand-ins: ${installed.map((s) => `${s.name}@${s.address}`).join(", ")}`);

    const accounts: Record<string, `0x${string}`> = {};
    for (const a of devnetAccounts()) accounts[a.role] = a.address;
    const book: AddressBookData = {
      chainId: deployed.chainId,
      rpcUrl: chain.rpcUrl,
      redisUrl: redis.url,
      contracts: deployed.contracts,
      agents: {},
      accounts,
    };
    const bookFile = opts.addressBook ?? addressBookPath(opts.root, "localhost");
    // Agents read the address book at start-up, so write it before starting them, then again with their URLs.
    writeAddressBook(bookFile, book);
    for (const setup of DEVNET_SETUP)
      opts.log(`devnet: ${setup.name}: ${await setup.run({ root: opts.root, book, stateDir })}`);

    for (const spec of DEVNET_AGENTS) {
      const httpPort = await freePort();
      const proc = spawnManaged(spec.role, process.execPath, [path.join(opts.root, "bin", "zg"), "agent", spec.role], {
        cwd: opts.root,
        env: { ...process.env, ...baseAgentEnv(spec, book, httpPort, bookFile) },
        logFile: path.join(stateDir, `${spec.role}.log`),
      });
      children.push(proc);
      const url = `http://127.0.0.1:${httpPort}`;
      await waitFor(`agent ${spec.role}`, async () => (await fetch(`${url}/healthz`)).ok, {
        timeoutMs: 60_000,
        intervalMs: 300,
        proc,
      });
      book.agents[spec.bookKey] = url;
      void proc.exited.then((code) => {
        if (!stopping)
          opts.log(
            `devnet: agent ${spec.role} exited with code ${code}; see ${path.join(stateDir, `${spec.role}.log`)}`,
          );
      });
    }
    writeAddressBook(bookFile, book);
    opts.log(
      `devnet ready: rpc ${book.rpcUrl} chainId ${book.chainId}, redis ${book.redisUrl}, ` +
        `${Object.keys(book.contracts).length} contracts, ${Object.keys(book.agents).length} agents, address book ${path.relative(opts.root, bookFile)}`,
    );

    if (opts.once) {
      const results = await runScenario(SCENARIO_STEPS, opts.root, book);
      opts.log(formatResults(results));
      const failed = results.filter((r) => !r.ok).length;
      opts.log(`scenario: ${results.length - failed} steps ok, ${failed} failed`);
      await stopAll();
      return failed === 0 ? 0 : 1;
    }
    const code = await Promise.race([signalledP, chain.proc.exited.then((c) => (stopping ? 0 : c || 1))]);
    await stopAll();
    return code;
  } catch (err) {
    opts.log(`devnet: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    return 1;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

async function flushRedis(port: number): Promise<void> {
  const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  await r.flushall();
  await r.quit();
}

/** Runs scripts/deploy-system.ts against the devnet chain with the devnet's Ignition parameters. */
export async function deploySystem(
  root: string,
  port: number,
  stateDir: string,
  deploymentId = `devnet-${port}`,
): Promise<{ chainId: number; contracts: Record<string, `0x${string}`> }> {
  const out = path.join(stateDir, "deployed.json");
  fs.rmSync(out, { force: true });
  // The chain is new on every start: forget Ignition's journal of the previous run.
  fs.rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  const proc = spawnManaged(
    "deploy",
    path.join(root, "node_modules", ".bin", "hardhat"),
    ["run", "--network", "localhost", "scripts/deploy-system.ts"],
    {
      cwd: root,
      logFile: path.join(stateDir, "deploy.log"),
      env: {
        ...process.env,
        DEVNET_PORT: String(port),
        ZG_DEPLOY_OUT: out,
        ZG_DEPLOYMENT_ID: deploymentId,
        ZG_IGNITION_PARAMS: path.join(root, "ignition", "parameters", "devnet.json"),
      },
    },
  );
  const code = await proc.exited;
  if (code !== 0 || !fs.existsSync(out)) {
    throw new DevnetError(`deployment failed (exit ${code}); see ${path.join(stateDir, "deploy.log")}`);
  }
  return JSON.parse(fs.readFileSync(out, "utf8"));
}

export type { DevnetRole };
