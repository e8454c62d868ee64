// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ITEEVerifier} from "./interfaces/ITEEVerifier.sol";
import {TransferClaim} from "./interfaces/IINFTProofVerifier.sol";

/// @title TEEVerifier
/// @notice Accepts an ERC-7857 re-encryption proof when at least `minConfirmations` distinct enclave oracles signed
/// the token contract's `OracleAttestation` digest.
/// @dev Differs from 0G's TEEVerifier on purpose: 0G trusts one admin-set key over an EIP-191 message that binds
/// neither token, parties, chain nor expiry. Here the signed digest is EIP-712 on the token's domain (chainId and
/// contract) and binds every field of {TransferClaim}; oracles are a set with a threshold (the docs' OracleManager
/// `minConfirmations`); and signers must be strictly ascending so one key cannot count twice. The verifier keeps no
/// nonces: the token contract consumes them, so no third party can delete replay records.
/// On-chain TEE quote verification is out of scope: the oracle keys are registered by ORACLE_MANAGER_ROLE after an
/// off-chain attestation check.
contract TEEVerifier is Initializable, AccessControlUpgradeable, UUPSUpgradeable, ITEEVerifier {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Role that manages the oracle set and the threshold.
    bytes32 public constant ORACLE_MANAGER_ROLE = keccak256("ORACLE_MANAGER_ROLE");
    /// @notice Role that may upgrade the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @notice Upper bound on the oracle set, which bounds the signature loop.
    uint256 public constant MAX_ORACLES = 32;

    /// @custom:storage-location erc7201:zg.storage.TEEVerifier
    struct TEEVerifierStorage {
        EnumerableSet.AddressSet oracles;
        uint256 minConfirmations;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.TEEVerifier")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant TEE_VERIFIER_STORAGE_LOCATION =
        0x2c77cf6f42e90b370f4ebd558983026e7d12856b4c1c7440a7504825bc640800;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE, ORACLE_MANAGER_ROLE and UPGRADER_ROLE.
    /// @param initialOracles The first oracle set.
    /// @param initialMinConfirmations The threshold (1..initialOracles.length).
    function initialize(
        address admin,
        address[] calldata initialOracles,
        uint256 initialMinConfirmations
    ) external initializer {
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ORACLE_MANAGER_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        for (uint256 i = 0; i < initialOracles.length; ++i) {
            _addOracle(initialOracles[i]);
        }
        _setMinConfirmations(initialMinConfirmations);
    }

    /// @inheritdoc ITEEVerifier
    function addOracle(address oracle) external onlyRole(ORACLE_MANAGER_ROLE) {
        _addOracle(oracle);
    }

    /// @inheritdoc ITEEVerifier
    function removeOracle(address oracle) external onlyRole(ORACLE_MANAGER_ROLE) {
        TEEVerifierStorage storage $ = _getTEEVerifierStorage();
        if (!$.oracles.remove(oracle)) revert TEEVerifierUnknownOracle(oracle);
        uint256 count = $.oracles.length();
        if (count < $.minConfirmations) revert TEEVerifierInvalidMinConfirmations($.minConfirmations, count);
        emit OracleRemoved(oracle);
    }

    /// @inheritdoc ITEEVerifier
    function setMinConfirmations(uint256 newMinConfirmations) external onlyRole(ORACLE_MANAGER_ROLE) {
        _setMinConfirmations(newMinConfirmations);
    }

    /// @inheritdoc ITEEVerifier
    function isOracle(address account) external view returns (bool) {
        return _getTEEVerifierStorage().oracles.contains(account);
    }

    /// @inheritdoc ITEEVerifier
    function getOracles() external view returns (address[] memory) {
        return _getTEEVerifierStorage().oracles.values();
    }

    /// @inheritdoc ITEEVerifier
    function minConfirmations() external view returns (uint256) {
        return _getTEEVerifierStorage().minConfirmations;
    }

    /// @notice Returns TEE.
    /// @return kind Always OracleType.TEE.
    function oracleType() external pure returns (OracleType kind) {
        return OracleType.TEE;
    }

    /// @notice Checks that at least `minConfirmations` distinct oracles signed `digest`.
    /// @dev `claim` is not read: for the TEE kind everything is bound through `digest`, which the calling token
    /// contract computes from the claim on its own EIP-712 domain. Reverts on the first bad signature.
    /// @param digest The `OracleAttestation` digest.
    /// @param proof `abi.encode(bytes[] signatures)`, signers strictly ascending.
    /// @return valid Always true (invalid proofs revert with the reason).
    function verifyTransferValidity(
        TransferClaim calldata,
        bytes32 digest,
        bytes calldata proof
    ) external view returns (bool valid) {
        TEEVerifierStorage storage $ = _getTEEVerifierStorage();
        bytes[] memory signatures = abi.decode(proof, (bytes[]));
        uint256 required = $.minConfirmations;
        if (signatures.length < required) revert TEEVerifierInsufficientConfirmations(signatures.length, required);
        if (signatures.length > MAX_ORACLES) revert TEEVerifierTooManyOracles(MAX_ORACLES);
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert TEEVerifierInvalidSignature(i);
            if (signer <= previous) revert TEEVerifierSignersNotAscending(i, previous, signer);
            if (!$.oracles.contains(signer)) revert TEEVerifierSignerNotOracle(i, signer);
            previous = signer;
        }
        return true;
    }

    /// @dev Requirements: caller has UPGRADER_ROLE.
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    /// @dev Adds `oracle`. Requirements: non-zero, not present, set below MAX_ORACLES. Emits {OracleAdded}.
    function _addOracle(address oracle) private {
        if (oracle == address(0)) revert TEEVerifierZeroOracle();
        TEEVerifierStorage storage $ = _getTEEVerifierStorage();
        if ($.oracles.length() >= MAX_ORACLES) revert TEEVerifierTooManyOracles(MAX_ORACLES);
        if (!$.oracles.add(oracle)) revert TEEVerifierOracleExists(oracle);
        emit OracleAdded(oracle);
    }

    /// @dev Sets the threshold. Requirements: 1 <= value <= oracle count. Emits {MinConfirmationsUpdated}.
    function _setMinConfirmations(uint256 value) private {
        TEEVerifierStorage storage $ = _getTEEVerifierStorage();
        uint256 count = $.oracles.length();
        if (value == 0 || value > count) revert TEEVerifierInvalidMinConfirmations(value, count);
        uint256 old = $.minConfirmations;
        if (old == value) return;
        $.minConfirmations = value;
        emit MinConfirmationsUpdated(old, value);
    }

    function _getTEEVerifierStorage() private pure returns (TEEVerifierStorage storage $) {
        assembly {
            $.slot := TEE_VERIFIER_STORAGE_LOCATION
        }
    }
}
