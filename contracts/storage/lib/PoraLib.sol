// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Blake2b} from "./Blake2b.sol";
import {ZgsSpec} from "./ZgsSpec.sol";

/// @title PoraLib
/// @notice Byte-exact PoRA primitives of 0G's mine version 1: range digest, scratchpad, mixing, PoRA hash,
/// unsealing and the seal-to-flow-root merkle proof.
library PoraLib {
    /// @notice Steps of 64 bytes in the 16 KiB scratchpad.
    uint256 internal constant PAD_STEPS = 256;
    /// @notice Scratchpad steps mixed into one 4 KiB seal.
    uint256 internal constant STEPS_PER_SEAL = 64;

    /// @notice keccak256(abi.encode(startPosition, mineLength, shardId, shardMask)).
    /// @param startPosition First sector of the range.
    /// @param mineLength Sectors in the range.
    /// @param shardId The miner's shard.
    /// @param shardMask The shard mask.
    /// @return The range digest.
    function rangeDigest(
        uint256 startPosition,
        uint256 mineLength,
        uint64 shardId,
        uint64 shardMask
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(startPosition, mineLength, uint256(shardId), uint256(shardMask)));
    }

    /// @notice padSeed = BLAKE2b-512(minerId ‖ nonce ‖ subtaskDigest ‖ rangeDigest).
    /// @param minerId The miner id.
    /// @param nonce The answer's nonce.
    /// @param subtaskDigest The subtask digest.
    /// @param range The range digest.
    /// @return s0 Seed bytes 0..31.
    /// @return s1 Seed bytes 32..63.
    function padSeed(
        bytes32 minerId,
        bytes32 nonce,
        bytes32 subtaskDigest,
        bytes32 range
    ) internal view returns (bytes32 s0, bytes32 s1) {
        return Blake2b.hash(abi.encodePacked(minerId, nonce, subtaskDigest, range));
    }

    /// @notice Runs the 256-step keccak scratchpad from the seed, XORs the 64 steps of pad slice
    /// `sealOffset % 4` into the sealedWords words, and returns them with the recall seed.
    /// @dev Step: d0 = K(d0 ‖ d1), then d1 = K(d0 ‖ d1) (the second hash sees the new d0). Word 2i of the seal is
    /// mixed with d0 of step 64·slice + i, word 2i + 1 with its d1.
    /// @param s0 Seed bytes 0..31.
    /// @param s1 Seed bytes 32..63.
    /// @param sealOffset Seal index inside the load.
    /// @param sealedWords The 128 sealed words.
    /// @return mixed The mixed words.
    /// @return recallSeed keccak256 of the final scratchpad state.
    function mix(
        bytes32 s0,
        bytes32 s1,
        uint256 sealOffset,
        bytes32[128] memory sealedWords
    ) internal pure returns (bytes32[128] memory mixed, bytes32 recallSeed) {
        uint256 lo = (sealOffset % 4) * STEPS_PER_SEAL;
        uint256 hi = lo + STEPS_PER_SEAL;
        bytes32 d0 = s0;
        bytes32 d1 = s1;
        for (uint256 c = 0; c < PAD_STEPS; ++c) {
            assembly ("memory-safe") {
                mstore(0x00, d0)
                mstore(0x20, d1)
                d0 := keccak256(0x00, 0x40)
                mstore(0x00, d0)
                d1 := keccak256(0x00, 0x40)
            }
            if (c >= lo && c < hi) {
                uint256 j = 2 * (c - lo);
                mixed[j] = sealedWords[j] ^ d0;
                mixed[j + 1] = sealedWords[j + 1] ^ d1;
            }
        }
        assembly ("memory-safe") {
            mstore(0x00, d0)
            mstore(0x20, d1)
            recallSeed := keccak256(0x00, 0x40)
        }
    }

    /// @notice poraOutput = first 32 bytes of BLAKE2b-512(uint256 sealOffset ‖ padSeed ‖ 0^32 ‖ mixed).
    /// @param sealOffset Seal index inside the load.
    /// @param s0 Seed bytes 0..31.
    /// @param s1 Seed bytes 32..63.
    /// @param mixed The mixed words.
    /// @return output The PoRA output compared with the target.
    function poraHash(
        uint256 sealOffset,
        bytes32 s0,
        bytes32 s1,
        bytes32[128] memory mixed
    ) internal view returns (bytes32 output) {
        (output, ) = Blake2b.hash(abi.encodePacked(sealOffset, s0, s1, bytes32(0), mixed));
    }

    /// @notice Inverts the per-miner seal: data[0] = sealedWords[0] ^ K(minerId ‖ sealContext ‖ startSector),
    /// data[i] = sealedWords[i] ^ K(sealedWords[i − 1]).
    /// @param minerId The miner id.
    /// @param sealContextDigest Context digest of the epoch range holding the seal.
    /// @param startSector The seal's first sector (the recall position).
    /// @param sealedWords The 128 sealed words.
    /// @return data The unsealed words.
    function unseal(
        bytes32 minerId,
        bytes32 sealContextDigest,
        uint256 startSector,
        bytes32[128] memory sealedWords
    ) internal pure returns (bytes32[128] memory data) {
        data[0] = sealedWords[0] ^ keccak256(abi.encode(minerId, sealContextDigest, startSector));
        for (uint256 i = 1; i < ZgsSpec.UNITS_PER_SEAL; ++i) {
            bytes32 prev = sealedWords[i - 1];
            bytes32 mask;
            assembly ("memory-safe") {
                mstore(0x00, prev)
                mask := keccak256(0x00, 0x20)
            }
            data[i] = sealedWords[i] ^ mask;
        }
    }

    /// @notice Root of the 4 KiB seal as a height-4 tree of 16 sector leaves, each keccak256 of 256 bytes.
    /// @param data The 128 unsealed words.
    /// @return root The seal subtree root.
    function sealRoot(bytes32[128] memory data) internal pure returns (bytes32 root) {
        bytes32[16] memory level;
        for (uint256 i = 0; i < 16; ++i) {
            bytes32 leaf;
            assembly ("memory-safe") {
                leaf := keccak256(add(data, mul(i, 256)), 256)
            }
            level[i] = leaf;
        }
        for (uint256 width = 8; width > 0; width /= 2) {
            for (uint256 i = 0; i < width; ++i) {
                level[i] = _hashPair(level[2 * i], level[2 * i + 1]);
            }
        }
        root = level[0];
    }

    /// @notice Walks a merkle proof from the seal subtree at `sealIndex` up to the root.
    /// @param node The seal subtree root.
    /// @param sealIndex recallPosition / 16.
    /// @param proof Siblings, bottom-up.
    /// @return The recovered root (zero if the proof is shorter than the position needs).
    function recoverRoot(bytes32 node, uint256 sealIndex, bytes32[] calldata proof) internal pure returns (bytes32) {
        uint256 index = sealIndex;
        for (uint256 i = 0; i < proof.length; ++i) {
            node = index & 1 == 0 ? _hashPair(node, proof[i]) : _hashPair(proof[i], node);
            index >>= 1;
        }
        // A proof too short for the position cannot bind it; report a root that never matches.
        return index == 0 ? node : bytes32(0);
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, b)
            value := keccak256(0x00, 0x40)
        }
    }
}
