// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {IValidator} from "./interfaces/IValidator.sol";
import {IRewardPool} from "./interfaces/IRewardPool.sol";

/**
 * @title RewardPool
 * @notice Funded staking rewards, paid per epoch into validators' `distributeRewards` by a keeper.
 * @dev Not part of 0G's documented interface: on 0G the rewards come from the protocol (block rewards and the
 * beacon chain). This pool stands in for that source so APY and rewards are real numbers on a devnet. UUPS proxy,
 * state in the ERC-7201 namespace `zg.storage.RewardPool`.
 */
contract RewardPool is
    IRewardPool,
    Initializable,
    AccessControlDefaultAdminRulesUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient
{
    /// @inheritdoc IRewardPool
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    /// @inheritdoc IRewardPool
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @inheritdoc IRewardPool
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @inheritdoc IRewardPool
    uint256 public constant MAX_VALIDATORS_PER_CALL = 100;

    uint256 private constant _RATE_DENOMINATOR = 1_000_000;
    uint256 private constant _YEAR = 365 days;

    /// @custom:storage-location erc7201:zg.storage.RewardPool
    struct RewardPoolStorage {
        IStaking staking;
        uint64 epochLength;
        uint64 genesisTimestamp;
        uint32 annualRewardRate;
        uint256 maxRewardPerEpoch;
        uint256 epoch;
        uint256 paidInEpoch;
        mapping(address validator => uint256 epochPlusOne) lastRewardedEpoch;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.RewardPool")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _REWARD_POOL_STORAGE = 0x69aeebcc4d08135ed332a8409ee364b6719107a1e171093d3546eea2bc885500;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @inheritdoc IRewardPool
    function initialize(
        address admin,
        uint48 adminTransferDelay,
        address distributor,
        address staking_,
        uint64 epochLength_,
        uint32 annualRewardRate_,
        uint256 maxRewardPerEpoch_
    ) external initializer {
        if (admin == address(0)) revert RewardPoolInvalidParameter("admin");
        if (distributor == address(0)) revert RewardPoolInvalidParameter("distributor");
        if (staking_ == address(0)) revert RewardPoolInvalidParameter("staking");
        if (epochLength_ == 0) revert RewardPoolInvalidParameter("epochLength");
        __AccessControlDefaultAdminRules_init(adminTransferDelay, admin);
        _grantRole(GOVERNOR_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        _grantRole(DISTRIBUTOR_ROLE, distributor);
        RewardPoolStorage storage $ = _getRewardPoolStorage();
        $.staking = IStaking(staking_);
        $.epochLength = epochLength_;
        $.genesisTimestamp = uint64(block.timestamp);
        $.annualRewardRate = annualRewardRate_;
        $.maxRewardPerEpoch = maxRewardPerEpoch_;
        emit RewardParametersUpdated(annualRewardRate_, maxRewardPerEpoch_);
    }

    /// @inheritdoc IRewardPool
    function fund() external payable {
        if (msg.value == 0) return;
        emit Funded(msg.sender, msg.value);
    }

    /// @inheritdoc IRewardPool
    function distribute(address[] calldata validators)
        external
        onlyRole(DISTRIBUTOR_ROLE)
        nonReentrant
        returns (uint256 paid)
    {
        if (validators.length > MAX_VALIDATORS_PER_CALL) {
            revert RewardPoolBatchTooLarge(validators.length, MAX_VALIDATORS_PER_CALL);
        }
        RewardPoolStorage storage $ = _getRewardPoolStorage();
        uint256 epoch = currentEpoch();
        if (epoch != $.epoch) {
            $.epoch = epoch;
            $.paidInEpoch = 0;
        }
        uint256 budget = $.maxRewardPerEpoch - Math.min($.paidInEpoch, $.maxRewardPerEpoch);
        for (uint256 i = 0; i < validators.length; ++i) {
            address validator = validators[i];
            if (!$.staking.isValidator(validator)) revert RewardPoolUnknownValidator(validator);
            if ($.lastRewardedEpoch[validator] == epoch + 1) continue;
            uint256 reward = Math.min(Math.min(_epochReward($, validator), budget), address(this).balance);
            if (reward == 0) continue;
            $.lastRewardedEpoch[validator] = epoch + 1;
            budget -= reward;
            paid += reward;
            emit RewardPaid(epoch, validator, reward);
            IValidator(validator).distributeRewards{value: reward}();
        }
        $.paidInEpoch += paid;
    }

    /// @inheritdoc IRewardPool
    function setRewardParameters(uint32 annualRewardRate_, uint256 maxRewardPerEpoch_)
        external
        onlyRole(GOVERNOR_ROLE)
    {
        RewardPoolStorage storage $ = _getRewardPoolStorage();
        $.annualRewardRate = annualRewardRate_;
        $.maxRewardPerEpoch = maxRewardPerEpoch_;
        emit RewardParametersUpdated(annualRewardRate_, maxRewardPerEpoch_);
    }

    /// @inheritdoc IRewardPool
    function withdraw(address to, uint256 amount) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        if (to == address(0)) revert RewardPoolInvalidParameter("to");
        if (amount > address(this).balance) revert RewardPoolInsufficientBalance(amount, address(this).balance);
        emit Withdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert RewardPoolTransferFailed(to, amount);
    }

    /// @inheritdoc IRewardPool
    function staking() external view returns (address) {
        return address(_getRewardPoolStorage().staking);
    }

    /// @inheritdoc IRewardPool
    function epochLength() external view returns (uint64) {
        return _getRewardPoolStorage().epochLength;
    }

    /// @inheritdoc IRewardPool
    function annualRewardRate() external view returns (uint32) {
        return _getRewardPoolStorage().annualRewardRate;
    }

    /// @inheritdoc IRewardPool
    function maxRewardPerEpoch() external view returns (uint256) {
        return _getRewardPoolStorage().maxRewardPerEpoch;
    }

    /// @inheritdoc IRewardPool
    function currentEpoch() public view returns (uint256) {
        RewardPoolStorage storage $ = _getRewardPoolStorage();
        return (block.timestamp - $.genesisTimestamp) / $.epochLength;
    }

    /// @inheritdoc IRewardPool
    function paidInCurrentEpoch() external view returns (uint256) {
        RewardPoolStorage storage $ = _getRewardPoolStorage();
        return $.epoch == currentEpoch() ? $.paidInEpoch : 0;
    }

    /// @inheritdoc IRewardPool
    function pendingReward(address validator) external view returns (uint256) {
        RewardPoolStorage storage $ = _getRewardPoolStorage();
        if ($.lastRewardedEpoch[validator] == currentEpoch() + 1) return 0;
        return _epochReward($, validator);
    }

    /// @inheritdoc IRewardPool
    function lastRewardedEpoch(address validator) external view returns (uint256) {
        return _getRewardPoolStorage().lastRewardedEpoch[validator];
    }

    /// @dev effectiveStakes × rate × epochLength / (1e6 × year).
    function _epochReward(RewardPoolStorage storage $, address validator) internal view returns (uint256) {
        uint256 stake = IValidator(validator).effectiveStakes();
        return Math.mulDiv(stake, uint256($.annualRewardRate) * $.epochLength, _RATE_DENOMINATOR * _YEAR);
    }

    /// @dev Only UPGRADER_ROLE may upgrade the pool.
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    function _getRewardPoolStorage() private pure returns (RewardPoolStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _REWARD_POOL_STORAGE
        }
    }
}
