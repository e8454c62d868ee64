// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {PoraLib} from "../lib/PoraLib.sol";
import {Blake2b} from "../lib/Blake2b.sol";

/// @title PoraHarness
/// @notice Test harness exposing the PoRA primitives so the cross-check vector of 0G's mine can be reproduced.
contract PoraHarness {
    /// @notice BLAKE2b-512 of `input`.
    /// @param input The message.
    /// @return The 64-byte digest.
    function blake2b(bytes calldata input) external view returns (bytes memory) {
        (bytes32 h0, bytes32 h1) = Blake2b.hash(input);
        return abi.encodePacked(h0, h1);
    }

    /// @notice The range digest.
    /// @param start Start.
    /// @param length Length.
    /// @param shardId Shard id.
    /// @param shardMask Shard mask.
    /// @return The digest.
    function rangeDigest(uint256 start, uint256 length, uint64 shardId, uint64 shardMask) external pure returns (bytes32) {
        return PoraLib.rangeDigest(start, length, shardId, shardMask);
    }

    /// @notice padSeed, recall seed and PoRA output for a seal.
    /// @param minerId Miner id.
    /// @param nonce Nonce.
    /// @param subtaskDigest Subtask digest.
    /// @param range Range digest.
    /// @param sealOffset Seal offset.
    /// @param sealedWords The sealed words.
    /// @return seed The 64-byte pad seed.
    /// @return recallSeed The recall seed.
    /// @return output The PoRA output.
    function pora(
        bytes32 minerId,
        bytes32 nonce,
        bytes32 subtaskDigest,
        bytes32 range,
        uint256 sealOffset,
        bytes32[128] calldata sealedWords
    ) external view returns (bytes memory seed, bytes32 recallSeed, bytes32 output) {
        (bytes32 s0, bytes32 s1) = PoraLib.padSeed(minerId, nonce, subtaskDigest, range);
        bytes memory input;
        (input, recallSeed) = PoraLib.mix(s0, s1, sealOffset, sealedWords);
        output = PoraLib.poraHash(input);
        seed = abi.encodePacked(s0, s1);
    }

    /// @notice Unseals and returns the seal subtree root.
    /// @param minerId Miner id.
    /// @param sealContextDigest Seal context.
    /// @param startSector First sector.
    /// @param sealedWords Sealed words.
    /// @return data The unsealed words.
    /// @return root The seal subtree root.
    function unsealRoot(
        bytes32 minerId,
        bytes32 sealContextDigest,
        uint256 startSector,
        bytes32[128] calldata sealedWords
    ) external pure returns (bytes32[128] memory data, bytes32 root) {
        data = PoraLib.unseal(minerId, sealContextDigest, startSector, sealedWords);
        root = PoraLib.sealRoot(data);
    }
}
