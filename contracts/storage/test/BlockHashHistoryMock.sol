// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title BlockHashHistoryMock
/// @notice Test stand-in for the EIP-2935 history contract (Hardhat ships a stub that reverts). Tests place its
/// runtime code at 0x0000F90827F1C53a10cb7A02335B175320002935 and record the hashes to serve.
contract BlockHashHistoryMock {
    mapping(uint256 number => bytes32 hash) private _hashes;

    /// @notice Records the hash served for `number`.
    /// @param number The block number.
    /// @param hash The hash.
    function record(uint256 number, bytes32 hash) external {
        _hashes[number] = hash;
    }

    /// @notice Raw EIP-2935 query: 32-byte block number in, 32-byte hash out; reverts for unknown numbers.
    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata input) external returns (bytes memory) {
        if (input.length != 32) revert();
        bytes32 hash = _hashes[abi.decode(input, (uint256))];
        if (hash == bytes32(0)) revert();
        return abi.encode(hash);
    }
}
