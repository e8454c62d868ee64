/** The provider broker on the devnet: account #2, the built-in test upstream, settlement every 5 s. */
import type { DevnetAgentSpec } from "../devnet/agents.js";

export const PROVIDER_DEVNET_AGENT: DevnetAgentSpec = {
  role: "provider",
  bookKey: "provider",
  account: "provider",
  env: (_book, httpPort) => ({
    ZG_PROVIDER_START_TEST_UPSTREAM: "true",
    ZG_PROVIDER_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    ZG_PROVIDER_SETTLEMENT__INTERVAL_MS: "5000",
  }),
};
