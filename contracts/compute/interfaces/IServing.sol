// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IServing
 * @notice The hooks a service contract (inference, fine-tuning) exposes to the {ILedgerManager}. The ledger
 * keeps each user's main account; a service keeps the per-(user, provider) sub-accounts and holds their coin.
 * @dev The ERC-165 id of this interface is the XOR of exactly these seven selectors, as in 0G's reference, so
 * a service built for 0G's ledger registers with ours and the other way round. Every function is callable by
 * the ledger only.
 */
interface IServing {
    /**
     * @notice Whether `user` has a sub-account with `provider`.
     * @param user The user (ledger owner).
     * @param provider The provider.
     * @return exists True when the sub-account exists.
     */
    function accountExists(address user, address provider) external view returns (bool exists);

    /**
     * @notice The part of the sub-account balance that is queued for refund.
     * @param user The user.
     * @param provider The provider.
     * @return pending Wei queued for refund (still inside the sub-account balance).
     */
    function getPendingRefund(address user, address provider) external view returns (uint256 pending);

    /**
     * @notice Opens a sub-account funded with `msg.value`.
     * @param user The user.
     * @param provider The provider; must have a registered service.
     * @param additionalInfo Copied from the user's ledger.
     */
    function addAccount(address user, address provider, string calldata additionalInfo) external payable;

    /**
     * @notice Tops up a sub-account with `msg.value` and cancels `cancelRetrievingAmount` of queued refunds.
     * @param user The user.
     * @param provider The provider.
     * @param cancelRetrievingAmount Wei of pending refunds to cancel (newest first); at most the pending total.
     */
    function depositFund(address user, address provider, uint256 cancelRetrievingAmount) external payable;

    /**
     * @notice Queues everything not yet pending for refund, stamped with the current time.
     * @param user The user.
     * @param provider The provider.
     */
    function requestRefundAll(address user, address provider) external;

    /**
     * @notice Releases every matured refund and sends the coin to the ledger.
     * @param user The user.
     * @param provider The provider.
     * @return totalAmount Wei released and sent to the ledger.
     * @return balance The sub-account balance afterwards.
     * @return pendingRefund The refunds still locked afterwards.
     */
    function processRefund(
        address user,
        address provider
    ) external returns (uint256 totalAmount, uint256 balance, uint256 pendingRefund);

    /**
     * @notice Deletes an empty sub-account.
     * @param user The user.
     * @param provider The provider.
     */
    function deleteAccount(address user, address provider) external;
}
