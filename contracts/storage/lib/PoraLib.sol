// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Blake2b} from "./Blake2b.sol";

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

    /// @notice Bytes hashed for the PoRA output: uint256 sealOffset (32) ‖ padSeed (64) ‖ 0^32 ‖ mixed (4096).
    uint256 internal constant PORA_INPUT_BYTES = 4224;

    /// @notice Runs the 256-step keccak scratchpad from the seed, XORs the 64 steps of pad slice
    /// `sealOffset % 4` into the sealed words, and returns the PoRA hash input together with the recall seed.
    /// @dev Step: d0 = K(d0 ‖ d1), then d1 = K(d0 ‖ d1) (the second hash sees the new d0). Word 2i of the seal is
    /// mixed with d0 of step 64·slice + i, word 2i + 1 with its d1. Written in assembly: the Solidity version
    /// spent about 90k gas on bounds checks and array indexing.
    /// @param s0 Seed bytes 0..31.
    /// @param s1 Seed bytes 32..63.
    /// @param sealOffset Seal index inside the load.
    /// @param sealedWords The 128 sealed words.
    /// @return input uint256(sealOffset) ‖ s0 ‖ s1 ‖ 0^32 ‖ mixed, ready for {poraHash}.
    /// @return recallSeed keccak256 of the final scratchpad state.
    function mix(
        bytes32 s0,
        bytes32 s1,
        uint256 sealOffset,
        bytes32[128] calldata sealedWords
    ) internal pure returns (bytes memory input, bytes32 recallSeed) {
        uint256 lo = (sealOffset % 4) * STEPS_PER_SEAL;
        input = new bytes(PORA_INPUT_BYTES);
        assembly ("memory-safe") {
            let body := add(input, 32)
            mstore(body, sealOffset)
            mstore(add(body, 32), s0)
            mstore(add(body, 64), s1)
            mstore(add(body, 96), 0)
            let dst := add(body, 128)
            let d0 := s0
            let d1 := s1
            for { let c := 0 } lt(c, lo) { c := add(c, 1) } {
                mstore(0x00, d0)
                mstore(0x20, d1)
                d0 := keccak256(0x00, 0x40)
                mstore(0x00, d0)
                d1 := keccak256(0x00, 0x40)
            }
            for { let off := 0 } lt(off, 4096) { off := add(off, 64) } {
                mstore(0x00, d0)
                mstore(0x20, d1)
                d0 := keccak256(0x00, 0x40)
                mstore(0x00, d0)
                d1 := keccak256(0x00, 0x40)
                mstore(add(dst, off), xor(calldataload(add(sealedWords, off)), d0))
                mstore(add(dst, add(off, 32)), xor(calldataload(add(sealedWords, add(off, 32))), d1))
            }
            for { let c := add(lo, 64) } lt(c, 256) { c := add(c, 1) } {
                mstore(0x00, d0)
                mstore(0x20, d1)
                d0 := keccak256(0x00, 0x40)
                mstore(0x00, d0)
                d1 := keccak256(0x00, 0x40)
            }
            mstore(0x00, d0)
            mstore(0x20, d1)
            recallSeed := keccak256(0x00, 0x40)
        }
    }

    /// @notice poraOutput = first 32 bytes of BLAKE2b-512 of the input built by {mix}.
    /// @param input The 4224-byte PoRA hash input.
    /// @return output The PoRA output compared with the target.
    function poraHash(bytes memory input) internal view returns (bytes32 output) {
        (output, ) = Blake2b.hash(input);
    }

    /// @notice Inverts the per-miner seal: data[0] = sealed[0] ^ K(minerId ‖ sealContext ‖ startSector),
    /// data[i] = sealed[i] ^ K(sealed[i − 1]).
    /// @param minerId The miner id.
    /// @param sealContextDigest Context digest of the epoch range holding the seal.
    /// @param startSector The seal's first sector (the recall position).
    /// @param sealedWords The 128 sealed words.
    /// @return data The unsealed words.
    function unseal(
        bytes32 minerId,
        bytes32 sealContextDigest,
        uint256 startSector,
        bytes32[128] calldata sealedWords
    ) internal pure returns (bytes32[128] memory data) {
        bytes32 mask0 = keccak256(abi.encode(minerId, sealContextDigest, startSector));
        assembly ("memory-safe") {
            mstore(data, xor(calldataload(sealedWords), mask0))
            for { let off := 32 } lt(off, 4096) { off := add(off, 32) } {
                mstore(0x00, calldataload(add(sealedWords, sub(off, 32))))
                mstore(add(data, off), xor(calldataload(add(sealedWords, off)), keccak256(0x00, 0x20)))
            }
        }
    }

    /// @notice Copies the 128 words from calldata to memory (for unsealed mode).
    /// @param words The words.
    /// @return out The copy.
    function copy(bytes32[128] calldata words) internal pure returns (bytes32[128] memory out) {
        assembly ("memory-safe") {
            calldatacopy(out, words, 4096)
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
