/**
 * The scenario's steps in order. Each subsystem contributes its steps when it lands.
 */
import { redisPing, rpc } from "./services";
import type { ScenarioStep } from "./scenario";
import { STAKING_SCENARIO_STEPS } from "../keepers/staking/devnet";
import { inftScenarioSteps } from "../oracle/scenario";
import { PROVIDER_SCENARIO_STEPS } from "../provider/devnet-steps";
import { storageMiningSteps, storageNodeSteps } from "../storage-node/scenario";

const foundation: ScenarioStep[] = [
  {
    subsystem: "foundation",
    name: "chain answers",
    async run({ book }) {
      const id = Number(await rpc<string>(book.rpcUrl, "eth_chainId"));
      if (id !== book.chainId) throw new Error(`chainId ${id} differs from the address book's ${book.chainId}`);
      const block = Number(await rpc<string>(book.rpcUrl, "eth_blockNumber"));
      return `chainId ${id}, block ${block}`;
    },
  },
  {
    subsystem: "foundation",
    name: "Redis answers",
    async run({ book }) {
      if (!book.redisUrl) throw new Error("no redisUrl in the address book");
      const u = new URL(book.redisUrl);
      if (!(await redisPing(u.hostname, Number(u.port || 6379))))
        throw new Error(`${book.redisUrl} does not answer PING`);
      return `${book.redisUrl} PONG`;
    },
  },
  {
    subsystem: "foundation",
    name: "every contract has code",
    async run({ book, publicClient }) {
      const missing: string[] = [];
      for (const [name, address] of Object.entries(book.contracts)) {
        const code = await publicClient.getCode({ address: address as `0x${string}` });
        if (!code || code === "0x") missing.push(`${name}@${address}`);
      }
      if (missing.length) throw new Error(`no code at ${missing.join(", ")}`);
      return `${Object.keys(book.contracts).length} contracts: ${Object.keys(book.contracts).join(", ") || "(none yet)"}`;
    },
  },
  {
    subsystem: "foundation",
    name: "every agent answers /healthz",
    async run({ book }) {
      const answers: string[] = [];
      for (const [role, url] of Object.entries(book.agents)) {
        const res = await fetch(`${url}/healthz`);
        if (!res.ok) throw new Error(`${role} at ${url} answered ${res.status}`);
        answers.push(role);
      }
      return `${answers.length} agents: ${answers.join(", ") || "(none yet)"}`;
    },
  },
];

export const SCENARIO_STEPS: ScenarioStep[] = [
  ...foundation,
  ...storageNodeSteps,
  ...STAKING_SCENARIO_STEPS,
  ...PROVIDER_SCENARIO_STEPS,
  ...inftScenarioSteps,
  ...storageMiningSteps,
];
