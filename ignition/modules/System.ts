import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import INFTModule from "./INFT";

/**
 * The whole system. Each subsystem's module is used here and its proxies are returned under their
 * address-book names (the names users and tools look up in deployments/<network>.json).
 */
export default buildModule("System", (m) => {
  const inft = m.useModule(INFTModule);
  return { ...inft };
});
