// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRulesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {BeaconProxy} from "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
import {UpgradeableBeacon} from "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IStakingContract} from "./interfaces/IStakingContract.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {IValidator} from "./interfaces/IValidator.sol";
import {BLS12381} from "./lib/BLS12381.sol";

/**
 * @title Staking
 * @notice Validator registry with governance parameters and the community pool (0G's IStakingContract).
 * @dev UUPS proxy; state in the ERC-7201 namespace `zg.storage.Staking`. The registry owns an UpgradeableBeacon;
 * each validator is a BeaconProxy deployed with CREATE2 (salt keccak256(pubkey), empty init data, so the address
 * depends only on the registry, the beacon and the key) and initialized in the same transaction.
 *
 * Deviations from 0G's reference, and why:
 * - The proof of possession is verified here, in the EVM (EIP-2537), over a message that also binds the chain,
 *   this registry, the validator contract and the operator; 0G checks its `0gchaind` deposit signature in the
 *   consensus layer and its message does not bind the operator (see docs/staking.md).
 * - `validatorCount` counts initialized validators and `maxValidatorCount` is enforced at initialization, so
 *   anyone may call `createValidator` without being able to fill the validator set with empty contracts.
 * - The revert strings of the docs ("Validator already exists", "Invalid signature", "Validator not found")
 *   are custom errors of the same names carrying the key.
 */
contract Staking is
    IStaking,
    Initializable,
    AccessControlDefaultAdminRulesUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient
{
    /// @inheritdoc IStaking
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @inheritdoc IStaking
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @inheritdoc IStaking
    string public constant POP_DST = "0G-STAKING-V1_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// @dev ASCII tag at the start of every proof-of-possession message.
    bytes private constant _POP_TAG = "0G-STAKING-POP-V1";
    uint256 private constant _RATE_DENOMINATOR = 1_000_000;
    /// @dev Longest withdrawal delay governance may set (about 58 days at 5 s blocks).
    uint64 private constant _MAX_WITHDRAWABILITY_DELAY = 1_000_000;

    /// @custom:storage-location erc7201:zg.storage.Staking
    struct StakingStorage {
        UpgradeableBeacon beacon;
        StakingParams params;
        mapping(bytes32 pubkeyHash => address validator) validators;
        mapping(address validator => bool initialized) initialized;
        address[] validatorList;
        uint256 communityPool;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Staking")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _STAKING_STORAGE = 0x09a6a07e5d167c7b19ebe70284b01181852d63b4ff7e16ff6aea70275c064400;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @inheritdoc IStaking
    function initialize(
        address admin,
        uint48 adminTransferDelay,
        address validatorImplementation,
        StakingParams calldata initialParams
    ) external initializer {
        if (admin == address(0) || validatorImplementation == address(0)) revert StakingZeroAddress();
        __AccessControlDefaultAdminRules_init(adminTransferDelay, admin);
        _grantRole(GOVERNOR_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        StakingStorage storage $ = _getStakingStorage();
        $.beacon = new UpgradeableBeacon(validatorImplementation, address(this));
        _setParams($, initialParams);
    }

    /// @inheritdoc IStakingContract
    function createValidator(bytes calldata pubkey) external returns (address) {
        return _createValidator(_getStakingStorage(), pubkey);
    }

    /// @inheritdoc IStakingContract
    function initializeValidator(
        Description calldata description,
        uint32 commissionRate,
        uint96 withdrawalFeeInGwei,
        bytes calldata pubkey,
        bytes calldata signature
    ) external payable nonReentrant {
        StakingStorage storage $ = _getStakingStorage();
        address validator = $.validators[keccak256(pubkey)];
        if (validator == address(0)) revert ValidatorNotFound(pubkey);
        _initializeValidator($, validator, description, commissionRate, withdrawalFeeInGwei, pubkey, signature);
    }

    /// @inheritdoc IStakingContract
    function createAndInitializeValidatorIfNecessary(
        Description calldata description,
        uint32 commissionRate,
        uint96 withdrawalFeeInGwei,
        bytes calldata pubkey,
        bytes calldata signature
    ) external payable nonReentrant returns (address validator) {
        StakingStorage storage $ = _getStakingStorage();
        validator = $.validators[keccak256(pubkey)];
        if (validator == address(0)) validator = _createValidator($, pubkey);
        _initializeValidator($, validator, description, commissionRate, withdrawalFeeInGwei, pubkey, signature);
    }

    /// @inheritdoc IStaking
    function setParams(StakingParams calldata newParams) external onlyRole(GOVERNOR_ROLE) {
        _setParams(_getStakingStorage(), newParams);
    }

    /// @inheritdoc IStaking
    function upgradeValidators(address implementation) external onlyRole(UPGRADER_ROLE) {
        _getStakingStorage().beacon.upgradeTo(implementation);
        emit ValidatorImplementationUpgraded(implementation);
    }

    /// @inheritdoc IStaking
    function depositCommunityPool() external payable {
        if (msg.value == 0) return;
        _getStakingStorage().communityPool += msg.value;
        emit CommunityPoolDeposited(msg.sender, msg.value);
    }

    /// @inheritdoc IStaking
    function withdrawCommunityPool(address to, uint256 amount) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        if (to == address(0)) revert StakingZeroAddress();
        StakingStorage storage $ = _getStakingStorage();
        uint256 available = $.communityPool;
        if (amount > available) revert StakingCommunityPoolInsufficient(amount, available);
        $.communityPool = available - amount;
        emit CommunityPoolWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert StakingTransferFailed(to, amount);
    }

    /// @inheritdoc IStakingContract
    function getValidator(bytes calldata pubkey) external view returns (address) {
        return _getStakingStorage().validators[keccak256(pubkey)];
    }

    /// @inheritdoc IStakingContract
    function computeValidatorAddress(bytes calldata pubkey) public view returns (address) {
        return Create2.computeAddress(keccak256(pubkey), keccak256(_proxyCreationCode()));
    }

    /// @inheritdoc IStakingContract
    function validatorCount() external view returns (uint32) {
        return uint32(_getStakingStorage().validatorList.length);
    }

    /// @inheritdoc IStakingContract
    function maxValidatorCount() external view returns (uint32) {
        return _getStakingStorage().params.maxValidatorCount;
    }

    /// @inheritdoc IStakingContract
    function effectiveDelegationInGwei() external view returns (uint96) {
        return _getStakingStorage().params.effectiveDelegationInGwei;
    }

    /// @inheritdoc IStaking
    function params() external view returns (StakingParams memory) {
        return _getStakingStorage().params;
    }

    /// @inheritdoc IStaking
    function validatorBeacon() external view returns (address) {
        return address(_getStakingStorage().beacon);
    }

    /// @inheritdoc IStaking
    function communityPool() external view returns (uint256) {
        return _getStakingStorage().communityPool;
    }

    /// @inheritdoc IStaking
    function isValidator(address validator) external view returns (bool) {
        return _getStakingStorage().initialized[validator];
    }

    /// @inheritdoc IStaking
    function validatorAt(uint256 index) external view returns (address) {
        return _getStakingStorage().validatorList[index];
    }

    /// @inheritdoc IStaking
    function getValidators(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        address[] storage list = _getStakingStorage().validatorList;
        if (offset >= list.length) return page;
        uint256 end = list.length - offset < limit ? list.length : offset + limit;
        page = new address[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = list[i];
        }
    }

    /// @inheritdoc IStaking
    function proofOfPossessionMessage(bytes calldata pubkey, address operator, uint64 amountInGwei)
        public
        view
        returns (bytes memory)
    {
        return abi.encodePacked(
            _POP_TAG, block.chainid, address(this), computeValidatorAddress(pubkey), operator, amountInGwei, pubkey
        );
    }

    /// @inheritdoc IStaking
    function minActivationStakesInGwei() external view returns (uint96) {
        return _getStakingStorage().params.minActivationStakesInGwei;
    }

    /// @inheritdoc IStaking
    function maxEffectiveStakesInGwei() external view returns (uint96) {
        return _getStakingStorage().params.maxEffectiveStakesInGwei;
    }

    /// @inheritdoc IStaking
    function communityTaxRate() external view returns (uint32) {
        return _getStakingStorage().params.communityTaxRate;
    }

    /// @inheritdoc IStaking
    function minWithdrawabilityDelay() external view returns (uint64) {
        return _getStakingStorage().params.minWithdrawabilityDelay;
    }

    /// @inheritdoc IStaking
    function maxCommissionRate() external view returns (uint32) {
        return _getStakingStorage().params.maxCommissionRate;
    }

    /// @inheritdoc IStaking
    function maxWithdrawalFeeInGwei() external view returns (uint96) {
        return _getStakingStorage().params.maxWithdrawalFeeInGwei;
    }

    /// @inheritdoc IStaking
    function minSelfDelegationInGwei() external view returns (uint96) {
        return _getStakingStorage().params.minSelfDelegationInGwei;
    }

    /**
     * @dev Deploys and initializes the validator proxy for `pubkey`.
     * Requirements: a 48-byte compressed, non-infinity key; no validator yet. Emits {ValidatorCreated}.
     */
    function _createValidator(StakingStorage storage $, bytes calldata pubkey) internal returns (address validator) {
        if (pubkey.length != BLS12381.PUBKEY_LENGTH || uint8(pubkey[0]) & 0xc0 != 0x80) {
            revert StakingInvalidPubkey(pubkey);
        }
        bytes32 pubkeyHash = keccak256(pubkey);
        if ($.validators[pubkeyHash] != address(0)) revert ValidatorAlreadyExists(pubkey);
        validator = Create2.deploy(0, pubkeyHash, _proxyCreationCode());
        $.validators[pubkeyHash] = validator;
        emit ValidatorCreated(pubkeyHash, validator, pubkey);
        IValidator(validator).initialize(pubkey);
    }

    /**
     * @dev Checks the set size, the self-delegation and the proof of possession, registers the validator and
     * activates it with `msg.value`. Emits {ValidatorInitialized}.
     */
    function _initializeValidator(
        StakingStorage storage $,
        address validator,
        Description calldata description,
        uint32 commissionRate,
        uint96 withdrawalFeeInGwei,
        bytes calldata pubkey,
        bytes calldata signature
    ) internal {
        if ($.initialized[validator]) revert ValidatorAlreadyExists(pubkey);
        StakingParams memory p = $.params;
        if ($.validatorList.length >= p.maxValidatorCount) revert StakingMaxValidatorCountReached(p.maxValidatorCount);
        if (msg.value % 1 gwei != 0) revert StakingAmountNotGweiMultiple(msg.value);
        uint256 minimum = uint256(p.minSelfDelegationInGwei) * 1 gwei;
        if (msg.value < minimum || msg.value == 0) revert StakingInitialDelegationBelowMinimum(msg.value, minimum);
        uint64 amountInGwei = SafeCast.toUint64(msg.value / 1 gwei);
        bytes memory message = proofOfPossessionMessage(pubkey, msg.sender, amountInGwei);
        if (!BLS12381.verifyProofOfPossession(pubkey, signature, message, bytes(POP_DST))) {
            revert InvalidSignature(pubkey);
        }
        $.initialized[validator] = true;
        $.validatorList.push(validator);
        emit ValidatorInitialized(validator, msg.sender, pubkey, msg.value);
        IValidator(validator).activate{value: msg.value}(msg.sender, description, commissionRate, withdrawalFeeInGwei);
    }

    /// @dev Validates and stores parameters. Emits {ParamsUpdated}.
    function _setParams(StakingStorage storage $, StakingParams calldata p) internal {
        if (p.communityTaxRate > _RATE_DENOMINATOR) revert StakingInvalidParameter("communityTaxRate", p.communityTaxRate);
        if (p.maxCommissionRate > _RATE_DENOMINATOR) {
            revert StakingInvalidParameter("maxCommissionRate", p.maxCommissionRate);
        }
        if (p.minWithdrawabilityDelay > _MAX_WITHDRAWABILITY_DELAY) {
            revert StakingInvalidParameter("minWithdrawabilityDelay", p.minWithdrawabilityDelay);
        }
        if (p.maxEffectiveStakesInGwei < p.minActivationStakesInGwei) {
            revert StakingInvalidParameter("maxEffectiveStakesInGwei", p.maxEffectiveStakesInGwei);
        }
        if (p.effectiveDelegationInGwei == 0) revert StakingInvalidParameter("effectiveDelegationInGwei", 0);
        if (p.minSelfDelegationInGwei == 0) revert StakingInvalidParameter("minSelfDelegationInGwei", 0);
        if (p.maxValidatorCount < $.validatorList.length) {
            revert StakingInvalidParameter("maxValidatorCount", p.maxValidatorCount);
        }
        StakingParams memory old = $.params;
        $.params = p;
        emit ParamsUpdated(old, p);
    }

    /// @dev Only UPGRADER_ROLE may upgrade the registry.
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    /// @dev BeaconProxy creation code with (beacon, "") constructor arguments.
    function _proxyCreationCode() private view returns (bytes memory) {
        return abi.encodePacked(
            type(BeaconProxy).creationCode, abi.encode(address(_getStakingStorage().beacon), bytes(""))
        );
    }

    function _getStakingStorage() private pure returns (StakingStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _STAKING_STORAGE
        }
    }
}
