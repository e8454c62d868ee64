// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title BLS12381
 * @notice Proof-of-possession verification for BLS12-381 consensus keys (public key in G1, signature in G2)
 * on top of the EIP-2537 precompiles.
 * @dev Hashing follows RFC 9380 `BLS12381G2_XMD:SHA-256_SSWU_RO_` with a caller-chosen domain separation tag:
 * `expand_message_xmd` (SHA-256) produces 256 uniform bytes, `hash_to_field` reduces four 64-byte chunks
 * modulo p (MODEXP precompile) into two Fp2 elements u0 and u1, MAP_FP2_TO_G2 (0x11) maps each one and
 * clears the cofactor, and G2ADD (0x0d) adds the two points. Because cofactor clearing is linear, the result
 * equals RFC 9380 `hash_to_curve`, so any standard implementation (e.g. the noble-curves
 * `bls12_381.G2.hashToCurve`) computes the same point.
 *
 * Encodings taken by {verifyProofOfPossession}:
 * - `pubkey`: 48-byte compressed G1 point in the ZCash serialization (flag bits: 0x80 compressed,
 *   0x40 infinity, 0x20 sign of y).
 * - `signature`: 288 bytes = the G2 signature uncompressed (192 bytes: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0) followed
 *   by the public key uncompressed (96 bytes: x ‖ y), both in the ZCash serialization with all flag bits
 *   clear. Shipping the uncompressed points avoids square roots on chain; the compressed key is checked to
 *   be the same point.
 *
 * IMPORTANT: the precompiles exist only on chains with EIP-2537 (Prague). On a chain without them a call
 * to the empty address succeeds with no return data; this library detects that and reverts with
 * {BLSPrecompileUnavailable} instead of accepting a signature.
 */
library BLS12381 {
    /// @notice An EIP-2537 (or MODEXP) precompile returned no or malformed data: the chain lacks it.
    /// @param precompile Address of the precompile that did not answer.
    error BLSPrecompileUnavailable(address precompile);

    /// @notice The domain separation tag is longer than RFC 9380 allows (255 bytes).
    /// @param length Length of the tag.
    error BLSDomainSeparationTagTooLong(uint256 length);

    /// @dev Length of a compressed G1 point (the consensus public key).
    uint256 internal constant PUBKEY_LENGTH = 48;
    /// @dev Length of the signature blob: uncompressed G2 signature (192) ‖ uncompressed G1 public key (96).
    uint256 internal constant SIGNATURE_LENGTH = 288;

    address private constant _MODEXP = address(0x05);
    address private constant _G2ADD = address(0x0d);
    address private constant _PAIRING = address(0x0f);
    address private constant _MAP_FP2_TO_G2 = address(0x11);

    /// @dev p = 0x1a0111ea…aaab split into its first 32 and last 16 bytes.
    uint256 private constant _P_HI32 = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f624;
    uint256 private constant _P_LO16 = 0x1eabfffeb153ffffb9feffffffffaaab;
    /// @dev (p - 1) / 2 split into its first 16 and last 32 bytes, for the ZCash "sign of y" flag.
    uint256 private constant _HALF_P_HI16 = 0x0d0088f51cbff34d258dd3db21a5d66b;
    uint256 private constant _HALF_P_LO32 = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;
    /// @dev The negated G1 generator, EIP-2537 encoded (x then y, each as 16 zero bytes ‖ 48 bytes).
    uint256 private constant _NEG_G1_X_HI16 = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 private constant _NEG_G1_X_LO32 = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 private constant _NEG_G1_Y_HI16 = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 private constant _NEG_G1_Y_LO32 = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    /**
     * @notice Checks that `signature` proves possession of the secret key behind `pubkey` for `message`.
     * @dev Returns false (never reverts) for a malformed key or signature, a key that is not the same point
     * as the uncompressed copy in `signature`, points off the curve or outside the prime-order subgroup
     * (the pairing precompile checks both), and a failing pairing equation e(pk, H(m)) = e(g1, sig).
     * Reverts with {BLSPrecompileUnavailable} if the chain has no EIP-2537 precompiles.
     * @param pubkey 48-byte compressed G1 public key.
     * @param signature 288-byte blob described in the library header.
     * @param message Signed message (hashed to G2 with `dst`).
     * @param dst Domain separation tag.
     * @return valid True if the proof of possession is valid.
     */
    function verifyProofOfPossession(
        bytes calldata pubkey,
        bytes calldata signature,
        bytes memory message,
        bytes memory dst
    ) internal view returns (bool valid) {
        if (pubkey.length != PUBKEY_LENGTH || signature.length != SIGNATURE_LENGTH) return false;
        // Flag bits of both uncompressed points must be clear (no compression, no infinity, no sign).
        if (uint8(signature[0]) & 0xe0 != 0 || uint8(signature[192]) & 0xe0 != 0) return false;
        if (!_sameG1Point(pubkey, signature[192:288])) return false;

        bytes memory hashed = hashToG2(message, dst);
        bytes memory input = new bytes(768);
        assembly ("memory-safe") {
            let p := add(input, 32)
            // Pair 1: (-g1, signature).
            mstore(p, _NEG_G1_X_HI16)
            mstore(add(p, 32), _NEG_G1_X_LO32)
            mstore(add(p, 64), _NEG_G1_Y_HI16)
            mstore(add(p, 96), _NEG_G1_Y_LO32)
            // signature: ZCash order x.c1, x.c0, y.c1, y.c0 -> EIP-2537 order x.c0, x.c1, y.c0, y.c1.
            let s := signature.offset
            calldatacopy(add(p, 144), add(s, 48), 48) // x.c0
            calldatacopy(add(p, 208), s, 48) // x.c1
            calldatacopy(add(p, 272), add(s, 144), 48) // y.c0
            calldatacopy(add(p, 336), add(s, 96), 48) // y.c1
            // Pair 2: (pk, H(m)).
            calldatacopy(add(p, 400), add(s, 192), 48) // pk.x
            calldatacopy(add(p, 464), add(s, 240), 48) // pk.y
            mcopy(add(p, 512), add(hashed, 32), 256)
        }
        // The 16-byte paddings stay zero: `new bytes` zero-fills and the writes above start after them.
        (bool ok, bytes memory out) = _PAIRING.staticcall(input);
        if (!ok) return false; // invalid points (off curve, outside the subgroup, non-canonical)
        if (out.length != 32) revert BLSPrecompileUnavailable(_PAIRING);
        return abi.decode(out, (uint256)) == 1;
    }

    /**
     * @notice Hashes `message` to a G2 point (RFC 9380 hash_to_curve, SSWU, random oracle).
     * @param message Message bytes.
     * @param dst Domain separation tag (at most 255 bytes).
     * @return point 256-byte EIP-2537 encoding (x.c0, x.c1, y.c0, y.c1; each 16 zero bytes ‖ 48 bytes).
     */
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bytes memory point) {
        bytes memory uniform = expandMessageXmd(message, dst);
        // Four 64-byte EIP-2537 field elements: u0.c0, u0.c1, u1.c0, u1.c1.
        bytes memory fields = new bytes(256);
        for (uint256 i = 0; i < 4; ++i) {
            _reduceModP(uniform, 32 + 64 * i, fields, 32 + 64 * i);
        }
        bytes memory pair = new bytes(512);
        _mapFp2ToG2(fields, 32, pair, 32);
        _mapFp2ToG2(fields, 160, pair, 288);
        (bool ok, bytes memory sum) = _G2ADD.staticcall(pair);
        if (!ok || sum.length != 256) revert BLSPrecompileUnavailable(_G2ADD);
        return sum;
    }

    /**
     * @notice RFC 9380 expand_message_xmd with SHA-256, producing 256 bytes (two Fp2 elements, L = 64).
     * @param message Message bytes.
     * @param dst Domain separation tag (at most 255 bytes).
     * @return uniform 256 uniformly random bytes.
     */
    function expandMessageXmd(bytes memory message, bytes memory dst) internal pure returns (bytes memory uniform) {
        if (dst.length > 255) revert BLSDomainSeparationTagTooLong(dst.length);
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        // msg_prime = Z_pad (64 zero bytes) ‖ msg ‖ I2OSP(256, 2) ‖ I2OSP(0, 1) ‖ DST_prime
        bytes32 b0 = sha256(abi.encodePacked(new bytes(64), message, uint16(256), uint8(0), dstPrime));
        bytes32 bi = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        uniform = new bytes(256);
        assembly ("memory-safe") {
            mstore(add(uniform, 32), bi)
        }
        for (uint256 i = 2; i <= 8; ++i) {
            bi = sha256(abi.encodePacked(b0 ^ bi, uint8(i), dstPrime));
            assembly ("memory-safe") {
                mstore(add(uniform, mul(i, 32)), bi)
            }
        }
    }

    /// @dev True if the compressed `pubkey` (48 bytes) encodes the same point as `uncompressed` (x ‖ y).
    function _sameG1Point(bytes calldata pubkey, bytes calldata uncompressed) private pure returns (bool) {
        uint8 flags = uint8(pubkey[0]);
        if (flags & 0xc0 != 0x80) return false; // must be compressed and not the point at infinity
        if (flags & 0x1f != uint8(uncompressed[0])) return false;
        if (bytes32(pubkey[1:33]) != bytes32(uncompressed[1:33])) return false;
        if (bytes15(pubkey[33:48]) != bytes15(uncompressed[33:48])) return false;
        uint256 yHi = uint128(bytes16(uncompressed[48:64]));
        uint256 yLo = uint256(bytes32(uncompressed[64:96]));
        bool ySign = yHi > _HALF_P_HI16 || (yHi == _HALF_P_HI16 && yLo > _HALF_P_LO32);
        return ySign == (flags & 0x20 != 0);
    }

    /// @dev Writes (64-byte big-endian integer at `src[srcOff..]`) mod p into `dst[dstOff..]` as 16 zero
    /// bytes ‖ 48 bytes, using MODEXP with exponent 1. Offsets include the 32-byte length word.
    function _reduceModP(bytes memory src, uint256 srcOff, bytes memory dst, uint256 dstOff) private view {
        bool ok;
        uint256 size;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 64) // base length
            mstore(add(ptr, 32), 1) // exponent length
            mstore(add(ptr, 64), 48) // modulus length
            mcopy(add(ptr, 96), add(src, srcOff), 64)
            mstore8(add(ptr, 160), 1)
            mstore(add(ptr, 161), _P_HI32)
            mstore(add(ptr, 193), shl(128, _P_LO16))
            let out := add(dst, dstOff)
            mstore(out, 0)
            ok := staticcall(gas(), 0x05, ptr, 209, add(out, 16), 48)
            size := returndatasize()
        }
        if (!ok || size != 48) revert BLSPrecompileUnavailable(_MODEXP);
    }

    /// @dev Maps the Fp2 element at `src[srcOff..srcOff+128]` to G2, writing 256 bytes at `dst[dstOff..]`.
    function _mapFp2ToG2(bytes memory src, uint256 srcOff, bytes memory dst, uint256 dstOff) private view {
        bool ok;
        uint256 size;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x11, add(src, srcOff), 128, add(dst, dstOff), 256)
            size := returndatasize()
        }
        if (!ok || size != 256) revert BLSPrecompileUnavailable(_MAP_FP2_TO_G2);
    }
}
