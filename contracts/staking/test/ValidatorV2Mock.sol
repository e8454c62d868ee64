// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Validator} from "../Validator.sol";

/// @dev Test-only upgraded validator implementation.
contract ValidatorV2Mock is Validator {
    function version() external pure returns (uint256) {
        return 2;
    }
}
