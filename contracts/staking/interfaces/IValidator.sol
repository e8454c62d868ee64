// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStakingContract} from "./IStakingContract.sol";
import {IValidatorContract} from "./IValidatorContract.sol";

/**
 * @title IValidator
 * @notice Our validator contract: 0G's {IValidatorContract} plus events, errors, the registry hooks and a few
 * views (effective stake, queue totals) the keeper and the reward pool need.
 */
interface IValidator is IValidatorContract {
    /// @notice The validator was initialized through the registry.
    /// @param operator The operator.
    /// @param selfDelegation Initial self-delegation in wei.
    /// @param commissionRate Commission, parts per million.
    /// @param withdrawalFeeInGwei Withdrawal fee in gwei.
    event ValidatorActivated(
        address indexed operator, uint256 selfDelegation, uint32 commissionRate, uint96 withdrawalFeeInGwei
    );

    /// @notice Tokens were delegated.
    /// @param delegator Account credited.
    /// @param sender Payer.
    /// @param amount Tokens in wei.
    /// @param shares Shares minted.
    event Delegated(address indexed delegator, address indexed sender, uint256 amount, uint256 shares);

    /// @notice Shares were burnt and their tokens queued.
    /// @param delegator Owner of the shares.
    /// @param withdrawalAddress Receiver.
    /// @param shares Shares burnt.
    /// @param amount Tokens queued in wei.
    /// @param queueIndex Absolute queue index of the entry.
    event Undelegated(
        address indexed delegator, address indexed withdrawalAddress, uint256 shares, uint256 amount, uint64 queueIndex
    );

    /// @notice A payment entered the withdrawal queue.
    /// @param queueIndex Absolute queue index.
    /// @param receiver Receiver.
    /// @param amount Amount in wei.
    /// @param completionHeight First block it can be paid.
    event WithdrawQueued(uint64 indexed queueIndex, address indexed receiver, uint256 amount, uint64 completionHeight);

    /// @notice A queued payment was paid.
    /// @param queueIndex Absolute queue index.
    /// @param receiver Receiver.
    /// @param amount Amount in wei.
    event WithdrawProcessed(uint64 indexed queueIndex, address indexed receiver, uint256 amount);

    /// @notice A queued payment failed and was pushed onto the failed stack.
    /// @param queueIndex Absolute queue index.
    /// @param receiver Receiver.
    /// @param amount Amount in wei.
    event WithdrawFailed(uint64 indexed queueIndex, address indexed receiver, uint256 amount);

    /// @notice A failed payment succeeded on retry.
    /// @param receiver Receiver.
    /// @param amount Amount in wei.
    event FailedWithdrawRetried(address indexed receiver, uint256 amount);

    /// @notice A payment failed twice and went to the community pool.
    /// @param receiver The receiver that rejected it.
    /// @param amount Amount in wei.
    event FailedWithdrawToCommunityPool(address indexed receiver, uint256 amount);

    /// @notice Rewards were received (added to {rewards}).
    /// @param from Payer (the reward pool, normally).
    /// @param amount Amount in wei.
    event RewardsDeposited(address indexed from, uint256 amount);

    /// @notice Pending rewards were distributed.
    /// @param amount Total distributed.
    /// @param communityTax Sent to the community pool.
    /// @param commission Added to the operator's commission.
    /// @param delegatorRewards Added to {tokens}.
    event RewardsDistributed(uint256 amount, uint256 communityTax, uint256 commission, uint256 delegatorRewards);

    /// @notice The operator queued its commission.
    /// @param receiver Receiver.
    /// @param amount Amount in wei.
    /// @param queueIndex Absolute queue index.
    event CommissionWithdrawn(address indexed receiver, uint256 amount, uint64 queueIndex);

    /// @notice The operator took the tip fee.
    /// @param receiver Receiver.
    /// @param amount Amount in wei.
    event TipFeeWithdrawn(address indexed receiver, uint256 amount);

    /// @notice Native tokens arrived as a plain transfer (priority fees, tips); they count as tip fee.
    /// @param from Sender.
    /// @param amount Amount in wei.
    event TipReceived(address indexed from, uint256 amount);

    /// @notice The commission rate changed.
    /// @param oldRate Previous rate (ppm).
    /// @param newRate New rate (ppm).
    event CommissionRateUpdated(uint32 oldRate, uint32 newRate);

    /// @notice The withdrawal fee changed.
    /// @param oldFeeInGwei Previous fee.
    /// @param newFeeInGwei New fee.
    event WithdrawalFeeUpdated(uint96 oldFeeInGwei, uint96 newFeeInGwei);

    /// @notice The description changed.
    /// @param description_ New description.
    event DescriptionUpdated(IStakingContract.Description description_);

    /// @notice The bond status changed (evaluated after each state change of this contract).
    /// @param oldStatus Previous status.
    /// @param newStatus New status.
    event BondStatusChanged(BondStatus oldStatus, BondStatus newStatus);

    /// @notice The delegation is below the registry's minimum.
    /// @param amount msg.value in wei.
    /// @param minimum Minimum in wei.
    error DelegationBelowMinimum(uint256 amount, uint256 minimum);

    /// @notice `undelegate` paid less than the withdrawal fee.
    /// @param paid msg.value in wei.
    /// @param required Fee in wei.
    error NotEnoughWithdrawalFee(uint256 paid, uint256 required);

    /// @notice A description field is longer than allowed ("Description field too long").
    /// @param field Field name.
    /// @param length Length in bytes.
    /// @param maxLength Limit in bytes.
    error DescriptionFieldTooLong(string field, uint256 length, uint256 maxLength);

    /// @notice `undelegate` paid more than the withdrawal fee.
    /// @param paid msg.value in wei.
    /// @param required Fee in wei.
    error ValidatorWithdrawalFeeExceeded(uint256 paid, uint256 required);

    /// @notice Only the operator may call this.
    /// @param caller msg.sender.
    /// @param operator The operator.
    error ValidatorNotOperator(address caller, address operator);

    /// @notice Only the registry may call this.
    /// @param caller msg.sender.
    error ValidatorNotStaking(address caller);

    /// @notice The validator has not been initialized through the registry.
    error ValidatorNotActivated();

    /// @notice A zero address was given.
    error ValidatorZeroAddress();

    /// @notice The delegation would mint no shares.
    /// @param amount msg.value in wei.
    error ValidatorZeroShares(uint256 amount);

    /// @notice The caller holds fewer shares than requested (or zero were requested).
    /// @param delegator The caller.
    /// @param requested Shares requested.
    /// @param available Shares held.
    error ValidatorInsufficientShares(address delegator, uint256 requested, uint256 available);

    /// @notice The shares are worth zero tokens.
    /// @param shares Shares requested.
    error ValidatorZeroAmount(uint256 shares);

    /// @notice The operator would keep a non-zero self-delegation below the minimum.
    /// @param remaining Token value left in wei.
    /// @param minimum Minimum in wei.
    error ValidatorSelfDelegationBelowMinimum(uint256 remaining, uint256 minimum);

    /// @notice Less than 1 gwei of commission has accrued.
    /// @param commission Accrued commission in wei.
    /// @param minimum 1 gwei.
    error ValidatorCommissionBelowMinimum(uint256 commission, uint256 minimum);

    /// @notice There is no tip fee to withdraw.
    error ValidatorNoTipFee();

    /// @notice A native transfer failed.
    /// @param to Receiver.
    /// @param amount Amount in wei.
    error ValidatorTransferFailed(address to, uint256 amount);

    /// @notice The commission rate is above the protocol maximum.
    /// @param rate Requested rate (ppm).
    /// @param maxRate Maximum (ppm).
    error ValidatorCommissionRateTooHigh(uint32 rate, uint32 maxRate);

    /// @notice The withdrawal fee is above the protocol maximum.
    /// @param feeInGwei Requested fee.
    /// @param maxFeeInGwei Maximum.
    error ValidatorWithdrawalFeeTooHigh(uint96 feeInGwei, uint96 maxFeeInGwei);

    /// @notice The queue position does not exist.
    /// @param index Requested position.
    /// @param count Entries waiting.
    error ValidatorWithdrawIndexOutOfRange(uint64 index, uint256 count);

    /**
     * @notice Called once by the registry right after deployment.
     * @param pubkey The consensus public key.
     */
    function initialize(bytes calldata pubkey) external;

    /**
     * @notice Called by the registry in `initializeValidator`: sets the operator and settings and
     * self-delegates `msg.value`.
     * @param operator The operator.
     * @param description_ Description.
     * @param commissionRate_ Commission (ppm).
     * @param withdrawalFeeInGwei_ Withdrawal fee (gwei).
     * @return shares Shares minted to the operator.
     */
    function activate(
        address operator,
        IStakingContract.Description calldata description_,
        uint32 commissionRate_,
        uint96 withdrawalFeeInGwei_
    ) external payable returns (uint256 shares);

    /// @notice Adds `msg.value` to the pending rewards without distributing them.
    function depositRewards() external payable;

    /**
     * @notice {processWithdrawQueue} with a caller-chosen bound.
     * @param maxEntries Most entries to pay.
     * @return processed Entries dequeued (paid or moved to the failed stack).
     */
    function processWithdrawQueueUpTo(uint256 maxEntries) external returns (uint256 processed);

    /**
     * @notice {processFailedWithdrawStack} with a caller-chosen bound.
     * @param maxEntries Most entries to retry.
     * @return processed Entries popped.
     */
    function processFailedWithdrawStackUpTo(uint256 maxEntries) external returns (uint256 processed);

    /// @notice The registry this validator belongs to.
    /// @return staking Registry address.
    function staking() external view returns (address staking);

    /// @notice Stake that counts for consensus and rewards: min(tokens, max effective stake) when Bonded,
    /// else 0. In wei.
    /// @return amount The amount.
    function effectiveStakes() external view returns (uint256 amount);

    /// @notice Sum of all waiting queue entries, in wei.
    /// @return amount The amount.
    function pendingWithdrawAmount() external view returns (uint256 amount);

    /// @notice Completion height of the next waiting entry (0 if the queue is empty).
    /// @return height Block height.
    function nextCompletionHeight() external view returns (uint256 height);

    /// @notice The `index`-th entry from the top of the failed stack (0 = next to be retried).
    /// @param index Position.
    /// @return receiver Receiver.
    /// @return amount Amount in wei.
    function getFailedWithdraw(uint256 index) external view returns (address receiver, uint256 amount);
}
