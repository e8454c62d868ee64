// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Blake2b
/// @notice Unkeyed BLAKE2b-512 over memory bytes, through the EIP-152 compression precompile (address 0x09).
/// @dev The 213-byte precompile argument is `rounds (4, BE) ‖ h (64) ‖ m (128) ‖ t (16, LE) ‖ f (1)`. One
/// buffer is reused for every block; the precompile writes the new state over `h` in place.
library Blake2b {
    /// @notice IV with h0 ^= 0x01010040 (64-byte digest, no key), as little-endian words: first half.
    bytes32 internal constant INIT_STATE0 = 0x48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5;
    /// @notice Second half of the initial state.
    bytes32 internal constant INIT_STATE1 = 0xd182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b;

    /// @notice The EIP-152 precompile failed (not available on this chain).
    error Blake2bUnavailable();

    /// @notice BLAKE2b-512 of `input`.
    /// @param input The message.
    /// @return h0 Digest bytes 0..31.
    /// @return h1 Digest bytes 32..63.
    function hash(bytes memory input) internal view returns (bytes32 h0, bytes32 h1) {
        bool ok = true;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mstore(0x40, add(buf, 256))
            mstore(buf, shl(224, 12)) // 12 rounds
            mstore(add(buf, 4), INIT_STATE0)
            mstore(add(buf, 36), INIT_STATE1)
            let len := mload(input)
            let data := add(input, 32)
            let offset := 0
            for {} 1 {} {
                let n := sub(len, offset)
                let last := iszero(gt(n, 128))
                if iszero(last) { n := 128 }
                let m := add(buf, 68)
                if last {
                    // A short final block is zero-padded.
                    mstore(m, 0)
                    mstore(add(m, 32), 0)
                    mstore(add(m, 64), 0)
                    mstore(add(m, 96), 0)
                }
                mcopy(m, add(data, offset), n)
                offset := add(offset, n)
                // t = offset as a 128-bit little-endian counter: byte-reverse the low 64 bits.
                let v := offset
                v := or(shr(8, and(v, 0xFF00FF00FF00FF00)), shl(8, and(v, 0x00FF00FF00FF00FF)))
                v := or(shr(16, and(v, 0xFFFF0000FFFF0000)), shl(16, and(v, 0x0000FFFF0000FFFF)))
                v := or(shr(32, and(v, 0xFFFFFFFF00000000)), shl(32, and(v, 0x00000000FFFFFFFF)))
                mstore(add(buf, 196), shl(192, v)) // t low 8 bytes, t high 8 bytes = 0, f = 0
                mstore8(add(buf, 212), last)
                if iszero(staticcall(gas(), 0x09, buf, 213, add(buf, 4), 64)) {
                    ok := 0
                    break
                }
                if last { break }
            }
            h0 := mload(add(buf, 4))
            h1 := mload(add(buf, 36))
        }
        if (!ok) revert Blake2bUnavailable();
    }
}
