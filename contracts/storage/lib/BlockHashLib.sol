// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title BlockHashLib
/// @notice Block hashes up to 8191 blocks back: native BLOCKHASH for the last 256 blocks, the EIP-2935 history
/// contract beyond that where the chain provides it. Returns zero when the hash is unreachable.
library BlockHashLib {
    /// @notice EIP-2935 block-hash history contract (8191-block ring).
    address internal constant HISTORY = 0x0000F90827F1C53a10cb7A02335B175320002935;
    /// @notice Blocks served by the EIP-2935 ring.
    uint256 internal constant HISTORY_WINDOW = 8191;
    uint256 private constant _NATIVE_WINDOW = 256;

    /// @notice The hash of block `number`, or zero if it is the current or a future block, or out of reach.
    /// @param number The block number.
    /// @return hash The block hash, or `bytes32(0)`.
    function blockHash(uint256 number) internal view returns (bytes32 hash) {
        if (number >= block.number) return bytes32(0);
        uint256 age = block.number - number;
        if (age <= _NATIVE_WINDOW) return blockhash(number);
        if (age > HISTORY_WINDOW || HISTORY.code.length == 0) return bytes32(0);
        (bool ok, bytes memory out) = HISTORY.staticcall(abi.encode(number));
        if (!ok || out.length != 32) return bytes32(0);
        hash = abi.decode(out, (bytes32));
    }
}
