/** `zg agent keeper`: loads the keeper's config, reads the registry and pool from the address book, starts it. */
import { contractAddress, readAddressBook } from "../../core/address-book";
import { loadConfig } from "../../core/config";
import type { AgentRole } from "../../cli/roles";
import { KEEPER_ENV_PREFIX, keeperConfigSchema } from "./config";
import { createStakingKeeper, KeeperConfigError } from "./keeper";

export const stakingKeeperRole: AgentRole = {
  summary: "staking keeper: reward-pool distribution each epoch, withdrawal queues and failed payments",
  async start({ configFile, env }) {
    const config = loadConfig(keeperConfigSchema, { file: configFile, envPrefix: KEEPER_ENV_PREFIX, env });
    if (!config.addressBook) {
      throw new KeeperConfigError(
        "addressBook is required (ZG_KEEPER_ADDRESS_BOOK): it names Staking and RewardPool",
        {},
      );
    }
    const book = readAddressBook(config.addressBook);
    const keeper = createStakingKeeper({
      config,
      staking: contractAddress(book, "Staking"),
      rewardPool: contractAddress(book, "RewardPool"),
    });
    await keeper.start();
    return { stop: () => keeper.stop({ drain: true }) };
  },
};
