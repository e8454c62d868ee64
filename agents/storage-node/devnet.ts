/**
 * How the devnet runs the storage node: one node holding every shard, a fresh data dir per devnet start (the chain
 * is new each time), the zgs RPC on the agent's own URL (the address book's `agents.storageNode`).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DevnetAgentSpec } from "../devnet/agents";
import { envVarName } from "../core/config";
import { STORAGE_NODE_ENV_PREFIX } from "./config";

export const storageNodeDevnetAgent: DevnetAgentSpec = {
  role: "storage-node",
  bookKey: "storageNode",
  account: "storageNode",
  env: () => {
    const v = (...key: string[]) => envVarName(STORAGE_NODE_ENV_PREFIX, key);
    return {
      [v("dataDir")]: fs.mkdtempSync(path.join(os.tmpdir(), "zg-devnet-storage-node-")),
      [v("shardPosition")]: "0/1",
      // The zgs RPC is served on the agent URL; no second listener (5678 may be taken on a developer machine).
      [v("rpc", "enabled")]: "false",
      // Mine PoRA answers on the devnet's fast epochs (30 blocks, difficulty 16), one worker thread.
      [v("mining", "enabled")]: "true",
      [v("mining", "threads")]: "1",
    };
  },
};
