import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import ComputeModule from "./Compute";
import INFTModule from "./INFT";
import StakingModule from "./Staking";
import StorageModule from "./Storage";

/**
 * The whole system. Each subsystem's module is used here and its proxies are returned under their
 * address-book names (the names users and tools look up in deployments/<network>.json).
 */
export default buildModule("System", (m) => {
  const storage = m.useModule(StorageModule);
  const compute = m.useModule(ComputeModule);
  const inft = m.useModule(INFTModule);
  const staking = m.useModule(StakingModule);
  return { ...storage, ...compute, ...inft, ...staking };
});
