// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title RefundQueue
 * @notice The refunds a sub-account has queued but not yet paid out, oldest first.
 * @dev Each entry stores the moment it unlocks, fixed when the refund is requested. 0G's reference instead adds
 * the *current* lock time when the refund is processed, so raising the lock delays refunds that were already
 * promised. Here a refund unlocks exactly when the lock in force at request time said it would.
 */
library RefundQueue {
    /// @notice Most refunds a sub-account may have pending at once.
    uint256 internal constant MAX_PENDING = 5;

    /**
     * @notice One pending refund, packed in one slot.
     * @dev Layout: amount (128 bits) | createdAt (64 bits, unix seconds) | unlockAt (64 bits, unix seconds).
     */
    struct Entry {
        uint128 amount;
        uint64 createdAt;
        uint64 unlockAt;
    }

    /// @notice A refund amount does not fit the 128-bit field.
    error RefundQueueAmountTooLarge(uint256 amount);

    /**
     * @dev Appends a refund of `amount` that unlocks `lock` seconds from now.
     * IMPORTANT: the caller enforces {MAX_PENDING}.
     */
    function push(Entry[] storage self, uint256 amount, uint256 lock) internal {
        if (amount > type(uint128).max) revert RefundQueueAmountTooLarge(amount);
        self.push(
            Entry({
                amount: uint128(amount),
                createdAt: uint64(block.timestamp),
                unlockAt: uint64(block.timestamp + lock)
            })
        );
    }

    /**
     * @dev Removes every entry whose unlock time has passed and returns their sum. Entries that are still locked
     * keep their order.
     */
    function releaseMatured(Entry[] storage self) internal returns (uint256 released) {
        uint256 n = self.length;
        uint256 kept;
        for (uint256 i; i < n; ++i) {
            Entry memory e = self[i];
            if (e.unlockAt <= block.timestamp) {
                released += e.amount;
            } else {
                if (kept != i) self[kept] = e;
                ++kept;
            }
        }
        while (self.length > kept) self.pop();
    }

    /**
     * @dev Cancels `amount` of pending refunds, newest first, and returns how much was cancelled (at most the
     * queued total).
     */
    function cancelNewestFirst(Entry[] storage self, uint256 amount) internal returns (uint256 cancelled) {
        while (amount != 0 && self.length != 0) {
            Entry storage last = self[self.length - 1];
            uint256 a = last.amount;
            if (a <= amount) {
                amount -= a;
                cancelled += a;
                self.pop();
            } else {
                // a > amount, so the difference fits in 128 bits
                last.amount = uint128(a - amount);
                cancelled += amount;
                amount = 0;
            }
        }
    }
}
