// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlEnumerableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlEnumerableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IFlow, EpochRange, EpochRangeWithContextDigest, MineContext} from "./interfaces/IFlow.sol";
import {IMarket} from "./interfaces/IMarket.sol";
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
/// NOTE: `submitter` is caller-chosen, as in 0G (relayers submit for users); `Submit.sender` therefore does not
/// prove who paid. Indexers that need the payer must read the transaction sender.
contract Flow is
    IFlow,
    AccessControlEnumerableUpgradeable,
    PausableUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient
{
    using FlowTreeLib for FlowTreeLib.Tree;

    /// @notice May pause and unpause submissions and epoch changes.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @custom:storage-location erc7201:zg.storage.Flow
    struct FlowStorage {
        address market;
        uint256 blocksPerEpoch;
        uint256 firstBlock;
        FlowTreeLib.Tree tree;
        uint256 submissionIndex;
        uint256 epoch;
        uint256 epochStartPosition;
        MineContext context;
        mapping(bytes32 digest => EpochRange range) epochRanges;
        EpochRangeWithContextDigest[] epochRangeHistory;
        mapping(uint256 txSeq => bytes32 root) rootByTxSeq;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Flow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _FLOW_STORAGE = 0x55a3fa3cbc85fe43c62d2faccd038ebe280d65b8f598ec121d040e2ed0500200;

    struct Result {
        uint256 index;
        bytes32 digest;
        uint256 startIndex;
        uint256 length;
        uint256 fee;
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
    /// @param admin Receives DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param market_ The Market (must grant this Flow its FLOW_ROLE).
    /// @param blocksPerEpoch_ Epoch length in blocks (> 0).
    /// @param firstBlock_ Launch block: 0 means the current block; otherwise not in the past.
    function initialize(
        address admin,
        address market_,
        uint256 blocksPerEpoch_,
        uint256 firstBlock_
    ) external initializer {
        if (admin == address(0) || market_ == address(0) || blocksPerEpoch_ == 0) revert FlowInvalidParameter();
        // A launch block in the past would make the first call replay every epoch since then in one transaction.
        if (firstBlock_ != 0 && firstBlock_ < block.number) revert FlowInvalidParameter();
        __AccessControlEnumerable_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        FlowStorage storage $ = _getFlowStorage();
        $.market = market_;
        $.blocksPerEpoch = blocksPerEpoch_;
        uint256 first = firstBlock_ == 0 ? block.number : firstBlock_;
        $.firstBlock = first;
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
        Result memory r = _submit($, submission.data, submission.submitter, _price($), msg.value);
        _refund(msg.value - r.fee);
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
        Result memory r = _submit($, submission, msg.sender, _price($), msg.value);
        _refund(msg.value - r.fee);
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
        (indexes, digests, startIndexes, lengths) = _allocate(n);
        uint256 price = _price($);
        uint256 budget = msg.value;
        for (uint256 i = 0; i < n; ++i) {
            Result memory r = _submit($, submissions[i].data, submissions[i].submitter, price, budget);
            budget -= r.fee;
            (indexes[i], digests[i], startIndexes[i], lengths[i]) = (r.index, r.digest, r.startIndex, r.length);
        }
        _refund(budget);
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
        (indexes, digests, startIndexes, lengths) = _allocate(n);
        uint256 price = _price($);
        uint256 budget = msg.value;
        for (uint256 i = 0; i < n; ++i) {
            Result memory r = _submit($, submissions[i], msg.sender, price, budget);
            budget -= r.fee;
            (indexes[i], digests[i], startIndexes[i], lengths[i]) = (r.index, r.digest, r.startIndex, r.length);
        }
        _refund(budget);
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
        uint256 length = $.tree.length;
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
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Unpauses. Only PAUSER_ROLE.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
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
        if (txSeq >= $.submissionIndex) revert FlowUnknownTxSeq(txSeq, $.submissionIndex);
        return $.rootByTxSeq[txSeq];
    }

    /// @inheritdoc IFlow
    function computeFlowRoot() external view returns (bytes32) {
        return _currentRoot(_getFlowStorage());
    }

    /// @inheritdoc IFlow
    function tree() external view returns (uint256 currentLength, uint256 unstagedHeight) {
        currentLength = _getFlowStorage().tree.length;
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

    /// @dev Validates, inserts and charges one submission from `budget`.
    /// Requirements: `submitter` non-zero, `data` valid, `budget ≥ sectors × price`.
    /// Emits a {Submit} event, then calls the market (trusted) with the fee.
    function _submit(
        FlowStorage storage $,
        SubmissionData calldata data,
        address submitter,
        uint256 price,
        uint256 budget
    ) private returns (Result memory r) {
        if (submitter == address(0)) revert FlowZeroSubmitter();
        uint256 sectors = SubmissionLib.validate(data);
        uint256 fee = sectors * price;
        if (fee > budget) revert NotEnoughFee(price, sectors, budget);

        (uint256 before, uint256 startIndex) = _insert($.tree, data, sectors);
        uint256 index = $.submissionIndex++;
        $.rootByTxSeq[index] = $.tree.root();
        r = Result({index: index, digest: SubmissionLib.digest(data), startIndex: startIndex, length: sectors, fee: fee});
        emit Submit(submitter, r.digest, index, startIndex, sectors, data);

        IMarket($.market).chargeFee{value: fee}(before, sectors, startIndex - before);
    }

    /// @dev Pads (alignment and segment rule) and appends the nodes. Returns the old length and the entry start.
    function _insert(
        FlowTreeLib.Tree storage t,
        SubmissionData calldata data,
        uint256 sectors
    ) private returns (uint256 before, uint256 startIndex) {
        before = t.length;
        uint256 firstHeight = data.nodes[0].height;
        uint256 start = FlowTreeLib.nextAlign(before, firstHeight);
        // An entry that does not start on a segment boundary must not straddle one.
        if (
            start % ZgsSpec.SECTORS_PER_LOAD != 0 &&
            start / ZgsSpec.SECTORS_PER_LOAD != (start + sectors - 1) / ZgsSpec.SECTORS_PER_LOAD
        ) {
            t.padTo(FlowTreeLib.nextAlign(before, ZgsSpec.LOG_SECTORS_PER_LOAD));
        }
        uint256 n = data.nodes.length;
        startIndex = t.appendNode(data.nodes[0].root, firstHeight);
        for (uint256 i = 1; i < n; ++i) {
            t.appendNode(data.nodes[i].root, data.nodes[i].height);
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
        if (newest > $.epoch + 1) $.epoch = newest - 1;
        _makeContext($);
    }

    /// @dev Closes the next epoch if its start block has passed. Returns false if there was none.
    /// Emits a {NewEpoch} event.
    function _makeContext(FlowStorage storage $) private returns (bool) {
        uint256 nextEpoch = $.epoch + 1;
        uint256 nextEpochStart = $.firstBlock + nextEpoch * $.blocksPerEpoch;
        if (nextEpochStart >= block.number) return false;

        bytes32 root = _currentRoot($);
        uint256 length = $.tree.length;
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
            $.epochStartPosition = length;
        }
        $.epoch = nextEpoch;
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

    function _price(FlowStorage storage $) private view returns (uint256) {
        return IMarket($.market).pricePerSector();
    }

    function _currentRoot(FlowStorage storage $) private view returns (bytes32) {
        uint256 count = $.submissionIndex;
        return count == 0 ? bytes32(0) : $.rootByTxSeq[count - 1];
    }

    function _allocate(
        uint256 n
    ) private pure returns (uint256[] memory, bytes32[] memory, uint256[] memory, uint256[] memory) {
        return (new uint256[](n), new bytes32[](n), new uint256[](n), new uint256[](n));
    }

    function _getFlowStorage() private pure returns (FlowStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _FLOW_STORAGE
        }
    }
}
