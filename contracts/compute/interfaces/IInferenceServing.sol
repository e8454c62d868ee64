// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IServing} from "./IServing.sol";

/**
 * @title IInferenceServing
 * @notice Inference providers, their services and the users' sub-accounts with them. Providers are paid by
 * batches of TEE-signed settlements (EIP-712 `TEESettlement`).
 * @dev Call-compatible with the InferenceServing ABI of `@0gfoundation/0g-compute-ts-sdk@0.9.0`: same function
 * signatures, return tuples and custom errors (the SDK matches `AccountNotExists` by name).
 *
 * EIP-712 domain: name "0G Inference Serving", version "1", the chain id and this proxy's address.
 * Signed type: `TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)`.
 * The field order of the signed type differs from the calldata struct {TEESettlementData}.
 */
interface IInferenceServing is IServing {
    /// @notice What a provider submits when registering or updating its service.
    struct ServiceParams {
        string serviceType;
        string url;
        string model;
        string verifiability;
        uint256 inputPrice;
        uint256 outputPrice;
        string additionalInfo;
        address teeSignerAddress;
    }

    /// @notice A provider's service. Field order is part of the ABI. Prices are wei per token.
    struct Service {
        address provider;
        string serviceType;
        string url;
        uint256 inputPrice;
        uint256 outputPrice;
        uint256 updatedAt;
        string model;
        string verifiability;
        string additionalInfo;
        address teeSignerAddress;
        bool teeSignerAcknowledged;
    }

    /// @notice A pending refund as the ABI shows it. `processed` is always false (released refunds leave).
    struct Refund {
        uint256 index;
        uint256 amount;
        uint256 createdAt;
        bool processed;
    }

    /// @notice A sub-account as the ABI shows it. Field order is part of the ABI.
    struct Account {
        address user;
        address provider;
        uint256 nonce;
        uint256 balance;
        uint256 pendingRefund;
        Refund[] refunds;
        string additionalInfo;
        bool acknowledged;
        uint256 validRefundsLength;
        uint256 generation;
        uint256 revokedBitmap;
    }

    /// @notice One settlement item of a batch, signed by the provider's TEE signer.
    struct TEESettlementData {
        address user;
        address provider;
        uint256 totalFee;
        bytes32 requestsHash;
        uint256 nonce;
        bytes signature;
    }

    /**
     * @notice Outcome of one settlement item. Values 0-5 are 0G's; 6 is ours.
     * @dev 0G reports a missing sub-account as INVALID_SIGNATURE; we report ACCOUNT_NOT_EXISTS (6), which fits the
     * same `uint8` in the ABI. A broker that does not know 6 should treat it as a failed item.
     */
    enum SettlementStatus {
        SUCCESS,
        PARTIAL,
        PROVIDER_MISMATCH,
        NO_TEE_SIGNER,
        INVALID_NONCE,
        INVALID_SIGNATURE,
        ACCOUNT_NOT_EXISTS
    }

    // ------------------------------------------------------------------ events (0G ABI)

    /// @notice The sub-account's balance (`amount`) or its pending refunds changed.
    event BalanceUpdated(address indexed user, address indexed provider, uint256 amount, uint256 pendingRefund);
    /// @notice A refund was queued; `index` counts the sub-account's refund requests from 0.
    event RefundRequested(address indexed user, address indexed provider, uint256 indexed index, uint256 timestamp);
    /// @notice A provider registered or updated its service.
    event ServiceUpdated(
        address indexed service,
        string serviceType,
        string url,
        uint256 inputPrice,
        uint256 outputPrice,
        uint256 updatedAt,
        string model,
        string verifiability
    );
    /// @notice A provider removed its service.
    event ServiceRemoved(address indexed service);
    /// @notice Result of one settlement item; `unsettledAmount` is the part of `totalFee` not paid.
    event TEESettlementResult(address indexed user, SettlementStatus status, uint256 unsettledAmount);
    /// @notice The owner-side trust flag of a provider's TEE signer changed.
    event ProviderTEESignerAcknowledged(address indexed provider, address indexed teeSignerAddress, bool acknowledged);
    /// @notice `amount` was staked when the provider first registered.
    event ProviderStaked(address indexed provider, uint256 amount);
    /// @notice The stake `amount` went back to the provider (or to its payout credit).
    event ProviderStakeReturned(address indexed provider, uint256 amount);
    /// @notice One session token id was revoked.
    event TokenRevoked(address indexed user, address indexed provider, uint8 tokenId);
    /// @notice Several session token ids were revoked.
    event TokensRevoked(address indexed user, address indexed provider, uint8[] tokenIds);
    /// @notice Every token of the pair was revoked; tokens must now carry `newGeneration`.
    event AllTokensRevoked(address indexed user, address indexed provider, uint256 newGeneration);
    /// @notice The refund lock changed.
    event LockTimeUpdated(uint256 oldLockTime, uint256 newLockTime);
    /// @notice The proxy was initialised.
    event ContractInitialized(address indexed owner, uint256 lockTime, address ledgerAddress);
    /// @notice A sub-account was deleted.
    event AccountDeleted(address indexed user, address indexed provider, uint256 refundedAmount);

    // ------------------------------------------------------------------ events (ours)

    /**
     * @notice A settlement item was accepted (SUCCESS or PARTIAL). `requestsHash` is the provider's commitment to
     * its request log for this batch: a user can recompute it from the log the provider shows and compare.
     */
    event TEESettlementRecorded(
        address indexed user,
        address indexed provider,
        bytes32 indexed requestsHash,
        uint256 nonce,
        uint256 totalFee,
        uint256 settledAmount
    );
    /// @notice A payout to `provider` could not be sent and was credited for {withdrawPayout}.
    event PayoutDeferred(address indexed provider, uint256 amount);
    /// @notice `provider` withdrew `amount` of deferred payouts.
    event PayoutWithdrawn(address indexed provider, uint256 amount);
    /// @notice The user-side acknowledgement of the provider's TEE signer changed.
    event AccountAcknowledged(address indexed user, address indexed provider, bool acknowledged);

    // ------------------------------------------------------------------ errors (0G ABI)

    /// @notice The sub-account (user, provider) does not exist.
    error AccountNotExists(address user, address provider);
    /// @notice The sub-account (user, provider) already exists.
    error AccountExists(address user, address provider);
    /// @notice An `additionalInfo` string is longer than 4096 bytes.
    error AdditionalInfoTooLong();
    /// @notice More than `max` items in one batch.
    error BatchSizeTooLarge(uint256 size, uint256 max);
    /// @notice Only the ledger may call.
    error CallerNotLedger(address caller);
    /// @notice Value was sent with a service update.
    error CannotAddStakeWhenUpdating();
    /// @notice The user cannot withdraw the acknowledgement while `balance` is not zero.
    error CannotRevokeWithNonZeroBalance(address user, address provider, uint256 balance);
    /// @notice Coin cannot be sent to this contract directly.
    error DirectDepositsDisabled();
    /// @notice The first registration needs a stake of `required`.
    error InsufficientStake(uint256 provided, uint256 required);
    /// @notice `addr` is not allowed here.
    error InvalidAddress(address addr);
    /// @notice Page `limit` above `max`.
    error LimitTooLarge(uint256 limit, uint256 max);
    /// @notice `lockTime` outside [`min`, `max`].
    error LockTimeOutOfRange(uint256 lockTime, uint256 min, uint256 max);
    /// @notice An empty settlement batch.
    error NoSettlementsProvided();
    /// @notice A provider cannot be its own user.
    error ProviderCannotBeUser();
    /// @notice `provider` has no service.
    error ServiceNotExist(address provider);
    /// @notice The sub-account already has the maximum number of pending refunds.
    error TooManyRefunds(address user, address provider);
    /// @notice More than `max` settlement items.
    error TooManySettlements(uint256 count, uint256 max);
    /// @notice A native transfer failed.
    error TransferFailed();

    // ------------------------------------------------------------------ errors (ours)

    /// @notice Cancelling `requested` wei of refunds when only `pending` is queued.
    error InferenceCancelExceedsPending(address user, address provider, uint256 requested, uint256 pending);
    /// @notice Deleting a sub-account that still holds `balance`.
    error InferenceAccountNotEmpty(address user, address provider, uint256 balance);
    /// @notice Nothing to withdraw for `provider`.
    error InferenceNothingToWithdraw(address provider);

    // ------------------------------------------------------------------ provider functions

    /**
     * @notice Registers the caller's service (needs a stake of at least `MIN_PROVIDER_STAKE` as `msg.value`) or
     * updates it (no value). Changing the type, model, verifiability, TEE signer or additional info clears the
     * owner's TEE acknowledgement; URL and prices do not.
     * @param params The service description.
     */
    function addOrUpdateService(ServiceParams calldata params) external payable;

    /// @notice Removes the caller's service and returns the stake.
    function removeService() external;

    /**
     * @notice Settles a batch of TEE-signed fees owed to the caller. Items never revert the batch; each gets a
     * status. The summed settled amount is paid to the caller once (or credited if the transfer fails).
     * @param settlements 1 to 50 items.
     * @return statuses One {SettlementStatus} per item, in order.
     */
    function settleFeesWithTEE(
        TEESettlementData[] calldata settlements
    ) external returns (uint8[] memory statuses);

    /**
     * @notice Dry run of {settleFeesWithTEE} for `msg.sender` as provider, simulating the items in order (an
     * earlier item of the same user raises the nonce floor and lowers the balance for later ones).
     * @param settlements 1 to 50 items.
     * @return failedUsers Users of failed items.
     * @return failureReasons Their {SettlementStatus}.
     * @return partialUsers Users of PARTIAL items.
     * @return partialAmounts The unsettled part of each PARTIAL item.
     */
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
        );

    /// @notice Sends the caller its deferred payouts.
    function withdrawPayout() external;

    // ------------------------------------------------------------------ owner / role functions

    /**
     * @notice Sets the refund lock for refunds requested from now on.
     * @param _locktime Seconds, within [`MIN_LOCKTIME`, `MAX_LOCKTIME`].
     */
    function updateLockTime(uint256 _locktime) external;

    /**
     * @notice Marks `provider`'s TEE signer as checked off-chain (attestation verified).
     * @param provider The provider.
     */
    function acknowledgeTEESignerByOwner(address provider) external;

    /**
     * @notice Withdraws the trust mark of `provider`'s TEE signer.
     * @param provider The provider.
     */
    function revokeTEESignerAcknowledgement(address provider) external;

    // ------------------------------------------------------------------ user functions

    /**
     * @notice Sets the caller's acknowledgement of `provider`'s TEE signer. Settlement needs it.
     * @param provider The provider.
     * @param acknowledged The flag; false only with a zero balance.
     */
    function acknowledgeTEESigner(address provider, bool acknowledged) external;

    /**
     * @notice Revokes the caller's session token `tokenId` with `provider`.
     * @param provider The provider.
     * @param tokenId The token id (0-254 persistent keys; 255 is the ephemeral id).
     */
    function revokeToken(address provider, uint8 tokenId) external;

    /**
     * @notice Revokes several token ids.
     * @param provider The provider.
     * @param tokenIds At most 256 ids.
     */
    function revokeTokens(address provider, uint8[] calldata tokenIds) external;

    /**
     * @notice Revokes every token: the generation goes up and the bitmap is cleared.
     * @param provider The provider.
     */
    function revokeAllTokens(address provider) external;

    // ------------------------------------------------------------------ views

    /**
     * @notice Whether token `tokenId` of (user, provider) is revoked in the current generation.
     * @param user The user.
     * @param provider The provider.
     * @param tokenId The token id.
     * @return revoked True when its bit is set.
     */
    function isTokenRevoked(address user, address provider, uint8 tokenId) external view returns (bool revoked);

    /**
     * @notice The sub-account (user, provider); reverts {AccountNotExists}.
     * @param user The user.
     * @param provider The provider.
     * @return account The sub-account.
     */
    function getAccount(address user, address provider) external view returns (Account memory account);

    /**
     * @notice A page of all sub-accounts.
     * @param offset First index.
     * @param limit 0 means 50; at most 50.
     * @return accounts The page.
     * @return total The number of sub-accounts.
     */
    function getAllAccounts(
        uint256 offset,
        uint256 limit
    ) external view returns (Account[] memory accounts, uint256 total);

    /**
     * @notice A page of `provider`'s sub-accounts.
     * @param provider The provider.
     * @param offset First index.
     * @param limit 0 means 50; at most 50.
     * @return accounts The page.
     * @return total The provider's number of sub-accounts.
     */
    function getAccountsByProvider(
        address provider,
        uint256 offset,
        uint256 limit
    ) external view returns (Account[] memory accounts, uint256 total);

    /**
     * @notice A page of `user`'s sub-accounts.
     * @param user The user.
     * @param offset First index.
     * @param limit 0 means 50; at most 50.
     * @return accounts The page.
     * @return total The user's number of sub-accounts.
     */
    function getAccountsByUser(
        address user,
        uint256 offset,
        uint256 limit
    ) external view returns (Account[] memory accounts, uint256 total);

    /**
     * @notice The sub-accounts of `users` with `msg.sender` as provider; missing ones come back zeroed.
     * @param users At most 500 users.
     * @return accounts One entry per user.
     */
    function getBatchAccountsByUsers(address[] calldata users) external view returns (Account[] memory accounts);

    /**
     * @notice `provider`'s service; reverts {ServiceNotExist}.
     * @param provider The provider.
     * @return service The service.
     */
    function getService(address provider) external view returns (Service memory service);

    /**
     * @notice A page of services.
     * @param offset First index.
     * @param limit 0 means 50; at most 50.
     * @return services The page.
     * @return total The number of services.
     */
    function getAllServices(
        uint256 offset,
        uint256 limit
    ) external view returns (Service[] memory services, uint256 total);

    /**
     * @notice Whether `provider` has a service.
     * @param provider The provider.
     * @return exists True when it has.
     */
    function serviceExists(address provider) external view returns (bool exists);

    /**
     * @notice When each pending refund of (user, provider) unlocks, in the order of `getAccount(...).refunds`.
     * @dev Fixed when the refund was requested: `createdAt + lockTime` with the lock in force at that moment.
     * @param user The user.
     * @param provider The provider.
     * @return unlockAt Unix seconds per pending refund.
     */
    function refundUnlockTimes(address user, address provider) external view returns (uint256[] memory unlockAt);

    /**
     * @notice Deferred payouts of `provider`.
     * @param provider The provider.
     * @return amount Wei withdrawable through {withdrawPayout}.
     */
    function payoutOf(address provider) external view returns (uint256 amount);

    /**
     * @notice The last settled nonce of (user, provider); survives account deletion.
     * @param user The user.
     * @param provider The provider.
     * @return nonce The nonce; the next settlement needs a larger one.
     */
    function settlementNonce(address user, address provider) external view returns (uint256 nonce);

    /**
     * @notice The EIP-712 domain separator (computed from the current chain id and this address).
     * @return separator The separator.
     */
    function domainSeparator() external view returns (bytes32 separator);

    /**
     * @notice The refund lock applied to new refund requests, in seconds.
     * @return seconds_ The lock.
     */
    function lockTime() external view returns (uint256 seconds_);

    /**
     * @notice The ledger this service belongs to.
     * @return ledger The ledger.
     */
    function ledgerAddress() external view returns (address ledger);
}
