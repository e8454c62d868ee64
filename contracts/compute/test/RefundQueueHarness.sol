// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RefundQueue} from "../lib/RefundQueue.sol";

/**
 * @title RefundQueueHarness
 * @notice Test-only wrapper around {RefundQueue}, so its guards can be reached with amounts that InferenceServing's
 * 120-bit balances never hold.
 */
contract RefundQueueHarness {
    using RefundQueue for RefundQueue.Entry[];

    RefundQueue.Entry[] private _queue;

    /**
     * @notice Queues a refund of `amount` that unlocks `lock` seconds from now.
     * @param amount Wei.
     * @param lock Seconds.
     */
    function push(uint256 amount, uint256 lock) external {
        _queue.push(amount, lock);
    }

    /**
     * @notice Number of queued refunds.
     * @return n The count.
     */
    function length() external view returns (uint256 n) {
        return _queue.length;
    }
}
