// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {BLS12381} from "../lib/BLS12381.sol";

/// @dev Test-only wrapper exposing the BLS12381 library.
contract BLS12381Harness {
    function expandMessageXmd(bytes calldata message, bytes calldata dst) external pure returns (bytes memory) {
        return BLS12381.expandMessageXmd(message, dst);
    }

    function hashToG2(bytes calldata message, bytes calldata dst) external view returns (bytes memory) {
        return BLS12381.hashToG2(message, dst);
    }

    function verifyProofOfPossession(
        bytes calldata pubkey,
        bytes calldata signature,
        bytes calldata message,
        bytes calldata dst
    ) external view returns (bool) {
        return BLS12381.verifyProofOfPossession(pubkey, signature, message, dst);
    }

    function verifyGas(
        bytes calldata pubkey,
        bytes calldata signature,
        bytes calldata message,
        bytes calldata dst
    ) external returns (bool ok) {
        ok = BLS12381.verifyProofOfPossession(pubkey, signature, message, dst);
    }
}
