// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MineContext} from "./IFlow.sol";

/// @notice The range a miner claims to store: `mineLength` sectors from `startPosition`, on shard `shardId` of
/// the shards selected by `shardMask` (Rust node: mask = ~(numShards − 1), id < numShards; unsharded: mask = 2^64−1).
struct RecallRange {
    uint256 startPosition;
    uint256 mineLength;
    uint64 shardId;
    uint64 shardMask;
}

/// @notice A PoRA answer (0G mine version 1 layout).
/// @param contextDigest The current context digest.
/// @param nonce The nonce that won.
/// @param minerId The registered miner id.
/// @param range The claimed recall range.
/// @param recallPosition First sector of the answered seal (loadStart + sealOffset·16).
/// @param sealOffset Seal index inside the 256 KiB load (< 64).
/// @param sealedContextDigest Context digest of the epoch range that holds the seal (the seal key).
/// @param sealedData The 4 KiB seal as sealed by this miner, 128 words.
/// @param merkleProof Siblings from the seal subtree (height 4) up to the context's flow root, bottom-up.
struct PoraAnswer {
    bytes32 contextDigest;
    bytes32 nonce;
    bytes32 minerId;
    RecallRange range;
    uint256 recallPosition;
    uint256 sealOffset;
    bytes32 sealedContextDigest;
    bytes32[128] sealedData;
    bytes32[] merkleProof;
}

/// @notice What a miner needs to mine now (from `computeWorkerContext`).
/// @param context The current mining context.
/// @param poraTarget The target; 0 means "do not mine" (outside the window, epoch full or empty context).
/// @param subtaskDigest The miner's subtask digest; 0 outside the window.
/// @param maxShards Largest number of shards a miner may split into.
struct WorkerContext {
    MineContext context;
    uint256 poraTarget;
    bytes32 subtaskDigest;
    uint64 maxShards;
}

/// @notice Mining parameters given to the initializer.
/// @param difficulty Initial difficulty: poraTarget = uint256.max / difficulty.
/// @param targetMineBlocks Blocks each subtask window lasts.
/// @param targetSubmissions Accepted answers wanted per epoch (at most twice as many are accepted).
/// @param maxShards Largest shard count (a power of two).
/// @param nSubtasks Subtask windows per epoch.
/// @param subtaskInterval Blocks between subtask window starts.
struct MineInitParams {
    uint256 difficulty;
    uint256 targetMineBlocks;
    uint256 targetSubmissions;
    uint64 maxShards;
    uint256 nSubtasks;
    uint256 subtaskInterval;
}

/// @title IMine
/// @notice Proof of Random Access: verifies sealed 4 KiB answers against the flow root and pays miners through
/// Reward. Call-compatible with 0G's `PoraMine` (mine version 1) for the storage node's miner.
interface IMine {
    /// @notice A miner id was registered (same as 0G's).
    /// @param minerId The id.
    /// @param beneficiary Its reward receiver.
    event NewMinerId(bytes32 indexed minerId, address indexed beneficiary);
    /// @notice A miner id's beneficiary changed (same as 0G's).
    /// @param minerId The id.
    /// @param from The old beneficiary.
    /// @param to The new beneficiary.
    event UpdateMinerId(bytes32 indexed minerId, address indexed from, address indexed to);
    /// @notice An answer was accepted (same as 0G's, topic0 0xfedd8f58…e3a4).
    /// @param epoch The epoch.
    /// @param minerId The miner.
    /// @param epochIndex Index of this answer in the epoch.
    /// @param recallPosition The answered seal's first sector.
    event NewSubmission(uint256 indexed epoch, bytes32 indexed minerId, uint256 epochIndex, uint256 recallPosition);
    /// @notice The target moved.
    /// @param epoch The epoch at which it was recomputed.
    /// @param poraTarget The new target.
    event DifficultyAdjusted(uint256 indexed epoch, uint256 poraTarget);
    /// @notice A mining parameter changed.
    /// @param name The parameter's name.
    /// @param value The new value.
    event MineParamUpdated(string name, uint256 value);

    /// @notice No beneficiary is registered for the miner id.
    /// @param minerId The id.
    error MineUnknownMiner(bytes32 minerId);
    /// @notice The id is already registered.
    /// @param minerId The id.
    error MineMinerIdTaken(bytes32 minerId);
    /// @notice A zero beneficiary.
    error MineZeroBeneficiary();
    /// @notice Only the current beneficiary may transfer a miner id.
    /// @param minerId The id.
    /// @param caller The caller.
    error MineNotBeneficiary(bytes32 minerId, address caller);
    /// @notice The answer's context is not the current one (stale).
    /// @param given The answer's digest.
    /// @param current The current digest.
    error MineStaleContext(bytes32 given, bytes32 current);
    /// @notice The current context is empty (its block hash was out of reach, or no epoch yet).
    error MineEmptyContext();
    /// @notice Submitted before the miner's subtask window opened.
    /// @param subtaskStart The window opens after this block.
    /// @param blockNumber The current block.
    error MineBeforeSubtask(uint256 subtaskStart, uint256 blockNumber);
    /// @notice Submitted after the miner's subtask window closed.
    /// @param deadline Last block of the window.
    /// @param blockNumber The current block.
    error MineSubtaskExpired(uint256 deadline, uint256 blockNumber);
    /// @notice The subtask start block's hash is out of reach.
    /// @param subtaskStart The block.
    error MineSubtaskHashUnavailable(uint256 subtaskStart);
    /// @notice The epoch already accepted twice its target of answers.
    /// @param accepted Answers accepted this epoch.
    error MineEpochFull(uint256 accepted);
    /// @notice The range start is not aligned to a pricing chunk (2^25 sectors).
    /// @param startPosition The start.
    error MineRangeNotAligned(uint256 startPosition);
    /// @notice The range passes the mineable flow (whole loads only).
    /// @param end startPosition + mineLength.
    /// @param maxLength The mineable length.
    error MineRangeOutOfFlow(uint256 end, uint256 maxLength);
    /// @notice The range is shorter than the miner must cover.
    /// @param mineLength The range length.
    /// @param required The required length.
    error MineRangeTooShort(uint256 mineLength, uint256 required);
    /// @notice The range is longer than 8 TiB × shards.
    /// @param mineLength The range length.
    /// @param maximum The maximum.
    error MineRangeTooLong(uint256 mineLength, uint256 maximum);
    /// @notice The shard id has bits inside the mask.
    /// @param shardId The id.
    /// @param shardMask The mask.
    error MineShardMismatch(uint64 shardId, uint64 shardMask);
    /// @notice More shards than allowed.
    /// @param numShards The answer's shard count.
    /// @param maxShards The limit.
    error MineTooManyShards(uint256 numShards, uint256 maxShards);
    /// @notice The seal's context range does not hold the seal (wrong seal key).
    /// @param sealedContextDigest The answer's seal context.
    /// @param recallPosition The seal's first sector.
    error MineWrongSealContext(bytes32 sealedContextDigest, uint256 recallPosition);
    /// @notice sealOffset must be below 64.
    /// @param sealOffset The offset.
    error MineSealOffsetOutOfRange(uint256 sealOffset);
    /// @notice The recalled load is outside the range.
    /// @param chunkOffset The load index.
    /// @param loads Loads in the range.
    error MineRecallOutOfRange(uint256 chunkOffset, uint256 loads);
    /// @notice recallPosition differs from what the scratchpad selects.
    /// @param expected The selected position.
    /// @param given The answer's position.
    error MineRecallPositionMismatch(uint256 expected, uint256 given);
    /// @notice The unsealed data does not prove into the context's flow root.
    /// @param recovered The recovered root.
    /// @param flowRoot The context's root.
    error MineMerkleRootMismatch(bytes32 recovered, bytes32 flowRoot);
    /// @notice The PoRA output is above the (shard-scaled) target.
    /// @param output The output.
    /// @param target The target.
    error MineAboveTarget(bytes32 output, uint256 target);
    /// @notice This exact answer was already accepted.
    /// @param output Its PoRA output.
    error MineDuplicateAnswer(bytes32 output);
    /// @notice `computeWorkerContext` is for eth_call from 0x…0A only.
    /// @param caller The caller.
    error MineNotWorkerContextCaller(address caller);
    /// @notice A parameter outside its allowed range.
    /// @param name The parameter.
    /// @param value The value.
    error MineInvalidParameter(string name, uint256 value);

    /// @notice Registers a miner id = keccak256(blockhash(block.number − 1) ‖ msg.sender ‖ uint64 seed).
    /// @param beneficiary Receives its rewards.
    /// @param seed Any number (the Rust node uses 0).
    function requestMinerId(address beneficiary, uint64 seed) external;

    /// @notice Moves a miner id to a new beneficiary. Only the current beneficiary.
    /// @param to The new beneficiary.
    /// @param minerId The id.
    function transferBeneficial(address to, bytes32 minerId) external;

    /// @notice Submits a PoRA answer; on success the beneficiary is credited in Reward.
    /// @param answer The answer.
    function submit(PoraAnswer calldata answer) external;

    /// @notice The miner's current work (eth_call with from = 0x…0A; mutating calls are rejected).
    /// @param minerId The miner.
    /// @return The worker context.
    function computeWorkerContext(bytes32 minerId) external returns (WorkerContext memory);

    /// @notice The PoRA output of an answer for a subtask digest (no other checks).
    /// @param answer The answer.
    /// @param subtaskDigest The subtask digest.
    /// @return The output.
    function pora(PoraAnswer calldata answer, bytes32 subtaskDigest) external view returns (bytes32);

    /// @notice keccak256(abi.encode(context.digest, blockhash(subtaskStart))) for a miner.
    /// @param context The context.
    /// @param minerId The miner.
    /// @return The subtask digest (zero if the block hash is out of reach).
    function getSubtaskDigest(MineContext calldata context, bytes32 minerId) external view returns (bytes32);

    /// @notice Mine version; the Rust miner refuses to mine on a mismatch.
    /// @return Always 1.
    function poraVersion() external pure returns (uint64);
}
