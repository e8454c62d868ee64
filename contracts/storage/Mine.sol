// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlEnumerableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlEnumerableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IMine, PoraAnswer, RecallRange, WorkerContext, MineInitParams} from "./interfaces/IMine.sol";
import {IFlow, MineContext, EpochRange} from "./interfaces/IFlow.sol";
import {IReward} from "./interfaces/IReward.sol";
import {PoraLib} from "./lib/PoraLib.sol";
import {BlockHashLib} from "./lib/BlockHashLib.sol";
import {ZgsSpec} from "./lib/ZgsSpec.sol";

/// @title Mine
/// @notice Proof of Random Access verifier and miner registry. See {IMine}.
/// @dev Same PoRA bytes as 0G's `PoraMine` (version 1). Differences:
/// - `sealOffset` must be < 64 (the reference accepted any offset, recalling into the next load);
/// - the recalled load must lie strictly inside the range (`chunkOffset·1024 < mineLength`; the reference used ≤);
/// - after a gap, the difficulty is adjusted once for the last mined epoch and once more for every skipped epoch
///   (up to 64), so a flow without miners gets easier (the reference adjusted once whatever the gap);
/// - the merkle proof must reach the root exactly (a proof too short for the position is rejected);
/// - every invalid answer reverts with a named custom error; parameters are role-gated and range-checked
///   (targetMineBlocks up to 8191, the EIP-2935 window; the reference capped it at 256 but deployed 750);
/// - seal/proof/fixed-difficulty settings are initializer arguments (immutables in the reference);
/// - a subtask whose start block hash is out of reach reverts instead of hashing a zero block hash.
contract Mine is IMine, AccessControlEnumerableUpgradeable, PausableUpgradeable, UUPSUpgradeable, ReentrancyGuardTransient {
    /// @notice May change mining parameters.
    bytes32 public constant PARAMS_ADMIN_ROLE = keccak256("PARAMS_ADMIN_ROLE");
    /// @notice May pause submissions.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Setting bit: sealedData is plain data (no unseal).
    uint256 public constant NO_DATA_SEAL = 0x1;
    /// @notice Setting bit: skip the merkle proof.
    uint256 public constant NO_DATA_PROOF = 0x2;
    /// @notice Setting bit: never adjust the difficulty.
    uint256 public constant FIXED_DIFFICULTY = 0x4;
    /// @notice The only caller of {computeWorkerContext} (eth_call `from`).
    address public constant WORKER_CONTEXT_CALLER = address(0x0A);
    /// @notice Largest number of skipped epochs that still adjust the difficulty (it saturates long before).
    uint256 public constant MAX_SKIPPED_ADJUSTMENTS = 64;
    uint256 private constant _PORA_VERSION = 1;
    uint256 private constant _DIFFICULTY_SHIFT = 16;

    /// @custom:storage-location erc7201:zg.storage.Mine
    struct MineStorage {
        IFlow flow;
        IReward reward;
        uint256 sectorsPerChunk;
        uint256 settings;
        uint256 poraTarget;
        uint256 minDifficulty;
        uint256 difficultyAdjustRatio;
        uint256 targetMineBlocks;
        uint256 targetSubmissions;
        uint256 targetSubmissionsNextEpoch;
        uint64 maxShards;
        uint256 nSubtasks;
        uint256 nSubtasksNextEpoch;
        uint256 subtaskInterval;
        uint256 subtaskIntervalNextEpoch;
        uint256 lastMinedEpoch;
        uint256 currentSubmissions;
        mapping(bytes32 minerId => address beneficiary) beneficiaries;
        mapping(bytes32 output => bool used) submittedPora;
    }

    // keccak256(abi.encode(uint256(keccak256("zg.storage.Mine")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant _MINE_STORAGE = 0x1c1366e3c5098126647af6be122569c7c84fd3be820ff2fec2706c114230f700;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy.
    /// @param admin Receives DEFAULT_ADMIN_ROLE, PARAMS_ADMIN_ROLE and PAUSER_ROLE.
    /// @param flow_ The Flow.
    /// @param reward_ The Reward (must grant this Mine its MINE_ROLE).
    /// @param params Initial mining parameters.
    /// @param settings Bit set of NO_DATA_SEAL, NO_DATA_PROOF, FIXED_DIFFICULTY (0 in production).
    function initialize(
        address admin,
        address flow_,
        address reward_,
        MineInitParams calldata params,
        uint256 settings
    ) external initializer {
        if (admin == address(0) || flow_ == address(0) || reward_ == address(0)) {
            revert MineInvalidParameter("address", 0);
        }
        if (params.difficulty == 0) revert MineInvalidParameter("difficulty", 0);
        if (settings > (NO_DATA_SEAL | NO_DATA_PROOF | FIXED_DIFFICULTY)) revert MineInvalidParameter("settings", settings);
        __AccessControlEnumerable_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMS_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        MineStorage storage $ = _getMineStorage();
        $.flow = IFlow(flow_);
        $.reward = IReward(reward_);
        $.sectorsPerChunk = IReward(reward_).sectorsPerChunk();
        $.settings = settings;
        $.poraTarget = settings & FIXED_DIFFICULTY != 0 ? type(uint256).max : type(uint256).max / params.difficulty;
        $.difficultyAdjustRatio = 20;
        _checkPositive("targetSubmissions", params.targetSubmissions);
        _checkPositive("nSubtasks", params.nSubtasks);
        _checkMaxShards(params.maxShards);
        _checkLayout($, params.nSubtasks, params.subtaskInterval, params.targetMineBlocks);
        $.targetMineBlocks = params.targetMineBlocks;
        $.targetSubmissions = params.targetSubmissions;
        $.targetSubmissionsNextEpoch = params.targetSubmissions;
        $.maxShards = params.maxShards;
        $.nSubtasks = params.nSubtasks;
        $.nSubtasksNextEpoch = params.nSubtasks;
        $.subtaskInterval = params.subtaskInterval;
        $.subtaskIntervalNextEpoch = params.subtaskInterval;
    }

    /// @inheritdoc IMine
    function requestMinerId(address beneficiary, uint64 seed) external {
        if (beneficiary == address(0)) revert MineZeroBeneficiary();
        MineStorage storage $ = _getMineStorage();
        bytes32 minerId = keccak256(abi.encodePacked(blockhash(block.number - 1), msg.sender, seed));
        if ($.beneficiaries[minerId] != address(0)) revert MineMinerIdTaken(minerId);
        $.beneficiaries[minerId] = beneficiary;
        emit NewMinerId(minerId, beneficiary);
    }

    /// @inheritdoc IMine
    function transferBeneficial(address to, bytes32 minerId) external {
        if (to == address(0)) revert MineZeroBeneficiary();
        MineStorage storage $ = _getMineStorage();
        address from = $.beneficiaries[minerId];
        if (from == address(0) || from != msg.sender) revert MineNotBeneficiary(minerId, msg.sender);
        $.beneficiaries[minerId] = to;
        emit UpdateMinerId(minerId, from, to);
    }

    /// @inheritdoc IMine
    function submit(PoraAnswer calldata answer) external nonReentrant whenNotPaused {
        MineStorage storage $ = _getMineStorage();
        address beneficiary = $.beneficiaries[answer.minerId];
        if (beneficiary == address(0)) revert MineUnknownMiner(answer.minerId);

        MineContext memory ctx = $.flow.makeContextWithResult();
        _rollover($, ctx.epoch);
        if (ctx.digest == ZgsSpec.EMPTY_HASH) revert MineEmptyContext();
        if (answer.contextDigest != ctx.digest) revert MineStaleContext(answer.contextDigest, ctx.digest);
        bytes32 subtaskDigest = _checkSubtask($, ctx, answer.minerId);
        if ($.currentSubmissions >= 2 * $.targetSubmissions) revert MineEpochFull($.currentSubmissions);

        uint256 numShards = _checkRange($, answer.range, ctx.flowLength);
        _checkSealContext($, answer);
        _checkData($, answer, ctx.flowRoot);

        bytes32 output = _poraOutput(answer, subtaskDigest);
        uint256 target = _scaledTarget($.poraTarget, ctx.flowLength, numShards);
        if (uint256(output) > target) revert MineAboveTarget(output, target);
        if ($.submittedPora[output]) revert MineDuplicateAnswer(output);
        $.submittedPora[output] = true;

        uint256 epochIndex = $.currentSubmissions++;
        emit NewSubmission(ctx.epoch, answer.minerId, epochIndex, answer.recallPosition);
        $.reward.claimMineReward(answer.recallPosition / $.sectorsPerChunk, payable(beneficiary), answer.minerId);
    }

    /// @inheritdoc IMine
    function computeWorkerContext(bytes32 minerId) external returns (WorkerContext memory wc) {
        if (msg.sender != WORKER_CONTEXT_CALLER) revert MineNotWorkerContextCaller(msg.sender);
        MineStorage storage $ = _getMineStorage();
        MineContext memory ctx = $.flow.makeContextWithResult();
        _rollover($, ctx.epoch);
        wc.context = ctx;
        wc.maxShards = $.maxShards;
        if (ctx.digest == ZgsSpec.EMPTY_HASH) return wc;
        (uint256 start, bytes32 digest) = _subtask($, ctx, minerId);
        if (block.number <= start || block.number > start + $.targetMineBlocks || digest == bytes32(0)) return wc;
        wc.subtaskDigest = digest;
        if ($.currentSubmissions < 2 * $.targetSubmissions) wc.poraTarget = $.poraTarget;
    }

    /// @notice Whether the current epoch still accepts answers (simulates the epoch rollover).
    /// @return True if fewer than twice the target answers were accepted.
    function canSubmit() external returns (bool) {
        MineStorage storage $ = _getMineStorage();
        if (msg.sender != WORKER_CONTEXT_CALLER) revert MineNotWorkerContextCaller(msg.sender);
        _rollover($, $.flow.makeContextWithResult().epoch);
        return $.currentSubmissions < 2 * $.targetSubmissions;
    }

    /// @notice Pauses submissions. Only PAUSER_ROLE.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Unpauses. Only PAUSER_ROLE.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Sets the subtask window length (1..8191, fitting the epoch layout). Only PARAMS_ADMIN_ROLE.
    /// @param value Blocks.
    function setTargetMineBlocks(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        MineStorage storage $ = _getMineStorage();
        _checkLayout($, $.nSubtasksNextEpoch, $.subtaskIntervalNextEpoch, value);
        $.targetMineBlocks = value;
        emit MineParamUpdated("targetMineBlocks", value);
    }

    /// @notice Sets the answers wanted per epoch (from the next mined epoch). Only PARAMS_ADMIN_ROLE.
    /// @param value Answers (> 0).
    function setTargetSubmissions(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkPositive("targetSubmissions", value);
        MineStorage storage $ = _getMineStorage();
        $.targetSubmissionsNextEpoch = value;
        if ($.lastMinedEpoch == 0) $.targetSubmissions = value;
        emit MineParamUpdated("targetSubmissions", value);
    }

    /// @notice Sets the moving-average length of the difficulty adjustment. Only PARAMS_ADMIN_ROLE.
    /// @param value Epochs (> 0).
    function setDifficultyAdjustRatio(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkPositive("difficultyAdjustRatio", value);
        _getMineStorage().difficultyAdjustRatio = value;
        emit MineParamUpdated("difficultyAdjustRatio", value);
    }

    /// @notice Sets the largest shard count (a power of two). Only PARAMS_ADMIN_ROLE.
    /// @param value Shards.
    function setMaxShards(uint64 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkMaxShards(value);
        _getMineStorage().maxShards = value;
        emit MineParamUpdated("maxShards", value);
    }

    /// @notice Sets the minimum difficulty (caps the target at uint256.max / value; 0 = none). Only PARAMS_ADMIN_ROLE.
    /// @param value Difficulty.
    function setMinDifficulty(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        MineStorage storage $ = _getMineStorage();
        $.minDifficulty = value;
        if (value > 0 && $.poraTarget > type(uint256).max / value) $.poraTarget = type(uint256).max / value;
        emit MineParamUpdated("minDifficulty", value);
    }

    /// @notice Sets the subtask count (from the next mined epoch). Only PARAMS_ADMIN_ROLE.
    /// @param value Subtasks (> 0).
    function setNumSubtasks(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        _checkPositive("nSubtasks", value);
        MineStorage storage $ = _getMineStorage();
        _checkLayout($, value, $.subtaskIntervalNextEpoch, $.targetMineBlocks);
        $.nSubtasksNextEpoch = value;
        if ($.lastMinedEpoch == 0) $.nSubtasks = value;
        emit MineParamUpdated("nSubtasks", value);
    }

    /// @notice Sets the blocks between subtask starts (from the next mined epoch). Only PARAMS_ADMIN_ROLE.
    /// @param value Blocks.
    function setSubtaskInterval(uint256 value) external onlyRole(PARAMS_ADMIN_ROLE) {
        MineStorage storage $ = _getMineStorage();
        _checkLayout($, $.nSubtasksNextEpoch, value, $.targetMineBlocks);
        $.subtaskIntervalNextEpoch = value;
        if ($.lastMinedEpoch == 0) $.subtaskInterval = value;
        emit MineParamUpdated("subtaskInterval", value);
    }

    /// @inheritdoc IMine
    function pora(PoraAnswer calldata answer, bytes32 subtaskDigest) external view returns (bytes32) {
        return _poraOutput(answer, subtaskDigest);
    }

    /// @inheritdoc IMine
    function getSubtaskDigest(MineContext calldata context, bytes32 minerId) external view returns (bytes32 digest) {
        (, digest) = _subtask(_getMineStorage(), context, minerId);
    }

    /// @inheritdoc IMine
    function poraVersion() external pure returns (uint64) {
        return uint64(_PORA_VERSION);
    }

    /// @notice The Flow.
    /// @return The address.
    function flow() external view returns (address) {
        return address(_getMineStorage().flow);
    }

    /// @notice The Reward.
    /// @return The address.
    function reward() external view returns (address) {
        return address(_getMineStorage().reward);
    }

    /// @notice The current target (before shard scaling).
    /// @return The target.
    function poraTarget() external view returns (uint256) {
        return _getMineStorage().poraTarget;
    }

    /// @notice The beneficiary of a miner id (zero if unregistered).
    /// @param minerId The id.
    /// @return The beneficiary.
    function beneficiaries(bytes32 minerId) external view returns (address) {
        return _getMineStorage().beneficiaries[minerId];
    }

    /// @notice Last epoch that accepted an answer.
    /// @return The epoch.
    function lastMinedEpoch() external view returns (uint256) {
        return _getMineStorage().lastMinedEpoch;
    }

    /// @notice Answers accepted in the last mined epoch.
    /// @return The count.
    function currentSubmissions() external view returns (uint256) {
        return _getMineStorage().currentSubmissions;
    }

    /// @notice Subtask window length in blocks.
    /// @return The value.
    function targetMineBlocks() external view returns (uint256) {
        return _getMineStorage().targetMineBlocks;
    }

    /// @notice Answers wanted per epoch.
    /// @return The value.
    function targetSubmissions() external view returns (uint256) {
        return _getMineStorage().targetSubmissions;
    }

    /// @notice Answers wanted from the next mined epoch.
    /// @return The value.
    function targetSubmissionsNextEpoch() external view returns (uint256) {
        return _getMineStorage().targetSubmissionsNextEpoch;
    }

    /// @notice Moving-average length of the difficulty adjustment.
    /// @return The value.
    function difficultyAdjustRatio() external view returns (uint256) {
        return _getMineStorage().difficultyAdjustRatio;
    }

    /// @notice Largest shard count.
    /// @return The value.
    function maxShards() external view returns (uint64) {
        return _getMineStorage().maxShards;
    }

    /// @notice Minimum difficulty (0 = none).
    /// @return The value.
    function minDifficulty() external view returns (uint256) {
        return _getMineStorage().minDifficulty;
    }

    /// @notice Subtasks per epoch.
    /// @return The value.
    function nSubtasks() external view returns (uint256) {
        return _getMineStorage().nSubtasks;
    }

    /// @notice Subtasks from the next mined epoch.
    /// @return The value.
    function nSubtasksNextEpoch() external view returns (uint256) {
        return _getMineStorage().nSubtasksNextEpoch;
    }

    /// @notice Blocks between subtask starts.
    /// @return The value.
    function subtaskInterval() external view returns (uint256) {
        return _getMineStorage().subtaskInterval;
    }

    /// @notice Interval from the next mined epoch.
    /// @return The value.
    function subtaskIntervalNextEpoch() external view returns (uint256) {
        return _getMineStorage().subtaskIntervalNextEpoch;
    }

    /// @notice The eth_call sender {computeWorkerContext} requires (0x…0A).
    /// @return The address.
    function computeWorkerContextCaller() external pure returns (address) {
        return WORKER_CONTEXT_CALLER;
    }

    /// @notice Whether answers are unsealed before the proof.
    /// @return True unless NO_DATA_SEAL.
    function sealDataEnabled() external view returns (bool) {
        return _getMineStorage().settings & NO_DATA_SEAL == 0;
    }

    /// @notice Whether the merkle proof is checked.
    /// @return True unless NO_DATA_PROOF.
    function dataProofEnabled() external view returns (bool) {
        return _getMineStorage().settings & NO_DATA_PROOF == 0;
    }

    /// @notice Whether the difficulty is fixed.
    /// @return True if FIXED_DIFFICULTY.
    function fixedDifficulty() external view returns (bool) {
        return _getMineStorage().settings & FIXED_DIFFICULTY != 0;
    }

    /// @dev Upgrades need DEFAULT_ADMIN_ROLE.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}

    /// @dev On the first answer (or worker query) of a new epoch: adjusts the difficulty for the last mined epoch
    /// and for each skipped one, resets the counter and applies the pending parameters.
    /// Emits a {DifficultyAdjusted} event when the target moved.
    function _rollover(MineStorage storage $, uint256 epoch) private {
        uint256 last = $.lastMinedEpoch;
        if (epoch <= last) return;
        if (last > 0 && $.settings & FIXED_DIFFICULTY == 0) {
            uint256 target = _adjusted($, $.poraTarget, $.currentSubmissions);
            uint256 skipped = epoch - last - 1;
            if (skipped > MAX_SKIPPED_ADJUSTMENTS) skipped = MAX_SKIPPED_ADJUSTMENTS;
            for (uint256 i = 0; i < skipped; ++i) {
                target = _adjusted($, target, 0);
            }
            if (target != $.poraTarget) {
                $.poraTarget = target;
                emit DifficultyAdjusted(epoch, target);
            }
        }
        $.lastMinedEpoch = epoch;
        $.currentSubmissions = 0;
        $.targetSubmissions = $.targetSubmissionsNextEpoch;
        $.nSubtasks = $.nSubtasksNextEpoch;
        $.subtaskInterval = $.subtaskIntervalNextEpoch;
    }

    /// @dev One step of the moving average toward `targetSubmissions` answers per epoch, clamped to [½, 2]×.
    function _adjusted(MineStorage storage $, uint256 poraTarget_, uint256 submissions) private view returns (uint256) {
        uint256 maxShifted = type(uint256).max >> _DIFFICULTY_SHIFT;
        uint256 t = poraTarget_ >> _DIFFICULTY_SHIFT;
        uint256 expected = submissions == 0 ? maxShifted : Math.mulDiv(t, $.targetSubmissions, submissions);
        if (expected > maxShifted) expected = maxShifted;
        uint256 n = $.difficultyAdjustRatio;
        // t ≤ 2^240 and n is a small ratio, so t·(n − 1) + expected cannot overflow for n < 2^15.
        uint256 next = Math.mulDiv(t, n - 1, 1) / n + expected / n;
        if (next < t / 2) next = t / 2;
        if (next > 2 * t) next = 2 * t;
        if (next > maxShifted) next = maxShifted;
        uint256 result = next << _DIFFICULTY_SHIFT;
        uint256 minDifficulty_ = $.minDifficulty;
        if (minDifficulty_ > 0 && result > type(uint256).max / minDifficulty_) result = type(uint256).max / minDifficulty_;
        return result;
    }

    function _subtask(
        MineStorage storage $,
        MineContext memory ctx,
        bytes32 minerId
    ) private view returns (uint256 start, bytes32 digest) {
        uint256 index = uint256(keccak256(abi.encode(ctx.digest, minerId))) % $.nSubtasks;
        start = ctx.mineStart + index * $.subtaskInterval;
        bytes32 hash = BlockHashLib.blockHash(start);
        if (hash != bytes32(0)) digest = keccak256(abi.encode(ctx.digest, hash));
    }

    function _checkSubtask(MineStorage storage $, MineContext memory ctx, bytes32 minerId) private view returns (bytes32) {
        (uint256 start, bytes32 digest) = _subtask($, ctx, minerId);
        if (block.number <= start) revert MineBeforeSubtask(start, block.number);
        uint256 deadline = start + $.targetMineBlocks;
        if (block.number > deadline) revert MineSubtaskExpired(deadline, block.number);
        if (digest == bytes32(0)) revert MineSubtaskHashUnavailable(start);
        return digest;
    }

    /// @dev Range rules of mine version 1. Returns the shard count.
    function _checkRange(
        MineStorage storage $,
        RecallRange calldata range,
        uint256 flowLength
    ) private view returns (uint256 numShards) {
        if (range.startPosition % ZgsSpec.SECTORS_PER_PRICE != 0) revert MineRangeNotAligned(range.startPosition);
        if (range.shardId & range.shardMask != 0) revert MineShardMismatch(range.shardId, range.shardMask);
        numShards = 1 << (64 - _popcount(range.shardMask));
        if (numShards > $.maxShards) revert MineTooManyShards(numShards, $.maxShards);
        uint256 maxLength = (flowLength / ZgsSpec.SECTORS_PER_LOAD) * ZgsSpec.SECTORS_PER_LOAD;
        uint256 end = range.startPosition + range.mineLength;
        if (end > maxLength) revert MineRangeOutOfFlow(end, maxLength);
        uint256 cap = ZgsSpec.MAX_MINING_LENGTH * numShards;
        if (range.mineLength > cap) revert MineRangeTooLong(range.mineLength, cap);
        uint256 required = Math.max(Math.min(maxLength, cap), ZgsSpec.SECTORS_PER_LOAD);
        if (range.mineLength < required) revert MineRangeTooShort(range.mineLength, required);
    }

    function _checkSealContext(MineStorage storage $, PoraAnswer calldata answer) private view {
        EpochRange memory r = $.flow.getEpochRange(answer.sealedContextDigest);
        uint256 end = answer.recallPosition + ZgsSpec.SECTORS_PER_SEAL;
        if (r.start >= end || end > r.end) revert MineWrongSealContext(answer.sealedContextDigest, answer.recallPosition);
    }

    function _checkData(MineStorage storage $, PoraAnswer calldata answer, bytes32 flowRoot) private view {
        uint256 settings = $.settings;
        if (settings & NO_DATA_PROOF != 0) return;
        bytes32[128] memory data = settings & NO_DATA_SEAL == 0
            ? PoraLib.unseal(answer.minerId, answer.sealedContextDigest, answer.recallPosition, answer.sealedData)
            : PoraLib.copy(answer.sealedData);
        bytes32 recovered = PoraLib.recoverRoot(
            PoraLib.sealRoot(data),
            answer.recallPosition / ZgsSpec.SECTORS_PER_SEAL,
            answer.merkleProof
        );
        if (recovered != flowRoot) revert MineMerkleRootMismatch(recovered, flowRoot);
    }

    /// @dev The PoRA output, after checking that the answer's seal is the one the scratchpad recalls.
    function _poraOutput(PoraAnswer calldata answer, bytes32 subtaskDigest) private view returns (bytes32) {
        if (answer.sealOffset >= ZgsSpec.SEALS_PER_LOAD) revert MineSealOffsetOutOfRange(answer.sealOffset);
        RecallRange calldata range = answer.range;
        (bytes32 s0, bytes32 s1) = PoraLib.padSeed(
            answer.minerId,
            answer.nonce,
            subtaskDigest,
            PoraLib.rangeDigest(range.startPosition, range.mineLength, range.shardId, range.shardMask)
        );
        (bytes memory input, bytes32 recallSeed) = PoraLib.mix(s0, s1, answer.sealOffset, answer.sealedData);
        uint256 loads = range.mineLength / ZgsSpec.SECTORS_PER_LOAD;
        if (loads == 0) revert MineRangeTooShort(range.mineLength, ZgsSpec.SECTORS_PER_LOAD);
        uint256 chunkOffset = (uint256(uint64(uint256(recallSeed) % loads)) & range.shardMask) | range.shardId;
        if (chunkOffset >= loads) revert MineRecallOutOfRange(chunkOffset, loads);
        uint256 expected = range.startPosition +
            chunkOffset *
            ZgsSpec.SECTORS_PER_LOAD +
            answer.sealOffset *
            ZgsSpec.SECTORS_PER_SEAL;
        if (expected != answer.recallPosition) revert MineRecallPositionMismatch(expected, answer.recallPosition);
        return PoraLib.poraHash(input);
    }

    /// @dev target / scale, where scale = min(flowLength, 8 TiB) / min(flowLength / shards, 8 TiB) in 64.64 fixed point.
    function _scaledTarget(uint256 target, uint256 flowLength, uint256 numShards) private pure returns (uint256) {
        uint256 num = Math.min(flowLength, ZgsSpec.MAX_MINING_LENGTH) << 64;
        uint256 den = Math.max(Math.min(flowLength / numShards, ZgsSpec.MAX_MINING_LENGTH), 1);
        uint256 scaleX64 = num / den;
        return (target / scaleX64) << 64;
    }

    function _checkLayout(MineStorage storage $, uint256 n, uint256 interval, uint256 mineBlocks) private view {
        if (mineBlocks == 0 || mineBlocks > BlockHashLib.HISTORY_WINDOW) {
            revert MineInvalidParameter("targetMineBlocks", mineBlocks);
        }
        uint256 span = (n - 1) * interval + mineBlocks + 1;
        if (span >= $.flow.blocksPerEpoch()) revert MineInvalidParameter("subtaskLayout", span);
    }

    function _checkPositive(string memory name, uint256 value) private pure {
        if (value == 0) revert MineInvalidParameter(name, 0);
    }

    function _checkMaxShards(uint64 value) private pure {
        if (value == 0 || value & (value - 1) != 0) revert MineInvalidParameter("maxShards", value);
    }

    function _popcount(uint64 x) private pure returns (uint256 count) {
        while (x != 0) {
            x &= x - 1;
            ++count;
        }
    }

    function _getMineStorage() private pure returns (MineStorage storage $) {
        assembly ("memory-safe") {
            $.slot := _MINE_STORAGE
        }
    }
}
