/** `zg agent provider`: the provider broker as a runnable agent role (config from file + `ZG_PROVIDER_*`). */
import { loadConfig } from "../core/index.js";
import { createProviderBroker } from "./broker.js";
import { PROVIDER_ENV_ONLY_KEYS, providerConfigSchema } from "./config.js";

export const PROVIDER_ENV_PREFIX = "ZG_PROVIDER";

export const providerRole = {
  summary: "compute provider broker: OpenAI-compatible proxy, metering, TEE-signed answers, settlement",
  async start(opts: { configFile?: string; env: NodeJS.ProcessEnv }): Promise<{ stop(): Promise<void> }> {
    const config = loadConfig(providerConfigSchema, {
      file: opts.configFile,
      envPrefix: PROVIDER_ENV_PREFIX,
      env: opts.env,
      envOnlyKeys: PROVIDER_ENV_ONLY_KEYS,
    });
    const broker = createProviderBroker({ config });
    await broker.start();
    return { stop: () => broker.stop() };
  },
};
