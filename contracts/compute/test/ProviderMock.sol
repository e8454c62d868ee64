// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IInferenceServing} from "../interfaces/IInferenceServing.sol";

/**
 * @title ProviderMock
 * @notice Test-only provider contract whose `receive` can be switched to reject coin, to show that payouts to a
 * rejecting receiver are credited instead of blocking settlement.
 */
contract ProviderMock {
    /// @notice The receiver rejected a transfer.
    error ProviderMockRejected(uint256 amount);

    IInferenceServing private immutable _serving;
    bool private _accept;

    /// @param serving The InferenceServing proxy.
    constructor(IInferenceServing serving) {
        _serving = serving;
    }

    /// @notice Rejects coin unless acceptance is switched on.
    receive() external payable {
        if (!_accept) revert ProviderMockRejected(msg.value);
    }

    /// @param accept Whether `receive` accepts coin.
    function setAccept(bool accept) external {
        _accept = accept;
    }

    /// @param params Service parameters; `msg.value` is the stake.
    function register(IInferenceServing.ServiceParams calldata params) external payable {
        _serving.addOrUpdateService{value: msg.value}(params);
    }

    /// @param settlements Items to settle as this provider.
    /// @return statuses Per-item statuses.
    function settle(
        IInferenceServing.TEESettlementData[] calldata settlements
    ) external returns (uint8[] memory statuses) {
        return _serving.settleFeesWithTEE(settlements);
    }

    /// @notice Removes the service.
    function remove() external {
        _serving.removeService();
    }

    /// @notice Pulls deferred payouts.
    function withdraw() external {
        _serving.withdrawPayout();
    }

    /**
     * @notice Calls `target` with `data` and `msg.value`, bubbling up a revert (acts as a contract user).
     * @param target The contract.
     * @param data The calldata.
     */
    function exec(address target, bytes calldata data) external payable {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
