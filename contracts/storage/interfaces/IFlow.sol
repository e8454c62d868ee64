// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Submission, SubmissionData} from "../lib/SubmissionLib.sol";

/// @notice A recorded epoch's flow range `[start, end)` in sectors.
struct EpochRange {
    uint128 start;
    uint128 end;
}

/// @notice An epoch range together with its mining-context digest.
struct EpochRangeWithContextDigest {
    uint128 start;
    uint128 end;
    bytes32 digest;
}

/// @notice The mining context of the current epoch.
/// @param epoch Epoch number (0 before the first epoch closes).
/// @param mineStart The block that opened the epoch (`firstBlock + epoch * blocksPerEpoch`).
/// @param flowRoot The flow root when the epoch opened.
/// @param flowLength The flow length (sectors) when the epoch opened.
/// @param blockDigest Hash of block `mineStart`, or EMPTY_HASH when it was out of reach.
/// @param digest keccak256(abi.encode(blockDigest, flowRoot, flowLength)), or EMPTY_HASH.
struct MineContext {
    uint256 epoch;
    uint256 mineStart;
    bytes32 flowRoot;
    uint256 flowLength;
    bytes32 blockDigest;
    bytes32 digest;
}

/// @title IFlow
/// @notice The storage log: accepts file submissions with their storage fee, keeps the flow merkle tree, and
/// opens mining epochs. Call-compatible with 0G's deployed `FixedPriceFlow` (both submit generations).
interface IFlow {
    /// @notice A submission entered the flow. Byte-identical to 0G's event (topic0 0x167ce04d…5555).
    /// @param sender The submission's `submitter` (caller-chosen, see docs), not necessarily msg.sender.
    /// @param identity keccak256 of the node roots packed.
    /// @param submissionIndex The tx sequence number (txSeq).
    /// @param startPos First sector of the entry in the flow.
    /// @param length Entry size in sectors (Σ 2^height).
    /// @param submission The submission data as sent.
    event Submit(
        address indexed sender,
        bytes32 indexed identity,
        uint256 submissionIndex,
        uint256 startPos,
        uint256 length,
        SubmissionData submission
    );

    /// @notice A mining epoch opened. Byte-identical to 0G's event (topic0 0xbc8a3fd8…e993).
    /// @param sender The account whose call advanced the epoch.
    /// @param index The new epoch number.
    /// @param startMerkleRoot The flow root at the epoch start.
    /// @param submissionIndex Number of submissions so far.
    /// @param flowLength The flow length in sectors.
    /// @param context The context digest (EMPTY_HASH when the block hash was out of reach).
    event NewEpoch(
        address indexed sender,
        uint256 indexed index,
        bytes32 startMerkleRoot,
        uint256 submissionIndex,
        uint256 flowLength,
        bytes32 context
    );

    /// @notice Submissions and epoch changes were paused (same signature as OpenZeppelin's Pausable).
    /// @param account The pauser.
    event Paused(address account);
    /// @notice Submissions and epoch changes were resumed (same signature as OpenZeppelin's Pausable).
    /// @param account The pauser.
    event Unpaused(address account);

    /// @notice The fee sent does not cover the submission. Same signature as 0G's (selector 0xf85c6482).
    /// @param price The price per sector.
    /// @param amount The sectors charged.
    /// @param paid The value available for this submission.
    error NotEnoughFee(uint256 price, uint256 amount, uint256 paid);
    /// @notice A submission with `submitter == address(0)`.
    error FlowZeroSubmitter();
    /// @notice Called before `firstBlock`.
    /// @param firstBlock The launch block.
    /// @param blockNumber The current block.
    error FlowNotLaunched(uint256 firstBlock, uint256 blockNumber);
    /// @notice A queried position is past the end of the flow.
    /// @param position The position.
    /// @param length The flow length.
    error FlowPositionOutOfBounds(uint256 position, uint256 length);
    /// @notice No closed, non-empty epoch range contains the position (yet).
    /// @param position The position.
    error FlowContextNotFound(uint256 position);
    /// @notice The overpayment refund to the caller failed.
    /// @param to The caller.
    /// @param amount The refund.
    error FlowRefundFailed(address to, uint256 amount);
    /// @notice A zero address, a zero parameter, or a parameter too large for its packed field, given to the
    /// initializer.
    error FlowInvalidParameter();
    /// @notice The call needs the contract unpaused (same selector as OpenZeppelin's Pausable).
    error EnforcedPause();
    /// @notice The call needs the contract paused (same selector as OpenZeppelin's Pausable).
    error ExpectedPause();
    /// @notice No submission has this sequence number.
    /// @param txSeq The sequence number.
    /// @param count Number of submissions so far.
    error FlowUnknownTxSeq(uint256 txSeq, uint256 count);

    /// @notice Appends a file (0G's current SDK, selector 0xbc8c11f8). Pay `Σ 2^height × pricePerSector`;
    /// any overpayment is refunded to msg.sender in the same call.
    /// @param submission The submission and its reported submitter.
    /// @return index The tx sequence number.
    /// @return digest The identity.
    /// @return startIndex The first sector.
    /// @return length The sectors inserted.
    function submit(
        Submission calldata submission
    ) external payable returns (uint256 index, bytes32 digest, uint256 startIndex, uint256 length);

    /// @notice Appends a file (0G's legacy SDK, selector 0xef3e12dc). The submitter is msg.sender.
    /// @param submission The submission data.
    /// @return index The tx sequence number.
    /// @return digest The identity.
    /// @return startIndex The first sector.
    /// @return length The sectors inserted.
    function submit(
        SubmissionData calldata submission
    ) external payable returns (uint256 index, bytes32 digest, uint256 startIndex, uint256 length);

    /// @notice Appends several files in order, paid from one `msg.value`; the unspent rest is refunded.
    /// @param submissions The submissions.
    /// @return indexes The tx sequence numbers.
    /// @return digests The identities.
    /// @return startIndexes The first sectors.
    /// @return lengths The sectors inserted.
    function batchSubmit(
        Submission[] calldata submissions
    )
        external
        payable
        returns (uint256[] memory indexes, bytes32[] memory digests, uint256[] memory startIndexes, uint256[] memory lengths);

    /// @notice Legacy batch submit (selector 0x9e62a38e); the submitter of every entry is msg.sender.
    /// @param submissions The submissions.
    /// @return indexes The tx sequence numbers.
    /// @return digests The identities.
    /// @return startIndexes The first sectors.
    /// @return lengths The sectors inserted.
    function batchSubmit(
        SubmissionData[] calldata submissions
    )
        external
        payable
        returns (uint256[] memory indexes, bytes32[] memory digests, uint256[] memory startIndexes, uint256[] memory lengths);

    /// @notice Closes every epoch whose start block has passed.
    function makeContext() external;

    /// @notice Runs at most `cnt` catch-up steps: 1 closes the oldest pending epoch, 2 also jumps to the newest.
    /// @param cnt Maximum number of steps.
    function makeContextFixedTimes(uint256 cnt) external;

    /// @notice Closes pending epochs and returns the current context (used by Mine; nodes use it via eth_call).
    /// @return The current mining context.
    function makeContextWithResult() external returns (MineContext memory);

    /// @notice The recorded epoch range that contains `targetPosition`, after closing pending epochs.
    /// @param targetPosition A sector position.
    /// @return range The range and its context digest.
    function queryContextAtPosition(uint128 targetPosition) external returns (EpochRangeWithContextDigest memory range);

    /// @notice The current mining context (without closing pending epochs).
    /// @return The context.
    function getContext() external view returns (MineContext memory);

    /// @notice The epoch range recorded under a context digest ({0,0} if unknown).
    /// @param digest A context digest.
    /// @return The range.
    function getEpochRange(bytes32 digest) external view returns (EpochRange memory);

    /// @notice The `index`-th recorded epoch range.
    /// @param index Position in the history.
    /// @return The range with its digest.
    function getEpochRangeHistory(uint256 index) external view returns (EpochRangeWithContextDigest memory);

    /// @notice Number of recorded (non-empty) epoch ranges.
    /// @return The count.
    function epochRangeHistoryLength() external view returns (uint256);

    /// @notice The flow root right after submission `txSeq`.
    /// @param txSeq The submission's sequence number.
    /// @return The flow root.
    function getFlowRootByTxSeq(uint256 txSeq) external view returns (bytes32);

    /// @notice The current flow root.
    /// @return The root.
    function computeFlowRoot() external view returns (bytes32);

    /// @notice Flow tree summary.
    /// @return currentLength The flow length in sectors.
    /// @return unstagedHeight The number of tree levels (root height + 1).
    function tree() external view returns (uint256 currentLength, uint256 unstagedHeight);

    /// @notice The market contract (the SDK reads `pricePerSector()` from it).
    /// @return The market address.
    function market() external view returns (address);

    /// @notice Number of submissions (= next txSeq).
    /// @return The count.
    function numSubmissions() external view returns (uint256);

    /// @notice Alias of {numSubmissions}.
    /// @return The count.
    function submissionIndex() external view returns (uint256);

    /// @notice The current epoch number.
    /// @return The epoch.
    function epoch() external view returns (uint256);

    /// @notice First sector of the range the next recorded epoch will cover.
    /// @return The position.
    function epochStartPosition() external view returns (uint256);

    /// @notice The launch block; epoch e opens at `firstBlock + e * blocksPerEpoch`.
    /// @return The block number.
    function firstBlock() external view returns (uint256);

    /// @notice Epoch length in blocks.
    /// @return The length.
    function blocksPerEpoch() external view returns (uint256);

    /// @notice Whether submissions and epoch changes are paused.
    /// @return True while paused.
    function paused() external view returns (bool);
}
