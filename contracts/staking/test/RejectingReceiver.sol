// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IValidatorContract} from "../interfaces/IValidatorContract.sol";

/// @dev Test-only delegator whose receive() can accept, revert, burn all gas, or re-enter the validator.
contract RejectingReceiver {
    enum Mode {
        Accept,
        Revert,
        BurnGas,
        Reenter
    }

    Mode public mode;
    IValidatorContract public reentryTarget;

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function delegateTo(IValidatorContract validator) external payable returns (uint256) {
        reentryTarget = validator;
        return validator.delegate{value: msg.value}(address(this));
    }

    function undelegateFrom(IValidatorContract validator, uint256 shares) external payable returns (uint256) {
        return validator.undelegate{value: msg.value}(address(this), shares);
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (mode == Mode.Revert) revert("no thanks");
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
        if (mode == Mode.Reenter) reentryTarget.processWithdrawQueue();
    }
}
