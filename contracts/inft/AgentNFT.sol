// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC721Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC721/ERC721Upgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IAgentNFT} from "./interfaces/IAgentNFT.sol";
import {IINFTProofVerifier, TransferClaim} from "./interfaces/IINFTProofVerifier.sol";

/// @title AgentNFT
/// @notice ERC-7857 intelligent NFT. Each token holds the hash and URI of encrypted agent metadata; ownership moves
/// only with a proof that the metadata was re-encrypted under a fresh key sealed to the receiver.
/// @dev Deliberate differences from 0G's reference implementations (docs.0g.ai examples and 0g-agent-nft), each
/// fixing a known weakness:
/// - `transfer`/`clone` require the caller to be the owner or approved (the docs' `transfer` checked neither).
/// - Plain ERC-721 `transferFrom`/`safeTransferFrom` revert: they would move the id without the key.
/// - The proof is EIP-712 typed data on this contract's domain binding action, token, from, to, old and new data
///   hash, new URI, keccak(sealedKey), receiver public key, nonce and a deadline at most one hour ahead. Nonces are
///   stored here forever; nobody can delete them (0G lets anyone purge nonces after 7 days).
/// - The receiver signs an EIP-712 acknowledgment of the same fields (EOA or ERC-1271, or its delegate).
/// - A transfer replaces the data hash and URI by the re-encrypted copy; no function changes metadata without a
///   proof (0G keeps the hash and lets the owner `update` it with no proof).
/// - Usage authorizations carry an expiry and a request cap, can be revoked and are cleared on every transfer.
contract AgentNFT is
    Initializable,
    ERC721Upgradeable,
    AccessControlUpgradeable,
    PausableUpgradeable,
    EIP712Upgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient,
    IAgentNFT
{
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Role that may mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Role that may pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Role that may replace the proof verifier.
    bytes32 public constant VERIFIER_ADMIN_ROLE = keccak256("VERIFIER_ADMIN_ROLE");
    /// @notice Role that may record usage for any executor (e.g. the compute settlement service).
    bytes32 public constant USAGE_REPORTER_ROLE = keccak256("USAGE_REPORTER_ROLE");
    /// @notice Role that may upgrade the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice Longest time a proof may stay valid (seconds); the docs' PROOF_VALIDITY_PERIOD.
    uint256 public constant PROOF_VALIDITY_PERIOD = 1 hours;
    /// @notice Most executors one token may authorize at once (0G's limit).
    uint256 public constant MAX_AUTHORIZED_USERS = 100;
    /// @notice Lifetime of an authorization made with the docs' three-argument `authorizeUsage` (seconds).
    uint64 public constant DEFAULT_USAGE_PERIOD = 30 days;

    /// @notice EIP-712 type signed by the oracles.
    bytes32 public constant ORACLE_ATTESTATION_TYPEHASH =
        keccak256(
            "OracleAttestation(uint8 action,uint256 tokenId,address from,address to,bytes32 oldDataHash,"
            "bytes32 newDataHash,string newURI,bytes32 sealedKeyHash,bytes receiverPubKey,uint256 nonce,"
            "uint256 deadline)"
        );
    /// @notice EIP-712 type signed by the receiver (same fields as the attestation).
    bytes32 public constant RECEIVER_ACKNOWLEDGMENT_TYPEHASH =
        keccak256(
            "ReceiverAcknowledgment(uint8 action,uint256 tokenId,address from,address to,bytes32 oldDataHash,"
            "bytes32 newDataHash,string newURI,bytes32 sealedKeyHash,bytes receiverPubKey,uint256 nonce,"
            "uint256 deadline)"
        );

    struct TokenData {
        bytes32 dataHash;
        uint256 authEpoch;
        string encryptedURI;
    }

    struct AuthorizationSet {
        EnumerableSet.AddressSet executors;
        mapping(address executor => UsageAuthorization) terms;
    }

    /// @custom:storage-location erc7201:zg.storage.AgentNFT
    struct AgentNFTStorage {
        IINFTProofVerifier verifier;
        uint256 nextTokenId;
        mapping(uint256 tokenId => TokenData) tokens;
        // Bumping a token's authEpoch clears all its authorizations in O(1).
        mapping(uint256 tokenId => mapping(uint256 epoch => AuthorizationSet)) authorizations;
        mapping(uint256 nonce => bool used) usedNonces;
        mapping(address user => address assistant) delegates;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.AgentNFT")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant AGENT_NFT_STORAGE_LOCATION =
        0xf054c22cb0888c3528290e37b7456c409632da8bd06c13d079a670dedf63fd00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy.
    /// @param name_ ERC-721 name.
    /// @param symbol_ ERC-721 symbol.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and every operational role.
    /// @param verifier_ The proof verifier (e.g. a {TEEVerifier} proxy).
    function initialize(
        string calldata name_,
        string calldata symbol_,
        address admin,
        IINFTProofVerifier verifier_
    ) external initializer {
        __ERC721_init(name_, symbol_);
        __AccessControl_init();
        __Pausable_init();
        __EIP712_init("AgentNFT", "1");
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(VERIFIER_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        _setVerifier(verifier_);
        _getAgentNFTStorage().nextTokenId = 1;
    }

    // ------------------------------------------------------------------ ERC-7857 (docs surface)

    /// @inheritdoc IAgentNFT
    function mint(
        address to,
        string calldata encryptedURI,
        bytes32 metadataHash
    ) external onlyRole(MINTER_ROLE) whenNotPaused nonReentrant returns (uint256 tokenId) {
        if (metadataHash == bytes32(0)) revert AgentNFTZeroDataHash();
        AgentNFTStorage storage $ = _getAgentNFTStorage();
        tokenId = $.nextTokenId++;
        TokenData storage t = $.tokens[tokenId];
        t.dataHash = metadataHash;
        t.encryptedURI = encryptedURI;
        emit MetadataUpdated(tokenId, metadataHash);
        _safeMint(to, tokenId);
    }

    /// @inheritdoc IAgentNFT
    function transfer(
        address from,
        address to,
        uint256 tokenId,
        bytes calldata sealedKey,
        bytes calldata proof
    ) external whenNotPaused nonReentrant {
        _transferWithProof(from, to, tokenId, sealedKey, abi.decode(proof, (TransferProof)));
    }

    /// @inheritdoc IAgentNFT
    function clone(
        address to,
        uint256 tokenId,
        bytes calldata sealedKey,
        bytes calldata proof
    ) external whenNotPaused nonReentrant returns (uint256 newTokenId) {
        return _cloneWithProof(to, tokenId, sealedKey, abi.decode(proof, (TransferProof)));
    }

    /// @inheritdoc IAgentNFT
    function rotateKey(uint256 tokenId, bytes calldata sealedKey, bytes calldata proof) external whenNotPaused {
        TransferProof memory p = abi.decode(proof, (TransferProof));
        address owner = _requireOwned(tokenId);
        _checkAuthorized(owner, _msgSender(), tokenId);
        _consumeProof(Action.Rotate, tokenId, owner, owner, sealedKey, p);
        _setData(tokenId, p.newDataHash, p.newURI);
        _publishSealedKey(owner, tokenId, sealedKey);
    }

    /// @inheritdoc IAgentNFT
    function authorizeUsage(uint256 tokenId, address executor, bytes calldata permissions) external whenNotPaused {
        _authorizeUsage(tokenId, executor, permissions, uint64(block.timestamp) + DEFAULT_USAGE_PERIOD, type(uint64).max);
    }

    /// @inheritdoc IAgentNFT
    function authorizeUsage(
        uint256 tokenId,
        address executor,
        bytes calldata permissions,
        uint64 expiresAt,
        uint64 maxRequests
    ) external whenNotPaused {
        _authorizeUsage(tokenId, executor, permissions, expiresAt, maxRequests);
    }

    /// @inheritdoc IAgentNFT
    /// @dev Allowed while paused, so owners can always withdraw access.
    function revokeAuthorization(uint256 tokenId, address executor) external {
        address owner = _requireOwned(tokenId);
        if (owner != _msgSender()) revert AgentNFTNotTokenOwner(tokenId, _msgSender());
        AuthorizationSet storage s = _currentAuthorizations(tokenId);
        if (!s.executors.remove(executor)) revert AgentNFTUsageNotAuthorized(tokenId, executor);
        delete s.terms[executor];
        emit UsageRevoked(tokenId, executor);
    }

    /// @inheritdoc IAgentNFT
    /// @dev Recording zero requests changes nothing and emits nothing.
    function recordUsage(uint256 tokenId, address executor, uint64 requests) external whenNotPaused {
        if (_msgSender() != executor && !hasRole(USAGE_REPORTER_ROLE, _msgSender())) {
            revert AgentNFTNotUsageReporter(_msgSender());
        }
        _requireOwned(tokenId);
        AuthorizationSet storage s = _currentAuthorizations(tokenId);
        if (!s.executors.contains(executor)) revert AgentNFTUsageNotAuthorized(tokenId, executor);
        UsageAuthorization storage a = s.terms[executor];
        if (block.timestamp >= a.expiresAt) revert AgentNFTUsageExpired(tokenId, executor, a.expiresAt);
        // usedRequests <= maxRequests always holds, so the subtraction cannot underflow.
        uint64 remaining = a.maxRequests - a.usedRequests;
        if (requests > remaining) revert AgentNFTUsageCapExceeded(tokenId, executor, requests, remaining);
        if (requests == 0) return;
        a.usedRequests += requests;
        emit UsageRecorded(tokenId, executor, requests, a.usedRequests);
    }

    // ------------------------------------------------------------------ 0G compatibility surface

    /// @inheritdoc IAgentNFT
    function iTransferFrom(
        address from,
        address to,
        uint256 tokenId,
        TransferValidityProof[] calldata proofs
    ) external whenNotPaused nonReentrant {
        (bytes memory sealedKey, TransferProof memory p) = _fromCompatProof(proofs);
        _transferWithProof(from, to, tokenId, sealedKey, p);
    }

    /// @inheritdoc IAgentNFT
    function iCloneFrom(
        address from,
        address to,
        uint256 tokenId,
        TransferValidityProof[] calldata proofs
    ) external whenNotPaused nonReentrant returns (uint256 newTokenId) {
        address owner = _requireOwned(tokenId);
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        (bytes memory sealedKey, TransferProof memory p) = _fromCompatProof(proofs);
        return _cloneWithProof(to, tokenId, sealedKey, p);
    }

    /// @inheritdoc IAgentNFT
    /// @dev 0G keeps one global delegate per user; here it is per token contract and revocable with address(0).
    function delegateAccess(address assistant) external {
        if (assistant == _msgSender()) revert ERC7857InvalidAssistant(assistant);
        AgentNFTStorage storage $ = _getAgentNFTStorage();
        if ($.delegates[_msgSender()] == assistant) return;
        $.delegates[_msgSender()] = assistant;
        emit DelegateAccess(_msgSender(), assistant);
    }

    // ------------------------------------------------------------------ administration

    /// @inheritdoc IAgentNFT
    function setVerifier(IINFTProofVerifier newVerifier) external onlyRole(VERIFIER_ADMIN_ROLE) {
        _setVerifier(newVerifier);
    }

    /// @inheritdoc IAgentNFT
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IAgentNFT
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------ disabled ERC-721 moves

    /// @notice Disabled: a plain move would hand over the token without re-sealing its data key.
    /// @dev Always reverts with {AgentNFTUseTransferWithProof}; use {transfer} or {iTransferFrom}.
    function transferFrom(address, address, uint256 tokenId) public pure override {
        revert AgentNFTUseTransferWithProof(tokenId);
    }

    /// @notice Disabled, like {transferFrom}. The three-argument form forwards here and reverts too.
    /// @dev Always reverts with {AgentNFTUseTransferWithProof}; use {transfer} or {iTransferFrom}.
    function safeTransferFrom(address, address, uint256 tokenId, bytes memory) public pure override {
        revert AgentNFTUseTransferWithProof(tokenId);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAgentNFT
    function getMetadataHash(uint256 tokenId) external view returns (bytes32) {
        _requireOwned(tokenId);
        return _getAgentNFTStorage().tokens[tokenId].dataHash;
    }

    /// @inheritdoc IAgentNFT
    function getEncryptedURI(uint256 tokenId) external view returns (string memory) {
        _requireOwned(tokenId);
        return _getAgentNFTStorage().tokens[tokenId].encryptedURI;
    }

    /// @inheritdoc IAgentNFT
    function intelligentDatasOf(uint256 tokenId) external view returns (IntelligentData[] memory datas) {
        _requireOwned(tokenId);
        TokenData storage t = _getAgentNFTStorage().tokens[tokenId];
        datas = new IntelligentData[](1);
        datas[0] = IntelligentData({dataDescription: t.encryptedURI, dataHash: t.dataHash});
    }

    /// @inheritdoc IAgentNFT
    function authorizedUsersOf(uint256 tokenId) external view returns (address[] memory) {
        _requireOwned(tokenId);
        return _currentAuthorizations(tokenId).executors.values();
    }

    /// @inheritdoc IAgentNFT
    function getAuthorization(uint256 tokenId, address executor) external view returns (UsageAuthorization memory) {
        _requireOwned(tokenId);
        return _currentAuthorizations(tokenId).terms[executor];
    }

    /// @inheritdoc IAgentNFT
    function isAuthorizedExecutor(uint256 tokenId, address executor) external view returns (bool) {
        if (_ownerOf(tokenId) == address(0)) return false;
        UsageAuthorization storage a = _currentAuthorizations(tokenId).terms[executor];
        return block.timestamp < a.expiresAt && a.usedRequests < a.maxRequests;
    }

    /// @inheritdoc IAgentNFT
    function canClone(uint256 tokenId, address account) external view returns (bool) {
        address owner = _ownerOf(tokenId);
        return owner != address(0) && _isAuthorized(owner, account, tokenId);
    }

    /// @inheritdoc IAgentNFT
    function getDelegateAccess(address user) external view returns (address) {
        return _getAgentNFTStorage().delegates[user];
    }

    /// @inheritdoc IAgentNFT
    function nonceUsed(uint256 nonce) external view returns (bool) {
        return _getAgentNFTStorage().usedNonces[nonce];
    }

    /// @inheritdoc IAgentNFT
    function verifier() external view returns (IINFTProofVerifier) {
        return _getAgentNFTStorage().verifier;
    }

    /// @inheritdoc IAgentNFT
    function oracle() external view returns (address) {
        return address(_getAgentNFTStorage().verifier);
    }

    /// @inheritdoc IAgentNFT
    function nextTokenId() external view returns (uint256) {
        return _getAgentNFTStorage().nextTokenId;
    }

    /// @inheritdoc IAgentNFT
    function claimDigests(
        TransferClaim calldata claim
    ) external view returns (bytes32 oracleDigest, bytes32 receiverDigest) {
        return _claimDigests(claim);
    }

    /// @notice ERC-165 support for ERC-721, AccessControl and {IAgentNFT}.
    /// @param interfaceId The interface id.
    /// @return True when supported.
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721Upgradeable, AccessControlUpgradeable) returns (bool) {
        return interfaceId == type(IAgentNFT).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internal

    /// @dev Requirements: UPGRADER_ROLE.
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    /// @dev Moves `tokenId` with a verified re-encryption.
    /// Requirements: `from` owns the token, the caller is owner or approved, `to` is not zero, the proof is valid.
    /// Emits {MetadataUpdated}, {PublishedSealedKey}, ERC-721 {Transfer} and maybe {AuthorizationsCleared}.
    function _transferWithProof(
        address from,
        address to,
        uint256 tokenId,
        bytes memory sealedKey,
        TransferProof memory p
    ) internal {
        address owner = _requireOwned(tokenId);
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        _checkAuthorized(owner, _msgSender(), tokenId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        _consumeProof(Action.Transfer, tokenId, from, to, sealedKey, p);
        _setData(tokenId, p.newDataHash, p.newURI);
        _clearAuthorizations(tokenId);
        // The receiver's EIP-712 acknowledgment already proves it accepts the token, so no onERC721Received call.
        _transfer(from, to, tokenId);
        _publishSealedKey(to, tokenId, sealedKey);
    }

    /// @dev Mints a re-encrypted copy of `tokenId` to `to`.
    /// Requirements: the caller is owner or approved for `tokenId`, `to` is not zero, the proof is valid.
    /// Emits {MetadataUpdated}, {Cloned}, {PublishedSealedKey} and ERC-721 {Transfer}.
    function _cloneWithProof(
        address to,
        uint256 tokenId,
        bytes memory sealedKey,
        TransferProof memory p
    ) internal returns (uint256 newTokenId) {
        address owner = _requireOwned(tokenId);
        _checkAuthorized(owner, _msgSender(), tokenId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        _consumeProof(Action.Clone, tokenId, owner, to, sealedKey, p);
        newTokenId = _getAgentNFTStorage().nextTokenId++;
        _setData(newTokenId, p.newDataHash, p.newURI);
        _mint(to, newTokenId);
        emit Cloned(tokenId, newTokenId, owner, to);
        _publishSealedKey(to, newTokenId, sealedKey);
    }

    /// @dev Checks a proof for the given action and consumes its nonce.
    /// Requirements: non-empty sealed key and receiver key, non-zero new hash, `block.timestamp <= deadline <=
    /// block.timestamp + PROOF_VALIDITY_PERIOD`, unused nonce, a receiver acknowledgment by `to` (or its delegate)
    /// and a proof the verifier accepts. The old data hash is read from storage, never from the caller.
    function _consumeProof(
        Action action,
        uint256 tokenId,
        address from,
        address to,
        bytes memory sealedKey,
        TransferProof memory p
    ) internal {
        if (sealedKey.length == 0) revert AgentNFTEmptySealedKey();
        if (p.receiverPubKey.length == 0) revert AgentNFTEmptyReceiverKey();
        if (p.newDataHash == bytes32(0)) revert AgentNFTZeroDataHash();
        if (p.deadline < block.timestamp) revert AgentNFTProofExpired(p.deadline, block.timestamp);
        uint256 maxDeadline = block.timestamp + PROOF_VALIDITY_PERIOD;
        if (p.deadline > maxDeadline) revert AgentNFTDeadlineTooFar(p.deadline, maxDeadline);
        AgentNFTStorage storage $ = _getAgentNFTStorage();
        if ($.usedNonces[p.nonce]) revert AgentNFTNonceUsed(p.nonce);

        TransferClaim memory claim = TransferClaim({
            action: uint8(action),
            tokenId: tokenId,
            from: from,
            to: to,
            oldDataHash: $.tokens[tokenId].dataHash,
            newDataHash: p.newDataHash,
            newURI: p.newURI,
            sealedKeyHash: keccak256(sealedKey),
            receiverPubKey: p.receiverPubKey,
            nonce: p.nonce,
            deadline: p.deadline
        });
        (bytes32 oracleDigest, bytes32 receiverDigest) = _claimDigests(claim);
        if (!_isAcknowledgedBy(to, receiverDigest, p.receiverSignature)) {
            revert AgentNFTInvalidReceiverAcknowledgment(to);
        }
        if (!$.verifier.verifyTransferValidity(claim, oracleDigest, p.oracleProof)) revert AgentNFTInvalidProof();
        $.usedNonces[p.nonce] = true;
    }

    /// @dev The EIP-712 digests of `claim` under both type names; the field encoding is shared.
    function _claimDigests(
        TransferClaim memory claim
    ) internal view returns (bytes32 oracleDigest, bytes32 receiverDigest) {
        bytes memory fields = abi.encode(
            claim.action,
            claim.tokenId,
            claim.from,
            claim.to,
            claim.oldDataHash,
            claim.newDataHash,
            keccak256(bytes(claim.newURI)),
            claim.sealedKeyHash,
            keccak256(claim.receiverPubKey),
            claim.nonce,
            claim.deadline
        );
        oracleDigest = _hashTypedDataV4(keccak256(bytes.concat(ORACLE_ATTESTATION_TYPEHASH, fields)));
        receiverDigest = _hashTypedDataV4(keccak256(bytes.concat(RECEIVER_ACKNOWLEDGMENT_TYPEHASH, fields)));
    }

    /// @dev True when `signature` over `digest` is by `receiver` or its delegate (ECDSA or ERC-1271).
    function _isAcknowledgedBy(
        address receiver,
        bytes32 digest,
        bytes memory signature
    ) internal view returns (bool) {
        if (SignatureChecker.isValidSignatureNow(receiver, digest, signature)) return true;
        address assistant = _getAgentNFTStorage().delegates[receiver];
        return assistant != address(0) && SignatureChecker.isValidSignatureNow(assistant, digest, signature);
    }

    /// @dev Maps 0G's proof container onto a {TransferProof}. See {IAgentNFT.OwnershipProof} for the layout.
    function _fromCompatProof(
        TransferValidityProof[] calldata proofs
    ) internal view returns (bytes memory sealedKey, TransferProof memory p) {
        if (proofs.length == 0) revert ERC7857EmptyProof();
        if (proofs.length != 1) revert ERC7857ProofCountMismatch();
        AccessProof calldata access = proofs[0].accessProof;
        OwnershipProof calldata ownership = proofs[0].ownershipProof;
        if (access.dataHash != ownership.dataHash) revert ERC7857DataHashMismatch();
        if (access.targetPubkey.length != 0 && keccak256(access.targetPubkey) != keccak256(ownership.targetPubkey)) {
            revert ERC7857TargetPubkeyMismatch();
        }
        if (ownership.oracleType != _getAgentNFTStorage().verifier.oracleType()) {
            revert AgentNFTUnsupportedOracleType(uint8(ownership.oracleType));
        }
        (uint256 nonce, uint256 deadline, string memory newURI) = abi.decode(
            ownership.nonce,
            (uint256, uint256, string)
        );
        p = TransferProof({
            newDataHash: ownership.dataHash,
            newURI: newURI,
            receiverPubKey: ownership.targetPubkey,
            nonce: nonce,
            deadline: deadline,
            oracleProof: ownership.proof,
            receiverSignature: access.proof
        });
        sealedKey = ownership.sealedKey;
    }

    /// @dev Stores the token's data. Emits {MetadataUpdated}.
    function _setData(uint256 tokenId, bytes32 dataHash, string memory uri) internal {
        TokenData storage t = _getAgentNFTStorage().tokens[tokenId];
        t.dataHash = dataHash;
        t.encryptedURI = uri;
        emit MetadataUpdated(tokenId, dataHash);
    }

    /// @dev Drops every authorization of `tokenId` by moving to a fresh epoch. Emits {AuthorizationsCleared} if any.
    function _clearAuthorizations(uint256 tokenId) internal {
        AgentNFTStorage storage $ = _getAgentNFTStorage();
        TokenData storage t = $.tokens[tokenId];
        uint256 count = $.authorizations[tokenId][t.authEpoch].executors.length();
        // One increment per transfer: a uint256 cannot overflow.
        unchecked {
            ++t.authEpoch;
        }
        if (count != 0) emit AuthorizationsCleared(tokenId, count);
    }

    /// @dev Emits 0G's {PublishedSealedKey} with the one sealed key.
    function _publishSealedKey(address to, uint256 tokenId, bytes memory sealedKey) internal {
        bytes[] memory keys = new bytes[](1);
        keys[0] = sealedKey;
        emit PublishedSealedKey(to, tokenId, keys);
    }

    /// @dev Validates and stores the terms. Requirements: caller owns the token, executor is neither zero nor the
    /// owner, `expiresAt` in the future, `maxRequests` non-zero, at most MAX_AUTHORIZED_USERS executors.
    /// Emits {UsageAuthorized} and {UsageTermsSet}.
    function _authorizeUsage(
        uint256 tokenId,
        address executor,
        bytes calldata permissions,
        uint64 expiresAt,
        uint64 maxRequests
    ) internal {
        address owner = _requireOwned(tokenId);
        if (owner != _msgSender()) revert AgentNFTNotTokenOwner(tokenId, _msgSender());
        if (executor == address(0) || executor == owner) revert AgentNFTInvalidExecutor(executor);
        if (expiresAt <= block.timestamp) revert AgentNFTInvalidExpiry(expiresAt, block.timestamp);
        if (maxRequests == 0) revert AgentNFTZeroRequestCap();
        AuthorizationSet storage s = _currentAuthorizations(tokenId);
        if (!s.executors.contains(executor)) {
            if (s.executors.length() >= MAX_AUTHORIZED_USERS) revert ERC7857TooManyAuthorizedUsers();
            s.executors.add(executor);
        }
        s.terms[executor] = UsageAuthorization({
            permissions: permissions,
            expiresAt: expiresAt,
            maxRequests: maxRequests,
            usedRequests: 0
        });
        emit UsageAuthorized(tokenId, executor);
        emit UsageTermsSet(tokenId, executor, expiresAt, maxRequests, permissions);
    }

    /// @dev Replaces the verifier. Requirements: `newVerifier` has code. Emits {OracleUpdated} when it changes.
    function _setVerifier(IINFTProofVerifier newVerifier) internal {
        if (address(newVerifier).code.length == 0) revert AgentNFTInvalidVerifier(address(newVerifier));
        AgentNFTStorage storage $ = _getAgentNFTStorage();
        address old = address($.verifier);
        if (old == address(newVerifier)) return;
        $.verifier = newVerifier;
        emit OracleUpdated(old, address(newVerifier));
    }

    function _currentAuthorizations(uint256 tokenId) private view returns (AuthorizationSet storage) {
        AgentNFTStorage storage $ = _getAgentNFTStorage();
        return $.authorizations[tokenId][$.tokens[tokenId].authEpoch];
    }

    function _getAgentNFTStorage() private pure returns (AgentNFTStorage storage $) {
        assembly {
            $.slot := AGENT_NFT_STORAGE_LOCATION
        }
    }
}
