// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title ILedgerManager
 * @notice Main accounts of the 0G compute network. A user deposits native coin into one ledger, moves part of it
 * into per-(user, provider) sub-accounts kept by registered service contracts (inference, fine-tuning), gets it
 * back through a locked refund, and withdraws to the wallet.
 * @dev Call-compatible with the LedgerManager ABI that `@0gfoundation/0g-compute-ts-sdk@0.9.0` uses: same
 * function signatures, the same return tuples in the same order, and the same custom errors (the SDK matches
 * `LedgerNotExists` by name). Accounting: the ledger holds exactly the sum of all `availableBalance`s;
 * `totalBalance - availableBalance` is the part locked in sub-accounts.
 */
interface ILedgerManager {
    /// @notice A user's main account. Field order is part of the ABI.
    struct Ledger {
        address user;
        uint256 availableBalance;
        uint256 totalBalance;
        string additionalInfo;
    }

    /// @notice A registered service contract. Field order is part of the ABI.
    struct ServiceInfo {
        address serviceAddress;
        address serviceContract;
        string serviceType;
        string version;
        string fullName;
        string description;
        bool isRecommended;
        uint256 registeredAt;
    }

    // ------------------------------------------------------------------ events (0G ABI)

    /// @notice A service contract was registered under `serviceName` (`serviceType-version`).
    event ServiceRegistered(address indexed serviceAddress, string serviceName);
    /// @notice `version` became the recommended version of `serviceType`.
    event RecommendedServiceUpdated(string serviceType, string version, address serviceAddress);
    /// @notice The user changed the ledger's free-form `additionalInfo`.
    event LedgerInfoUpdated(address indexed user, string additionalInfo);
    /// @notice `service` settled `amount` wei of the user's locked funds to a provider.
    event FundSpent(address indexed user, address indexed service, uint256 amount);

    // ------------------------------------------------------------------ events (ours)

    /// @notice `amount` wei was credited to `user`'s ledger by `from` (created it when `created`).
    event LedgerDeposited(address indexed user, address indexed from, uint256 amount, bool created);
    /// @notice `amount` wei left `user`'s ledger for the wallet.
    event LedgerRefunded(address indexed user, uint256 amount);
    /// @notice The ledger of `user` was deleted.
    event LedgerDeleted(address indexed user);
    /// @notice `sent` wei moved into a sub-account and `cancelled` wei of pending refunds were cancelled.
    event FundTransferred(
        address indexed user,
        address indexed provider,
        address indexed service,
        uint256 sent,
        uint256 cancelled
    );
    /// @notice Matured refunds of `amount` wei came back from `service` to `user`'s available balance.
    event FundRetrieved(address indexed user, address indexed service, uint256 amount);

    // ------------------------------------------------------------------ errors (0G ABI)

    /// @notice `user` has no ledger.
    error LedgerNotExists(address user);
    /// @notice `user` already has a ledger.
    error LedgerExists(address user);
    /// @notice `user`'s ledger cannot cover the amount: a refund above the available balance, or a service spending
    /// more than the user locked in it.
    error InsufficientBalance(address user);
    /// @notice More providers than `maximum` in one `retrieveFund`.
    error TooManyProviders(uint256 requested, uint256 maximum);
    /// @notice The user already has `current` providers for this service (the cap is `maximum`).
    error TooManyProvidersForService(uint256 current, uint256 maximum);
    /// @notice No registered service is called `serviceType` (a type or a full name).
    error InvalidServiceType(string serviceType);
    /// @notice `serviceAddress` is not a contract.
    error InvalidServiceAddress(address serviceAddress);
    /// @notice Only a registered service may call.
    error CallerNotRegisteredService(address caller);
    /// @notice `serviceAddress` is not registered.
    error ServiceNotRegistered(address serviceAddress);
    /// @notice `provided` is below the `required` minimum.
    error MinimumDepositRequired(uint256 provided, uint256 required);
    /// @notice `additionalInfo` is `length` bytes, above `max`.
    error AdditionalInfoTooLong(uint256 length, uint256 max);
    /// @notice A zero amount was given.
    error ZeroAmountNotAllowed();
    /// @notice The zero address was given.
    error ZeroAddressNotAllowed();
    /// @notice The available balance `available` is below `required`.
    error InsufficientAvailableBalance(uint256 available, uint256 required);
    /// @notice A native transfer failed.
    error TransferFailed();
    /// @notice The ledger still holds `remainingBalance` wei.
    error MustWithdrawAllFundsFirst(uint256 remainingBalance);
    /// @notice The service type is empty.
    error ServiceTypeRequired();
    /// @notice The version is empty.
    error VersionRequired();
    /// @notice `serviceAddress` is already registered.
    error ServiceAlreadyRegistered(address serviceAddress);
    /// @notice The full name is already taken.
    error ServiceNameExists(string serviceName);
    /// @notice `serviceAddress` does not answer ERC-165 for {IServing}.
    error ServiceMustImplementIServing(address serviceAddress);
    /// @notice The registry already holds `limit` services.
    error ServiceRegistryLimitReached(uint256 limit);
    /// @notice `serviceType` has no recommended version.
    error NoRecommendedService(string serviceType);
    /// @notice Coin may only come back from registered services.
    error DirectDepositsDisabled();

    // ------------------------------------------------------------------ errors (ours)

    /// @notice A page `limit` above `max` was asked for.
    error LedgerLimitTooLarge(uint256 limit, uint256 max);
    /// @notice A service reported `reported` wei refunded but the ledger received `received`.
    error LedgerRefundMismatch(address service, uint256 reported, uint256 received);

    // ------------------------------------------------------------------ user functions

    /**
     * @notice Creates the caller's ledger with `msg.value` (at least `MIN_ACCOUNT_BALANCE`).
     * @param additionalInfo Free-form data copied into new sub-accounts (at most 4096 bytes).
     * @return availableBalance The new available balance.
     * @return totalBalance The new total balance.
     */
    function addLedger(
        string calldata additionalInfo
    ) external payable returns (uint256 availableBalance, uint256 totalBalance);

    /**
     * @notice Replaces the caller's ledger `additionalInfo`.
     * @param additionalInfo The new value (at most 4096 bytes).
     */
    function updateAdditionalInfo(string calldata additionalInfo) external;

    /// @notice Adds `msg.value` to the caller's ledger, creating it (minimum 3 0G) when missing.
    function depositFund() external payable;

    /**
     * @notice Adds `msg.value` to `recipient`'s ledger, creating it (minimum 3 0G) when missing.
     * @param recipient The ledger to credit.
     */
    function depositFundFor(address recipient) external payable;

    /**
     * @notice Sends `amount` of the caller's available balance to the caller's wallet.
     * @dev The total left must be 0 or at least `MIN_ACCOUNT_BALANCE`. At 0 the ledger and its sub-accounts
     * are deleted.
     * @param amount Wei to withdraw.
     */
    function refund(uint256 amount) external;

    /**
     * @notice Moves `amount` into the caller's sub-account with `provider` in the service `serviceName`.
     * @dev Pending refunds are cancelled first (newest first); only the rest leaves the available balance.
     * A new sub-account needs at least `MIN_TRANSFER_AMOUNT`.
     * @param provider The provider.
     * @param serviceName The service's full name, e.g. `inference-v1.0`.
     * @param amount Wei to move.
     */
    function transferFund(address provider, string calldata serviceName, uint256 amount) external;

    /**
     * @notice For each provider: brings matured refunds back to the available balance, then queues everything
     * else in that sub-account for refund.
     * @param providers At most `MAX_PROVIDERS_PER_BATCH` providers; those without a sub-account are skipped.
     * @param serviceName The service's full name.
     */
    function retrieveFund(address[] calldata providers, string calldata serviceName) external;

    /// @notice Deletes the caller's empty ledger and its sub-accounts.
    function deleteLedger() external;

    // ------------------------------------------------------------------ service functions

    /**
     * @notice Records that the calling service paid `amount` of `user`'s locked funds to a provider.
     * @dev Reverts {InsufficientBalance} above `lockedIn(user, msg.sender)`.
     * @param user The user.
     * @param amount Wei spent.
     */
    function spendFund(address user, uint256 amount) external;

    // ------------------------------------------------------------------ admin functions

    /**
     * @notice Registers a service contract as `serviceType-version`.
     * @param serviceType E.g. `inference`.
     * @param version E.g. `v1.0`.
     * @param serviceAddress The service contract; must implement {IServing} through ERC-165.
     * @param description Free text.
     */
    function registerService(
        string calldata serviceType,
        string calldata version,
        address serviceAddress,
        string calldata description
    ) external;

    /**
     * @notice Marks `serviceType-version` as the recommended version of `serviceType`.
     * @param serviceType The type.
     * @param version The version.
     */
    function setRecommendedService(string calldata serviceType, string calldata version) external;

    // ------------------------------------------------------------------ views

    /**
     * @notice The ledger of `user`; reverts {LedgerNotExists} when there is none.
     * @param user The user.
     * @return ledger The ledger.
     */
    function getLedger(address user) external view returns (Ledger memory ledger);

    /**
     * @notice A page of ledgers in creation order (deletion swaps the last one in).
     * @param offset First index.
     * @param limit Page size; 0 means 50, at most 50.
     * @return ledgers The page.
     * @return total The number of ledgers.
     */
    function getAllLedgers(
        uint256 offset,
        uint256 limit
    ) external view returns (Ledger[] memory ledgers, uint256 total);

    /**
     * @notice Providers `user` has sub-accounts with in `serviceName`.
     * @param user The user.
     * @param serviceName The service's full name.
     * @return providers The providers.
     */
    function getLedgerProviders(
        address user,
        string calldata serviceName
    ) external view returns (address[] memory providers);

    /**
     * @notice Wei of `user`'s ledger currently held by `service` in sub-accounts (pending refunds included).
     * @dev Σ over services equals `totalBalance - availableBalance`. {spendFund} from `service` cannot exceed it.
     * @param user The user.
     * @param service The service contract.
     * @return amount The locked amount.
     */
    function lockedIn(address user, address service) external view returns (uint256 amount);

    /**
     * @notice The registry entry of `serviceAddress`; reverts {ServiceNotRegistered} for unknown addresses.
     * @param serviceAddress The service contract.
     * @return info The entry.
     */
    function getServiceInfo(address serviceAddress) external view returns (ServiceInfo memory info);

    /**
     * @notice The contract registered as `serviceName`.
     * @param serviceName The full name.
     * @return serviceAddress The service contract.
     */
    function getServiceAddressByName(string calldata serviceName) external view returns (address serviceAddress);

    /**
     * @notice Every registered service.
     * @return services The entries (at most `MAX_SERVICES`).
     */
    function getAllActiveServices() external view returns (ServiceInfo[] memory services);

    /**
     * @notice The recommended version of `serviceType`.
     * @param serviceType The type.
     * @return version The version.
     * @return serviceAddress The service contract.
     */
    function getRecommendedService(
        string calldata serviceType
    ) external view returns (string memory version, address serviceAddress);

    /**
     * @notice All registered versions of `serviceType`.
     * @param serviceType The type.
     * @return versions The versions.
     * @return addresses The service contracts.
     * @return isRecommendedFlags Whether each version is the recommended one.
     */
    function getAllVersions(
        string calldata serviceType
    ) external view returns (string[] memory versions, address[] memory addresses, bool[] memory isRecommendedFlags);

    /**
     * @notice Whether `version` is the recommended version of `serviceType`.
     * @param serviceType The type.
     * @param version The version.
     * @return recommended True when it is.
     */
    function isRecommendedVersion(
        string calldata serviceType,
        string calldata version
    ) external view returns (bool recommended);
}
