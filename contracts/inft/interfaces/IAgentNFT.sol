// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IINFTProofVerifier, TransferClaim} from "./IINFTProofVerifier.sol";

/// @title IAgentNFT
/// @notice ERC-7857 intelligent NFT: an ERC-721 token whose AI-agent metadata is encrypted in storage. The data key
/// is re-sealed for every new owner by an oracle (TEE now, ZKP later), and ownership moves only together with
/// a verified re-encryption.
/// @dev Surfaces: the docs.0g.ai ERC-7857 functions (`mint`, `transfer`, `clone`, `authorizeUsage`,
/// `getMetadataHash`, `getEncryptedURI`) and, for 0G tooling, `iTransferFrom`, `iCloneFrom`, `intelligentDatasOf`,
/// `authorizedUsersOf`, `delegateAccess` with 0G's ABI shapes. Both routes run the same typed-proof checks.
interface IAgentNFT {
    /// @notice What a proof authorises. The value is part of the signed typed data.
    enum Action {
        Transfer,
        Clone,
        Rotate
    }

    /// @notice The `proof` argument of {transfer}, {clone} and {rotateKey}, ABI-encoded.
    /// @param newDataHash Hash of the re-encrypted metadata (its 0G Storage root).
    /// @param newURI Where the re-encrypted metadata lives.
    /// @param receiverPubKey The public key the new data key is sealed to (ECIES secp256k1, 33 or 65 bytes).
    /// @param nonce Single-use number chosen by the oracle; never accepted twice by this contract.
    /// @param deadline Unix time after which the proof is void; at most PROOF_VALIDITY_PERIOD ahead.
    /// @param oracleProof Verifier-specific bytes (TEE: `abi.encode(bytes[] signatures)`, ascending signers).
    /// @param receiverSignature EIP-712 `ReceiverAcknowledgment` signature by `to` (EOA or ERC-1271) or its delegate.
    struct TransferProof {
        bytes32 newDataHash;
        string newURI;
        bytes receiverPubKey;
        uint256 nonce;
        uint256 deadline;
        bytes oracleProof;
        bytes receiverSignature;
    }

    /// @notice Usage terms of one executor on one token.
    /// @param permissions Opaque scope (e.g. JSON of allowed operations), interpreted off chain.
    /// @param expiresAt Unix time after which the authorization is void.
    /// @param maxRequests Request cap.
    /// @param usedRequests Requests recorded so far.
    struct UsageAuthorization {
        bytes permissions;
        uint64 expiresAt;
        uint64 maxRequests;
        uint64 usedRequests;
    }

    /// @notice 0G's access proof (receiver side). In this contract `proof` is the `ReceiverAcknowledgment` signature.
    struct AccessProof {
        bytes32 dataHash;
        bytes targetPubkey;
        bytes nonce;
        bytes proof;
    }

    /// @notice 0G's ownership proof (oracle side). In this contract `nonce` is
    /// `abi.encode(uint256 nonce, uint256 deadline, string newURI)` and `proof` is the verifier's proof bytes.
    struct OwnershipProof {
        IINFTProofVerifier.OracleType oracleType;
        bytes32 dataHash;
        bytes sealedKey;
        bytes targetPubkey;
        bytes nonce;
        bytes proof;
    }

    /// @notice 0G's proof pair, as taken by `iTransferFrom` and `iCloneFrom`.
    struct TransferValidityProof {
        AccessProof accessProof;
        OwnershipProof ownershipProof;
    }

    /// @notice 0G's data entry; this contract holds exactly one per token (description = encrypted URI).
    struct IntelligentData {
        string dataDescription;
        bytes32 dataHash;
    }

    /// @notice Emitted when a token's metadata is set or replaced by a re-encrypted copy.
    /// @param tokenId The token.
    /// @param newHash The new metadata hash (the docs' example emitted keccak(sealedKey); see docs/inft.md).
    event MetadataUpdated(uint256 indexed tokenId, bytes32 newHash);

    /// @notice Emitted when `executor` is authorized to use `tokenId` (terms in {UsageTermsSet}).
    /// @param tokenId The token.
    /// @param executor The authorized account.
    event UsageAuthorized(uint256 indexed tokenId, address indexed executor);

    /// @notice Emitted next to {UsageAuthorized} with the terms.
    /// @param tokenId The token.
    /// @param executor The authorized account.
    /// @param expiresAt Unix time the authorization ends.
    /// @param maxRequests Request cap.
    /// @param permissions Opaque scope.
    event UsageTermsSet(
        uint256 indexed tokenId,
        address indexed executor,
        uint64 expiresAt,
        uint64 maxRequests,
        bytes permissions
    );

    /// @notice Emitted when the owner revokes `executor`.
    /// @param tokenId The token.
    /// @param executor The revoked account.
    event UsageRevoked(uint256 indexed tokenId, address indexed executor);

    /// @notice Emitted when requests are recorded against an authorization.
    /// @param tokenId The token.
    /// @param executor The executor.
    /// @param requests Requests recorded by this call.
    /// @param usedRequests Total requests recorded so far.
    event UsageRecorded(uint256 indexed tokenId, address indexed executor, uint64 requests, uint64 usedRequests);

    /// @notice Emitted when a transfer clears every usage authorization of `tokenId`.
    /// @param tokenId The token.
    /// @param count How many authorizations were cleared.
    event AuthorizationsCleared(uint256 indexed tokenId, uint256 count);

    /// @notice Emitted when the proof verifier changes (the docs call it the oracle).
    /// @param oldOracle The previous verifier.
    /// @param newOracle The new verifier.
    event OracleUpdated(address oldOracle, address newOracle);

    /// @notice 0G's event: the data key of `tokenId`, sealed to the receiver's public key.
    /// @param to The receiver.
    /// @param tokenId The token (the new token for a clone).
    /// @param sealedKeys The sealed keys, one per data entry (one here).
    event PublishedSealedKey(address indexed to, uint256 indexed tokenId, bytes[] sealedKeys);

    /// @notice 0G's event: `tokenId` was cloned into `newTokenId`.
    /// @param tokenId The source token.
    /// @param newTokenId The new token.
    /// @param from Owner of the source token.
    /// @param to Owner of the new token.
    event Cloned(uint256 indexed tokenId, uint256 indexed newTokenId, address from, address to);

    /// @notice 0G's event: `user` let `assistant` acknowledge transfers on its behalf (zero clears).
    /// @param user The receiver account.
    /// @param assistant The delegate.
    event DelegateAccess(address indexed user, address indexed assistant);

    /// @notice Plain ERC-721 moves are disabled: they would hand over a token without re-sealing its data key.
    /// Use `transfer(from, to, tokenId, sealedKey, proof)` (or `iTransferFrom`) instead.
    error AgentNFTUseTransferWithProof(uint256 tokenId);
    /// @notice The proof's deadline `deadline` is before the block time `timestamp`.
    error AgentNFTProofExpired(uint256 deadline, uint256 timestamp);
    /// @notice The proof's deadline `deadline` is later than `maxDeadline` (block time + PROOF_VALIDITY_PERIOD).
    error AgentNFTDeadlineTooFar(uint256 deadline, uint256 maxDeadline);
    /// @notice `nonce` was already used by an accepted proof.
    error AgentNFTNonceUsed(uint256 nonce);
    /// @notice The verifier rejected the proof.
    error AgentNFTInvalidProof();
    /// @notice The receiver acknowledgment is not signed by `receiver` or its delegate.
    error AgentNFTInvalidReceiverAcknowledgment(address receiver);
    /// @notice The receiver public key is empty.
    error AgentNFTEmptyReceiverKey();
    /// @notice The sealed key is empty.
    error AgentNFTEmptySealedKey();
    /// @notice A metadata hash of zero is not allowed.
    error AgentNFTZeroDataHash();
    /// @notice `verifier` is not a contract usable as proof verifier.
    error AgentNFTInvalidVerifier(address verifier);
    /// @notice `caller` does not own `tokenId`.
    error AgentNFTNotTokenOwner(uint256 tokenId, address caller);
    /// @notice `executor` is the zero address or the token owner.
    error AgentNFTInvalidExecutor(address executor);
    /// @notice `expiresAt` is not in the future (block time `timestamp`).
    error AgentNFTInvalidExpiry(uint64 expiresAt, uint256 timestamp);
    /// @notice A request cap of zero is not allowed.
    error AgentNFTZeroRequestCap();
    /// @notice `executor` holds no authorization on `tokenId`.
    error AgentNFTUsageNotAuthorized(uint256 tokenId, address executor);
    /// @notice The authorization of `executor` on `tokenId` ended at `expiresAt`.
    error AgentNFTUsageExpired(uint256 tokenId, address executor, uint64 expiresAt);
    /// @notice Recording `requested` requests would exceed the cap; `remaining` are left.
    error AgentNFTUsageCapExceeded(uint256 tokenId, address executor, uint64 requested, uint64 remaining);
    /// @notice `caller` may not record usage (only the executor itself or USAGE_REPORTER_ROLE).
    error AgentNFTNotUsageReporter(address caller);
    /// @notice The proof's oracle type `oracleType` is not the verifier's.
    error AgentNFTUnsupportedOracleType(uint8 oracleType);
    /// @notice 0G's error: at most MAX_AUTHORIZED_USERS executors per token.
    error ERC7857TooManyAuthorizedUsers();
    /// @notice 0G's error: `assistant` cannot be a delegate (it is the caller).
    error ERC7857InvalidAssistant(address assistant);
    /// @notice 0G's error: no proof given.
    error ERC7857EmptyProof();
    /// @notice 0G's error: the number of proofs is not the number of data entries (one).
    error ERC7857ProofCountMismatch();
    /// @notice 0G's error: the access and ownership proofs name different data hashes.
    error ERC7857DataHashMismatch();
    /// @notice 0G's error: the receiver's wanted key differs from the key the oracle sealed to.
    error ERC7857TargetPubkeyMismatch();

    /// @notice Mints a token holding encrypted metadata. Caller needs MINTER_ROLE. Ids start at 1.
    /// @param to The first owner.
    /// @param encryptedURI Where the encrypted metadata lives.
    /// @param metadataHash Hash of the encrypted metadata.
    /// @return tokenId The new token.
    function mint(address to, string calldata encryptedURI, bytes32 metadataHash) external returns (uint256 tokenId);

    /// @notice Moves `tokenId` from `from` to `to` together with its re-encrypted metadata.
    /// @dev Caller must be the owner or approved. Replaces the metadata hash and URI with the re-encrypted copy,
    /// clears usage authorizations, consumes the proof's nonce, emits {MetadataUpdated} and {PublishedSealedKey}.
    /// @param from The current owner.
    /// @param to The receiver.
    /// @param tokenId The token.
    /// @param sealedKey The new data key sealed to the receiver's public key.
    /// @param proof `abi.encode(TransferProof)`.
    function transfer(
        address from,
        address to,
        uint256 tokenId,
        bytes calldata sealedKey,
        bytes calldata proof
    ) external;

    /// @notice Mints a copy of `tokenId` to `to`, whose metadata is a re-encryption of the source's.
    /// @dev Caller must be the owner or approved for `tokenId`. The source token is unchanged.
    /// @param to The owner of the copy.
    /// @param tokenId The source token.
    /// @param sealedKey The copy's data key sealed to the receiver's public key.
    /// @param proof `abi.encode(TransferProof)` with `from` = owner of `tokenId`.
    /// @return newTokenId The copy.
    function clone(
        address to,
        uint256 tokenId,
        bytes calldata sealedKey,
        bytes calldata proof
    ) external returns (uint256 newTokenId);

    /// @notice The owner re-encrypts its token under a fresh key (key rotation after a transfer).
    /// @dev Caller must be the owner or approved. The proof has `from` = `to` = owner.
    /// @param tokenId The token.
    /// @param sealedKey The new data key sealed to the owner's public key.
    /// @param proof `abi.encode(TransferProof)`.
    function rotateKey(uint256 tokenId, bytes calldata sealedKey, bytes calldata proof) external;

    /// @notice The docs' form: authorizes `executor` for DEFAULT_USAGE_PERIOD with no request cap.
    /// @param tokenId The token (caller must own it).
    /// @param executor The account allowed to run the agent.
    /// @param permissions Opaque scope.
    function authorizeUsage(uint256 tokenId, address executor, bytes calldata permissions) external;

    /// @notice Authorizes `executor` on `tokenId` until `expiresAt` for at most `maxRequests` requests.
    /// @dev Replaces earlier terms of the same executor and resets its request count.
    /// @param tokenId The token (caller must own it).
    /// @param executor The account allowed to run the agent.
    /// @param permissions Opaque scope.
    /// @param expiresAt Unix time the authorization ends (in the future).
    /// @param maxRequests Request cap (non-zero).
    function authorizeUsage(
        uint256 tokenId,
        address executor,
        bytes calldata permissions,
        uint64 expiresAt,
        uint64 maxRequests
    ) external;

    /// @notice Revokes the authorization of `executor` on `tokenId`. Caller must own the token.
    /// @param tokenId The token.
    /// @param executor The executor.
    function revokeAuthorization(uint256 tokenId, address executor) external;

    /// @notice Records `requests` used requests. Caller is the executor itself or holds USAGE_REPORTER_ROLE.
    /// @param tokenId The token.
    /// @param executor The executor.
    /// @param requests Requests to record.
    function recordUsage(uint256 tokenId, address executor, uint64 requests) external;

    /// @notice 0G's iTransferFrom: the same checks as {transfer}, with the proof in 0G's container.
    /// @param from The current owner.
    /// @param to The receiver.
    /// @param tokenId The token.
    /// @param proofs Exactly one proof pair.
    function iTransferFrom(address from, address to, uint256 tokenId, TransferValidityProof[] calldata proofs) external;

    /// @notice 0G's iCloneFrom: the same checks as {clone}, with the proof in 0G's container.
    /// @param from Owner of the source token.
    /// @param to The owner of the copy.
    /// @param tokenId The source token.
    /// @param proofs Exactly one proof pair.
    /// @return newTokenId The copy.
    function iCloneFrom(
        address from,
        address to,
        uint256 tokenId,
        TransferValidityProof[] calldata proofs
    ) external returns (uint256 newTokenId);

    /// @notice Lets `assistant` sign receiver acknowledgments for the caller (zero address clears).
    /// @param assistant The delegate.
    function delegateAccess(address assistant) external;

    /// @notice Replaces the proof verifier. Caller needs VERIFIER_ADMIN_ROLE.
    /// @param newVerifier The new verifier contract.
    function setVerifier(IINFTProofVerifier newVerifier) external;

    /// @notice Pauses minting, transfers, clones and authorizations. Caller needs PAUSER_ROLE.
    function pause() external;

    /// @notice Lifts the pause. Caller needs PAUSER_ROLE.
    function unpause() external;

    /// @notice The metadata hash of `tokenId`.
    /// @param tokenId The token.
    /// @return The hash.
    function getMetadataHash(uint256 tokenId) external view returns (bytes32);

    /// @notice The encrypted metadata URI of `tokenId`.
    /// @param tokenId The token.
    /// @return The URI.
    function getEncryptedURI(uint256 tokenId) external view returns (string memory);

    /// @notice 0G's view of the token data: one entry (description = encrypted URI).
    /// @param tokenId The token.
    /// @return The data entries.
    function intelligentDatasOf(uint256 tokenId) external view returns (IntelligentData[] memory);

    /// @notice Executors currently holding an authorization on `tokenId` (expired ones included until revoked).
    /// @param tokenId The token.
    /// @return The executors (at most MAX_AUTHORIZED_USERS).
    function authorizedUsersOf(uint256 tokenId) external view returns (address[] memory);

    /// @notice The terms of `executor` on `tokenId` (all zero when none).
    /// @param tokenId The token.
    /// @param executor The executor.
    /// @return The terms.
    function getAuthorization(uint256 tokenId, address executor) external view returns (UsageAuthorization memory);

    /// @notice Whether `executor` may use `tokenId` now (authorized, not expired, requests left).
    /// @param tokenId The token.
    /// @param executor The executor.
    /// @return True when usable.
    function isAuthorizedExecutor(uint256 tokenId, address executor) external view returns (bool);

    /// @notice Whether `account` may clone `tokenId` (owner or approved).
    /// @param tokenId The token.
    /// @param account The account.
    /// @return True when allowed.
    function canClone(uint256 tokenId, address account) external view returns (bool);

    /// @notice The delegate of `user` (zero when none).
    /// @param user The receiver account.
    /// @return The delegate.
    function getDelegateAccess(address user) external view returns (address);

    /// @notice Whether `nonce` was consumed by an accepted proof.
    /// @param nonce The nonce.
    /// @return True when used.
    function nonceUsed(uint256 nonce) external view returns (bool);

    /// @notice The proof verifier.
    /// @return The verifier contract.
    function verifier() external view returns (IINFTProofVerifier);

    /// @notice The docs' name for {verifier}.
    /// @return The verifier address.
    function oracle() external view returns (address);

    /// @notice The next token id {mint} or {clone} will assign.
    /// @return The id.
    function nextTokenId() external view returns (uint256);

    /// @notice The EIP-712 digests signed for `claim`: by the oracles and by the receiver.
    /// @param claim The claim (the contract fills `oldDataHash` from storage when it verifies a real proof).
    /// @return oracleDigest Digest of the `OracleAttestation`.
    /// @return receiverDigest Digest of the `ReceiverAcknowledgment`.
    function claimDigests(
        TransferClaim calldata claim
    ) external view returns (bytes32 oracleDigest, bytes32 receiverDigest);
}
