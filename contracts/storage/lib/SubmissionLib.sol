// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ZgsSpec} from "./ZgsSpec.sol";

/// @notice One merkle subtree of a submission: `root` of 2^`height` sectors.
struct SubmissionNode {
    bytes32 root;
    uint256 height;
}

/// @notice A file's log entry as built by the SDK: `length` in bytes, free `tags`, and the subtree roots of the
/// flow-padded data, largest first. Same tuple as the legacy (0glabs) `Submission`.
struct SubmissionData {
    uint256 length;
    bytes tags;
    SubmissionNode[] nodes;
}

/// @notice The current (0gfoundation) submission: data plus the address reported as `Submit.sender`.
struct Submission {
    SubmissionData data;
    address submitter;
}

/// @title SubmissionLib
/// @notice Validation, size and identity of a submission, bit-compatible with 0G's deployed Flow.
library SubmissionLib {
    /// @notice Largest node height (exclusive).
    uint256 internal constant MAX_HEIGHT = 64;
    /// @notice Largest allowed `heights[0] - heights[last]` plus one.
    uint256 internal constant MAX_SPREAD = 4;

    /// @notice The submission has no nodes.
    error FlowNoNodes();
    /// @notice Node heights must be strictly decreasing.
    /// @param index The offending node's index.
    /// @param previous The height of node `index - 1`.
    /// @param current The height of node `index`.
    error FlowHeightsNotDecreasing(uint256 index, uint256 previous, uint256 current);
    /// @notice The first and last node heights differ by 4 or more.
    /// @param first Height of the first node.
    /// @param last Height of the last node.
    error FlowHeightSpreadTooLarge(uint256 first, uint256 last);
    /// @notice A node height of 64 or more.
    /// @param height The first node's height.
    error FlowNodeTooHigh(uint256 height);
    /// @notice `length` is larger than the nodes can hold.
    /// @param length The declared byte length.
    /// @param capacity The nodes' capacity in bytes.
    error FlowLengthTooLong(uint256 length, uint256 capacity);
    /// @notice `length` would fit a smaller legal padding, so the node split is not the SDK's minimal one.
    /// @param length The declared byte length.
    /// @param minimumExclusive The length must be strictly greater than this.
    error FlowLengthNotMinimal(uint256 length, uint256 minimumExclusive);

    /// @notice Reverts with a named error unless `data` is what 0G's SDK produces for a file of `data.length` bytes.
    /// @dev Same acceptance set as the reference `SubmissionLibrary.valid`, but each rule has its own error (the
    /// reference reverts with the string "Invalid submission", or panics on increasing heights).
    /// @param data The submission data.
    /// @return sectors Σ 2^height, the number of sectors charged and inserted.
    function validate(SubmissionData calldata data) internal pure returns (uint256 sectors) {
        SubmissionNode[] calldata nodes = data.nodes;
        uint256 n = nodes.length;
        if (n == 0) revert FlowNoNodes();
        uint256 first = nodes[0].height;
        if (first >= MAX_HEIGHT) revert FlowNodeTooHigh(first);
        sectors = 1 << first;
        uint256 previous = first;
        for (uint256 i = 1; i < n; ++i) {
            uint256 h = nodes[i].height;
            if (h >= previous) revert FlowHeightsNotDecreasing(i, previous, h);
            sectors += 1 << h;
            previous = h;
        }
        if (first - previous >= MAX_SPREAD) revert FlowHeightSpreadTooLarge(first, previous);
        uint256 capacity = sectors * ZgsSpec.BYTES_PER_SECTOR;
        if (data.length > capacity) revert FlowLengthTooLong(data.length, capacity);
        uint256 slack;
        if (sectors < 16) slack = 1;
        else if (n == 1) slack = sectors / 16;
        else slack = 1 << (first - 3);
        uint256 minimumExclusive = (sectors - slack) * ZgsSpec.BYTES_PER_SECTOR;
        if (data.length <= minimumExclusive) revert FlowLengthNotMinimal(data.length, minimumExclusive);
    }

    /// @notice The submission identity: keccak256 over the node roots packed back to back.
    /// @param data The submission data.
    /// @return The identity (the `Submit` event's second topic).
    function digest(SubmissionData calldata data) internal pure returns (bytes32) {
        SubmissionNode[] calldata nodes = data.nodes;
        uint256 n = nodes.length;
        bytes32 result;
        // The roots are every other word of the calldata array: gather them in scratch memory past the free
        // pointer (not allocated, nothing else runs in between) and hash them.
        assembly ("memory-safe") {
            let buf := mload(0x40)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(buf, shl(5, i)), calldataload(add(nodes.offset, shl(6, i))))
            }
            result := keccak256(buf, shl(5, n))
        }
        return result;
    }
}
