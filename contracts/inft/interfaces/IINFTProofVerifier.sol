// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice What a re-encryption proof claims; the public inputs every proof verifier checks.
/// @dev `action` is 0 for a transfer, 1 for a clone, 2 for a key rotation by the owner (see {IAgentNFT.Action}).
/// `oldDataHash` is read by the token contract from its own storage, never taken from the caller.
struct TransferClaim {
    uint8 action;
    uint256 tokenId;
    address from;
    address to;
    bytes32 oldDataHash;
    bytes32 newDataHash;
    string newURI;
    bytes32 sealedKeyHash;
    bytes receiverPubKey;
    uint256 nonce;
    uint256 deadline;
}

/// @title IINFTProofVerifier
/// @notice Verifies that an ERC-7857 re-encryption happened: the data under `oldDataHash` was decrypted,
/// re-encrypted under a fresh key into `newDataHash`, and that key was sealed to `receiverPubKey`.
/// @dev Two kinds are planned. The TEE kind (implemented by {TEEVerifier}) checks ECDSA signatures of a set of
/// enclave oracles over `digest`, the EIP-712 digest the token contract computed from `claim` on its own domain.
/// A ZKP kind would ignore `digest` and use the fields of `claim` as the circuit's public inputs.
/// Verifiers are `view`: replay protection (nonces) lives in the token contract, where nobody else can delete it.
interface IINFTProofVerifier {
    /// @notice The kind of proof this verifier accepts.
    enum OracleType {
        TEE,
        ZKP
    }

    /// @notice Returns the kind of proof this verifier accepts.
    /// @return kind TEE or ZKP.
    function oracleType() external view returns (OracleType kind);

    /// @notice Checks `proof` for `claim`. Reverts with a verifier-specific error or returns false when invalid.
    /// @param claim The public statement (hashes, parties, receiver key, nonce, deadline).
    /// @param digest The EIP-712 digest of `claim` under the calling token contract's domain.
    /// @param proof Verifier-specific bytes (TEE: `abi.encode(bytes[] signatures)`, signers in ascending order).
    /// @return valid True when the proof is valid for `claim`.
    function verifyTransferValidity(
        TransferClaim calldata claim,
        bytes32 digest,
        bytes calldata proof
    ) external view returns (bool valid);
}
