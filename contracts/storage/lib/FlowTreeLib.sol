// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FlowTreeLib
/// @notice The flow's append-only merkle tree over 256-byte sectors, root-compatible with 0G's deployed Flow.
/// @dev Leaves are keccak256(sector); an inner node is keccak256(left ‖ right). Position 0 holds the reserved
/// leaf `bytes32(0)`. Positions skipped by alignment or padding, and positions past the end, are zero sectors, so
/// an empty subtree of height h hashes to `zeros(h)` (zeros(0) = keccak256 of 256 zero bytes).
///
/// The root covers the 2^H leaves where H is the smallest height with 2^H ≥ `length` (H = 0 for one leaf).
///
/// State is a deposit-contract style frontier: for every set bit `h` of `length`, `left[h]` is the root of
/// the complete subtree of height h that ends the filled prefix at that level. The length itself is kept by the
/// caller (the Flow packs it with other per-submission counters in one slot).
///
/// Gas: appends run on a {Frontier} held in memory: a level is read from storage at most once per call, and only
/// the levels that are set in the final length and were changed are written back ({commit}), once per call
/// (a whole batch of submissions commits once). Intermediate nodes that are merged within the call (padding, a
/// submission's own nodes) never reach storage. {init} writes a non-zero placeholder to every frontier slot, so a
/// later write is always an update of a non-zero slot (2,900 gas) instead of a fresh one (20,000 gas): the
/// deployment pays the 64 fresh slots once instead of the first submitter at each new height.
library FlowTreeLib {
    /// @notice keccak256 of one zero sector (256 zero bytes) = zeros(0).
    bytes32 internal constant ZERO_SECTOR_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;
    /// @notice Number of frontier levels (the tree holds at most 2^64 - 1 positions).
    uint256 internal constant LEVELS = 64;
    /// @notice Value of a frontier slot that has never held a node. Never read as a node: a level is only read
    /// while its bit of the length is set, and setting the bit writes the level.
    bytes32 internal constant UNUSED = bytes32(uint256(1));

    /// @notice Stored frontier: `left[h]` is valid iff bit h of the length is set.
    struct Tree {
        bytes32[64] left;
    }

    /// @notice A frontier being updated in memory.
    /// @param length Number of sector positions in use (the flow length), including the reserved position 0.
    /// @param left The frontier levels read or written so far (64 entries).
    /// @param loaded Bit h set iff `left[h]` holds the current value of level h.
    /// @param dirty Bit h set iff level h was written since the last commit.
    /// @param zero `zero[h]` = zeros(h) for h < `zeroCount` (filled on demand, once per call).
    /// @param zeroCount Number of `zero` entries filled.
    struct Frontier {
        uint256 length;
        bytes32[] left;
        uint256 loaded;
        uint256 dirty;
    }

    /// @notice The tree grew past 2^64 - 1 sectors.
    /// @param length The length that was reached.
    error FlowTreeFull(uint256 length);

    /// @notice Initialises an empty tree holding only the reserved leaf 0 (`bytes32(0)`); the caller sets the
    /// length to 1. Levels 1..63 get the {UNUSED} placeholder (level 0 holds the reserved leaf itself).
    /// @param self The tree.
    function init(Tree storage self) internal {
        self.left[0] = bytes32(0);
        for (uint256 h = 1; h < LEVELS; ++h) {
            self.left[h] = UNUSED;
        }
    }

    /// @notice Starts an in-memory update of the tree at `length`.
    /// @param length The current flow length.
    /// @return f The frontier (nothing read yet).
    function open(uint256 length) internal pure returns (Frontier memory f) {
        bytes32[] memory left;
        // 64 levels, not zeroed: an entry is only read once its `loaded` bit is set, which writes it first.
        assembly ("memory-safe") {
            left := mload(0x40)
            mstore(left, 64)
            mstore(0x40, add(left, 0x820))
        }
        f.length = length;
        f.left = left;
    }

    /// @notice Writes the changed levels that the final length uses back to storage.
    /// @param self The tree.
    /// @param f The frontier.
    function commit(Tree storage self, Frontier memory f) internal {
        uint256 bits = f.dirty & f.length;
        while (bits != 0) {
            uint256 h = Math.log2(bits & (~bits + 1));
            self.left[h] = f.left[h];
            bits &= bits - 1;
        }
        f.dirty = 0;
    }

    /// @notice The smallest multiple of 2^height that is ≥ `position`.
    /// @param position A sector position.
    /// @param height A subtree height.
    /// @return The aligned position.
    function nextAlign(uint256 position, uint256 height) internal pure returns (uint256) {
        uint256 mask = (1 << height) - 1;
        return (position + mask) & ~mask;
    }

    /// @notice zeros(h): the root of an all-zero-sector subtree of height `height`.
    /// @param height The subtree height.
    /// @return z The empty-subtree root.
    function zeros(uint256 height) internal pure returns (bytes32 z) {
        z = ZERO_SECTOR_HASH;
        for (uint256 i = 0; i < height; ++i) {
            z = _hashPair(z, z);
        }
    }

    /// @notice Pads with zero sectors up to `target` (a position ≥ the current length).
    /// @param self The stored tree (read on demand).
    /// @param f The frontier.
    /// @param target The new length.
    function padTo(Tree storage self, Frontier memory f, uint256 target) internal view {
        uint256 length = f.length;
        // zeros(zh), kept across steps: the heights rise while the gap closes, so each step hashes little.
        bytes32 z = ZERO_SECTOR_HASH;
        uint256 zh;
        while (length < target) {
            // The largest zero subtree that is aligned at `length` and does not pass `target`.
            uint256 k = Math.log2(length & (~length + 1));
            uint256 room = Math.log2(target - length);
            if (room < k) k = room;
            if (k < zh) (z, zh) = (ZERO_SECTOR_HASH, 0);
            for (; zh < k; ++zh) z = _hashPair(z, z);
            length = _append(self, f, length, k, z);
        }
        f.length = length;
    }

    /// @notice Appends a subtree of height `nodeHeight` with root `nodeRoot` at the next position aligned to
    /// 2^nodeHeight, padding the gap with zero sectors.
    /// @param self The stored tree (read on demand).
    /// @param f The frontier.
    /// @param nodeRoot The subtree root.
    /// @param nodeHeight The subtree height (< 64).
    /// @return start The subtree's first sector position.
    function appendNode(
        Tree storage self,
        Frontier memory f,
        bytes32 nodeRoot,
        uint256 nodeHeight
    ) internal view returns (uint256 start) {
        start = nextAlign(f.length, nodeHeight);
        padTo(self, f, start);
        uint256 length = _append(self, f, start, nodeHeight, nodeRoot);
        if (length > type(uint64).max) revert FlowTreeFull(length);
        f.length = length;
    }

    /// @notice Folds the frontier into the current root.
    /// @param self The stored tree (read on demand).
    /// @param f The frontier.
    /// @return result The root over 2^H leaves, H = ceil(log2(length)).
    function root(Tree storage self, Frontier memory f) internal view returns (bytes32 result) {
        uint256 length = f.length;
        uint256 top = heightOf(length);
        if (length == 1 << top) return _get(self, f, top);
        // Start at the lowest set bit: everything below it is empty.
        uint256 h = Math.log2(length & (~length + 1));
        bytes32 z = zeros(h);
        bytes32 acc = _hashPair(_get(self, f, h), z);
        for (++h; h < top; ++h) {
            z = _hashPair(z, z);
            acc = (length >> h) & 1 == 1 ? _hashPair(_get(self, f, h), acc) : _hashPair(acc, z);
        }
        result = acc;
    }

    /// @notice The root's height for a tree of `length` positions: ceil(log2(length)), 0 for a single leaf.
    /// @param length The tree length (≥ 1).
    /// @return The height.
    function heightOf(uint256 length) internal pure returns (uint256) {
        if (length < 2) return 0;
        return Math.log2(length - 1) + 1;
    }

    function _append(
        Tree storage self,
        Frontier memory f,
        uint256 position,
        uint256 h,
        bytes32 node
    ) private view returns (uint256) {
        uint256 index = position >> h;
        uint256 level = h;
        // An odd index is a right child: its left sibling is complete and waiting in the frontier.
        while (index & 1 == 1) {
            node = _hashPair(_get(self, f, level), node);
            index >>= 1;
            ++level;
        }
        f.left[level] = node;
        uint256 bit = 1 << level;
        f.loaded |= bit;
        f.dirty |= bit;
        return position + (1 << h);
    }

    /// @dev Level `h` of the frontier, read from storage on first use.
    function _get(Tree storage self, Frontier memory f, uint256 h) private view returns (bytes32 node) {
        uint256 bit = 1 << h;
        if (f.loaded & bit != 0) return f.left[h];
        node = self.left[h];
        f.left[h] = node;
        f.loaded |= bit;
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            value := keccak256(0x00, 0x40)
        }
    }
}
