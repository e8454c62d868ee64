// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IServing} from "../interfaces/IServing.sol";
import {ILedgerManager} from "../interfaces/ILedgerManager.sol";

/**
 * @title ServiceMock
 * @notice Test-only contract that answers ERC-165 for {IServing} so it can be registered, and calls
 * {ILedgerManager.spendFund} on demand.
 */
contract ServiceMock {
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
}
