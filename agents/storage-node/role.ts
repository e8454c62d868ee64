/**
 * `zg agent storage-node`: loads the config (file + `ZG_STORAGE_NODE_*` environment) and runs the node.
 */
import type { AgentRole } from "../cli/roles";
import { loadConfig } from "../core/index.js";
import { STORAGE_NODE_ENV_PREFIX, storageNodeConfigSchema } from "./config";
import { startStorageNode } from "./node";

export const storageNodeRole: AgentRole = {
  summary: "storage node: syncs the Flow, stores verified segments of its shard, serves the zgs JSON-RPC API",
  async start({ configFile, env }) {
    const config = loadConfig(storageNodeConfigSchema, {
      file: configFile,
      envPrefix: STORAGE_NODE_ENV_PREFIX,
      env,
      // The miner's own key, like the node's, may only come from the environment.
      envOnlyKeys: ["privateKey", "minerKey"],
    });
    const node = await startStorageNode(config);
    return { stop: () => node.stop() };
  },
};
