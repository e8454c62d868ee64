// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlEnumerableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlEnumerableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IFlow, EpochRange, EpochRangeWithContextDigest, MineContext} from "./interfaces/IFlow.sol";
import {IMarket, FeeCharge} from "./interfaces/IMarket.sol";
import {Submission, SubmissionData, SubmissionLib} from "./lib/SubmissionLib.sol";
import {FlowTreeLib} from "./lib/FlowTreeLib.sol";
import {BlockHashLib} from "./lib/BlockHashLib.sol";
import {ZgsSpec} from "./lib/ZgsSpec.sol";

/// @title Flow
/// @notice The storage log. See {IFlow}.
/// @dev Differences from 0G's `FixedPriceFlow` (all keep the external ABI and events):
/// - the fee is charged from this call's `msg.value`, never from the contract balance; overpayment is refunded
///   to msg.sender in the same call (nonReentrant) and the contract never holds ether between calls. The reference
///   checked `address(this).balance`, so an overpayment stayed in the Flow and paid for later submitters;
/// - `batchSubmit` charges every entry from one running budget and refunds the rest;
/// - each invalid-submission rule reverts with its own custom error (the reference used one string);
/// - both submit generations are served (0xbc8c11f8 with `submitter`, legacy 0xef3e12dc with submitter = caller);
/// - `setParams` (unprotected in the reference) does not exist: parameters are fixed by the initializer, which the
///   proxy constructor runs, so it cannot be front-run; `rootHistory` (DigestHistory) is dropped, the per-txSeq
///   roots serve the same purpose;
/// - the initial context's `mineStart` is `firstBlock` (the reference left 0 by reading it before it was set);
/// - catching up closes the oldest pending epoch, then jumps to the newest one (the epochs in between would all
///   record empty ranges); `makeContextFixedTimes(cnt)` runs at most `cnt` such steps (the reference ran cnt + 1).
/// - gas: the per-call state is packed into two slots, the flow tree is updated in memory and committed once per
///   call (see {FlowTreeLib}), a batch's fees reach Market and Reward in one call each ({IMarket.chargeFees}),
///   and the pause flag lives in the packed slot (same `paused()`, events and errors as OpenZeppelin's Pausable).
///   A call's events are therefore all `Submit`s first, then the Market's and Reward's events.
/// NOTE: `submitter` is caller-chosen, as in 0G (relayers submit for users); `Submit.sender` therefore does not
/// prove who paid. Indexers that need the payer must read the transaction sender.
contract Flow is IFlow, AccessControlEnumerableUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    using FlowTreeLib for FlowTreeLib.Tree;

    /// @notice May pause and unpause submissions and epoch changes.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @dev The first two slots are packed so a submission reads two slots and writes one of them:
    /// slot 0 (configuration, read by every call) and slot 1 (counters, written by every submission).
    /// @custom:storage-location erc7201:zg.storage.Flow
    struct FlowStorage {
        address market;
        uint48 firstBlock;
        uint40 blocksPerEpoch;
        bool paused;
        uint64 length;
        uint64 submissionIndex;
        uint64 epoch;
        uint64 epochStartPosition;
        MineContext context;
        mapping(bytes32 digest => EpochRange range) epochRanges;
        EpochRangeWithContextDigest[] epochRangeHistory;
        mapping(uint256 txSeq => bytes32 root) rootByTxSeq;
        FlowTreeLib.Tree tree;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Flow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _FLOW_STORAGE = 0x55a3fa3cbc85fe43c62d2faccd038ebe280d65b8f598ec121d040e2ed0500200;

    struct Result {
        uint256 index;
        bytes32 digest;
        uint256 startIndex;
        uint256 length;
    }

    /// @dev One submit/batchSubmit call: the tree and counters in memory (written back once by {_close}), the
    /// price read once, the value not yet charged, and the fees to forward.
    struct Call {
        FlowTreeLib.Frontier tree;
        uint256 submissionIndex;
        uint256 price;
        uint256 budget;
        FeeCharge[] charges;
        uint256 count;
    }

    modifier whenNotPaused() {
        if (_getFlowStorage().paused) revert EnforcedPause();
        _;
    }

    modifier launched() {
        uint256 first = _getFlowStorage().firstBlock;
        if (block.number < first) revert FlowNotLaunched(first, block.number);
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy.
    /// @dev Also writes a placeholder into every flow-tree frontier slot (see {FlowTreeLib.init}), about 1.4 M gas
    /// paid once here instead of by the submissions that first reach each tree height.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param market_ The Market (must grant this Flow its FLOW_ROLE).
    /// @param blocksPerEpoch_ Epoch length in blocks (> 0, < 2^40).
    /// @param firstBlock_ Launch block: 0 means the current block; otherwise not in the past (< 2^48).
    function initialize(
        address admin,
        address market_,
        uint256 blocksPerEpoch_,
        uint256 firstBlock_
    ) external initializer {
        if (admin == address(0) || market_ == address(0) || blocksPerEpoch_ == 0) revert FlowInvalidParameter();
        if (blocksPerEpoch_ > type(uint40).max || firstBlock_ > type(uint48).max) revert FlowInvalidParameter();
        // A launch block in the past would make the first call replay every epoch since then in one transaction.
        if (firstBlock_ != 0 && firstBlock_ < block.number) revert FlowInvalidParameter();
        __AccessControlEnumerable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        FlowStorage storage $ = _getFlowStorage();
        uint256 first = firstBlock_ == 0 ? block.number : firstBlock_;
        $.market = market_;
        $.blocksPerEpoch = uint40(blocksPerEpoch_);
        $.firstBlock = uint48(first);
        $.length = 1;
        $.tree.init();
        $.context = MineContext({
            epoch: 0,
            mineStart: first,
            flowRoot: bytes32(0),
            flowLength: 1,
            blockDigest: ZgsSpec.EMPTY_HASH,
            digest: ZgsSpec.EMPTY_HASH
        });
    }

    /// @inheritdoc IFlow
    function submit(
        Submission calldata submission
    )
        external
        payable
        nonReentrant
        whenNotPaused
        launched
        returns (uint256 index, bytes32 digest, uint256 startIndex, uint256 length)
    {
        FlowStorage storage $ = _getFlowStorage();
        _makeContextLoop($, type(uint256).max);
        Call memory c = _open($, 1);
        Result memory r = _submit($, c, submission.data, submission.submitter);
        _close($, c);
        return (r.index, r.digest, r.startIndex, r.length);
    }

    /// @inheritdoc IFlow
    function submit(
        SubmissionData calldata submission
    )
        external
        payable
        nonReentrant
        whenNotPaused
        launched
        returns (uint256 index, bytes32 digest, uint256 startIndex, uint256 length)
    {
        FlowStorage storage $ = _getFlowStorage();
        _makeContextLoop($, type(uint256).max);
        Call memory c = _open($, 1);
        Result memory r = _submit($, c, submission, msg.sender);
        _close($, c);
        return (r.index, r.digest, r.startIndex, r.length);
    }

    /// @inheritdoc IFlow
    function batchSubmit(
        Submission[] calldata submissions
    )
        external
        payable
        nonReentrant
        whenNotPaused
        launched
        returns (uint256[] memory indexes, bytes32[] memory digests, uint256[] memory startIndexes, uint256[] memory lengths)
    {
        FlowStorage storage $ = _getFlowStorage();
        _makeContextLoop($, type(uint256).max);
        uint256 n = submissions.length;
        Call memory c = _open($, n);
        Result[] memory rs = new Result[](n);
        for (uint256 i = 0; i < n; ++i) {
            rs[i] = _submit($, c, submissions[i].data, submissions[i].submitter);
        }
        _close($, c);
        return _unzip(rs);
    }

    /// @inheritdoc IFlow
    function batchSubmit(
        SubmissionData[] calldata submissions
    )
        external
        payable
        nonReentrant
        whenNotPaused
        launched
        returns (uint256[] memory indexes, bytes32[] memory digests, uint256[] memory startIndexes, uint256[] memory lengths)
    {
        FlowStorage storage $ = _getFlowStorage();
        _makeContextLoop($, type(uint256).max);
        uint256 n = submissions.length;
        Call memory c = _open($, n);
        Result[] memory rs = new Result[](n);
        for (uint256 i = 0; i < n; ++i) {
            rs[i] = _submit($, c, submissions[i], msg.sender);
        }
        _close($, c);
        return _unzip(rs);
    }

    /// @inheritdoc IFlow
    function makeContext() external whenNotPaused launched {
        _makeContextLoop(_getFlowStorage(), type(uint256).max);
    }

    /// @inheritdoc IFlow
    function makeContextFixedTimes(uint256 cnt) external whenNotPaused launched {
        _makeContextLoop(_getFlowStorage(), cnt);
    }

    /// @inheritdoc IFlow
    function makeContextWithResult() external whenNotPaused launched returns (MineContext memory) {
        FlowStorage storage $ = _getFlowStorage();
        _makeContextLoop($, type(uint256).max);
        return $.context;
    }

    /// @inheritdoc IFlow
    function queryContextAtPosition(
        uint128 targetPosition
    ) external whenNotPaused launched returns (EpochRangeWithContextDigest memory range) {
        FlowStorage storage $ = _getFlowStorage();
        _makeContextLoop($, type(uint256).max);
        uint256 length = $.length;
        if (targetPosition >= length) revert FlowPositionOutOfBounds(targetPosition, length);
        EpochRangeWithContextDigest[] storage history = $.epochRangeHistory;
        uint256 lo = 0;
        uint256 hi = history.length;
        // Ranges are sorted and disjoint; find the first one whose end is past the position.
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (history[mid].end <= targetPosition) lo = mid + 1;
            else hi = mid;
        }
        if (lo == history.length || history[lo].start > targetPosition) revert FlowContextNotFound(targetPosition);
        return history[lo];
    }

    /// @notice Pauses submissions and epoch changes. Only PAUSER_ROLE.
    /// @dev Reverts with {EnforcedPause} if already paused. Emits a {Paused} event.
    function pause() external onlyRole(PAUSER_ROLE) {
        FlowStorage storage $ = _getFlowStorage();
        if ($.paused) revert EnforcedPause();
        $.paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Unpauses. Only PAUSER_ROLE.
    /// @dev Reverts with {ExpectedPause} if not paused. Emits an {Unpaused} event.
    function unpause() external onlyRole(PAUSER_ROLE) {
        FlowStorage storage $ = _getFlowStorage();
        if (!$.paused) revert ExpectedPause();
        $.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IFlow
    function paused() external view returns (bool) {
        return _getFlowStorage().paused;
    }

    /// @inheritdoc IFlow
    function getContext() external view returns (MineContext memory) {
        return _getFlowStorage().context;
    }

    /// @inheritdoc IFlow
    function getEpochRange(bytes32 digest) external view returns (EpochRange memory) {
        return _getFlowStorage().epochRanges[digest];
    }

    /// @inheritdoc IFlow
    function getEpochRangeHistory(uint256 index) external view returns (EpochRangeWithContextDigest memory) {
        return _getFlowStorage().epochRangeHistory[index];
    }

    /// @inheritdoc IFlow
    function epochRangeHistoryLength() external view returns (uint256) {
        return _getFlowStorage().epochRangeHistory.length;
    }

    /// @inheritdoc IFlow
    function getFlowRootByTxSeq(uint256 txSeq) external view returns (bytes32) {
        FlowStorage storage $ = _getFlowStorage();
        uint256 count = $.submissionIndex;
        if (txSeq >= count) revert FlowUnknownTxSeq(txSeq, count);
        return $.rootByTxSeq[txSeq];
    }

    /// @inheritdoc IFlow
    function computeFlowRoot() external view returns (bytes32) {
        return _currentRoot(_getFlowStorage());
    }

    /// @inheritdoc IFlow
    function tree() external view returns (uint256 currentLength, uint256 unstagedHeight) {
        currentLength = _getFlowStorage().length;
        unstagedHeight = FlowTreeLib.heightOf(currentLength) + 1;
    }

    /// @inheritdoc IFlow
    function market() external view returns (address) {
        return _getFlowStorage().market;
    }

    /// @inheritdoc IFlow
    function numSubmissions() external view returns (uint256) {
        return _getFlowStorage().submissionIndex;
    }

    /// @inheritdoc IFlow
    function submissionIndex() external view returns (uint256) {
        return _getFlowStorage().submissionIndex;
    }

    /// @inheritdoc IFlow
    function epoch() external view returns (uint256) {
        return _getFlowStorage().epoch;
    }

    /// @inheritdoc IFlow
    function epochStartPosition() external view returns (uint256) {
        return _getFlowStorage().epochStartPosition;
    }

    /// @inheritdoc IFlow
    function firstBlock() external view returns (uint256) {
        return _getFlowStorage().firstBlock;
    }

    /// @inheritdoc IFlow
    function blocksPerEpoch() external view returns (uint256) {
        return _getFlowStorage().blocksPerEpoch;
    }

    /// @dev Upgrades need DEFAULT_ADMIN_ROLE.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    /// @dev Starts a call that will insert `n` submissions: reads the counters and the price once.
    function _open(FlowStorage storage $, uint256 n) private view returns (Call memory c) {
        c.tree = FlowTreeLib.open($.length);
        c.submissionIndex = $.submissionIndex;
        c.price = IMarket($.market).pricePerSector();
        c.budget = msg.value;
        c.charges = new FeeCharge[](n);
    }

    /// @dev Validates, inserts and charges one submission from the call's budget.
    /// Requirements: `submitter` non-zero, `data` valid, budget ≥ sectors × price. Emits a {Submit} event.
    function _submit(
        FlowStorage storage $,
        Call memory c,
        SubmissionData calldata data,
        address submitter
    ) private returns (Result memory r) {
        if (submitter == address(0)) revert FlowZeroSubmitter();
        uint256 sectors = SubmissionLib.validate(data);
        uint256 price = c.price;
        uint256 fee = sectors * price;
        uint256 budget = c.budget;
        if (fee > budget) revert NotEnoughFee(price, sectors, budget);
        c.budget = budget - fee;

        uint256 before = c.tree.length;
        uint256 startIndex = _insert($.tree, c.tree, data, sectors);
        uint256 index = c.submissionIndex++;
        $.rootByTxSeq[index] = $.tree.root(c.tree);
        r = Result({index: index, digest: SubmissionLib.digest(data), startIndex: startIndex, length: sectors});
        emit Submit(submitter, r.digest, index, startIndex, sectors, data);
        c.charges[c.count++] = FeeCharge({
            beforeLength: before,
            uploadSectors: sectors,
            paddingSectors: startIndex - before
        });
    }

    /// @dev Ends a call: writes the tree and counters back, then forwards the fees to the market (trusted) in one
    /// call and refunds what was not charged.
    function _close(FlowStorage storage $, Call memory c) private {
        $.tree.commit(c.tree);
        // Both fit: the tree reverts past 2^64 - 1 sectors, and every submission takes at least one sector.
        $.length = uint64(c.tree.length);
        $.submissionIndex = uint64(c.submissionIndex);
        if (c.count != 0) IMarket($.market).chargeFees{value: msg.value - c.budget}(c.charges);
        _refund(c.budget);
    }

    /// @dev Pads (alignment and segment rule) and appends the nodes. Returns the entry start.
    function _insert(
        FlowTreeLib.Tree storage t,
        FlowTreeLib.Frontier memory f,
        SubmissionData calldata data,
        uint256 sectors
    ) private view returns (uint256 startIndex) {
        uint256 firstHeight = data.nodes[0].height;
        uint256 start = FlowTreeLib.nextAlign(f.length, firstHeight);
        // An entry that does not start on a segment boundary must not straddle one.
        if (
            start % ZgsSpec.SECTORS_PER_LOAD != 0 &&
            start / ZgsSpec.SECTORS_PER_LOAD != (start + sectors - 1) / ZgsSpec.SECTORS_PER_LOAD
        ) {
            t.padTo(f, FlowTreeLib.nextAlign(f.length, ZgsSpec.LOG_SECTORS_PER_LOAD));
        }
        uint256 n = data.nodes.length;
        startIndex = t.appendNode(f, data.nodes[0].root, firstHeight);
        for (uint256 i = 1; i < n; ++i) {
            t.appendNode(f, data.nodes[i].root, data.nodes[i].height);
        }
    }

    /// @dev Closes pending epochs in at most `maxSteps` (≤ 2 are ever needed) steps. The first step closes the
    /// oldest pending epoch and records the range of the data submitted since the last one. Every later pending
    /// epoch sees the same flow (nothing can be submitted in between), so its range would be empty and its context
    /// superseded at once: the second step jumps straight to the newest epoch. The reference closed them one by
    /// one (an empty range and a NewEpoch event each), which after a long idle period could need more gas than a
    /// block holds; epoch numbering (`firstBlock + e·blocksPerEpoch`) is unchanged.
    function _makeContextLoop(FlowStorage storage $, uint256 maxSteps) private {
        if (maxSteps == 0 || !_makeContext($) || maxSteps == 1) return;
        uint256 newest = (block.number - 1 - $.firstBlock) / $.blocksPerEpoch;
        // Fits: an epoch number is at most a block number.
        if (newest > $.epoch + 1) $.epoch = uint64(newest - 1);
        _makeContext($);
    }

    /// @dev Closes the next epoch if its start block has passed. Returns false if there was none.
    /// Emits a {NewEpoch} event.
    function _makeContext(FlowStorage storage $) private returns (bool) {
        uint256 nextEpoch = $.epoch + 1;
        uint256 nextEpochStart = $.firstBlock + nextEpoch * $.blocksPerEpoch;
        if (nextEpochStart >= block.number) return false;

        bytes32 root = _currentRoot($);
        uint256 length = $.length;
        bytes32 blockDigest = BlockHashLib.blockHash(nextEpochStart);
        bytes32 digest;
        if (blockDigest == bytes32(0)) {
            // Out of reach (keeper too late): the epoch is unmineable and its data joins the next range.
            blockDigest = ZgsSpec.EMPTY_HASH;
            digest = ZgsSpec.EMPTY_HASH;
        } else {
            digest = keccak256(abi.encode(blockDigest, root, length));
            uint128 start = uint128($.epochStartPosition);
            $.epochRanges[digest] = EpochRange({start: start, end: uint128(length)});
            $.epochRangeHistory.push(EpochRangeWithContextDigest({start: start, end: uint128(length), digest: digest}));
            $.epochStartPosition = uint64(length);
        }
        // Fits: nextEpochStart (≥ nextEpoch) is below the current block number.
        $.epoch = uint64(nextEpoch);
        $.context = MineContext({
            epoch: nextEpoch,
            mineStart: nextEpochStart,
            flowRoot: root,
            flowLength: length,
            blockDigest: blockDigest,
            digest: digest
        });
        emit NewEpoch(msg.sender, nextEpoch, root, $.submissionIndex, length, digest);
        return true;
    }

    function _refund(uint256 amount) private {
        if (amount == 0) return;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert FlowRefundFailed(msg.sender, amount);
    }

    function _currentRoot(FlowStorage storage $) private view returns (bytes32) {
        uint256 count = $.submissionIndex;
        return count == 0 ? bytes32(0) : $.rootByTxSeq[count - 1];
    }

    function _unzip(
        Result[] memory rs
    )
        private
        pure
        returns (uint256[] memory indexes, bytes32[] memory digests, uint256[] memory startIndexes, uint256[] memory lengths)
    {
        uint256 n = rs.length;
        (indexes, digests, startIndexes, lengths) = (new uint256[](n), new bytes32[](n), new uint256[](n), new uint256[](n));
        for (uint256 i = 0; i < n; ++i) {
            Result memory r = rs[i];
            (indexes[i], digests[i], startIndexes[i], lengths[i]) = (r.index, r.digest, r.startIndex, r.length);
        }
    }

    function _getFlowStorage() private pure returns (FlowStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _FLOW_STORAGE
        }
    }
}
