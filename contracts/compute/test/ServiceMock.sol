// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IServing} from "../interfaces/IServing.sol";
import {ILedgerManager} from "../interfaces/ILedgerManager.sol";

/**
 * @title ServiceMock
 * @notice Test-only service that answers ERC-165 for {IServing} so it can be registered, calls
 * {ILedgerManager.spendFund} on demand, and lies in {processRefund}: it reports `reportedRefund` without sending it.
 */
contract ServiceMock {
    uint256 private _reportedRefund;

    /**
     * @param interfaceId The id.
     * @return supported True for ERC-165 and IServing.
     */
    function supportsInterface(bytes4 interfaceId) external pure returns (bool supported) {
        return interfaceId == type(IServing).interfaceId || interfaceId == 0x01ffc9a7;
    }

    /**
     * @param ledger The ledger.
     * @param user The user.
     * @param amount Wei.
     */
    function spend(ILedgerManager ledger, address user, uint256 amount) external {
        ledger.spendFund(user, amount);
    }

    /// @param amount What {processRefund} will claim to have sent.
    function setReportedRefund(uint256 amount) external {
        _reportedRefund = amount;
    }

    /// @return exists Always true.
    function accountExists(address, address) external pure returns (bool exists) {
        return true;
    }

    /// @return totalAmount The configured amount (never sent).
    /// @return balance Zero.
    /// @return pendingRefund Zero.
    function processRefund(
        address,
        address
    ) external view returns (uint256 totalAmount, uint256 balance, uint256 pendingRefund) {
        return (_reportedRefund, 0, 0);
    }

    /// @notice Does nothing.
    function requestRefundAll(address, address) external {}
}
