// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IINFTProofVerifier, TransferClaim} from "../interfaces/IINFTProofVerifier.sol";

/// @title RejectingVerifierMock
/// @notice A ZKP-typed verifier that rejects every proof by returning false; exercises AgentNFTInvalidProof and
/// the oracle-type check of the 0G compatibility path.
contract RejectingVerifierMock is IINFTProofVerifier {
    /// @notice Returns ZKP.
    /// @return kind Always OracleType.ZKP.
    function oracleType() external pure returns (OracleType kind) {
        return OracleType.ZKP;
    }

    /// @notice Rejects everything.
    /// @return valid Always false.
    function verifyTransferValidity(TransferClaim calldata, bytes32, bytes calldata) external pure returns (bool valid) {
        return false;
    }
}
