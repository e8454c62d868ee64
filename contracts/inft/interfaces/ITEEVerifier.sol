// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IINFTProofVerifier} from "./IINFTProofVerifier.sol";

/// @title ITEEVerifier
/// @notice TEE-signature verifier for ERC-7857 re-encryption proofs: a set of enclave oracle keys and a threshold
/// (`minConfirmations`, as in 0G's OracleManager pattern). A proof is valid when at least `minConfirmations`
/// distinct oracles signed the token contract's EIP-712 `OracleAttestation` digest.
/// @dev Proof bytes: `abi.encode(bytes[] signatures)`, each a 65-byte ECDSA signature (r, s, v; low s), ordered by
/// strictly ascending signer address so that one oracle can never be counted twice.
interface ITEEVerifier is IINFTProofVerifier {
    /// @notice Emitted when `oracle` joins the set.
    /// @param oracle The enclave signing address.
    event OracleAdded(address indexed oracle);

    /// @notice Emitted when `oracle` leaves the set.
    /// @param oracle The enclave signing address.
    event OracleRemoved(address indexed oracle);

    /// @notice Emitted when the threshold changes.
    /// @param oldMinConfirmations The previous threshold.
    /// @param newMinConfirmations The new threshold.
    event MinConfirmationsUpdated(uint256 oldMinConfirmations, uint256 newMinConfirmations);

    /// @notice The zero address cannot be an oracle.
    error TEEVerifierZeroOracle();
    /// @notice `oracle` is already in the set.
    error TEEVerifierOracleExists(address oracle);
    /// @notice `oracle` is not in the set.
    error TEEVerifierUnknownOracle(address oracle);
    /// @notice The set may hold at most `max` oracles.
    error TEEVerifierTooManyOracles(uint256 max);
    /// @notice `minConfirmations` must be between 1 and the number of oracles (`oracleCount`).
    error TEEVerifierInvalidMinConfirmations(uint256 minConfirmations, uint256 oracleCount);
    /// @notice Signature number `index` is malformed or does not recover to an address.
    error TEEVerifierInvalidSignature(uint256 index);
    /// @notice Signature number `index` recovers to `signer`, which is not an oracle.
    error TEEVerifierSignerNotOracle(uint256 index, address signer);
    /// @notice Signature number `index` recovers to `signer`, not above the previous signer `previous`.
    error TEEVerifierSignersNotAscending(uint256 index, address previous, address signer);
    /// @notice Only `got` valid oracle signatures, `required` needed.
    error TEEVerifierInsufficientConfirmations(uint256 got, uint256 required);

    /// @notice Adds `oracle` to the set. Caller needs ORACLE_MANAGER_ROLE.
    /// @param oracle The enclave signing address.
    function addOracle(address oracle) external;

    /// @notice Removes `oracle` from the set. Reverts if fewer than `minConfirmations` oracles would remain.
    /// Caller needs ORACLE_MANAGER_ROLE.
    /// @param oracle The enclave signing address.
    function removeOracle(address oracle) external;

    /// @notice Sets the threshold. Caller needs ORACLE_MANAGER_ROLE.
    /// @param newMinConfirmations Number of distinct oracle signatures required (1..oracleCount).
    function setMinConfirmations(uint256 newMinConfirmations) external;

    /// @notice Whether `account` is an oracle.
    /// @param account The address to check.
    /// @return True when `account` is in the set.
    function isOracle(address account) external view returns (bool);

    /// @notice The oracle set (at most MAX_ORACLES entries).
    /// @return The oracle addresses, in no particular order.
    function getOracles() external view returns (address[] memory);

    /// @notice The threshold: distinct oracle signatures a proof needs.
    /// @return The current threshold.
    function minConfirmations() external view returns (uint256);
}
