// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A fee for the flow range `[beforeLength, beforeLength + chargedSectors)`.
struct RewardFill {
    uint256 beforeLength;
    uint256 chargedSectors;
    uint256 amount;
}

/// @title IReward
/// @notice Per-pricing-chunk reward pools, filled by the Market and released linearly over `releaseSeconds`;
/// each accepted PoRA answer pays half of the recalled chunk's claimable pool plus a base reward. Payouts are
/// pull payments. Call-compatible with 0G's `ChunkLinearReward` where clients use it.
interface IReward {
    /// @notice One pricing chunk's pool (wei).
    /// @param lockedReward Not yet released.
    /// @param claimableReward Released, not yet paid.
    /// @param distributedReward Paid to miners.
    /// @param startTime When release started (0 until the flow passed the chunk's end).
    /// @param lastUpdate Last time the release was accounted.
    struct ChunkReward {
        uint128 lockedReward;
        uint128 claimableReward;
        uint128 distributedReward;
        uint40 startTime;
        uint40 lastUpdate;
    }

    /// @notice A miner was paid (same signature as 0G's, topic0 0xf099de0c…f4b0).
    /// @param pricingIndex The pricing chunk.
    /// @param beneficiary The payee.
    /// @param minerId The miner.
    /// @param amount Chunk share plus base reward (wei).
    event DistributeReward(
        uint256 indexed pricingIndex,
        address indexed beneficiary,
        bytes32 indexed minerId,
        uint256 amount
    );
    /// @notice A chunk pool received fees.
    /// @param pricingIndex The chunk.
    /// @param amount Added to the locked pool.
    /// @param finalized Whether release started (the flow passed the chunk's end).
    event RewardFilled(uint256 indexed pricingIndex, uint256 amount, bool finalized);
    /// @notice Chunks `first..last` (inclusive), all fully covered by one fill, each received `perChunk` and
    /// started releasing now.
    /// @param first First chunk.
    /// @param last Last chunk.
    /// @param perChunk Amount added to each.
    event RewardRangeFilled(uint256 indexed first, uint256 indexed last, uint256 perChunk);
    /// @notice Someone funded the base-reward pool.
    /// @param donor The sender.
    /// @param amount The value.
    event Donated(address indexed donor, uint256 amount);
    /// @notice A payment was credited to a payee.
    /// @param payee The payee.
    /// @param amount The amount.
    event PaymentCredited(address indexed payee, uint256 amount);
    /// @notice A payee withdrew.
    /// @param payee The payee.
    /// @param amount The amount.
    event PaymentWithdrawn(address indexed payee, uint256 amount);
    /// @notice The base reward per answer changed.
    /// @param baseReward The new value.
    event BaseRewardUpdated(uint256 baseReward);
    /// @notice The service fee rate changed.
    /// @param bps The new rate (basis points).
    event ServiceFeeRateUpdated(uint256 bps);
    /// @notice The treasury changed.
    /// @param treasury The new treasury.
    event TreasuryUpdated(address treasury);

    /// @notice A fill touched a chunk whose release already started.
    /// @param pricingIndex The chunk.
    error RewardChunkAlreadyFinalized(uint256 pricingIndex);
    /// @notice Service fee above 100 %.
    /// @param bps The rate given.
    error RewardFeeRateTooHigh(uint256 bps);
    /// @notice Zero address, zero parameter, or a parameter too large for its packed field.
    error RewardInvalidParameter();
    /// @notice `fillRewards` received a value different from the sum of its amounts.
    /// @param expected The sum of the amounts.
    /// @param received The value sent.
    error RewardFillMismatch(uint256 expected, uint256 received);
    /// @notice Nothing to withdraw.
    /// @param payee The payee.
    error RewardNothingToWithdraw(address payee);
    /// @notice The transfer to the payee failed.
    /// @param payee The payee.
    /// @param amount The amount.
    error RewardTransferFailed(address payee, uint256 amount);

    /// @notice Adds a fee for the flow range `[beforeLength, beforeLength + chargedSectors)`. Only MARKET_ROLE.
    /// @param beforeLength First sector of the range.
    /// @param chargedSectors Sectors in the range.
    function fillReward(uint256 beforeLength, uint256 chargedSectors) external payable;

    /// @notice Several {fillReward}s in one call, in order, each with its own `amount`. Only MARKET_ROLE.
    /// @dev `msg.value` must equal `Σ amount`.
    /// @param fills The ranges and their fees.
    function fillRewards(RewardFill[] calldata fills) external payable;

    /// @notice Pays a miner for an accepted answer that recalled pricing chunk `pricingIndex`. Only MINE_ROLE.
    /// @param pricingIndex The chunk.
    /// @param beneficiary The payee.
    /// @param minerId The miner.
    function claimMineReward(uint256 pricingIndex, address payable beneficiary, bytes32 minerId) external;

    /// @notice Funds the base-reward pool.
    function donate() external payable;

    /// @notice Sends `payee` everything credited to it (anyone may trigger it).
    /// @param payee The payee.
    function withdrawPayments(address payable payee) external;

    /// @notice Amount credited to `payee`.
    /// @param payee The payee.
    /// @return The amount (wei).
    function payments(address payee) external view returns (uint256);

    /// @notice A chunk's pool.
    /// @param pricingIndex The chunk.
    /// @return lockedReward Not yet released.
    /// @return claimableReward Released, not paid.
    /// @return distributedReward Paid.
    /// @return startTime Release start (0 if not started).
    /// @return lastUpdate Last accounting time.
    function rewards(
        uint256 pricingIndex
    )
        external
        view
        returns (
            uint128 lockedReward,
            uint128 claimableReward,
            uint128 distributedReward,
            uint40 startTime,
            uint40 lastUpdate
        );

    /// @notice When a chunk's release ends (0 if not started).
    /// @param pricingIndex The chunk.
    /// @return The timestamp.
    function rewardDeadline(uint256 pricingIndex) external view returns (uint256);

    /// @notice The first chunk whose release has not ended (storage nodes prune data before it).
    /// @return The chunk index.
    /// @return The current block timestamp.
    function firstRewardableChunk() external view returns (uint64, uint256);

    /// @notice Release period in seconds.
    /// @return The period.
    function releaseSeconds() external view returns (uint256);

    /// @notice Pricing-chunk size in sectors (2^25 = 8 GiB on 0G).
    /// @return The size.
    function sectorsPerChunk() external view returns (uint256);

    /// @notice Base reward paid per accepted answer from the donated pool.
    /// @return The amount.
    function baseReward() external view returns (uint256);

    /// @notice The donated pool.
    /// @return The amount.
    function totalBaseReward() external view returns (uint256);

    /// @notice Service fee on fills, in basis points.
    /// @return The rate.
    function serviceFeeRateBps() external view returns (uint256);

    /// @notice Receiver of service fees.
    /// @return The address.
    function treasury() external view returns (address);

    /// @notice The market (first MARKET_ROLE member).
    /// @return The address.
    function market() external view returns (address);

    /// @notice The mine (first MINE_ROLE member).
    /// @return The address.
    function mine() external view returns (address);
}
