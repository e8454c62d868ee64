// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IStakingContract
 * @notice The validator registry of 0G's documented staking interface (mainnet 0xea224dBB…61B9), function for
 * function. Our own additions (governance, community pool, enumeration) live in {IStaking}.
 */
interface IStakingContract {
    /// @notice Public validator metadata. Limits are UTF-8 byte lengths (0G's docs say "chars").
    struct Description {
        string moniker; // at most 70
        string identity; // at most 100
        string website; // at most 140
        string securityContact; // at most 140
        string details; // at most 200
    }

    /**
     * @notice Deploys the validator contract of `pubkey` at its deterministic address (no operator yet).
     * @param pubkey 48-byte compressed BLS12-381 G1 consensus public key.
     * @return validator Address of the new validator contract.
     */
    function createValidator(bytes calldata pubkey) external returns (address validator);

    /**
     * @notice Makes the caller the operator of an already created validator and self-delegates `msg.value`.
     * @dev `signature` is the proof of possession of the consensus key described in {IStaking}.
     * @param description Validator metadata.
     * @param commissionRate Commission in parts per million (≤ the protocol maximum).
     * @param withdrawalFeeInGwei Fee charged on `undelegate`, in gwei (≤ the protocol maximum).
     * @param pubkey 48-byte consensus public key.
     * @param signature 288-byte proof of possession.
     */
    function initializeValidator(
        Description calldata description,
        uint32 commissionRate,
        uint96 withdrawalFeeInGwei,
        bytes calldata pubkey,
        bytes calldata signature
    ) external payable;

    /**
     * @notice {createValidator} if the contract does not exist yet, then {initializeValidator}.
     * @param description Validator metadata.
     * @param commissionRate Commission in parts per million.
     * @param withdrawalFeeInGwei Fee charged on `undelegate`, in gwei.
     * @param pubkey 48-byte consensus public key.
     * @param signature 288-byte proof of possession.
     * @return validator Address of the validator contract.
     */
    function createAndInitializeValidatorIfNecessary(
        Description calldata description,
        uint32 commissionRate,
        uint96 withdrawalFeeInGwei,
        bytes calldata pubkey,
        bytes calldata signature
    ) external payable returns (address validator);

    /**
     * @notice Validator contract created for `pubkey`, or the zero address ("Validator not found").
     * @param pubkey Consensus public key.
     * @return validator Address, or zero.
     */
    function getValidator(bytes calldata pubkey) external view returns (address validator);

    /**
     * @notice Address the validator contract of `pubkey` has or will have (CREATE2).
     * @param pubkey Consensus public key.
     * @return validator Deterministic address.
     */
    function computeValidatorAddress(bytes calldata pubkey) external view returns (address validator);

    /// @notice Number of initialized validators (created-only contracts are not counted).
    /// @return count Initialized validators.
    function validatorCount() external view returns (uint32 count);

    /// @notice Maximum number of initialized validators.
    /// @return count The limit.
    function maxValidatorCount() external view returns (uint32 count);

    /// @notice Minimum amount of one delegation, in gwei (0G's troubleshooting guide reads it this way).
    /// @return amount Minimum delegation in gwei.
    function effectiveDelegationInGwei() external view returns (uint96 amount);
}
