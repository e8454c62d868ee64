// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title StandInProbe
/// @notice Test-only contract used to prove that the devnet installs precompile stand-ins at fixed addresses.
contract StandInProbe {
    /// @notice Returns a fixed marker so a test can tell the stand-in answers at its address.
    /// @return The marker 0x0A11CE.
    function probe() external pure returns (uint256) {
        return 0x0A11CE;
    }
}
