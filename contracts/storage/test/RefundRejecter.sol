// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title RefundRejecter
/// @notice Test helper: forwards a call with value and refuses any ether sent back.
contract RefundRejecter {
    /// @notice Calls `target` with `data` and `msg.value`, bubbling up a revert.
    /// @param target The contract to call.
    /// @param data The calldata.
    function forward(address target, bytes calldata data) external payable {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
