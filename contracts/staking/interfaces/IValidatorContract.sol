// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStakingContract} from "./IStakingContract.sol";

/**
 * @title IValidatorContract
 * @notice One contract per validator, as in 0G's documented interface: share-based delegation, a withdrawal
 * queue by block height, rewards split into community tax, commission and delegator rewards.
 * @dev Units: every amount is in wei unless its name ends in `InGwei`; rates are parts per million.
 */
interface IValidatorContract {
    /// @notice Validator status. Numbering follows 0G's docs ("should be 1 (Bonded)"), not Cosmos (Bonded = 3).
    enum BondStatus {
        Unspecified,
        Bonded,
        Unbonding,
        Unbonded
    }

    /// @notice A queued payment.
    /// @param completionHeight First block at which it can be paid.
    /// @param delegatorAddress Receiver.
    /// @param amount Amount in wei.
    struct WithdrawEntry {
        uint256 completionHeight;
        address delegatorAddress;
        uint256 amount;
    }

    /**
     * @notice Delegates `msg.value` to this validator on behalf of `delegatorAddress`.
     * @dev Reverts with DelegationBelowMinimum below the registry's `effectiveDelegationInGwei` (≥ 1 gwei).
     * @param delegatorAddress Account credited with the shares.
     * @return shares Shares minted.
     */
    function delegate(address delegatorAddress) external payable returns (uint256 shares);

    /**
     * @notice Burns `shares` of the caller and queues their tokens for `withdrawalAddress`.
     * @dev `msg.value` must equal `withdrawalFeeInGwei() * 1 gwei` exactly.
     * @param withdrawalAddress Receiver of the tokens.
     * @param shares Shares to burn.
     * @return amount Tokens queued, in wei.
     */
    function undelegate(address withdrawalAddress, uint256 shares) external payable returns (uint256 amount);

    /**
     * @notice Queues the whole accrued commission (≥ 1 gwei) for `withdrawalAddress`. Operator only.
     * @param withdrawalAddress Receiver.
     * @return amount Commission queued, in wei.
     */
    function withdrawCommission(address withdrawalAddress) external returns (uint256 amount);

    /**
     * @notice Pays the tip fee (the balance not owed to anyone) to `withdrawalAddress` at once. Operator only.
     * @param withdrawalAddress Receiver.
     * @return amount Amount paid, in wei.
     */
    function withdrawTipFee(address withdrawalAddress) external returns (uint256 amount);

    /// @notice Sets the commission rate (parts per million, ≤ protocol maximum). Operator only.
    /// @param commissionRate_ New rate.
    function setCommissionRate(uint32 commissionRate_) external;

    /// @notice Sets the withdrawal fee in gwei (≤ protocol maximum). Operator only.
    /// @param withdrawalFeeInGwei_ New fee.
    function setWithdrawalFeeInGwei(uint96 withdrawalFeeInGwei_) external;

    /// @notice Replaces the description (length limits apply). Operator only.
    /// @param description_ New description.
    function setDescription(IStakingContract.Description calldata description_) external;

    /// @notice Adds `msg.value` to the pending rewards and distributes all pending rewards: community tax,
    /// then commission, then delegators pro rata (by raising the share price).
    function distributeRewards() external payable;

    /// @notice Pays matured queue entries (at most a fixed number per call); failed payments go to the
    /// failed stack and never block the queue.
    function processWithdrawQueue() external;

    /// @notice Retries failed payments (at most a fixed number per call); whatever fails again goes to the
    /// community pool.
    function processFailedWithdrawStack() external;

    /// @notice The 48-byte consensus public key.
    /// @return pubkey The key.
    function consensusPubkey() external view returns (bytes memory pubkey);

    /// @notice The operator (zero before initialization).
    /// @return operator The operator.
    function operatorAddress() external view returns (address operator);

    /// @notice The validator description.
    /// @return description_ The description.
    function description() external view returns (IStakingContract.Description memory description_);

    /// @notice Commission rate in parts per million (100000 = 10 %).
    /// @return rate The rate.
    function commissionRate() external view returns (uint32 rate);

    /// @notice Withdrawal fee in gwei.
    /// @return fee The fee.
    function withdrawalFeeInGwei() external view returns (uint96 fee);

    /// @notice Current bond status, derived from the tokens and the registry's activation minimum.
    /// @return status The status.
    function bondStatus() external view returns (BondStatus status);

    /// @notice Tokens backing the shares: delegations plus distributed delegator rewards, in wei.
    /// @return amount The amount.
    function tokens() external view returns (uint256 amount);

    /// @notice Total shares issued.
    /// @return shares The shares.
    function delegatorShares() external view returns (uint256 shares);

    /// @notice Shares of `delegator`.
    /// @param delegator Account.
    /// @return validator This contract.
    /// @return shares Shares held.
    function getDelegation(address delegator) external view returns (address validator, uint256 shares);

    /// @notice Token value of `shares` (rounded down).
    /// @param shares Shares.
    /// @return amount Tokens in wei.
    function convertToTokens(uint256 shares) external view returns (uint256 amount);

    /// @notice Shares `amount` tokens would mint (rounded down).
    /// @param amount Tokens in wei.
    /// @return shares Shares.
    function convertToShares(uint256 amount) external view returns (uint256 shares);

    /// @notice Rewards received and not yet distributed, in wei.
    /// @return amount The amount.
    function rewards() external view returns (uint256 amount);

    /// @notice Commission accrued and not yet withdrawn, in wei.
    /// @return amount The amount.
    function commission() external view returns (uint256 amount);

    /// @notice balance − (commission + rewards + stakes + pending and failed withdrawals), in wei.
    /// @return amount The amount.
    function tipFee() external view returns (uint256 amount);

    /// @notice Staked amount (equal to {tokens}: there is no separate beacon chain here), in wei.
    /// @return amount The amount.
    function stakes() external view returns (uint256 amount);

    /// @notice Annualised delegator yield of the last reward window, in basis points (1500 = 15 %).
    /// @return apy The yield.
    function annualPercentageYield() external view returns (uint256 apy);

    /// @notice Number of entries waiting in the withdrawal queue.
    /// @return count The count.
    function withdrawCount() external view returns (uint256 count);

    /// @notice The `index`-th waiting entry (0 = next to be paid).
    /// @param index Position in the queue.
    /// @return entry The entry.
    function getWithdraw(uint64 index) external view returns (WithdrawEntry memory entry);

    /// @notice Sum of waiting entries with a completion height at or below `blockHeight`, in wei.
    /// @param blockHeight Block height.
    /// @return amount The amount.
    function committedWithdrawAmount(uint256 blockHeight) external view returns (uint256 amount);

    /// @notice Delegations received since the last reward distribution, in wei.
    /// @return amount The amount.
    function nextDepositAmount() external view returns (uint256 amount);

    /// @notice Undelegations and commission withdrawals queued since the last reward distribution, in wei.
    /// @return amount The amount.
    function nextWithdrawalAmount() external view returns (uint256 amount);

    /// @notice Number of entries on the failed-payment stack.
    /// @return count The count.
    function failedWithdrawCount() external view returns (uint256 count);

    /// @notice Sum of the failed-payment stack, in wei.
    /// @return amount The amount.
    function failedWithdrawAmount() external view returns (uint256 amount);
}
