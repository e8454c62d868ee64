import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Staking subsystem: the validator registry (UUPS proxy, owns the validator beacon) and the reward pool (UUPS
 * proxy). Defaults suit a devnet (5-block withdrawal delay, 60 s reward epochs); override them per network with
 * Ignition parameters. The reward pool is deployed empty: fund it with `fund()`.
 */
export default buildModule("Staking", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const keeper = m.getParameter("keeper", m.getAccount(0));
  // Delay of the two-step DEFAULT_ADMIN_ROLE transfer (AccessControlDefaultAdminRules); raise it in production.
  const adminTransferDelay = m.getParameter("adminTransferDelay", 0n);

  const params = {
    maxValidatorCount: m.getParameter("maxValidatorCount", 100n),
    communityTaxRate: m.getParameter("communityTaxRate", 20_000n), // 2 %, parts per million
    maxCommissionRate: m.getParameter("maxCommissionRate", 500_000n), // 50 %
    minWithdrawabilityDelay: m.getParameter("minWithdrawabilityDelay", 5n), // blocks
    minActivationStakesInGwei: m.getParameter("minActivationStakesInGwei", 500_000_000_000n), // 500 0G
    maxEffectiveStakesInGwei: m.getParameter("maxEffectiveStakesInGwei", 10_000_000_000_000_000n), // 10M 0G
    maxWithdrawalFeeInGwei: m.getParameter("maxWithdrawalFeeInGwei", 1_000_000_000n), // 1 0G
    minSelfDelegationInGwei: m.getParameter("minSelfDelegationInGwei", 500_000_000_000n), // 500 0G
    effectiveDelegationInGwei: m.getParameter("effectiveDelegationInGwei", 1n), // 1 gwei
  };

  const validatorImplementation = m.contract("Validator", [], { id: "ValidatorImplementation" });
  const stakingImplementation = m.contract("Staking", [], { id: "StakingImplementation" });
  const stakingInit = m.encodeFunctionCall(stakingImplementation, "initialize", [
    admin,
    adminTransferDelay,
    validatorImplementation,
    params,
  ]);
  const stakingProxy = m.contract("ERC1967Proxy", [stakingImplementation, stakingInit], { id: "StakingProxy" });
  const Staking = m.contractAt("Staking", stakingProxy, { id: "Staking" });

  const rewardPoolImplementation = m.contract("RewardPool", [], { id: "RewardPoolImplementation" });
  const rewardPoolInit = m.encodeFunctionCall(rewardPoolImplementation, "initialize", [
    admin,
    adminTransferDelay,
    keeper,
    Staking,
    m.getParameter("rewardEpochLength", 60n), // seconds
    m.getParameter("annualRewardRate", 100_000n), // 10 % of effective stake per year, ppm
    m.getParameter("maxRewardPerEpoch", 100_000_000_000_000_000_000n), // 100 0G
  ]);
  const rewardPoolProxy = m.contract("ERC1967Proxy", [rewardPoolImplementation, rewardPoolInit], {
    id: "RewardPoolProxy",
  });
  const RewardPool = m.contractAt("RewardPool", rewardPoolProxy, { id: "RewardPool" });

  return { Staking, RewardPool };
});
