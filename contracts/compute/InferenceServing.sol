// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IInferenceServing} from "./interfaces/IInferenceServing.sol";
import {IServing} from "./interfaces/IServing.sol";
import {ILedgerManager} from "./interfaces/ILedgerManager.sol";
import {RefundQueue} from "./lib/RefundQueue.sol";

/**
 * @title InferenceServing
 * @notice Inference services, user sub-accounts and TEE-signed fee settlement.
 * @dev Differences from 0G's reference, on purpose (same ABI):
 * - UUPS proxy with AccessControl roles instead of a beacon with one owner.
 * - Every accepted settlement item emits {TEESettlementRecorded} with its `requestsHash`, so a user can check the
 *   provider's request log against what was settled.
 * - A settlement never takes more than the sub-account balance, and the ledger is told exactly what was taken.
 * - A refund unlocks at the time fixed when it was requested ({RefundQueue}); changing the lock later does not
 *   move refunds already queued.
 * - Payouts (settlements, returned stakes) that the receiver rejects are credited to {payoutOf} and pulled with
 *   {withdrawPayout}, so a provider contract without a `receive` cannot block its own settlement.
 * - Settlement nonces and token revocation state live outside the account and survive its deletion; deleting an
 *   account bumps the token generation so old API keys die with it (0G reset them to generation 0).
 * - A missing sub-account is reported as ACCOUNT_NOT_EXISTS, not INVALID_SIGNATURE.
 * - `previewSettlementResults` simulates the batch in order, so duplicate users in one batch preview correctly.
 * - `MIN_LOCKTIME` is 1 minute (0G: 1 hour) so a devnet can run short locks; production deployments set 24 h.
 */
contract InferenceServing is IInferenceServing, AccessControlUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using RefundQueue for RefundQueue.Entry[];

    /// @notice May mark providers' TEE signers as trusted.
    bytes32 public constant TEE_ACKNOWLEDGER_ROLE = keccak256("TEE_ACKNOWLEDGER_ROLE");
    /// @notice May change the refund lock.
    bytes32 public constant CONFIG_ROLE = keccak256("CONFIG_ROLE");
    /// @notice May upgrade the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice Shortest refund lock, in seconds.
    uint256 public constant MIN_LOCKTIME = 1 minutes;
    /// @notice Longest refund lock, in seconds.
    uint256 public constant MAX_LOCKTIME = 7 days;
    /// @notice Stake required when a provider first registers, in wei.
    uint256 public constant MIN_PROVIDER_STAKE = 100 ether;
    /// @notice Most items in one settlement batch.
    uint256 public constant MAX_SETTLEMENTS = 50;
    /// @notice Most users in {getBatchAccountsByUsers}.
    uint256 public constant MAX_BATCH_USERS = 500;
    /// @notice Default and largest page size.
    uint256 public constant MAX_PAGE_SIZE = 50;
    /// @notice Most bytes of any `additionalInfo`.
    uint256 public constant MAX_ADDITIONAL_INFO_LENGTH = 4096;

    /// @notice keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 public constant DOMAIN_TYPEHASH = 0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f;
    /// @notice keccak256("TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)")
    bytes32 public constant TEE_SETTLEMENT_TYPEHASH =
        0x6e525043a6c7323bdf60ce222f35127cdd9d8e867ec6350c83fcc254ed18b756;
    bytes32 private constant NAME_HASH = keccak256("0G Inference Serving");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /**
     * @dev Everything settlement reads and writes sits in the first slot (balance, pendingRefund and both flags), so
     * an item costs one cold SLOAD and one SSTORE here. 120 bits hold 1.3e18 0G, far above any supply; amounts
     * entering an account are range-checked ({SafeCast}), and `pendingRefund <= balance` always holds.
     */
    struct AccountData {
        uint120 balance;
        uint120 pendingRefund;
        bool exists;
        bool acknowledged;
        address user;
        uint96 refundRequests;
        address provider;
        RefundQueue.Entry[] refunds;
        string additionalInfo;
    }

    struct Batch {
        bytes32 separator;
        bool registered;
        address signer;
    }

    struct TokenState {
        uint256 generation;
        uint256 revokedBitmap;
    }

    /// @custom:storage-location erc7201:zg.storage.InferenceServing
    struct InferenceServingStorage {
        address ledger;
        uint256 lockTime;
        mapping(address provider => Service) services;
        mapping(address provider => uint256 stake) stakes;
        EnumerableSet.AddressSet providers;
        mapping(bytes32 pairKey => AccountData) accounts;
        EnumerableSet.Bytes32Set accountKeys;
        mapping(address provider => EnumerableSet.Bytes32Set pairKeys) accountsOfProvider;
        mapping(address user => EnumerableSet.Bytes32Set pairKeys) accountsOfUser;
        mapping(bytes32 pairKey => uint256 nonce) nonces;
        mapping(bytes32 pairKey => TokenState) tokens;
        mapping(address receiver => uint256 amount) payouts;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.InferenceServing")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant INFERENCE_SERVING_STORAGE_LOCATION =
        0x4ee1cd36909a5d42be05d07fb8ab08e9f5e5ace469280b824962d279e3777700;

    modifier onlyLedger() {
        if (msg.sender != _getStorage().ledger) revert CallerNotLedger(msg.sender);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises the proxy.
     * @param _locktime Refund lock in seconds, within [`MIN_LOCKTIME`, `MAX_LOCKTIME`].
     * @param _ledgerAddress The {ILedgerManager}.
     * @param owner Receives the admin, TEE-acknowledger, config and upgrader roles.
     */
    function initialize(uint256 _locktime, address _ledgerAddress, address owner) external initializer {
        if (_ledgerAddress == address(0)) revert InvalidAddress(_ledgerAddress);
        if (owner == address(0)) revert InvalidAddress(owner);
        _checkLockTime(_locktime);
        __AccessControl_init();
        InferenceServingStorage storage $ = _getStorage();
        $.ledger = _ledgerAddress;
        $.lockTime = _locktime;
        _grantRole(DEFAULT_ADMIN_ROLE, owner);
        _grantRole(TEE_ACKNOWLEDGER_ROLE, owner);
        _grantRole(CONFIG_ROLE, owner);
        _grantRole(UPGRADER_ROLE, owner);
        emit ContractInitialized(owner, _locktime, _ledgerAddress);
    }

    /// @notice Rejects plain transfers; coin enters only through the ledger, stakes and settlements.
    receive() external payable {
        revert DirectDepositsDisabled();
    }

    // ------------------------------------------------------------------ provider functions

    /// @inheritdoc IInferenceServing
    function addOrUpdateService(ServiceParams calldata params) external payable {
        InferenceServingStorage storage $ = _getStorage();
        if (bytes(params.additionalInfo).length > MAX_ADDITIONAL_INFO_LENGTH) revert AdditionalInfoTooLong();
        Service storage svc = $.services[msg.sender];
        if (!$.providers.contains(msg.sender)) {
            if (msg.value < MIN_PROVIDER_STAKE) revert InsufficientStake(msg.value, MIN_PROVIDER_STAKE);
            $.providers.add(msg.sender);
            $.stakes[msg.sender] = msg.value;
            svc.provider = msg.sender;
            emit ProviderStaked(msg.sender, msg.value);
        } else {
            if (msg.value != 0) revert CannotAddStakeWhenUpdating();
            if (svc.teeSignerAcknowledged && _criticalChange(svc, params)) {
                svc.teeSignerAcknowledged = false;
                emit ProviderTEESignerAcknowledged(msg.sender, svc.teeSignerAddress, false);
            }
        }
        svc.serviceType = params.serviceType;
        svc.url = params.url;
        svc.model = params.model;
        svc.verifiability = params.verifiability;
        svc.inputPrice = params.inputPrice;
        svc.outputPrice = params.outputPrice;
        svc.additionalInfo = params.additionalInfo;
        svc.teeSignerAddress = params.teeSignerAddress;
        svc.updatedAt = block.timestamp;
        emit ServiceUpdated(
            msg.sender,
            params.serviceType,
            params.url,
            params.inputPrice,
            params.outputPrice,
            block.timestamp,
            params.model,
            params.verifiability
        );
    }

    /// @inheritdoc IInferenceServing
    function removeService() external nonReentrant {
        InferenceServingStorage storage $ = _getStorage();
        if (!$.providers.remove(msg.sender)) revert ServiceNotExist(msg.sender);
        uint256 stake = $.stakes[msg.sender];
        delete $.stakes[msg.sender];
        delete $.services[msg.sender];
        emit ServiceRemoved(msg.sender);
        emit ProviderStakeReturned(msg.sender, stake);
        _pay(msg.sender, stake);
    }

    /// @inheritdoc IInferenceServing
    function settleFeesWithTEE(
        TEESettlementData[] calldata settlements
    ) external nonReentrant returns (uint8[] memory statuses) {
        _checkBatch(settlements.length);
        InferenceServingStorage storage $ = _getStorage();
        Batch memory b = _batch();
        ILedgerManager ledger = ILedgerManager($.ledger);
        statuses = new uint8[](settlements.length);
        uint256 payout;
        for (uint256 i; i < settlements.length; ++i) {
            TEESettlementData calldata s = settlements[i];
            bytes32 key = _key(s.user, msg.sender);
            AccountData storage a = $.accounts[key];
            (SettlementStatus status, uint256 amount) = _evaluate(s, b, a, $.nonces[key], a.balance);
            statuses[i] = uint8(status);
            if (status == SettlementStatus.SUCCESS || status == SettlementStatus.PARTIAL) {
                $.nonces[key] = s.nonce;
                if (amount != 0) {
                    _spend(a, s.user, amount);
                    ledger.spendFund(s.user, amount);
                    // amount <= the account balance, so the sum stays below the contract's balance
                    unchecked {
                        payout += amount;
                    }
                }
                emit TEESettlementRecorded(s.user, msg.sender, s.requestsHash, s.nonce, s.totalFee, amount);
                emit TEESettlementResult(s.user, status, s.totalFee - amount);
            } else {
                emit TEESettlementResult(s.user, status, s.totalFee);
            }
        }
        if (payout != 0) _pay(msg.sender, payout);
    }

    /// @inheritdoc IInferenceServing
    function previewSettlementResults(
        TEESettlementData[] calldata settlements
    )
        external
        view
        returns (
            address[] memory failedUsers,
            uint8[] memory failureReasons,
            address[] memory partialUsers,
            uint256[] memory partialAmounts
        )
    {
        _checkBatch(settlements.length);
        InferenceServingStorage storage $ = _getStorage();
        Batch memory b = _batch();
        uint256 n = settlements.length;
        SettlementStatus[] memory st = new SettlementStatus[](n);
        uint256[] memory settled = new uint256[](n);
        uint256 failed;
        uint256 partial_;
        for (uint256 i; i < n; ++i) {
            TEESettlementData calldata s = settlements[i];
            bytes32 key = _key(s.user, msg.sender);
            AccountData storage a = $.accounts[key];
            uint256 nonceFloor = $.nonces[key];
            uint256 balance = a.balance;
            // Replay the earlier accepted items of the same user, as settlement would have applied them.
            for (uint256 j; j < i; ++j) {
                if (settlements[j].user != s.user || uint8(st[j]) > uint8(SettlementStatus.PARTIAL)) continue;
                nonceFloor = settlements[j].nonce;
                balance -= settled[j];
            }
            (st[i], settled[i]) = _evaluate(s, b, a, nonceFloor, balance);
            if (st[i] == SettlementStatus.PARTIAL) ++partial_;
            else if (st[i] != SettlementStatus.SUCCESS) ++failed;
        }
        failedUsers = new address[](failed);
        failureReasons = new uint8[](failed);
        partialUsers = new address[](partial_);
        partialAmounts = new uint256[](partial_);
        (failed, partial_) = (0, 0);
        for (uint256 i; i < n; ++i) {
            if (st[i] == SettlementStatus.PARTIAL) {
                partialUsers[partial_] = settlements[i].user;
                partialAmounts[partial_++] = settlements[i].totalFee - settled[i];
            } else if (st[i] != SettlementStatus.SUCCESS) {
                failedUsers[failed] = settlements[i].user;
                failureReasons[failed++] = uint8(st[i]);
            }
        }
    }

    /// @inheritdoc IInferenceServing
    function withdrawPayout() external nonReentrant {
        InferenceServingStorage storage $ = _getStorage();
        uint256 amount = $.payouts[msg.sender];
        if (amount == 0) revert InferenceNothingToWithdraw(msg.sender);
        $.payouts[msg.sender] = 0;
        emit PayoutWithdrawn(msg.sender, amount);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    // ------------------------------------------------------------------ role functions

    /// @inheritdoc IInferenceServing
    function updateLockTime(uint256 _locktime) external onlyRole(CONFIG_ROLE) {
        _checkLockTime(_locktime);
        InferenceServingStorage storage $ = _getStorage();
        uint256 old = $.lockTime;
        if (old == _locktime) return;
        $.lockTime = _locktime;
        emit LockTimeUpdated(old, _locktime);
    }

    /// @inheritdoc IInferenceServing
    function acknowledgeTEESignerByOwner(address provider) external onlyRole(TEE_ACKNOWLEDGER_ROLE) {
        Service storage svc = _service(provider);
        if (svc.teeSignerAddress == address(0)) revert InvalidAddress(address(0));
        if (svc.teeSignerAcknowledged) return;
        svc.teeSignerAcknowledged = true;
        emit ProviderTEESignerAcknowledged(provider, svc.teeSignerAddress, true);
    }

    /// @inheritdoc IInferenceServing
    function revokeTEESignerAcknowledgement(address provider) external onlyRole(TEE_ACKNOWLEDGER_ROLE) {
        Service storage svc = _service(provider);
        if (!svc.teeSignerAcknowledged) return;
        svc.teeSignerAcknowledged = false;
        emit ProviderTEESignerAcknowledged(provider, svc.teeSignerAddress, false);
    }

    // ------------------------------------------------------------------ user functions

    /// @inheritdoc IInferenceServing
    function acknowledgeTEESigner(address provider, bool acknowledged) external {
        AccountData storage a = _account(msg.sender, provider);
        if (!acknowledged && a.balance != 0) revert CannotRevokeWithNonZeroBalance(msg.sender, provider, a.balance);
        if (a.acknowledged == acknowledged) return;
        a.acknowledged = acknowledged;
        emit AccountAcknowledged(msg.sender, provider, acknowledged);
    }

    /// @inheritdoc IInferenceServing
    function revokeToken(address provider, uint8 tokenId) external {
        _getStorage().tokens[_key(msg.sender, provider)].revokedBitmap |= uint256(1) << tokenId;
        emit TokenRevoked(msg.sender, provider, tokenId);
    }

    /// @inheritdoc IInferenceServing
    function revokeTokens(address provider, uint8[] calldata tokenIds) external {
        if (tokenIds.length > 256) revert BatchSizeTooLarge(tokenIds.length, 256);
        TokenState storage t = _getStorage().tokens[_key(msg.sender, provider)];
        uint256 bitmap = t.revokedBitmap;
        for (uint256 i; i < tokenIds.length; ++i) bitmap |= uint256(1) << tokenIds[i];
        t.revokedBitmap = bitmap;
        emit TokensRevoked(msg.sender, provider, tokenIds);
    }

    /// @inheritdoc IInferenceServing
    function revokeAllTokens(address provider) external {
        uint256 generation = _bumpGeneration(_key(msg.sender, provider));
        emit AllTokensRevoked(msg.sender, provider, generation);
    }

    // ------------------------------------------------------------------ ledger hooks (IServing)

    /// @inheritdoc IServing
    function addAccount(address user, address provider, string calldata additionalInfo) external payable onlyLedger {
        if (user == address(0)) revert InvalidAddress(user);
        if (user == provider) revert ProviderCannotBeUser();
        if (bytes(additionalInfo).length > MAX_ADDITIONAL_INFO_LENGTH) revert AdditionalInfoTooLong();
        InferenceServingStorage storage $ = _getStorage();
        if (!$.providers.contains(provider)) revert ServiceNotExist(provider);
        bytes32 key = _key(user, provider);
        AccountData storage a = $.accounts[key];
        if (a.exists) revert AccountExists(user, provider);
        a.user = user;
        a.provider = provider;
        a.exists = true;
        // Funding a provider counts as acknowledging its TEE signer, as in 0G's reference.
        a.acknowledged = true;
        a.balance = SafeCast.toUint120(msg.value);
        a.additionalInfo = additionalInfo;
        $.accountKeys.add(key);
        $.accountsOfProvider[provider].add(key);
        $.accountsOfUser[user].add(key);
        emit BalanceUpdated(user, provider, msg.value, 0);
    }

    /// @inheritdoc IServing
    function depositFund(address user, address provider, uint256 cancelRetrievingAmount) external payable onlyLedger {
        AccountData storage a = _account(user, provider);
        if (cancelRetrievingAmount > a.pendingRefund) {
            revert InferenceCancelExceedsPending(user, provider, cancelRetrievingAmount, a.pendingRefund);
        }
        if (cancelRetrievingAmount != 0) {
            // cancels at most the queued total, which is pendingRefund
            a.pendingRefund -= uint120(a.refunds.cancelNewestFirst(cancelRetrievingAmount));
        }
        a.balance = SafeCast.toUint120(a.balance + msg.value);
        a.acknowledged = true;
        emit BalanceUpdated(user, provider, a.balance, a.pendingRefund);
    }

    /// @inheritdoc IServing
    function requestRefundAll(address user, address provider) external onlyLedger {
        AccountData storage a = _account(user, provider);
        uint256 amount = a.balance - a.pendingRefund;
        if (amount == 0) return;
        if (a.refunds.length >= RefundQueue.MAX_PENDING) revert TooManyRefunds(user, provider);
        a.refunds.push(amount, _getStorage().lockTime);
        // amount <= balance - pendingRefund, so the sum stays <= balance
        a.pendingRefund += uint120(amount);
        emit RefundRequested(user, provider, a.refundRequests++, block.timestamp);
        emit BalanceUpdated(user, provider, a.balance, a.pendingRefund);
    }

    /// @inheritdoc IServing
    function processRefund(
        address user,
        address provider
    ) external onlyLedger returns (uint256 totalAmount, uint256 balance, uint256 pendingRefund) {
        AccountData storage a = _account(user, provider);
        totalAmount = a.refunds.releaseMatured();
        if (totalAmount != 0) {
            // released refunds were queued, so totalAmount <= pendingRefund <= balance
            a.balance -= uint120(totalAmount);
            a.pendingRefund -= uint120(totalAmount);
            emit BalanceUpdated(user, provider, a.balance, a.pendingRefund);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = msg.sender.call{value: totalAmount}("");
            if (!ok) revert TransferFailed();
        }
        return (totalAmount, a.balance, a.pendingRefund);
    }

    /// @inheritdoc IServing
    function deleteAccount(address user, address provider) external onlyLedger {
        InferenceServingStorage storage $ = _getStorage();
        bytes32 key = _key(user, provider);
        AccountData storage a = _account(user, provider);
        if (a.balance != 0) revert InferenceAccountNotEmpty(user, provider, a.balance);
        delete $.accounts[key];
        $.accountKeys.remove(key);
        $.accountsOfProvider[provider].remove(key);
        $.accountsOfUser[user].remove(key);
        emit AccountDeleted(user, provider, 0);
        emit AllTokensRevoked(user, provider, _bumpGeneration(key));
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IServing
    function accountExists(address user, address provider) external view returns (bool exists) {
        return _getStorage().accounts[_key(user, provider)].exists;
    }

    /// @inheritdoc IServing
    function getPendingRefund(address user, address provider) external view returns (uint256 pending) {
        return _account(user, provider).pendingRefund;
    }

    /// @inheritdoc IInferenceServing
    function isTokenRevoked(address user, address provider, uint8 tokenId) external view returns (bool revoked) {
        return (_getStorage().tokens[_key(user, provider)].revokedBitmap >> tokenId) & 1 == 1;
    }

    /// @inheritdoc IInferenceServing
    function getAccount(address user, address provider) external view returns (Account memory account) {
        _account(user, provider);
        return _toAccount(_key(user, provider));
    }

    /// @inheritdoc IInferenceServing
    function getAllAccounts(
        uint256 offset,
        uint256 limit
    ) external view returns (Account[] memory accounts, uint256 total) {
        return _page(_getStorage().accountKeys, offset, limit);
    }

    /// @inheritdoc IInferenceServing
    function getAccountsByProvider(
        address provider,
        uint256 offset,
        uint256 limit
    ) external view returns (Account[] memory accounts, uint256 total) {
        return _page(_getStorage().accountsOfProvider[provider], offset, limit);
    }

    /// @inheritdoc IInferenceServing
    function getAccountsByUser(
        address user,
        uint256 offset,
        uint256 limit
    ) external view returns (Account[] memory accounts, uint256 total) {
        return _page(_getStorage().accountsOfUser[user], offset, limit);
    }

    /// @inheritdoc IInferenceServing
    function getBatchAccountsByUsers(address[] calldata users) external view returns (Account[] memory accounts) {
        if (users.length > MAX_BATCH_USERS) revert BatchSizeTooLarge(users.length, MAX_BATCH_USERS);
        accounts = new Account[](users.length);
        for (uint256 i; i < users.length; ++i) {
            bytes32 key = _key(users[i], msg.sender);
            if (_getStorage().accounts[key].exists) accounts[i] = _toAccount(key);
        }
    }

    /// @inheritdoc IInferenceServing
    function getService(address provider) external view returns (Service memory service) {
        return _service(provider);
    }

    /// @inheritdoc IInferenceServing
    function getAllServices(
        uint256 offset,
        uint256 limit
    ) external view returns (Service[] memory services, uint256 total) {
        InferenceServingStorage storage $ = _getStorage();
        (uint256 start, uint256 count) = _window($.providers.length(), offset, limit);
        total = $.providers.length();
        services = new Service[](count);
        for (uint256 i; i < count; ++i) services[i] = $.services[$.providers.at(start + i)];
    }

    /// @inheritdoc IInferenceServing
    function serviceExists(address provider) external view returns (bool exists) {
        return _getStorage().providers.contains(provider);
    }

    /// @inheritdoc IInferenceServing
    function refundUnlockTimes(address user, address provider) external view returns (uint256[] memory unlockAt) {
        AccountData storage a = _account(user, provider);
        unlockAt = new uint256[](a.refunds.length);
        for (uint256 i; i < unlockAt.length; ++i) unlockAt[i] = a.refunds[i].unlockAt;
    }

    /// @inheritdoc IInferenceServing
    function payoutOf(address provider) external view returns (uint256 amount) {
        return _getStorage().payouts[provider];
    }

    /// @inheritdoc IInferenceServing
    function settlementNonce(address user, address provider) external view returns (uint256 nonce) {
        return _getStorage().nonces[_key(user, provider)];
    }

    /// @inheritdoc IInferenceServing
    function domainSeparator() external view returns (bytes32 separator) {
        return _domainSeparator();
    }

    /// @inheritdoc IInferenceServing
    function lockTime() external view returns (uint256 seconds_) {
        return _getStorage().lockTime;
    }

    /// @inheritdoc IInferenceServing
    function ledgerAddress() external view returns (address ledger) {
        return _getStorage().ledger;
    }

    /**
     * @notice ERC-165: answers for {IServing} (which the ledger checks), {IInferenceServing} and AccessControl.
     * @param interfaceId The id.
     * @return supported True when supported.
     */
    function supportsInterface(bytes4 interfaceId) public view override returns (bool supported) {
        return
            interfaceId == type(IServing).interfaceId ||
            interfaceId == type(IInferenceServing).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internal

    /// @dev Upgrades need {UPGRADER_ROLE}.
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    /**
     * @dev Takes `amount` out of the sub-account: first from the part not queued for refund, then by cancelling
     * pending refunds newest first. The caller tells the ledger.
     * IMPORTANT: the caller checked `amount <= a.balance` and that `a` is `user`'s account with provider `msg.sender`.
     * Emits a {BalanceUpdated} event.
     */
    function _spend(AccountData storage a, address user, uint256 amount) private {
        uint256 balance = a.balance;
        uint256 pending = a.pendingRefund;
        uint256 free = balance - pending;
        if (amount > free) {
            pending -= a.refunds.cancelNewestFirst(amount - free);
            a.pendingRefund = uint120(pending);
        }
        // amount <= balance (the caller checked), and both fit in 120 bits
        unchecked {
            balance -= amount;
        }
        a.balance = uint120(balance);
        emit BalanceUpdated(user, msg.sender, balance, pending);
    }

    /**
     * @dev Sends `amount` to `to`; if the transfer fails the amount is credited to `to`'s payouts.
     * Emits a {PayoutDeferred} event on failure.
     */
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) {
            _getStorage().payouts[to] += amount;
            emit PayoutDeferred(to, amount);
        }
    }

    /**
     * @dev Status and settled amount of one item for provider `msg.sender`, given the nonce floor and balance
     * that apply to it.
     */
    function _evaluate(
        TEESettlementData calldata s,
        Batch memory b,
        AccountData storage a,
        uint256 nonceFloor,
        uint256 balance
    ) private view returns (SettlementStatus status, uint256 amount) {
        if (s.provider != msg.sender || !b.registered) return (SettlementStatus.PROVIDER_MISMATCH, 0);
        if (!a.exists) return (SettlementStatus.ACCOUNT_NOT_EXISTS, 0);
        if (!a.acknowledged || b.signer == address(0)) return (SettlementStatus.NO_TEE_SIGNER, 0);
        if (s.nonce <= nonceFloor) return (SettlementStatus.INVALID_NONCE, 0);
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(
            _digest(b.separator, s),
            s.signature
        );
        if (err != ECDSA.RecoverError.NoError || recovered != b.signer) {
            return (SettlementStatus.INVALID_SIGNATURE, 0);
        }
        if (s.totalFee <= balance) return (SettlementStatus.SUCCESS, s.totalFee);
        return (SettlementStatus.PARTIAL, balance);
    }

    /**
     * @dev What every item of a batch from provider `msg.sender` shares, read once per batch: the domain separator,
     * whether the provider is registered, and its TEE signer, or zero when the owner has not acknowledged it.
     */
    function _batch() private view returns (Batch memory b) {
        InferenceServingStorage storage $ = _getStorage();
        b.separator = _domainSeparator();
        b.registered = $.providers.contains(msg.sender);
        Service storage svc = $.services[msg.sender];
        if (svc.teeSignerAcknowledged) b.signer = svc.teeSignerAddress;
    }

    /**
     * @dev EIP-712 digest of `TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,
     * uint256 totalFee)` under `separator`, hashed in scratch memory (equal to
     * `keccak256(abi.encodePacked(hex"1901", separator, keccak256(abi.encode(TYPEHASH, ...))))`).
     */
    function _digest(bytes32 separator, TEESettlementData calldata s) private pure returns (bytes32 digest) {
        bytes32 typeHash = TEE_SETTLEMENT_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typeHash)
            mstore(add(m, 0x20), calldataload(add(s, 0x60))) // requestsHash
            mstore(add(m, 0x40), calldataload(add(s, 0x80))) // nonce
            mstore(add(m, 0x60), and(calldataload(add(s, 0x20)), 0xffffffffffffffffffffffffffffffffffffffff)) // provider
            mstore(add(m, 0x80), and(calldataload(s), 0xffffffffffffffffffffffffffffffffffffffff)) // user
            mstore(add(m, 0xa0), calldataload(add(s, 0x40))) // totalFee
            let structHash := keccak256(m, 0xc0)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), separator)
            mstore(add(m, 0x40), structHash)
            digest := keccak256(add(m, 0x1e), 0x42)
        }
    }

    function _bumpGeneration(bytes32 key) private returns (uint256 generation) {
        TokenState storage t = _getStorage().tokens[key];
        generation = ++t.generation;
        t.revokedBitmap = 0;
    }

    function _criticalChange(Service storage svc, ServiceParams calldata p) private view returns (bool) {
        return
            keccak256(bytes(svc.serviceType)) != keccak256(bytes(p.serviceType)) ||
            keccak256(bytes(svc.model)) != keccak256(bytes(p.model)) ||
            keccak256(bytes(svc.verifiability)) != keccak256(bytes(p.verifiability)) ||
            keccak256(bytes(svc.additionalInfo)) != keccak256(bytes(p.additionalInfo)) ||
            svc.teeSignerAddress != p.teeSignerAddress;
    }

    function _page(
        EnumerableSet.Bytes32Set storage keys,
        uint256 offset,
        uint256 limit
    ) private view returns (Account[] memory accounts, uint256 total) {
        total = keys.length();
        (uint256 start, uint256 count) = _window(total, offset, limit);
        accounts = new Account[](count);
        for (uint256 i; i < count; ++i) accounts[i] = _toAccount(keys.at(start + i));
    }

    function _toAccount(bytes32 key) private view returns (Account memory account) {
        InferenceServingStorage storage $ = _getStorage();
        AccountData storage a = $.accounts[key];
        uint256 n = a.refunds.length;
        Refund[] memory refunds = new Refund[](n);
        uint256 firstIndex = a.refundRequests - n;
        for (uint256 i; i < n; ++i) {
            RefundQueue.Entry memory e = a.refunds[i];
            refunds[i] = Refund(firstIndex + i, e.amount, e.createdAt, false);
        }
        TokenState storage t = $.tokens[key];
        return
            Account({
                user: a.user,
                provider: a.provider,
                nonce: $.nonces[key],
                balance: a.balance,
                pendingRefund: a.pendingRefund,
                refunds: refunds,
                additionalInfo: a.additionalInfo,
                acknowledged: a.acknowledged,
                validRefundsLength: n,
                generation: t.generation,
                revokedBitmap: t.revokedBitmap
            });
    }

    function _account(address user, address provider) private view returns (AccountData storage a) {
        a = _getStorage().accounts[_key(user, provider)];
        if (!a.exists) revert AccountNotExists(user, provider);
    }

    function _service(address provider) private view returns (Service storage svc) {
        InferenceServingStorage storage $ = _getStorage();
        if (!$.providers.contains(provider)) revert ServiceNotExist(provider);
        return $.services[provider];
    }

    function _domainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    function _checkBatch(uint256 n) private pure {
        if (n == 0) revert NoSettlementsProvided();
        if (n > MAX_SETTLEMENTS) revert TooManySettlements(n, MAX_SETTLEMENTS);
    }

    function _checkLockTime(uint256 t) private pure {
        if (t < MIN_LOCKTIME || t > MAX_LOCKTIME) revert LockTimeOutOfRange(t, MIN_LOCKTIME, MAX_LOCKTIME);
    }

    function _window(uint256 total, uint256 offset, uint256 limit) private pure returns (uint256 start, uint256 count) {
        if (limit == 0) limit = MAX_PAGE_SIZE;
        if (limit > MAX_PAGE_SIZE) revert LimitTooLarge(limit, MAX_PAGE_SIZE);
        if (offset >= total) return (offset, 0);
        count = total - offset < limit ? total - offset : limit;
        return (offset, count);
    }

    function _key(address user, address provider) private pure returns (bytes32) {
        return keccak256(abi.encode(user, provider));
    }

    function _getStorage() private pure returns (InferenceServingStorage storage $) {
        assembly {
            $.slot := INFERENCE_SERVING_STORAGE_LOCATION
        }
    }
}
