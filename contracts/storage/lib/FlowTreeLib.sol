// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title FlowTreeLib
/// @notice The flow's append-only merkle tree over 256-byte sectors, root-compatible with 0G's deployed Flow.
/// @dev Leaves are keccak256(sector); an inner node is keccak256(left ‖ right). Position 0 holds the reserved
/// leaf `bytes32(0)`. Positions skipped by alignment or padding, and positions past the end, are zero sectors, so
/// an empty subtree of height h hashes to `zeros(h)` (zeros(0) = keccak256 of 256 zero bytes).
///
/// The root covers the 2^H leaves where H is the smallest height with 2^H ≥ `length` (H = 0 for one leaf).
///
/// State is a deposit-contract style frontier: for every set bit `h` of `length`, `left[h]` is the root of
/// the complete subtree of height h that ends the filled prefix at that level. Appending an aligned subtree
/// touches one slot per append; the root is folded from the frontier only when committed (lazy commit), which
/// happens once per submission and at each epoch change.
library FlowTreeLib {
    /// @notice keccak256 of one zero sector (256 zero bytes) = zeros(0).
    bytes32 internal constant ZERO_SECTOR_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;
    

    /// @notice Tree state.
    /// @param length Number of sector positions in use (the flow length), including the reserved position 0.
    /// @param left Frontier: `left[h]` is valid iff bit h of `length` is set.
    struct Tree {
        uint256 length;
        mapping(uint256 height => bytes32 node) left;
    }

    /// @notice The tree grew past 2^64 sectors.
    /// @param length The length that was reached.
    error FlowTreeFull(uint256 length);

    /// @notice Initialises an empty tree holding only the reserved leaf 0 (`bytes32(0)`).
    /// @param self The tree.
    function init(Tree storage self) internal {
        self.length = 1;
        self.left[0] = bytes32(0);
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
    /// @param self The tree.
    /// @param target The new length.
    function padTo(Tree storage self, uint256 target) internal {
        uint256 length = self.length;
        while (length < target) {
            // The largest zero subtree that is aligned at `length` and does not pass `target`.
            uint256 k = _lowestBit(length);
            uint256 room = _log2(target - length);
            if (room < k) k = room;
            length = _append(self, length, k, zeros(k));
        }
        self.length = length;
    }

    /// @notice Appends a subtree of height `nodeHeight` with root `nodeRoot` at the next position aligned to 2^nodeHeight,
    /// padding the gap with zero sectors.
    /// @param self The tree.
    /// @param nodeRoot The subtree root.
    /// @param nodeHeight The subtree height.
    /// @return start The subtree's first sector position.
    function appendNode(Tree storage self, bytes32 nodeRoot, uint256 nodeHeight) internal returns (uint256 start) {
        start = nextAlign(self.length, nodeHeight);
        padTo(self, start);
        self.length = _append(self, start, nodeHeight, nodeRoot);
        if (self.length > type(uint64).max) revert FlowTreeFull(self.length);
    }

    /// @notice Folds the frontier into the current root.
    /// @param self The tree.
    /// @return result The root over 2^H leaves, H = ceil(log2(length)).
    function root(Tree storage self) internal view returns (bytes32 result) {
        uint256 length = self.length;
        uint256 top = heightOf(length);
        bool started;
        bytes32 acc;
        bytes32 z = ZERO_SECTOR_HASH;
        for (uint256 h = 0; h < top; ++h) {
            if ((length >> h) & 1 == 1) {
                acc = started ? _hashPair(self.left[h], acc) : _hashPair(self.left[h], z);
                started = true;
            } else if (started) {
                acc = _hashPair(acc, z);
            }
            z = _hashPair(z, z);
        }
        result = started ? acc : self.left[top];
    }

    /// @notice The root's height for a tree of `length` positions: ceil(log2(length)), 0 for a single leaf.
    /// @param length The tree length (≥ 1).
    /// @return The height.
    function heightOf(uint256 length) internal pure returns (uint256) {
        if (length < 2) return 0;
        return _log2(length - 1) + 1;
    }

    function _append(Tree storage self, uint256 position, uint256 h, bytes32 node) private returns (uint256) {
        uint256 index = position >> h;
        uint256 level = h;
        // An odd index is a right child: its left sibling is complete and waiting in the frontier.
        while (index & 1 == 1) {
            node = _hashPair(self.left[level], node);
            index >>= 1;
            ++level;
        }
        self.left[level] = node;
        return position + (1 << h);
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            value := keccak256(0x00, 0x40)
        }
    }

    /// @dev Index of the lowest set bit; 255 for zero (never reached: length ≥ 1).
    function _lowestBit(uint256 x) private pure returns (uint256 r) {
        if (x == 0) return 255;
        while (x & 1 == 0) {
            x >>= 1;
            ++r;
        }
    }

    /// @dev floor(log2(x)) for x ≥ 1.
    function _log2(uint256 x) private pure returns (uint256 r) {
        while (x > 1) {
            x >>= 1;
            ++r;
        }
    }
}
