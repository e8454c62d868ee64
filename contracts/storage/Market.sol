// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlEnumerableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlEnumerableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {IMarket, FeeCharge} from "./interfaces/IMarket.sol";
import {IReward, RewardFill} from "./interfaces/IReward.sol";

/// @title Market
/// @notice Fixed-price storage market. See {IMarket}.
/// @dev Differences from 0G's `FixedPrice`:
/// - the fee arrives as `msg.value` of `chargeFee` and must equal `uploadSectors × pricePerSector`; the reference
///   forwarded whatever balance it held (including stray ETH) as a "bonus", and its `receive()` accepted anything;
///   this market holds no balance between calls and has no `receive()`;
/// - the Flow is authorised by FLOW_ROLE instead of a stored address, so the four contracts can be deployed behind
///   initialised proxies without a circular dependency (`flow()` still reports it);
/// - UUPS instead of a beacon, initializer run in the proxy constructor (cannot be front-run);
/// - the Flow forwards a whole call's fees with one {chargeFees}, which reaches Reward with one {IReward.fillRewards}
///   (padding and upload parts of every submission), and the price and reward address share one slot (price
///   < 2^96 wei per sector).
contract Market is IMarket, AccessControlEnumerableUpgradeable, UUPSUpgradeable {
    /// @notice May change the price.
    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");
    /// @notice May charge fees (the Flow).
    bytes32 public constant FLOW_ROLE = keccak256("FLOW_ROLE");

    /// @custom:storage-location erc7201:zg.storage.Market
    struct MarketStorage {
        uint96 pricePerSector;
        address reward;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Market")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _MARKET_STORAGE = 0x5e879ffd5e29c94799b7cfc11321fb51be17c3dc18dd72ec72be91533c605400;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and PARAMS_ADMIN_ROLE.
    /// @param pricePerSector_ Wei per 256-byte sector.
    /// @param reward_ The Reward contract.
    function initialize(address admin, uint256 pricePerSector_, address reward_) external initializer {
        if (admin == address(0) || reward_ == address(0)) revert MarketZeroAddress();
        __AccessControlEnumerable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
        if (pricePerSector_ > type(uint96).max) revert MarketPriceTooHigh(pricePerSector_);
        MarketStorage storage $ = _getMarketStorage();
        $.reward = reward_;
        $.pricePerSector = uint96(pricePerSector_);
        emit PricePerSectorUpdated(0, pricePerSector_);
    }

    /// @inheritdoc IMarket
    function setPricePerSector(uint256 pricePerSector_) external onlyRole(PARAMS_ADMIN_ROLE) {
        if (pricePerSector_ > type(uint96).max) revert MarketPriceTooHigh(pricePerSector_);
        MarketStorage storage $ = _getMarketStorage();
        uint256 previous = $.pricePerSector;
        if (previous == pricePerSector_) return;
        $.pricePerSector = uint96(pricePerSector_);
        emit PricePerSectorUpdated(previous, pricePerSector_);
    }

    /// @inheritdoc IMarket
    function chargeFee(
        uint256 beforeLength,
        uint256 uploadSectors,
        uint256 paddingSectors
    ) external payable onlyRole(FLOW_ROLE) {
        MarketStorage storage $ = _getMarketStorage();
        uint256 fee = $.pricePerSector * uploadSectors;
        if (msg.value != fee) revert MarketFeeMismatch(fee, msg.value);
        RewardFill[] memory fills = new RewardFill[](2);
        uint256 count = _split(fills, 0, beforeLength, uploadSectors, paddingSectors, fee);
        _fill($.reward, fills, count, fee);
    }

    /// @inheritdoc IMarket
    function chargeFees(FeeCharge[] calldata charges) external payable onlyRole(FLOW_ROLE) {
        MarketStorage storage $ = _getMarketStorage();
        uint256 price = $.pricePerSector;
        uint256 n = charges.length;
        RewardFill[] memory fills = new RewardFill[](2 * n);
        uint256 count;
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            FeeCharge calldata ch = charges[i];
            uint256 fee = price * ch.uploadSectors;
            total += fee;
            count = _split(fills, count, ch.beforeLength, ch.uploadSectors, ch.paddingSectors, fee);
        }
        if (msg.value != total) revert MarketFeeMismatch(total, msg.value);
        _fill($.reward, fills, count, total);
    }

    /// @inheritdoc IMarket
    function pricePerSector() external view returns (uint256) {
        return _getMarketStorage().pricePerSector;
    }

    /// @inheritdoc IMarket
    function flow() external view returns (address) {
        return getRoleMemberCount(FLOW_ROLE) == 0 ? address(0) : getRoleMember(FLOW_ROLE, 0);
    }

    /// @inheritdoc IMarket
    function reward() external view returns (address) {
        return _getMarketStorage().reward;
    }

    /// @dev Upgrades need DEFAULT_ADMIN_ROLE.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    /// @dev Appends a submission's fills at `fills[count]`: the padding's share of `fee` (in proportion to its
    /// sectors, if any), then the rest for the uploaded sectors. Returns the new count. Emits a {FeeCharged} event.
    function _split(
        RewardFill[] memory fills,
        uint256 count,
        uint256 beforeLength,
        uint256 uploadSectors,
        uint256 paddingSectors,
        uint256 fee
    ) private returns (uint256) {
        emit FeeCharged(beforeLength, uploadSectors, paddingSectors, fee);
        uint256 paddingPart;
        if (paddingSectors > 0) {
            paddingPart = (fee * paddingSectors) / (uploadSectors + paddingSectors);
            fills[count++] = RewardFill(beforeLength, paddingSectors, paddingPart);
        }
        fills[count++] = RewardFill(beforeLength + paddingSectors, uploadSectors, fee - paddingPart);
        return count;
    }

    /// @dev Sends the first `count` fills and their `total` to Reward in one call.
    function _fill(address reward_, RewardFill[] memory fills, uint256 count, uint256 total) private {
        assembly ("memory-safe") {
            mstore(fills, count)
        }
        IReward(reward_).fillRewards{value: total}(fills);
    }

    function _getMarketStorage() private pure returns (MarketStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _MARKET_STORAGE
        }
    }
}
