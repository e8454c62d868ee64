// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStakingContract} from "./IStakingContract.sol";

/**
 * @title IStaking
 * @notice Our Staking registry: 0G's {IStakingContract} plus governance parameters, the community pool and
 * validator enumeration.
 * @dev Proof of possession. `initializeValidator` requires a BLS signature by the consensus key over
 * `"0G-STAKING-POP-V1" ‖ uint256 chainId ‖ address staking ‖ address validator ‖ address operator ‖
 * uint64 amountInGwei ‖ pubkey` (abi.encodePacked, 165 bytes), hashed to G2 with the domain separation tag
 * {POP_DST}. The signature blob is the uncompressed G2 signature (192 bytes) followed by the uncompressed
 * public key (96 bytes); see BLS12381.sol. Binding the operator means a signature seen in the mempool cannot
 * be replayed by someone else to take over the validator.
 */
interface IStaking is IStakingContract {
    /**
     * @notice Global staking parameters, changed by governance.
     * @param maxValidatorCount Maximum number of initialized validators.
     * @param communityTaxRate Share of every reward sent to the community pool, parts per million.
     * @param maxCommissionRate Highest commission rate a validator may set, parts per million.
     * @param minWithdrawabilityDelay Blocks between a queued withdrawal and its completion height.
     * @param minActivationStakesInGwei Validator tokens needed to be Bonded, in gwei.
     * @param maxEffectiveStakesInGwei Cap on the stake that counts (voting power, reward pool), in gwei.
     * @param maxWithdrawalFeeInGwei Highest withdrawal fee a validator may set, in gwei.
     * @param minSelfDelegationInGwei Initial self-delegation and the operator's minimum afterwards, in gwei
     *        (500 0G on 0G's mainnet).
     * @param effectiveDelegationInGwei Minimum single delegation, in gwei (at least 1).
     */
    struct StakingParams {
        uint32 maxValidatorCount;
        uint32 communityTaxRate;
        uint32 maxCommissionRate;
        uint64 minWithdrawabilityDelay;
        uint96 minActivationStakesInGwei;
        uint96 maxEffectiveStakesInGwei;
        uint96 maxWithdrawalFeeInGwei;
        uint96 minSelfDelegationInGwei;
        uint96 effectiveDelegationInGwei;
    }

    /// @notice A validator contract was deployed for `pubkey`.
    /// @param pubkeyHash keccak256 of the public key (the CREATE2 salt).
    /// @param validator Address of the validator contract.
    /// @param pubkey The 48-byte consensus public key.
    event ValidatorCreated(bytes32 indexed pubkeyHash, address indexed validator, bytes pubkey);

    /// @notice A validator was initialized and its operator self-delegated `amount` wei.
    /// @param validator Address of the validator contract.
    /// @param operator The new operator.
    /// @param pubkey The consensus public key.
    /// @param amount Self-delegation in wei.
    event ValidatorInitialized(address indexed validator, address indexed operator, bytes pubkey, uint256 amount);

    /// @notice Governance changed the parameters.
    /// @param oldParams Previous parameters.
    /// @param newParams New parameters.
    event ParamsUpdated(StakingParams oldParams, StakingParams newParams);

    /// @notice Native tokens entered the community pool (community tax, unpayable withdrawals, donations).
    /// @param from Sender (a validator contract for tax and failed withdrawals).
    /// @param amount Amount in wei.
    event CommunityPoolDeposited(address indexed from, uint256 amount);

    /// @notice Governance paid out of the community pool.
    /// @param to Receiver.
    /// @param amount Amount in wei.
    event CommunityPoolWithdrawn(address indexed to, uint256 amount);

    /// @notice All validator contracts now run `implementation` (beacon upgrade).
    /// @param implementation New validator implementation.
    event ValidatorImplementationUpgraded(address indexed implementation);

    /// @notice A validator contract already exists for the key (create) or is already initialized.
    /// @param pubkey The consensus public key.
    error ValidatorAlreadyExists(bytes pubkey);

    /// @notice No validator contract has been created for the key.
    /// @param pubkey The consensus public key.
    error ValidatorNotFound(bytes pubkey);

    /// @notice The proof of possession does not verify.
    /// @param pubkey The consensus public key.
    error InvalidSignature(bytes pubkey);

    /// @notice The key is not a 48-byte compressed, non-infinity G1 encoding.
    /// @param pubkey The offending bytes.
    error StakingInvalidPubkey(bytes pubkey);

    /// @notice The validator set is full.
    /// @param maxValidatorCount The limit.
    error StakingMaxValidatorCountReached(uint32 maxValidatorCount);

    /// @notice The initial self-delegation is below the minimum.
    /// @param value msg.value in wei.
    /// @param minimum Minimum in wei.
    error StakingInitialDelegationBelowMinimum(uint256 value, uint256 minimum);

    /// @notice The initial self-delegation is not a whole number of gwei (the signature signs gwei).
    /// @param value msg.value in wei.
    error StakingAmountNotGweiMultiple(uint256 value);

    /// @notice A parameter set is inconsistent or out of range.
    /// @param name Parameter name.
    /// @param value Offending value.
    error StakingInvalidParameter(string name, uint256 value);

    /// @notice A zero address was given where an address is required.
    error StakingZeroAddress();

    /// @notice The community pool holds less than requested.
    /// @param requested Amount requested in wei.
    /// @param available Pool balance in wei.
    error StakingCommunityPoolInsufficient(uint256 requested, uint256 available);

    /// @notice A native transfer failed.
    /// @param to Receiver.
    /// @param amount Amount in wei.
    error StakingTransferFailed(address to, uint256 amount);

    /// @notice Role allowed to change {StakingParams} and spend the community pool.
    /// @return role keccak256("GOVERNOR_ROLE").
    function GOVERNOR_ROLE() external view returns (bytes32 role);

    /// @notice Role allowed to upgrade the registry (UUPS) and every validator (beacon).
    /// @return role keccak256("UPGRADER_ROLE").
    function UPGRADER_ROLE() external view returns (bytes32 role);

    /// @notice Domain separation tag of the proof-of-possession hash to G2.
    /// @return dst "0G-STAKING-V1_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_".
    function POP_DST() external view returns (string memory dst);

    /**
     * @notice Sets up the registry behind its proxy and deploys the validator beacon it owns.
     * @param admin Receives DEFAULT_ADMIN_ROLE, GOVERNOR_ROLE and UPGRADER_ROLE.
     * @param adminTransferDelay Delay (seconds) of the two-step DEFAULT_ADMIN_ROLE transfer.
     * @param validatorImplementation Logic contract for every validator.
     * @param initialParams Initial parameters.
     */
    function initialize(
        address admin,
        uint48 adminTransferDelay,
        address validatorImplementation,
        StakingParams calldata initialParams
    ) external;

    /**
     * @notice Replaces all parameters.
     * @dev Only GOVERNOR_ROLE. Emits {ParamsUpdated}.
     * @param newParams New parameters.
     */
    function setParams(StakingParams calldata newParams) external;

    /**
     * @notice Points the validator beacon at a new implementation (all validators upgrade together).
     * @dev Only UPGRADER_ROLE. Emits {ValidatorImplementationUpgraded}.
     * @param implementation New validator logic contract.
     */
    function upgradeValidators(address implementation) external;

    /// @notice Sends native tokens to the community pool. Emits {CommunityPoolDeposited}.
    function depositCommunityPool() external payable;

    /**
     * @notice Pays `amount` wei from the community pool to `to`.
     * @dev Only GOVERNOR_ROLE. Emits {CommunityPoolWithdrawn}.
     * @param to Receiver.
     * @param amount Amount in wei.
     */
    function withdrawCommunityPool(address to, uint256 amount) external;

    /// @notice Current parameters.
    /// @return current The parameters.
    function params() external view returns (StakingParams memory current);

    /// @notice The UpgradeableBeacon every validator proxy follows.
    /// @return beacon Beacon address.
    function validatorBeacon() external view returns (address beacon);

    /// @notice Balance of the community pool in wei.
    /// @return amount Pool balance.
    function communityPool() external view returns (uint256 amount);

    /// @notice True if `validator` is an initialized validator contract of this registry.
    /// @param validator Address to check.
    /// @return initialized Whether it is.
    function isValidator(address validator) external view returns (bool initialized);

    /// @notice The `index`-th initialized validator, in initialization order.
    /// @param index Position, below {validatorCount}.
    /// @return validator Validator contract.
    function validatorAt(uint256 index) external view returns (address validator);

    /**
     * @notice Initialized validators from `offset`, at most `limit` of them (a page for keepers and indexers).
     * @param offset First position.
     * @param limit Largest page size.
     * @return page Validator contracts (shorter than `limit` at the end, empty past it).
     */
    function getValidators(uint256 offset, uint256 limit) external view returns (address[] memory page);

    /**
     * @notice The proof-of-possession message for a given initialization.
     * @param pubkey Consensus public key.
     * @param operator Caller of `initializeValidator`.
     * @param amountInGwei Self-delegation in gwei.
     * @return message The bytes to sign (hashed to G2 with {POP_DST}).
     */
    function proofOfPossessionMessage(bytes calldata pubkey, address operator, uint64 amountInGwei)
        external
        view
        returns (bytes memory message);

    /// @notice Minimum validator tokens for the Bonded status, in gwei.
    /// @return amount The parameter.
    function minActivationStakesInGwei() external view returns (uint96 amount);

    /// @notice Cap on a validator's effective stake, in gwei.
    /// @return amount The parameter.
    function maxEffectiveStakesInGwei() external view returns (uint96 amount);

    /// @notice Community tax in parts per million.
    /// @return rate The parameter.
    function communityTaxRate() external view returns (uint32 rate);

    /// @notice Withdrawal delay in blocks.
    /// @return delay The parameter.
    function minWithdrawabilityDelay() external view returns (uint64 delay);

    /// @notice Highest commission rate, parts per million.
    /// @return rate The parameter.
    function maxCommissionRate() external view returns (uint32 rate);

    /// @notice Highest withdrawal fee, in gwei.
    /// @return fee The parameter.
    function maxWithdrawalFeeInGwei() external view returns (uint96 fee);

    /// @notice Initial and minimum operator self-delegation, in gwei.
    /// @return amount The parameter.
    function minSelfDelegationInGwei() external view returns (uint96 amount);
}
