/**
 * A small agent run as a child process by agent-lifecycle tests, so they can SIGKILL it mid-handler.
 * Environment: RPC_URL, REDIS_URL, EMITTER, START_BLOCK, AGENT_NAME, BLOCK_ID (an event id whose first run
 * hangs until the process is killed).
 */
import { baseConfigSchema, createAgent, handleSignals, loadConfig } from "../index.js";
import { eventEmitterFixtureAbi } from "../testing/fixtures.js";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

async function main(): Promise<void> {
  const name = env("AGENT_NAME");
  const config = loadConfig(baseConfigSchema, {
    envPrefix: "KILL_AGENT",
    env: {
      KILL_AGENT_RPC_URL: env("RPC_URL"),
      KILL_AGENT_REDIS_URL: env("REDIS_URL"),
      KILL_AGENT_CHAIN_ID: "31337",
      KILL_AGENT_CONFIRMATIONS: "1",
      KILL_AGENT_POLL_INTERVAL_MS: "100",
      KILL_AGENT_MAX_BLOCK_RANGE: "3",
      KILL_AGENT_LOG_LEVEL: "warn",
    },
  });
  const blockId = process.env.BLOCK_ID;
  const agent = createAgent({
    name,
    config,
    contracts: [{ name: "Emitter", address: env("EMITTER") as `0x${string}`, abi: eventEmitterFixtureAbi }],
    events: { startBlock: BigInt(env("START_BLOCK")), lockDurationMs: 1000, stalledIntervalMs: 300, backoffMs: 50 },
    handlers: {
      "Emitter:Pinged": async (event) => {
        const redis = agent.redis;
        await redis.rpush(`${name}:invocations`, event.id);
        if (event.id === blockId && (await redis.set(`${name}:blocked`, String(process.pid), "NX")) === "OK") {
          await new Promise<never>(() => undefined); // hangs until SIGKILL
        }
        await new Promise((r) => setTimeout(r, 10));
        await redis.rpush(`${name}:effects`, event.id);
      },
    },
  });
  await agent.start();
  await agent.redis.set(`${name}:started:${process.pid}`, "1");
  handleSignals(agent);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
