// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IStakingContract} from "./interfaces/IStakingContract.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {IValidator} from "./interfaces/IValidator.sol";
import {IValidatorContract} from "./interfaces/IValidatorContract.sol";

/**
 * @title Validator
 * @notice One validator: share-based delegation, a FIFO withdrawal queue by block height with a failed-payment
 * stack, and reward distribution (community tax, then commission, then delegators pro rata).
 * @dev Deployed as a BeaconProxy by the Staking registry (CREATE2, salt keccak256(pubkey)), so every validator
 * upgrades with the beacon. State lives in the ERC-7201 namespace `zg.storage.Validator`.
 *
 * Money held by this contract is always
 *   balance = tokens + rewards + commission + pendingWithdrawAmount + failedWithdrawAmount + tipFee
 * where tipFee (withdrawal fees and plain transfers) belongs to the operator.
 *
 * Deviations from 0G's description, and why:
 * - There is no beacon chain behind this contract, so `stakes()` equals `tokens()` and
 *   `nextDepositAmount`/`nextWithdrawalAmount` count the flows since the last reward distribution.
 * - Pending rewards are distributed before every delegation or undelegation, so nobody can buy into rewards
 *   that were earned before they joined.
 * - Queue completion heights never decrease (max(block + delay, previous)), so a governance change of the
 *   delay cannot make a later entry block an earlier one, and {committedWithdrawAmount} is a binary search.
 * - Payments forward at most {WITHDRAW_GAS_LIMIT} gas and ignore return data, so a receiver can neither block
 *   the queue nor grief the caller; a rejected payment goes to the failed stack and, if rejected again, to the
 *   community pool (as 0G's docs describe).
 * - While the operator's self-delegation is below the minimum, its commission goes to the delegators
 *   ("maintain minimum or lose commission").
 */
contract Validator is IValidator, Initializable, ReentrancyGuardTransient {
    using SafeCast for uint256;

    /// @notice Gas forwarded with each queued payment.
    uint256 public constant WITHDRAW_GAS_LIMIT = 50_000;
    /// @notice Entries paid or retried per call of the argument-less processing functions.
    uint256 public constant DEFAULT_MAX_ENTRIES_PER_CALL = 64;
    /// @notice Denominator of commission and tax rates (parts per million).
    uint256 public constant RATE_DENOMINATOR = 1_000_000;
    /// @notice Denominator of {annualPercentageYield} (basis points).
    uint256 public constant BASIS_POINTS = 10_000;

    uint256 private constant _MIN_COMMISSION_WITHDRAWAL = 1 gwei;
    uint256 private constant _YEAR = 365 days;

    /// @dev Internal queue entry: 2 slots. `cumulative` is the sum of all amounts ever queued up to and including
    /// this entry; amounts fit uint96 (the 0G supply is 1e27 wei < 2^96).
    struct QueueEntry {
        address receiver;
        uint96 amount;
        uint64 completionHeight;
        uint192 cumulative;
    }

    /// @dev Failed-stack entry: 1 slot.
    struct FailedEntry {
        address receiver;
        uint96 amount;
    }

    /// @custom:storage-location erc7201:zg.storage.Validator
    struct ValidatorStorage {
        address staking;
        BondStatus lastBondStatus;
        uint32 commissionRate;
        address operator;
        uint96 withdrawalFeeInGwei;
        bytes pubkey;
        IStakingContract.Description description;
        uint256 tokens;
        uint256 totalShares;
        mapping(address delegator => uint256 shares) shares;
        uint256 rewards;
        uint256 commission;
        uint256 pendingWithdrawAmount;
        uint256 failedWithdrawAmount;
        uint256 dequeuedCumulative;
        uint64 queueHead;
        uint64 queueTail;
        uint64 lastCompletionHeight;
        mapping(uint64 index => QueueEntry) queue;
        FailedEntry[] failed;
        uint256 nextDepositAmount;
        uint256 nextWithdrawalAmount;
        uint64 apyWindowStart;
        uint256 apyWindowRewards;
        uint256 apyBasisPoints;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Validator")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _VALIDATOR_STORAGE = 0xf38dd7bda9daa34664e64450079b902070367ed667dbaa0ac5c6cf85cd515800;

    modifier onlyOperator() {
        address op = _getValidatorStorage().operator;
        if (msg.sender != op || op == address(0)) revert ValidatorNotOperator(msg.sender, op);
        _;
    }

    modifier onlyActivated() {
        if (_getValidatorStorage().operator == address(0)) revert ValidatorNotActivated();
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /**
     * @notice Plain transfers (e.g. priority fees when this contract is the fee recipient) become tip fee, which
     * the operator withdraws with {withdrawTipFee}. Emits {TipReceived}.
     */
    receive() external payable {
        emit TipReceived(msg.sender, msg.value);
    }

    /// @inheritdoc IValidator
    function initialize(bytes calldata pubkey) external initializer {
        ValidatorStorage storage $ = _getValidatorStorage();
        $.staking = msg.sender;
        $.pubkey = pubkey;
    }

    /// @inheritdoc IValidator
    function activate(
        address operator,
        IStakingContract.Description calldata description_,
        uint32 commissionRate_,
        uint96 withdrawalFeeInGwei_
    ) external payable reinitializer(2) nonReentrant returns (uint256 shares) {
        ValidatorStorage storage $ = _getValidatorStorage();
        if (msg.sender != $.staking) revert ValidatorNotStaking(msg.sender);
        IStaking.StakingParams memory p = IStaking($.staking).params();
        _checkDescription(description_);
        if (commissionRate_ > p.maxCommissionRate) {
            revert ValidatorCommissionRateTooHigh(commissionRate_, p.maxCommissionRate);
        }
        if (withdrawalFeeInGwei_ > p.maxWithdrawalFeeInGwei) {
            revert ValidatorWithdrawalFeeTooHigh(withdrawalFeeInGwei_, p.maxWithdrawalFeeInGwei);
        }
        $.operator = operator;
        $.description = description_;
        $.commissionRate = commissionRate_;
        $.withdrawalFeeInGwei = withdrawalFeeInGwei_;
        $.apyWindowStart = uint64(block.timestamp);
        emit ValidatorActivated(operator, msg.value, commissionRate_, withdrawalFeeInGwei_);
        shares = _mintShares($, operator, msg.value);
        _syncBondStatus($, p);
    }

    /// @inheritdoc IValidatorContract
    function delegate(address delegatorAddress) external payable onlyActivated nonReentrant returns (uint256 shares) {
        if (delegatorAddress == address(0)) revert ValidatorZeroAddress();
        ValidatorStorage storage $ = _getValidatorStorage();
        IStaking.StakingParams memory p = IStaking($.staking).params();
        uint256 minimum = Math.max(uint256(p.effectiveDelegationInGwei), 1) * 1 gwei;
        if (msg.value < minimum) revert DelegationBelowMinimum(msg.value, minimum);
        _distribute($, p);
        shares = _mintShares($, delegatorAddress, msg.value);
        _syncBondStatus($, p);
    }

    /// @inheritdoc IValidatorContract
    function undelegate(address withdrawalAddress, uint256 shares)
        external
        payable
        onlyActivated
        nonReentrant
        returns (uint256 amount)
    {
        if (withdrawalAddress == address(0)) revert ValidatorZeroAddress();
        ValidatorStorage storage $ = _getValidatorStorage();
        uint256 fee = uint256($.withdrawalFeeInGwei) * 1 gwei;
        if (msg.value < fee) revert NotEnoughWithdrawalFee(msg.value, fee);
        if (msg.value > fee) revert ValidatorWithdrawalFeeExceeded(msg.value, fee);
        IStaking.StakingParams memory p = IStaking($.staking).params();
        _distribute($, p);

        uint256 owned = $.shares[msg.sender];
        if (shares == 0 || shares > owned) revert ValidatorInsufficientShares(msg.sender, shares, owned);
        uint256 totalShares = $.totalShares;
        uint256 totalTokens = $.tokens;
        amount = Math.mulDiv(shares, totalTokens, totalShares);
        if (amount == 0) revert ValidatorZeroAmount(shares);
        if (msg.sender == $.operator && owned > shares) {
            uint256 remaining = Math.mulDiv(owned - shares, totalTokens - amount, totalShares - shares);
            uint256 minimum = uint256(p.minSelfDelegationInGwei) * 1 gwei;
            if (remaining < minimum) revert ValidatorSelfDelegationBelowMinimum(remaining, minimum);
        }
        // Cannot underflow: shares <= owned <= totalShares and amount <= totalTokens (mulDiv rounds down).
        unchecked {
            $.shares[msg.sender] = owned - shares;
            $.totalShares = totalShares - shares;
            $.tokens = totalTokens - amount;
        }
        $.nextWithdrawalAmount += amount;
        uint64 index = _enqueue($, withdrawalAddress, amount, p.minWithdrawabilityDelay);
        emit Undelegated(msg.sender, withdrawalAddress, shares, amount, index);
        _syncBondStatus($, p);
    }

    /// @inheritdoc IValidatorContract
    function withdrawCommission(address withdrawalAddress)
        external
        onlyOperator
        nonReentrant
        returns (uint256 amount)
    {
        if (withdrawalAddress == address(0)) revert ValidatorZeroAddress();
        ValidatorStorage storage $ = _getValidatorStorage();
        amount = $.commission;
        if (amount < _MIN_COMMISSION_WITHDRAWAL) {
            revert ValidatorCommissionBelowMinimum(amount, _MIN_COMMISSION_WITHDRAWAL);
        }
        $.commission = 0;
        $.nextWithdrawalAmount += amount;
        uint64 index = _enqueue($, withdrawalAddress, amount, IStaking($.staking).params().minWithdrawabilityDelay);
        emit CommissionWithdrawn(withdrawalAddress, amount, index);
    }

    /// @inheritdoc IValidatorContract
    function withdrawTipFee(address withdrawalAddress) external onlyOperator nonReentrant returns (uint256 amount) {
        if (withdrawalAddress == address(0)) revert ValidatorZeroAddress();
        amount = tipFee();
        if (amount == 0) revert ValidatorNoTipFee();
        emit TipFeeWithdrawn(withdrawalAddress, amount);
        (bool ok,) = withdrawalAddress.call{value: amount}("");
        if (!ok) revert ValidatorTransferFailed(withdrawalAddress, amount);
    }

    /// @inheritdoc IValidatorContract
    function setCommissionRate(uint32 commissionRate_) external onlyOperator nonReentrant {
        ValidatorStorage storage $ = _getValidatorStorage();
        IStaking.StakingParams memory p = IStaking($.staking).params();
        if (commissionRate_ > p.maxCommissionRate) {
            revert ValidatorCommissionRateTooHigh(commissionRate_, p.maxCommissionRate);
        }
        uint32 old = $.commissionRate;
        if (old == commissionRate_) return;
        // Rewards already received are split at the rate in force when they arrived.
        _distribute($, p);
        $.commissionRate = commissionRate_;
        emit CommissionRateUpdated(old, commissionRate_);
    }

    /// @inheritdoc IValidatorContract
    function setWithdrawalFeeInGwei(uint96 withdrawalFeeInGwei_) external onlyOperator {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint96 maxFee = IStaking($.staking).params().maxWithdrawalFeeInGwei;
        if (withdrawalFeeInGwei_ > maxFee) revert ValidatorWithdrawalFeeTooHigh(withdrawalFeeInGwei_, maxFee);
        uint96 old = $.withdrawalFeeInGwei;
        if (old == withdrawalFeeInGwei_) return;
        $.withdrawalFeeInGwei = withdrawalFeeInGwei_;
        emit WithdrawalFeeUpdated(old, withdrawalFeeInGwei_);
    }

    /// @inheritdoc IValidatorContract
    function setDescription(IStakingContract.Description calldata description_) external onlyOperator {
        _checkDescription(description_);
        _getValidatorStorage().description = description_;
        emit DescriptionUpdated(description_);
    }

    /// @inheritdoc IValidator
    function depositRewards() external payable onlyActivated nonReentrant {
        if (msg.value == 0) return;
        _getValidatorStorage().rewards += msg.value;
        emit RewardsDeposited(msg.sender, msg.value);
    }

    /// @inheritdoc IValidatorContract
    function distributeRewards() external payable onlyActivated nonReentrant {
        ValidatorStorage storage $ = _getValidatorStorage();
        if (msg.value > 0) {
            $.rewards += msg.value;
            emit RewardsDeposited(msg.sender, msg.value);
        }
        IStaking.StakingParams memory p = IStaking($.staking).params();
        _distribute($, p);
        $.nextDepositAmount = 0;
        $.nextWithdrawalAmount = 0;
        _syncBondStatus($, p);
    }

    /// @inheritdoc IValidatorContract
    function processWithdrawQueue() external nonReentrant {
        _processWithdrawQueue(DEFAULT_MAX_ENTRIES_PER_CALL);
    }

    /// @inheritdoc IValidator
    function processWithdrawQueueUpTo(uint256 maxEntries) external nonReentrant returns (uint256 processed) {
        return _processWithdrawQueue(maxEntries);
    }

    /// @inheritdoc IValidatorContract
    function processFailedWithdrawStack() external nonReentrant {
        _processFailedWithdrawStack(DEFAULT_MAX_ENTRIES_PER_CALL);
    }

    /// @inheritdoc IValidator
    function processFailedWithdrawStackUpTo(uint256 maxEntries) external nonReentrant returns (uint256 processed) {
        return _processFailedWithdrawStack(maxEntries);
    }

    /// @inheritdoc IValidator
    function staking() external view returns (address) {
        return _getValidatorStorage().staking;
    }

    /// @inheritdoc IValidatorContract
    function consensusPubkey() external view returns (bytes memory) {
        return _getValidatorStorage().pubkey;
    }

    /// @inheritdoc IValidatorContract
    function operatorAddress() external view returns (address) {
        return _getValidatorStorage().operator;
    }

    /// @inheritdoc IValidatorContract
    function description() external view returns (IStakingContract.Description memory) {
        return _getValidatorStorage().description;
    }

    /// @inheritdoc IValidatorContract
    function commissionRate() external view returns (uint32) {
        return _getValidatorStorage().commissionRate;
    }

    /// @inheritdoc IValidatorContract
    function withdrawalFeeInGwei() external view returns (uint96) {
        return _getValidatorStorage().withdrawalFeeInGwei;
    }

    /// @inheritdoc IValidatorContract
    function bondStatus() public view returns (BondStatus) {
        ValidatorStorage storage $ = _getValidatorStorage();
        if ($.operator == address(0)) return BondStatus.Unspecified;
        return _computeBondStatus($, IStaking($.staking).params());
    }

    /// @inheritdoc IValidator
    function effectiveStakes() external view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        if ($.operator == address(0)) return 0;
        IStaking.StakingParams memory p = IStaking($.staking).params();
        if (_computeBondStatus($, p) != BondStatus.Bonded) return 0;
        return Math.min($.tokens, uint256(p.maxEffectiveStakesInGwei) * 1 gwei);
    }

    /// @inheritdoc IValidatorContract
    function tokens() external view returns (uint256) {
        return _getValidatorStorage().tokens;
    }

    /// @inheritdoc IValidatorContract
    function stakes() external view returns (uint256) {
        return _getValidatorStorage().tokens;
    }

    /// @inheritdoc IValidatorContract
    function delegatorShares() external view returns (uint256) {
        return _getValidatorStorage().totalShares;
    }

    /// @inheritdoc IValidatorContract
    function getDelegation(address delegator) external view returns (address, uint256) {
        return (address(this), _getValidatorStorage().shares[delegator]);
    }

    /// @inheritdoc IValidatorContract
    function convertToTokens(uint256 shares) public view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint256 totalShares = $.totalShares;
        return totalShares == 0 ? shares : Math.mulDiv(shares, $.tokens, totalShares);
    }

    /// @inheritdoc IValidatorContract
    function convertToShares(uint256 amount) public view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint256 totalShares = $.totalShares;
        return totalShares == 0 ? amount : Math.mulDiv(amount, totalShares, $.tokens);
    }

    /// @inheritdoc IValidatorContract
    function rewards() external view returns (uint256) {
        return _getValidatorStorage().rewards;
    }

    /// @inheritdoc IValidatorContract
    function commission() external view returns (uint256) {
        return _getValidatorStorage().commission;
    }

    /// @inheritdoc IValidatorContract
    function tipFee() public view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint256 owed = $.tokens + $.rewards + $.commission + $.pendingWithdrawAmount + $.failedWithdrawAmount;
        uint256 balance = address(this).balance;
        return balance > owed ? balance - owed : 0;
    }

    /// @inheritdoc IValidatorContract
    function annualPercentageYield() external view returns (uint256) {
        return _getValidatorStorage().apyBasisPoints;
    }

    /// @inheritdoc IValidatorContract
    function withdrawCount() external view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        return $.queueTail - $.queueHead;
    }

    /// @inheritdoc IValidatorContract
    function getWithdraw(uint64 index) external view returns (WithdrawEntry memory) {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint256 count = $.queueTail - $.queueHead;
        if (index >= count) revert ValidatorWithdrawIndexOutOfRange(index, count);
        QueueEntry storage e = $.queue[$.queueHead + index];
        return WithdrawEntry(e.completionHeight, e.receiver, e.amount);
    }

    /// @inheritdoc IValidatorContract
    function committedWithdrawAmount(uint256 blockHeight) external view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint64 lo = $.queueHead;
        uint64 hi = $.queueTail;
        // Completion heights are non-decreasing: find the first entry above blockHeight.
        while (lo < hi) {
            uint64 mid = lo + (hi - lo) / 2;
            if ($.queue[mid].completionHeight <= blockHeight) lo = mid + 1;
            else hi = mid;
        }
        if (lo == $.queueHead) return 0;
        return $.queue[lo - 1].cumulative - $.dequeuedCumulative;
    }

    /// @inheritdoc IValidatorContract
    function nextDepositAmount() external view returns (uint256) {
        return _getValidatorStorage().nextDepositAmount;
    }

    /// @inheritdoc IValidatorContract
    function nextWithdrawalAmount() external view returns (uint256) {
        return _getValidatorStorage().nextWithdrawalAmount;
    }

    /// @inheritdoc IValidatorContract
    function failedWithdrawCount() external view returns (uint256) {
        return _getValidatorStorage().failed.length;
    }

    /// @inheritdoc IValidatorContract
    function failedWithdrawAmount() external view returns (uint256) {
        return _getValidatorStorage().failedWithdrawAmount;
    }

    /// @inheritdoc IValidator
    function pendingWithdrawAmount() external view returns (uint256) {
        return _getValidatorStorage().pendingWithdrawAmount;
    }

    /// @inheritdoc IValidator
    function nextCompletionHeight() external view returns (uint256) {
        ValidatorStorage storage $ = _getValidatorStorage();
        if ($.queueHead == $.queueTail) return 0;
        return $.queue[$.queueHead].completionHeight;
    }

    /// @inheritdoc IValidator
    function getFailedWithdraw(uint256 index) external view returns (address, uint256) {
        FailedEntry[] storage failed = _getValidatorStorage().failed;
        if (index >= failed.length) revert ValidatorWithdrawIndexOutOfRange(uint64(index), failed.length);
        FailedEntry storage e = failed[failed.length - 1 - index];
        return (e.receiver, e.amount);
    }

    /**
     * @dev Mints shares for `amount` tokens (1:1 for the first delegation).
     * Requirements: `amount` already received. Emits a {Delegated} event.
     */
    function _mintShares(ValidatorStorage storage $, address delegator, uint256 amount)
        internal
        returns (uint256 shares)
    {
        uint256 totalShares = $.totalShares;
        shares = totalShares == 0 ? amount : Math.mulDiv(amount, totalShares, $.tokens);
        if (shares == 0) revert ValidatorZeroShares(amount);
        $.shares[delegator] += shares;
        $.totalShares = totalShares + shares;
        $.tokens += amount;
        $.nextDepositAmount += amount;
        emit Delegated(delegator, msg.sender, amount, shares);
    }

    /**
     * @dev Splits all pending rewards: community tax, then commission (none while the operator is below its
     * minimum self-delegation), then delegators (raising the share price). With no shares outstanding the
     * delegator part also goes to the community pool. Emits {RewardsDistributed}; calls the trusted registry.
     */
    function _distribute(ValidatorStorage storage $, IStaking.StakingParams memory p) internal {
        uint256 amount = $.rewards;
        if (amount == 0) return;
        $.rewards = 0;
        uint256 tax = (amount * p.communityTaxRate) / RATE_DENOMINATOR;
        uint256 rest = amount - tax;
        uint256 rate = Math.min($.commissionRate, p.maxCommissionRate);
        uint256 operatorShares = $.shares[$.operator];
        uint256 commissionPart;
        if (convertToTokens(operatorShares) >= uint256(p.minSelfDelegationInGwei) * 1 gwei && operatorShares > 0) {
            commissionPart = (rest * rate) / RATE_DENOMINATOR;
        }
        uint256 delegatorPart = rest - commissionPart;
        uint256 tokensBefore = $.tokens;
        if ($.totalShares == 0) {
            tax += delegatorPart;
            delegatorPart = 0;
        }
        $.commission += commissionPart;
        $.tokens = tokensBefore + delegatorPart;
        _updateApy($, delegatorPart, tokensBefore);
        emit RewardsDistributed(amount, tax, commissionPart, delegatorPart);
        if (tax > 0) IStaking($.staking).depositCommunityPool{value: tax}();
    }

    /// @dev Annualises the delegator rewards of the window since the last update that had elapsed time.
    function _updateApy(ValidatorStorage storage $, uint256 delegatorPart, uint256 tokensBefore) internal {
        uint256 windowRewards = $.apyWindowRewards + delegatorPart;
        uint256 elapsed = block.timestamp - $.apyWindowStart;
        if (elapsed == 0) {
            $.apyWindowRewards = windowRewards;
            return;
        }
        $.apyBasisPoints = tokensBefore == 0 ? 0 : Math.mulDiv(windowRewards * BASIS_POINTS, _YEAR, tokensBefore * elapsed);
        $.apyWindowRewards = 0;
        $.apyWindowStart = uint64(block.timestamp);
    }

    /**
     * @dev Appends a payment to the queue, completing at max(block + delay, previous completion height).
     * Emits {WithdrawQueued}.
     */
    function _enqueue(ValidatorStorage storage $, address receiver, uint256 amount, uint64 delay)
        internal
        returns (uint64 index)
    {
        uint64 completion = uint64(block.number) + delay;
        if (completion < $.lastCompletionHeight) completion = $.lastCompletionHeight;
        $.lastCompletionHeight = completion;
        index = $.queueTail;
        // Entries are deleted when paid: with an empty queue the running total is `dequeuedCumulative`.
        uint256 previous = index > $.queueHead ? $.queue[index - 1].cumulative : $.dequeuedCumulative;
        uint192 cumulative = (previous + amount).toUint192();
        $.queue[index] = QueueEntry(receiver, amount.toUint96(), completion, cumulative);
        $.queueTail = index + 1;
        $.pendingWithdrawAmount += amount;
        emit WithdrawQueued(index, receiver, amount, completion);
    }

    /**
     * @dev Pays up to `maxEntries` matured entries in order. A rejected payment moves to the failed stack.
     * Each entry is removed before its payment (checks-effects-interactions). Emits {WithdrawProcessed} or
     * {WithdrawFailed} per entry.
     */
    function _processWithdrawQueue(uint256 maxEntries) internal returns (uint256 processed) {
        ValidatorStorage storage $ = _getValidatorStorage();
        uint64 head = $.queueHead;
        uint64 tail = $.queueTail;
        while (processed < maxEntries && head < tail) {
            QueueEntry storage e = $.queue[head];
            if (e.completionHeight > block.number) break;
            address receiver = e.receiver;
            uint256 amount = e.amount;
            $.dequeuedCumulative = e.cumulative;
            delete $.queue[head];
            uint64 index = head;
            ++head;
            $.queueHead = head;
            $.pendingWithdrawAmount -= amount;
            ++processed;
            if (_send(receiver, amount)) {
                emit WithdrawProcessed(index, receiver, amount);
            } else {
                $.failed.push(FailedEntry(receiver, uint96(amount)));
                $.failedWithdrawAmount += amount;
                emit WithdrawFailed(index, receiver, amount);
            }
        }
    }

    /**
     * @dev Retries up to `maxEntries` failed payments from the top of the stack; a payment rejected again is
     * sent to the community pool. Emits {FailedWithdrawRetried} or {FailedWithdrawToCommunityPool}.
     */
    function _processFailedWithdrawStack(uint256 maxEntries) internal returns (uint256 processed) {
        ValidatorStorage storage $ = _getValidatorStorage();
        FailedEntry[] storage failed = $.failed;
        while (processed < maxEntries && failed.length > 0) {
            FailedEntry memory e = failed[failed.length - 1];
            failed.pop();
            $.failedWithdrawAmount -= e.amount;
            ++processed;
            if (_send(e.receiver, e.amount)) {
                emit FailedWithdrawRetried(e.receiver, e.amount);
            } else {
                emit FailedWithdrawToCommunityPool(e.receiver, e.amount);
                IStaking($.staking).depositCommunityPool{value: e.amount}();
            }
        }
    }

    /// @dev Emits {BondStatusChanged} if the computed status differs from the last one emitted.
    function _syncBondStatus(ValidatorStorage storage $, IStaking.StakingParams memory p) internal {
        BondStatus current = _computeBondStatus($, p);
        BondStatus last = $.lastBondStatus;
        if (current != last) {
            $.lastBondStatus = current;
            emit BondStatusChanged(last, current);
        }
    }

    /// @dev Bonded at or above the activation minimum; below it Unbonding while withdrawals wait, else Unbonded.
    function _computeBondStatus(ValidatorStorage storage $, IStaking.StakingParams memory p)
        internal
        view
        returns (BondStatus)
    {
        if ($.tokens >= uint256(p.minActivationStakesInGwei) * 1 gwei && $.tokens > 0) return BondStatus.Bonded;
        if ($.queueTail > $.queueHead) return BondStatus.Unbonding;
        return BondStatus.Unbonded;
    }

    /// @dev Reverts with {DescriptionFieldTooLong} if any field exceeds its limit.
    function _checkDescription(IStakingContract.Description calldata d) internal pure {
        _checkLength("moniker", bytes(d.moniker).length, 70);
        _checkLength("identity", bytes(d.identity).length, 100);
        _checkLength("website", bytes(d.website).length, 140);
        _checkLength("securityContact", bytes(d.securityContact).length, 140);
        _checkLength("details", bytes(d.details).length, 200);
    }

    function _checkLength(string memory field, uint256 length, uint256 maxLength) private pure {
        if (length > maxLength) revert DescriptionFieldTooLong(field, length, maxLength);
    }

    /// @dev Sends `amount` with at most {WITHDRAW_GAS_LIMIT} gas, copying no return data.
    function _send(address to, uint256 amount) private returns (bool ok) {
        uint256 gasLimit = WITHDRAW_GAS_LIMIT;
        assembly ("memory-safe") {
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
    }

    function _getValidatorStorage() private pure returns (ValidatorStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _VALIDATOR_STORAGE
        }
    }
}
