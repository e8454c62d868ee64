import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { id } from "ethers";

/**
 * The storage log layer: Reward, Market, Flow and Mine, each a UUPS implementation behind an ERC1967Proxy whose
 * constructor runs `initialize` (so no initializer can be front-run), then wired with roles:
 * Reward.MARKET_ROLE → Market, Reward.MINE_ROLE → Mine, Market.FLOW_ROLE → Flow.
 *
 * The deployer (account 0) is the admin of all four (DEFAULT_ADMIN, PARAMS_ADMIN, PAUSER roles); hand the roles
 * over afterwards if another admin is wanted. Defaults are devnet values: 30-block epochs, a 1 MiB pricing chunk
 * (4096 sectors) and a 10-minute release, so epochs, mining and reward release all happen within minutes.
 * 0G mainnet values: blocksPerEpoch 3750, sectorsPerChunk 33554432 (8 GiB), releaseSeconds 32140800,
 * difficulty 1000000, targetMineBlocks 750, targetSubmissions 100, maxShards 256, nSubtasks 4,
 * subtaskInterval 800, pricePerSector 30733644962.
 */
export default buildModule("Storage", (m) => {
  const admin = m.getAccount(0);
  const treasury = m.getParameter("treasury", m.getAccount(0));

  const pricePerSector = m.getParameter("pricePerSector", 232_830_643n);
  const blocksPerEpoch = m.getParameter("blocksPerEpoch", 30n);
  const firstBlock = m.getParameter("firstBlock", 0n);
  const sectorsPerChunk = m.getParameter("sectorsPerChunk", 4096n);
  const releaseSeconds = m.getParameter("releaseSeconds", 600n);
  const serviceFeeRateBps = m.getParameter("serviceFeeRateBps", 0n);
  const baseReward = m.getParameter("baseReward", 0n);
  const mineParams = {
    difficulty: m.getParameter("difficulty", 16n),
    targetMineBlocks: m.getParameter("targetMineBlocks", 10n),
    targetSubmissions: m.getParameter("targetSubmissions", 10n),
    maxShards: m.getParameter("maxShards", 32n),
    nSubtasks: m.getParameter("nSubtasks", 1n),
    subtaskInterval: m.getParameter("subtaskInterval", 1n),
  };
  const mineSettings = m.getParameter("mineSettings", 0n);

  const rewardImpl = m.contract("Reward", [], { id: "RewardImpl" });
  const rewardProxy = m.contract(
    "ERC1967Proxy",
    [
      rewardImpl,
      m.encodeFunctionCall(rewardImpl, "initialize", [
        admin,
        sectorsPerChunk,
        releaseSeconds,
        treasury,
        serviceFeeRateBps,
        baseReward,
      ]),
    ],
    { id: "RewardProxy" },
  );
  const Reward = m.contractAt("Reward", rewardProxy, { id: "Reward" });

  const marketImpl = m.contract("Market", [], { id: "MarketImpl" });
  const marketProxy = m.contract(
    "ERC1967Proxy",
    [marketImpl, m.encodeFunctionCall(marketImpl, "initialize", [admin, pricePerSector, Reward])],
    { id: "MarketProxy" },
  );
  const Market = m.contractAt("Market", marketProxy, { id: "Market" });

  const flowImpl = m.contract("Flow", [], { id: "FlowImpl" });
  const flowProxy = m.contract(
    "ERC1967Proxy",
    [flowImpl, m.encodeFunctionCall(flowImpl, "initialize", [admin, Market, blocksPerEpoch, firstBlock])],
    { id: "FlowProxy" },
  );
  const Flow = m.contractAt("Flow", flowProxy, { id: "Flow" });

  const mineImpl = m.contract("Mine", [], { id: "MineImpl" });
  const mineProxy = m.contract(
    "ERC1967Proxy",
    [mineImpl, m.encodeFunctionCall(mineImpl, "initialize", [admin, Flow, Reward, mineParams, mineSettings])],
    { id: "MineProxy" },
  );
  const Mine = m.contractAt("Mine", mineProxy, { id: "Mine" });

  m.call(Reward, "grantRole", [id("MARKET_ROLE"), Market], { id: "GrantRewardMarketRole" });
  m.call(Reward, "grantRole", [id("MINE_ROLE"), Mine], { id: "GrantRewardMineRole" });
  m.call(Market, "grantRole", [id("FLOW_ROLE"), Flow], { id: "GrantMarketFlowRole" });

  return { Flow, Market, Reward, Mine };
});
