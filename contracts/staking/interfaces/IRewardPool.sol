// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IRewardPool
 * @notice A funded pool that pays staking rewards once per epoch into each validator's `distributeRewards`.
 * @dev Per epoch a validator earns effectiveStakes × annualRewardRate × epochLength / (1e6 × 365 days), and the
 * pool pays at most `maxRewardPerEpoch` in total per epoch (first come, first served), never more than it holds.
 * Missed epochs are not paid retroactively.
 */
interface IRewardPool {
    /// @notice The pool received funds.
    /// @param from Sender.
    /// @param amount Amount in wei.
    event Funded(address indexed from, uint256 amount);

    /// @notice A validator was paid its reward for `epoch`.
    /// @param epoch Epoch number.
    /// @param validator Validator contract.
    /// @param amount Amount in wei.
    event RewardPaid(uint256 indexed epoch, address indexed validator, uint256 amount);

    /// @notice Governance changed the reward parameters.
    /// @param annualRewardRate New annual rate on effective stake (ppm).
    /// @param maxRewardPerEpoch New per-epoch budget in wei.
    event RewardParametersUpdated(uint32 annualRewardRate, uint256 maxRewardPerEpoch);

    /// @notice Governance withdrew unused funds.
    /// @param to Receiver.
    /// @param amount Amount in wei.
    event Withdrawn(address indexed to, uint256 amount);

    /// @notice A zero address or zero epoch length was given.
    error RewardPoolInvalidParameter(string name);

    /// @notice More validators than allowed in one call.
    /// @param length Array length.
    /// @param max Limit.
    error RewardPoolBatchTooLarge(uint256 length, uint256 max);

    /// @notice The address is not an initialized validator of the registry.
    /// @param validator Offending address.
    error RewardPoolUnknownValidator(address validator);

    /// @notice The pool holds less than requested.
    /// @param requested Amount requested.
    /// @param available Pool balance.
    error RewardPoolInsufficientBalance(uint256 requested, uint256 available);

    /// @notice A native transfer failed.
    /// @param to Receiver.
    /// @param amount Amount in wei.
    error RewardPoolTransferFailed(address to, uint256 amount);

    /// @notice Role allowed to call {distribute} (the staking keeper).
    /// @return role keccak256("DISTRIBUTOR_ROLE").
    function DISTRIBUTOR_ROLE() external view returns (bytes32 role);

    /// @notice Role allowed to change parameters and withdraw funds.
    /// @return role keccak256("GOVERNOR_ROLE").
    function GOVERNOR_ROLE() external view returns (bytes32 role);

    /// @notice Role allowed to upgrade the pool.
    /// @return role keccak256("UPGRADER_ROLE").
    function UPGRADER_ROLE() external view returns (bytes32 role);

    /**
     * @notice Sets the pool up behind its proxy.
     * @param admin Receives DEFAULT_ADMIN_ROLE, GOVERNOR_ROLE and UPGRADER_ROLE.
     * @param adminTransferDelay Delay (seconds) of the two-step DEFAULT_ADMIN_ROLE transfer.
     * @param distributor Receives DISTRIBUTOR_ROLE (the staking keeper).
     * @param staking_ The Staking registry.
     * @param epochLength_ Epoch length in seconds (fixed).
     * @param annualRewardRate_ Annual reward on effective stake, parts per million (100000 = 10 %).
     * @param maxRewardPerEpoch_ Budget per epoch in wei.
     */
    function initialize(
        address admin,
        uint48 adminTransferDelay,
        address distributor,
        address staking_,
        uint64 epochLength_,
        uint32 annualRewardRate_,
        uint256 maxRewardPerEpoch_
    ) external;

    /// @notice Adds `msg.value` to the pool. Emits {Funded}.
    function fund() external payable;

    /**
     * @notice Pays the current epoch's reward to each listed validator not yet paid this epoch.
     * @dev Only DISTRIBUTOR_ROLE. Validators that are not Bonded (zero effective stake) are skipped. Emits
     * {RewardPaid} per payment.
     * @param validators Validator contracts (at most {MAX_VALIDATORS_PER_CALL}).
     * @return paid Total paid in wei.
     */
    function distribute(address[] calldata validators) external returns (uint256 paid);

    /**
     * @notice Changes the reward rate and budget.
     * @dev Only GOVERNOR_ROLE. Emits {RewardParametersUpdated}.
     * @param annualRewardRate_ Annual rate (ppm).
     * @param maxRewardPerEpoch_ Budget per epoch in wei.
     */
    function setRewardParameters(uint32 annualRewardRate_, uint256 maxRewardPerEpoch_) external;

    /**
     * @notice Withdraws unused funds.
     * @dev Only GOVERNOR_ROLE. Emits {Withdrawn}.
     * @param to Receiver.
     * @param amount Amount in wei.
     */
    function withdraw(address to, uint256 amount) external;

    /// @notice Most validators per {distribute} call.
    /// @return max The limit.
    function MAX_VALIDATORS_PER_CALL() external view returns (uint256 max);

    /// @notice The registry.
    /// @return staking_ Registry address.
    function staking() external view returns (address staking_);

    /// @notice Epoch length in seconds.
    /// @return length Seconds.
    function epochLength() external view returns (uint64 length);

    /// @notice Annual reward rate (ppm of effective stake).
    /// @return rate The rate.
    function annualRewardRate() external view returns (uint32 rate);

    /// @notice Budget per epoch in wei.
    /// @return amount The budget.
    function maxRewardPerEpoch() external view returns (uint256 amount);

    /// @notice Current epoch number (seconds since deployment / epoch length).
    /// @return epoch The epoch.
    function currentEpoch() external view returns (uint256 epoch);

    /// @notice Amount paid so far in the current epoch.
    /// @return amount Wei.
    function paidInCurrentEpoch() external view returns (uint256 amount);

    /// @notice Reward `validator` would be owed now, before budget and balance caps (0 if already paid).
    /// @param validator Validator contract.
    /// @return amount Wei.
    function pendingReward(address validator) external view returns (uint256 amount);

    /// @notice Last epoch in which `validator` was paid, plus one (0 = never).
    /// @param validator Validator contract.
    /// @return epochPlusOne The epoch + 1.
    function lastRewardedEpoch(address validator) external view returns (uint256 epochPlusOne);
}
