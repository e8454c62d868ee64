// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice One submission's charge: the flow length before it, its own sectors and the padding inserted before it.
struct FeeCharge {
    uint256 beforeLength;
    uint256 uploadSectors;
    uint256 paddingSectors;
}

/// @title IMarket
/// @notice Fixed-price storage market: quotes the price per sector and forwards each upload's fee to Reward,
/// split between the padding sectors and the uploaded sectors. Call-compatible with 0G's `FixedPrice`.
interface IMarket {
    /// @notice The price per sector changed.
    /// @param previous The old price (wei per 256-byte sector).
    /// @param current The new price.
    event PricePerSectorUpdated(uint256 previous, uint256 current);

    /// @notice A submission's fee was forwarded to Reward.
    /// @param beforeLength Flow length before the submission.
    /// @param uploadSectors Sectors of the submission itself.
    /// @param paddingSectors Alignment padding inserted before it.
    /// @param fee The fee forwarded (wei).
    event FeeCharged(uint256 beforeLength, uint256 uploadSectors, uint256 paddingSectors, uint256 fee);

    /// @notice `chargeFee` received a value different from `uploadSectors × pricePerSector`.
    /// @param expected The fee due.
    /// @param received The value sent.
    error MarketFeeMismatch(uint256 expected, uint256 received);
    /// @notice A zero address given to the initializer.
    error MarketZeroAddress();
    /// @notice A price too large for its packed field (2^96 - 1 wei per sector).
    /// @param price The price given.
    error MarketPriceTooHigh(uint256 price);

    /// @notice Price per 256-byte sector, in wei (the SDK reads this).
    /// @return The price.
    function pricePerSector() external view returns (uint256);

    /// @notice Sets the price per sector. Only PARAMS_ADMIN_ROLE.
    /// @param pricePerSector_ The new price.
    function setPricePerSector(uint256 pricePerSector_) external;

    /// @notice Forwards a submission's fee to Reward. Only the Flow (FLOW_ROLE).
    /// @dev `msg.value` must equal `uploadSectors × pricePerSector`. Padding is not charged extra; it is funded
    /// from the same fee in proportion to its sectors, as in 0G's market.
    /// @param beforeLength Flow length before the submission.
    /// @param uploadSectors Sectors of the submission.
    /// @param paddingSectors Padding sectors inserted before it.
    function chargeFee(uint256 beforeLength, uint256 uploadSectors, uint256 paddingSectors) external payable;

    /// @notice Forwards the fees of several submissions to Reward in one call. Only the Flow (FLOW_ROLE).
    /// @dev Same effects as one {chargeFee} per entry, in order (a {FeeCharged} event each, the same Reward
    /// fills and amounts), but one value transfer and one Reward call in all. `msg.value` must equal
    /// `Σ uploadSectors × pricePerSector`.
    /// @param charges The submissions, in flow order.
    function chargeFees(FeeCharge[] calldata charges) external payable;

    /// @notice The Flow allowed to charge fees (first FLOW_ROLE member, zero if none).
    /// @return The flow address.
    function flow() external view returns (address);

    /// @notice The Reward contract receiving fees.
    /// @return The reward address.
    function reward() external view returns (address);
}
