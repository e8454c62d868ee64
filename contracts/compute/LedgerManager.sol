// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILedgerManager} from "./interfaces/ILedgerManager.sol";
import {IServing} from "./interfaces/IServing.sol";

/**
 * @title LedgerManager
 * @notice Main accounts of the 0G compute network and the registry of service contracts.
 * @dev Differences from 0G's reference, on purpose:
 * - UUPS proxy with AccessControl roles instead of a beacon with a single `Ownable` owner.
 * - Deposits, refunds, transfers and retrievals emit events; 0G's ledger emits none, so indexers had to guess.
 * - The minimum-balance rule of {refund} looks at the total balance (0 or at least 3 0G must remain), not the
 *   available one, so funds locked in sub-accounts count toward the minimum.
 * - {retrieveFund} checks that each service really sent the amount it reported.
 * - The ledger tracks how much of each user's coin every service holds ({lockedIn}); {spendFund} is bounded by
 *   the calling service's share, so a faulty or compromised service cannot spend coin locked in another one.
 *   0G only checks the user's locked total across all services.
 * - {addLedger} returns `(availableBalance, totalBalance)` of the new ledger; 0G returned `(msg.value, 0)`.
 */
contract LedgerManager is ILedgerManager, AccessControlUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice May register services and choose recommended versions.
    bytes32 public constant SERVICE_MANAGER_ROLE = keccak256("SERVICE_MANAGER_ROLE");
    /// @notice May upgrade the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice Minimum wei to open a ledger; a refund must leave 0 or at least this much.
    uint256 public constant MIN_ACCOUNT_BALANCE = 3 ether;
    /// @notice Minimum wei for the first transfer into a new sub-account.
    uint256 public constant MIN_TRANSFER_AMOUNT = 1 ether;
    /// @notice Most providers in one {retrieveFund}.
    uint256 public constant MAX_PROVIDERS_PER_BATCH = 20;
    /// @notice Most registered services.
    uint256 public constant MAX_SERVICES = 500;
    /// @notice Most providers a user may fund in one service.
    uint256 public constant MAX_PROVIDERS_PER_USER_PER_SERVICE = 50;
    /// @notice Most bytes of `additionalInfo`.
    uint256 public constant MAX_ADDITIONAL_INFO_LENGTH = 4096;
    /// @notice Default and largest page size of {getAllLedgers}.
    uint256 public constant MAX_PAGE_SIZE = 50;

    /**
     * @dev `available`, `total` and `exists` share one slot, so {spendFund} (once per settled item) reads and writes
     * one ledger slot. 120 bits hold 1.3e18 0G, far above any supply; credits are range-checked ({SafeCast}) and
     * `available <= total` always holds.
     */
    struct LedgerData {
        uint120 available;
        uint120 total;
        bool exists;
        string additionalInfo;
    }

    struct ServiceRecord {
        string serviceType;
        string version;
        string fullName;
        string description;
        uint256 registeredAt;
    }

    /// @custom:storage-location erc7201:zg.storage.LedgerManager
    struct LedgerManagerStorage {
        mapping(address user => LedgerData) ledgers;
        EnumerableSet.AddressSet users;
        mapping(address user => mapping(address service => EnumerableSet.AddressSet providers)) providers;
        mapping(address service => ServiceRecord) services;
        EnumerableSet.AddressSet serviceList;
        mapping(bytes32 fullNameHash => address service) serviceByName;
        mapping(bytes32 serviceTypeHash => address service) recommended;
        mapping(address user => mapping(address service => uint256 amount)) lockedIn;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.LedgerManager")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant LEDGER_MANAGER_STORAGE_LOCATION =
        0x75e728fa53c926dcc1fe5fdaeff81602311ecbd902cb5bdf0acc7084c764fa00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Initialises the proxy.
     * @param owner Receives the admin, service-manager and upgrader roles.
     */
    function initialize(address owner) external initializer {
        if (owner == address(0)) revert ZeroAddressNotAllowed();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, owner);
        _grantRole(SERVICE_MANAGER_ROLE, owner);
        _grantRole(UPGRADER_ROLE, owner);
    }

    /// @notice Accepts coin only from registered services (matured refunds coming back).
    receive() external payable {
        if (!_getStorage().serviceList.contains(msg.sender)) revert DirectDepositsDisabled();
    }

    // ------------------------------------------------------------------ user functions

    /// @inheritdoc ILedgerManager
    function addLedger(
        string calldata additionalInfo
    ) external payable nonReentrant returns (uint256 availableBalance, uint256 totalBalance) {
        LedgerManagerStorage storage $ = _getStorage();
        // 0G's order of checks: the amount, the info, then an existing ledger.
        if (msg.value < MIN_ACCOUNT_BALANCE) revert MinimumDepositRequired(msg.value, MIN_ACCOUNT_BALANCE);
        _checkInfo(additionalInfo);
        if ($.ledgers[msg.sender].exists) revert LedgerExists(msg.sender);
        _credit(msg.sender, msg.value);
        LedgerData storage led = $.ledgers[msg.sender];
        led.additionalInfo = additionalInfo;
        return (led.available, led.total);
    }

    /// @inheritdoc ILedgerManager
    function updateAdditionalInfo(string calldata additionalInfo) external {
        LedgerData storage led = _ledger(msg.sender);
        _checkInfo(additionalInfo);
        led.additionalInfo = additionalInfo;
        emit LedgerInfoUpdated(msg.sender, additionalInfo);
    }

    /// @inheritdoc ILedgerManager
    function depositFund() external payable nonReentrant {
        _credit(msg.sender, msg.value);
    }

    /// @inheritdoc ILedgerManager
    function depositFundFor(address recipient) external payable nonReentrant {
        if (recipient == address(0)) revert ZeroAddressNotAllowed();
        _credit(recipient, msg.value);
    }

    /// @inheritdoc ILedgerManager
    function refund(uint256 amount) external nonReentrant {
        LedgerData storage led = _ledger(msg.sender);
        if (amount == 0) revert ZeroAmountNotAllowed();
        // 0G's error (the official SDK's error handler words it for the user); transfers report the amounts.
        if (led.available < amount) revert InsufficientBalance(msg.sender);
        uint256 remaining = led.total - amount;
        if (remaining != 0 && remaining < MIN_ACCOUNT_BALANCE) {
            revert MinimumDepositRequired(remaining, MIN_ACCOUNT_BALANCE);
        }
        // amount <= available <= total, so both fit
        led.available -= uint120(amount);
        led.total = uint120(remaining);
        emit LedgerRefunded(msg.sender, amount);
        if (remaining == 0) _deleteLedger(msg.sender);
        _send(msg.sender, amount);
    }

    /// @inheritdoc ILedgerManager
    function transferFund(address provider, string calldata serviceName, uint256 amount) external nonReentrant {
        LedgerManagerStorage storage $ = _getStorage();
        LedgerData storage led = _ledger(msg.sender);
        address service = _serviceByName(serviceName);
        if (amount == 0) revert ZeroAmountNotAllowed();
        if (provider == address(0)) revert ZeroAddressNotAllowed();
        IServing serving = IServing(service);
        if (serving.accountExists(msg.sender, provider)) {
            uint256 pending = serving.getPendingRefund(msg.sender, provider);
            uint256 cancelled = amount < pending ? amount : pending;
            uint256 sent = amount - cancelled;
            if (led.available < sent) revert InsufficientAvailableBalance(led.available, sent);
            led.available -= uint120(sent);
            $.lockedIn[msg.sender][service] += sent;
            emit FundTransferred(msg.sender, provider, service, sent, cancelled);
            serving.depositFund{value: sent}(msg.sender, provider, cancelled);
        } else {
            if (amount < MIN_TRANSFER_AMOUNT) revert MinimumDepositRequired(amount, MIN_TRANSFER_AMOUNT);
            if (led.available < amount) revert InsufficientAvailableBalance(led.available, amount);
            EnumerableSet.AddressSet storage set = $.providers[msg.sender][service];
            if (set.length() >= MAX_PROVIDERS_PER_USER_PER_SERVICE) {
                revert TooManyProvidersForService(set.length(), MAX_PROVIDERS_PER_USER_PER_SERVICE);
            }
            led.available -= uint120(amount);
            $.lockedIn[msg.sender][service] += amount;
            set.add(provider);
            emit FundTransferred(msg.sender, provider, service, amount, 0);
            serving.addAccount{value: amount}(msg.sender, provider, led.additionalInfo);
        }
    }

    /// @inheritdoc ILedgerManager
    function retrieveFund(address[] calldata providers, string calldata serviceName) external nonReentrant {
        LedgerData storage led = _ledger(msg.sender);
        if (providers.length > MAX_PROVIDERS_PER_BATCH) {
            revert TooManyProviders(providers.length, MAX_PROVIDERS_PER_BATCH);
        }
        address service = _serviceByName(serviceName);
        IServing serving = IServing(service);
        uint256 retrieved;
        for (uint256 i; i < providers.length; ++i) {
            if (!serving.accountExists(msg.sender, providers[i])) continue;
            uint256 before = address(this).balance;
            (uint256 released, , ) = serving.processRefund(msg.sender, providers[i]);
            uint256 received = address(this).balance - before;
            if (received != released) revert LedgerRefundMismatch(service, released, received);
            retrieved += released;
            serving.requestRefundAll(msg.sender, providers[i]);
        }
        if (retrieved != 0) {
            // coin that was locked in the service comes back: available stays <= total
            led.available += uint120(retrieved);
            _getStorage().lockedIn[msg.sender][service] -= retrieved;
            emit FundRetrieved(msg.sender, service, retrieved);
        }
    }

    /// @inheritdoc ILedgerManager
    function deleteLedger() external nonReentrant {
        LedgerData storage led = _ledger(msg.sender);
        if (led.total != 0) revert MustWithdrawAllFundsFirst(led.total);
        _deleteLedger(msg.sender);
    }

    // ------------------------------------------------------------------ service functions

    /// @inheritdoc ILedgerManager
    function spendFund(address user, uint256 amount) external {
        LedgerManagerStorage storage $ = _getStorage();
        if (!$.serviceList.contains(msg.sender)) revert CallerNotRegisteredService(msg.sender);
        LedgerData storage led = _ledger(user);
        uint256 locked = $.lockedIn[user][msg.sender];
        if (locked < amount) revert InsufficientBalance(user);
        // amount <= locked <= total - available
        unchecked {
            $.lockedIn[user][msg.sender] = locked - amount;
        }
        led.total -= uint120(amount);
        emit FundSpent(user, msg.sender, amount);
    }

    // ------------------------------------------------------------------ admin functions

    /// @inheritdoc ILedgerManager
    function registerService(
        string calldata serviceType,
        string calldata version,
        address serviceAddress,
        string calldata description
    ) external onlyRole(SERVICE_MANAGER_ROLE) {
        LedgerManagerStorage storage $ = _getStorage();
        if (bytes(serviceType).length == 0) revert ServiceTypeRequired();
        if (bytes(version).length == 0) revert VersionRequired();
        if (serviceAddress.code.length == 0) revert InvalidServiceAddress(serviceAddress);
        if ($.serviceList.contains(serviceAddress)) revert ServiceAlreadyRegistered(serviceAddress);
        string memory fullName = string.concat(serviceType, "-", version);
        bytes32 nameHash = keccak256(bytes(fullName));
        if ($.serviceByName[nameHash] != address(0)) revert ServiceNameExists(fullName);
        if ($.serviceList.length() >= MAX_SERVICES) revert ServiceRegistryLimitReached(MAX_SERVICES);
        if (!ERC165Checker.supportsInterface(serviceAddress, type(IServing).interfaceId)) {
            revert ServiceMustImplementIServing(serviceAddress);
        }
        $.serviceList.add(serviceAddress);
        $.serviceByName[nameHash] = serviceAddress;
        $.services[serviceAddress] = ServiceRecord({
            serviceType: serviceType,
            version: version,
            fullName: fullName,
            description: description,
            registeredAt: block.timestamp
        });
        emit ServiceRegistered(serviceAddress, fullName);
    }

    /// @inheritdoc ILedgerManager
    function setRecommendedService(
        string calldata serviceType,
        string calldata version
    ) external onlyRole(SERVICE_MANAGER_ROLE) {
        address service = _serviceByName(string.concat(serviceType, "-", version));
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 typeHash = keccak256(bytes(serviceType));
        if ($.recommended[typeHash] == service) return;
        $.recommended[typeHash] = service;
        emit RecommendedServiceUpdated(serviceType, version, service);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ILedgerManager
    function getLedger(address user) external view returns (Ledger memory ledger) {
        LedgerData storage led = _ledger(user);
        return Ledger(user, led.available, led.total, led.additionalInfo);
    }

    /// @inheritdoc ILedgerManager
    function getAllLedgers(
        uint256 offset,
        uint256 limit
    ) external view returns (Ledger[] memory ledgers, uint256 total) {
        LedgerManagerStorage storage $ = _getStorage();
        if (limit == 0) limit = MAX_PAGE_SIZE;
        if (limit > MAX_PAGE_SIZE) revert LedgerLimitTooLarge(limit, MAX_PAGE_SIZE);
        total = $.users.length();
        uint256 count = offset >= total ? 0 : (total - offset < limit ? total - offset : limit);
        ledgers = new Ledger[](count);
        for (uint256 i; i < ledgers.length; ++i) {
            address user = $.users.at(offset + i);
            LedgerData storage led = $.ledgers[user];
            ledgers[i] = Ledger(user, led.available, led.total, led.additionalInfo);
        }
    }

    /// @inheritdoc ILedgerManager
    function getLedgerProviders(
        address user,
        string calldata serviceName
    ) external view returns (address[] memory providers) {
        return _getStorage().providers[user][_serviceByName(serviceName)].values();
    }

    /// @inheritdoc ILedgerManager
    function lockedIn(address user, address service) external view returns (uint256 amount) {
        return _getStorage().lockedIn[user][service];
    }

    /// @inheritdoc ILedgerManager
    function getServiceInfo(address serviceAddress) external view returns (ServiceInfo memory info) {
        if (!_getStorage().serviceList.contains(serviceAddress)) revert ServiceNotRegistered(serviceAddress);
        return _info(serviceAddress);
    }

    /// @inheritdoc ILedgerManager
    function getServiceAddressByName(string calldata serviceName) external view returns (address serviceAddress) {
        return _serviceByName(serviceName);
    }

    /// @inheritdoc ILedgerManager
    function getAllActiveServices() external view returns (ServiceInfo[] memory services) {
        LedgerManagerStorage storage $ = _getStorage();
        services = new ServiceInfo[]($.serviceList.length());
        for (uint256 i; i < services.length; ++i) services[i] = _info($.serviceList.at(i));
    }

    /// @inheritdoc ILedgerManager
    function getRecommendedService(
        string calldata serviceType
    ) external view returns (string memory version, address serviceAddress) {
        serviceAddress = _getStorage().recommended[keccak256(bytes(serviceType))];
        if (serviceAddress == address(0)) revert NoRecommendedService(serviceType);
        version = _getStorage().services[serviceAddress].version;
    }

    /// @inheritdoc ILedgerManager
    function getAllVersions(
        string calldata serviceType
    ) external view returns (string[] memory versions, address[] memory addresses, bool[] memory isRecommendedFlags) {
        LedgerManagerStorage storage $ = _getStorage();
        bytes32 typeHash = keccak256(bytes(serviceType));
        uint256 n = $.serviceList.length();
        uint256 count;
        for (uint256 i; i < n; ++i) {
            if (keccak256(bytes($.services[$.serviceList.at(i)].serviceType)) == typeHash) ++count;
        }
        versions = new string[](count);
        addresses = new address[](count);
        isRecommendedFlags = new bool[](count);
        uint256 j;
        for (uint256 i; i < n; ++i) {
            address s = $.serviceList.at(i);
            if (keccak256(bytes($.services[s].serviceType)) != typeHash) continue;
            versions[j] = $.services[s].version;
            addresses[j] = s;
            isRecommendedFlags[j] = $.recommended[typeHash] == s;
            ++j;
        }
    }

    /// @inheritdoc ILedgerManager
    function isRecommendedVersion(
        string calldata serviceType,
        string calldata version
    ) external view returns (bool recommended) {
        LedgerManagerStorage storage $ = _getStorage();
        address s = $.serviceByName[keccak256(bytes(string.concat(serviceType, "-", version)))];
        return s != address(0) && $.recommended[keccak256(bytes(serviceType))] == s;
    }

    // ------------------------------------------------------------------ internal

    /// @dev Upgrades need {UPGRADER_ROLE}.
    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    /**
     * @dev Credits `amount` to `user`, creating the ledger when missing.
     * Requirements: `amount` is not zero; a new ledger needs at least `MIN_ACCOUNT_BALANCE`.
     * Emits a {LedgerDeposited} event.
     */
    function _credit(address user, uint256 amount) private {
        if (amount == 0) revert ZeroAmountNotAllowed();
        LedgerManagerStorage storage $ = _getStorage();
        LedgerData storage led = $.ledgers[user];
        bool created = !led.exists;
        if (created) {
            if (amount < MIN_ACCOUNT_BALANCE) revert MinimumDepositRequired(amount, MIN_ACCOUNT_BALANCE);
            led.exists = true;
            $.users.add(user);
        }
        led.total = SafeCast.toUint120(uint256(led.total) + amount);
        // available <= total, so this fits once the total did
        led.available += uint120(amount);
        emit LedgerDeposited(user, msg.sender, amount, created);
    }

    /**
     * @dev Deletes `user`'s ledger and every sub-account it has in every registered service.
     * IMPORTANT: the caller checked that the total balance is zero.
     * Emits a {LedgerDeleted} event.
     */
    function _deleteLedger(address user) private {
        LedgerManagerStorage storage $ = _getStorage();
        uint256 n = $.serviceList.length();
        for (uint256 i; i < n; ++i) {
            address service = $.serviceList.at(i);
            EnumerableSet.AddressSet storage set = $.providers[user][service];
            address[] memory providers = set.values();
            set.clear();
            for (uint256 j; j < providers.length; ++j) {
                if (IServing(service).accountExists(user, providers[j])) {
                    IServing(service).deleteAccount(user, providers[j]);
                }
            }
        }
        delete $.ledgers[user];
        $.users.remove(user);
        emit LedgerDeleted(user);
    }

    function _send(address to, uint256 amount) private {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function _ledger(address user) private view returns (LedgerData storage led) {
        led = _getStorage().ledgers[user];
        if (!led.exists) revert LedgerNotExists(user);
    }

    function _serviceByName(string memory name) private view returns (address service) {
        service = _getStorage().serviceByName[keccak256(bytes(name))];
        if (service == address(0)) revert InvalidServiceType(name);
    }

    function _checkInfo(string calldata info) private pure {
        if (bytes(info).length > MAX_ADDITIONAL_INFO_LENGTH) {
            revert AdditionalInfoTooLong(bytes(info).length, MAX_ADDITIONAL_INFO_LENGTH);
        }
    }

    function _info(address service) private view returns (ServiceInfo memory) {
        LedgerManagerStorage storage $ = _getStorage();
        ServiceRecord storage r = $.services[service];
        return
            ServiceInfo({
                serviceAddress: service,
                serviceContract: service,
                serviceType: r.serviceType,
                version: r.version,
                fullName: r.fullName,
                description: r.description,
                isRecommended: $.recommended[keccak256(bytes(r.serviceType))] == service,
                registeredAt: r.registeredAt
            });
    }

    function _getStorage() private pure returns (LedgerManagerStorage storage $) {
        assembly {
            $.slot := LEDGER_MANAGER_STORAGE_LOCATION
        }
    }
}
