// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ZgsSpec
/// @notice Storage-layer size constants shared by Flow, Reward and Mine. Units are named in each constant.
library ZgsSpec {
    /// @notice Bytes in one sector, the flow tree's leaf (the SDK's "chunk").
    uint256 internal constant BYTES_PER_SECTOR = 256;
    /// @notice Sectors in one 4 KiB seal unit.
    uint256 internal constant SECTORS_PER_SEAL = 16;
    /// @notice 32-byte words in one seal unit.
    uint256 internal constant UNITS_PER_SEAL = 128;
    /// @notice Sectors in one 256 KiB load (the recall "chunk") and in one SDK segment.
    uint256 internal constant SECTORS_PER_LOAD = 1024;
    /// @notice log2(SECTORS_PER_LOAD).
    uint256 internal constant LOG_SECTORS_PER_LOAD = 10;
    /// @notice Seal units in one load.
    uint256 internal constant SEALS_PER_LOAD = 64;
    /// @notice Sectors in 0G's 8 GiB pricing chunk; the recall range start must be aligned to it.
    uint256 internal constant SECTORS_PER_PRICE = 1 << 25;
    /// @notice Maximum mining range of one unsharded miner, in sectors (8 TiB).
    uint256 internal constant MAX_MINING_LENGTH = 1 << 35;
    /// @notice keccak256 of the empty string; marks an empty (unmineable) context.
    bytes32 internal constant EMPTY_HASH = 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470;
}
