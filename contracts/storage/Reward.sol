// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlEnumerableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlEnumerableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IReward, RewardFill} from "./interfaces/IReward.sol";

/// @title Reward
/// @notice Per-pricing-chunk reward pools with linear release. See {IReward}.
/// @dev Differences from 0G's `ChunkLinearReward` (release and claim math are the same):
/// - the pricing-chunk size is a deployment parameter (`sectorsPerChunk`, 2^25 = 8 GiB on 0G), so a small
///   devnet releases rewards without filling 8 GiB first;
/// - the service fee is credited to the treasury as a pull payment instead of being pushed in every upload
///   (a reverting treasury blocked all uploads in the reference), and the rate is capped at 10000 bps;
/// - the rounding dust of a fill spanning several chunks goes to the last chunk (the reference left it unassigned);
/// - parameters are guarded by PARAMS_ADMIN_ROLE (the reference used a plain foundation-admin address);
/// - the market and mine are authorised by MARKET_ROLE / MINE_ROLE so the proxies can be initialised in their
///   constructors without a circular dependency; payments are kept in this contract (no separate Escrow);
/// - {fillRewards} takes several fills in one call (the Market sends a whole Flow call's fills at once); a fill
///   touches one slot of a pool (locked amount and a started flag); and the parameters it reads share one slot:
///   chunk size (< 2^40 sectors), chunk count (< 2^40), fee rate, and the most recently granted MARKET_ROLE
///   member, which passes the role check without reading the role mapping (the cache is cleared when that account
///   loses the role, so it never authorises a non-member).
contract Reward is
    IReward,
    AccessControlEnumerableUpgradeable,
    PausableUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient
{
    /// @notice May change base reward, service fee rate and treasury.
    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");
    /// @notice May fill pools (the Market).
    bytes32 public constant MARKET_ROLE = keccak256("MARKET_ROLE");
    /// @notice May claim rewards for miners (the Mine).
    bytes32 public constant MINE_ROLE = keccak256("MINE_ROLE");
    /// @notice May pause withdrawals.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Basis-point denominator.
    uint256 public constant BPS = 10_000;

    /// @custom:storage-location erc7201:zg.storage.Reward
    struct RewardStorage {
        uint40 sectorsPerChunk;
        uint40 chunkCount;
        uint16 serviceFeeRateBps;
        address marketCache;
        uint256 baseReward;
        uint256 totalBaseReward;
        address treasury;
        uint64 releaseSeconds;
        mapping(uint256 pricingIndex => Pool pool) rewards;
        mapping(address payee => uint256 amount) payments;
        Run[] runs;
    }

    /// @dev A chunk's pool as stored: {ChunkReward}'s fields plus `started` (= `startTime != 0`), kept next to
    /// `lockedReward` so that a fill (which checks that the release has not started and adds to the locked amount)
    /// reads and writes one slot. Locked amounts are below 2^120 wei (SafeCast).
    struct Pool {
        uint120 lockedReward;
        bool started;
        uint128 claimableReward;
        uint128 distributedReward;
        uint40 startTime;
        uint40 lastUpdate;
    }

    /// @dev Chunks fully covered by one fill (all but its first and last chunk) share one record: same amount,
    /// same release start. A chunk's pool is materialised from its run on first use, so a fill costs O(1) storage
    /// writes however many chunks it spans.
    struct Run {
        uint64 first;
        uint64 last;
        uint128 perChunk;
        uint40 startTime;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Reward")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _REWARD_STORAGE = 0x484af9ffbcc4a70ba0a91f0b6ff067a2c3ab765d0ba1e1e13a21eb89b7093a00;

    /// @dev MARKET_ROLE check, with the cached member first.
    modifier onlyMarket() {
        if (msg.sender != _getRewardStorage().marketCache) _checkRole(MARKET_ROLE);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE, PARAMS_ADMIN_ROLE and PAUSER_ROLE.
    /// @param sectorsPerChunk_ Pricing-chunk size in sectors (> 0, < 2^40).
    /// @param releaseSeconds_ Linear release period (> 0, < 2^64).
    /// @param treasury_ Receiver of service fees.
    /// @param serviceFeeRateBps_ Service fee on fills (≤ 10000).
    /// @param baseReward_ Base reward per accepted answer, paid from donations.
    function initialize(
        address admin,
        uint256 sectorsPerChunk_,
        uint256 releaseSeconds_,
        address treasury_,
        uint256 serviceFeeRateBps_,
        uint256 baseReward_
    ) external initializer {
        if (admin == address(0) || treasury_ == address(0) || sectorsPerChunk_ == 0 || releaseSeconds_ == 0) {
            revert RewardInvalidParameter();
        }
        if (sectorsPerChunk_ > type(uint40).max || releaseSeconds_ > type(uint64).max) revert RewardInvalidParameter();
        if (serviceFeeRateBps_ > BPS) revert RewardFeeRateTooHigh(serviceFeeRateBps_);
        __AccessControlEnumerable_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        RewardStorage storage $ = _getRewardStorage();
        $.sectorsPerChunk = uint40(sectorsPerChunk_);
        $.releaseSeconds = uint64(releaseSeconds_);
        $.treasury = treasury_;
        $.serviceFeeRateBps = uint16(serviceFeeRateBps_);
        $.baseReward = baseReward_;
        emit TreasuryUpdated(treasury_);
        emit ServiceFeeRateUpdated(serviceFeeRateBps_);
        emit BaseRewardUpdated(baseReward_);
    }

    /// @inheritdoc IReward
    function fillReward(uint256 beforeLength, uint256 chargedSectors) external payable onlyMarket {
        _fill(_getRewardStorage(), beforeLength, chargedSectors, msg.value);
    }

    /// @inheritdoc IReward
    function fillRewards(RewardFill[] calldata fills) external payable onlyMarket {
        RewardStorage storage $ = _getRewardStorage();
        uint256 n = fills.length;
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            total += fills[i].amount;
        }
        if (total != msg.value) revert RewardFillMismatch(total, msg.value);
        for (uint256 i = 0; i < n; ++i) {
            _fill($, fills[i].beforeLength, fills[i].chargedSectors, fills[i].amount);
        }
    }

    /// @inheritdoc IReward
    function claimMineReward(
        uint256 pricingIndex,
        address payable beneficiary,
        bytes32 minerId
    ) external onlyRole(MINE_ROLE) {
        RewardStorage storage $ = _getRewardStorage();
        Pool storage pool = _pool($, pricingIndex);
        _release($, pool);
        uint256 share = pool.claimableReward / 2;
        if (share > 0) {
            pool.claimableReward -= uint128(share);
            pool.distributedReward += uint128(share);
        }
        uint256 base;
        uint256 start = pool.startTime;
        if (start != 0 && start + $.releaseSeconds > block.timestamp) {
            base = $.baseReward;
            if (base > $.totalBaseReward) base = $.totalBaseReward;
            $.totalBaseReward -= base;
        }
        uint256 amount = share + base;
        if (amount == 0) return;
        emit DistributeReward(pricingIndex, beneficiary, minerId, amount);
        _credit($, beneficiary, amount);
    }

    /// @inheritdoc IReward
    function donate() external payable {
        _getRewardStorage().totalBaseReward += msg.value;
        emit Donated(msg.sender, msg.value);
    }

    /// @inheritdoc IReward
    function withdrawPayments(address payable payee) external nonReentrant whenNotPaused {
        RewardStorage storage $ = _getRewardStorage();
        uint256 amount = $.payments[payee];
        if (amount == 0) revert RewardNothingToWithdraw(payee);
        $.payments[payee] = 0;
        emit PaymentWithdrawn(payee, amount);
        (bool ok, ) = payee.call{value: amount}("");
        if (!ok) revert RewardTransferFailed(payee, amount);
    }

    /// @notice Sets the base reward per accepted answer. Only PARAMS_ADMIN_ROLE.
    /// @param baseReward_ The new value (wei).
    function setBaseReward(uint256 baseReward_) external onlyRole(PARAMS_ADMIN_ROLE) {
        _getRewardStorage().baseReward = baseReward_;
        emit BaseRewardUpdated(baseReward_);
    }

    /// @notice Sets the service fee rate. Only PARAMS_ADMIN_ROLE.
    /// @param bps The rate in basis points (≤ 10000).
    function setServiceFeeRate(uint256 bps) external onlyRole(PARAMS_ADMIN_ROLE) {
        if (bps > BPS) revert RewardFeeRateTooHigh(bps);
        _getRewardStorage().serviceFeeRateBps = uint16(bps);
        emit ServiceFeeRateUpdated(bps);
    }

    /// @notice Sets the treasury. Only PARAMS_ADMIN_ROLE.
    /// @param treasury_ The new treasury (non-zero).
    function setTreasury(address treasury_) external onlyRole(PARAMS_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert RewardInvalidParameter();
        _getRewardStorage().treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }

    /// @notice Pauses withdrawals. Only PAUSER_ROLE.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Unpauses withdrawals. Only PAUSER_ROLE.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc IReward
    function payments(address payee) external view returns (uint256) {
        return _getRewardStorage().payments[payee];
    }

    /// @inheritdoc IReward
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
        )
    {
        ChunkReward memory pool = _viewPool(_getRewardStorage(), pricingIndex);
        return (pool.lockedReward, pool.claimableReward, pool.distributedReward, pool.startTime, pool.lastUpdate);
    }

    /// @notice Amount of chunk `pricingIndex` that a claim now would see as claimable (before halving).
    /// @param pricingIndex The chunk.
    /// @return The claimable amount including what the release adds now.
    function claimable(uint256 pricingIndex) external view returns (uint256) {
        RewardStorage storage $ = _getRewardStorage();
        ChunkReward memory pool = _viewPool($, pricingIndex);
        return pool.claimableReward + _releasable($, pool);
    }

    /// @inheritdoc IReward
    function rewardDeadline(uint256 pricingIndex) public view returns (uint256) {
        RewardStorage storage $ = _getRewardStorage();
        uint256 start = _viewPool($, pricingIndex).startTime;
        return start == 0 ? 0 : start + $.releaseSeconds;
    }

    /// @inheritdoc IReward
    /// @dev Chunks start releasing in flow order, so deadlines never decrease with the index (unstarted chunks
    /// count as "not ended"); a binary search over the filled chunks finds the first live one.
    function firstRewardableChunk() external view returns (uint64, uint256) {
        uint256 lo = 0;
        uint256 hi = _getRewardStorage().chunkCount;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            uint256 deadline = rewardDeadline(mid);
            if (deadline != 0 && deadline <= block.timestamp) lo = mid + 1;
            else hi = mid;
        }
        return (SafeCast.toUint64(lo), block.timestamp);
    }

    /// @inheritdoc IReward
    function releaseSeconds() external view returns (uint256) {
        return _getRewardStorage().releaseSeconds;
    }

    /// @inheritdoc IReward
    function sectorsPerChunk() external view returns (uint256) {
        return _getRewardStorage().sectorsPerChunk;
    }

    /// @inheritdoc IReward
    function baseReward() external view returns (uint256) {
        return _getRewardStorage().baseReward;
    }

    /// @inheritdoc IReward
    function totalBaseReward() external view returns (uint256) {
        return _getRewardStorage().totalBaseReward;
    }

    /// @inheritdoc IReward
    function serviceFeeRateBps() external view returns (uint256) {
        return _getRewardStorage().serviceFeeRateBps;
    }

    /// @inheritdoc IReward
    function treasury() external view returns (address) {
        return _getRewardStorage().treasury;
    }

    /// @inheritdoc IReward
    function market() external view returns (address) {
        return getRoleMemberCount(MARKET_ROLE) == 0 ? address(0) : getRoleMember(MARKET_ROLE, 0);
    }

    /// @inheritdoc IReward
    function mine() external view returns (address) {
        return getRoleMemberCount(MINE_ROLE) == 0 ? address(0) : getRoleMember(MINE_ROLE, 0);
    }

    /// @dev Granting MARKET_ROLE also caches the account for {onlyMarket}.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (role == MARKET_ROLE) _getRewardStorage().marketCache = account;
    }

    /// @dev Revoking (or renouncing) MARKET_ROLE clears the cache if it held that account.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        RewardStorage storage $ = _getRewardStorage();
        if (role == MARKET_ROLE && $.marketCache == account) $.marketCache = address(0);
    }

    /// @dev Upgrades need DEFAULT_ADMIN_ROLE.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    /// @dev One fill of `amount` for the range `[beforeLength, beforeLength + chargedSectors)`: the service fee to
    /// the treasury, then the rest spread over the chunks in proportion to the sectors each receives.
    function _fill(RewardStorage storage $, uint256 beforeLength, uint256 chargedSectors, uint256 amount) private {
        uint256 rest = amount;
        uint256 serviceFee = (rest * $.serviceFeeRateBps) / BPS;
        if (serviceFee > 0) {
            rest -= serviceFee;
            _credit($, $.treasury, serviceFee);
        }
        if (chargedSectors == 0) {
            // Nothing to fill; a zero-sector fill with value would lose the value, so it goes to the treasury.
            if (rest > 0) _credit($, $.treasury, rest);
            return;
        }
        uint256 size = $.sectorsPerChunk;
        uint256 afterLength = beforeLength + chargedSectors;
        uint256 firstIdx = beforeLength / size;
        uint256 lastIdx = (afterLength - 1) / size;
        bool lastFinalized = afterLength % size == 0;
        if (lastIdx + 1 > $.chunkCount) $.chunkCount = SafeCast.toUint40(lastIdx + 1);
        if (firstIdx == lastIdx) {
            _addReward($, firstIdx, rest, lastFinalized);
            return;
        }
        uint256 assigned = (rest * ((firstIdx + 1) * size - beforeLength)) / chargedSectors;
        _addReward($, firstIdx, assigned, true);
        if (lastIdx > firstIdx + 1) {
            uint256 perChunk = (rest * size) / chargedSectors;
            $.runs.push(
                Run({
                    first: SafeCast.toUint64(firstIdx + 1),
                    last: SafeCast.toUint64(lastIdx - 1),
                    perChunk: SafeCast.toUint120(perChunk),
                    startTime: uint40(block.timestamp)
                })
            );
            assigned += perChunk * (lastIdx - firstIdx - 1);
            emit RewardRangeFilled(firstIdx + 1, lastIdx - 1, perChunk);
        }
        // The last chunk takes the remainder, so no rounding dust is left unassigned.
        _addReward($, lastIdx, rest - assigned, lastFinalized);
    }

    /// @dev Adds to a chunk's locked pool; starts its release when `finalized`.
    /// Requirements: the chunk's release has not started. Emits a {RewardFilled} event.
    function _addReward(RewardStorage storage $, uint256 pricingIndex, uint256 amount, bool finalized) private {
        Pool storage pool = $.rewards[pricingIndex];
        if (pool.started) revert RewardChunkAlreadyFinalized(pricingIndex);
        pool.lockedReward += SafeCast.toUint120(amount);
        if (finalized) {
            uint40 nowTs = uint40(block.timestamp);
            pool.started = true;
            pool.startTime = nowTs;
            pool.lastUpdate = nowTs;
        }
        emit RewardFilled(pricingIndex, amount, finalized);
    }

    /// @dev Moves what the linear schedule has released since the last update from locked to claimable.
    function _release(RewardStorage storage $, Pool storage pool) private {
        uint256 released = _releasable($, _copy(pool));
        if (pool.startTime != 0) pool.lastUpdate = uint40(block.timestamp);
        if (released == 0) return;
        pool.lockedReward -= uint120(released);
        pool.claimableReward += uint128(released);
    }

    /// @dev A chunk's pool, materialised from its run (if any) on first use.
    function _pool(RewardStorage storage $, uint256 pricingIndex) private returns (Pool storage pool) {
        pool = $.rewards[pricingIndex];
        if (pool.started) return pool;
        (bool found, Run memory run) = _findRun($, pricingIndex);
        if (found) {
            // Fits: checked when the run was recorded.
            pool.lockedReward = uint120(run.perChunk);
            pool.started = true;
            pool.startTime = run.startTime;
            pool.lastUpdate = run.startTime;
        }
    }

    function _viewPool(RewardStorage storage $, uint256 pricingIndex) private view returns (ChunkReward memory pool) {
        pool = _copy($.rewards[pricingIndex]);
        if (pool.startTime != 0) return pool;
        (bool found, Run memory run) = _findRun($, pricingIndex);
        if (found) {
            pool.lockedReward = run.perChunk;
            pool.startTime = run.startTime;
            pool.lastUpdate = run.startTime;
        }
    }

    /// @dev Binary search over the runs (sorted by `first`, disjoint) for the one holding `pricingIndex`.
    function _findRun(RewardStorage storage $, uint256 pricingIndex) private view returns (bool, Run memory) {
        Run[] storage runs = $.runs;
        uint256 lo = 0;
        uint256 hi = runs.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (runs[mid].first <= pricingIndex) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return (false, Run(0, 0, 0, 0));
        Run memory run = runs[lo - 1];
        return (pricingIndex <= run.last, run);
    }

    function _releasable(RewardStorage storage $, ChunkReward memory pool) private view returns (uint256) {
        uint256 start = pool.startTime;
        if (start == 0) return 0;
        uint256 unlocked = uint256(pool.claimableReward) + pool.distributedReward;
        uint256 total = unlocked + pool.lockedReward;
        uint256 expected = (total * (block.timestamp - start)) / $.releaseSeconds;
        if (expected > total) expected = total;
        return expected > unlocked ? expected - unlocked : 0;
    }

    function _copy(Pool storage p) private view returns (ChunkReward memory) {
        return ChunkReward({
            lockedReward: p.lockedReward,
            claimableReward: p.claimableReward,
            distributedReward: p.distributedReward,
            startTime: p.startTime,
            lastUpdate: p.lastUpdate
        });
    }

    function _credit(RewardStorage storage $, address payee, uint256 amount) private {
        $.payments[payee] += amount;
        emit PaymentCredited(payee, amount);
    }

    function _getRewardStorage() private pure returns (RewardStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _REWARD_STORAGE
        }
    }
}
