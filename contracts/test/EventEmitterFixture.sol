// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IEventEmitterFixture
/// @notice Test-only surface used by the agent runtime's integration tests (agents/core): it emits events on
/// demand and reverts with a custom error that carries arguments, so revert decoding can be checked end to end.
interface IEventEmitterFixture {
    /// @notice Emitted once per ping.
    /// @param id Caller-chosen identifier of the ping.
    /// @param sender The account that sent the ping.
    /// @param tag Free-form tag chosen by the caller.
    event Pinged(uint256 indexed id, address indexed sender, bytes32 tag);

    /// @notice Emitted when a payment meets the required fee.
    /// @param payer The account that paid.
    /// @param amount The amount paid, in wei.
    event Paid(address indexed payer, uint256 amount);

    /// @notice Thrown when a payment is below the required fee.
    /// @param required The fee asked for, in wei.
    /// @param paid The value sent, in wei.
    error InsufficientFee(uint256 required, uint256 paid);

    /// @notice Emits one {Pinged} event.
    /// @param id Identifier put in the event.
    /// @param tag Tag put in the event.
    function ping(uint256 id, bytes32 tag) external;

    /// @notice Emits `count` {Pinged} events with ids `firstId`, `firstId + 1`, ...
    /// @param firstId Identifier of the first event.
    /// @param count Number of events to emit.
    /// @param tag Tag put in every event.
    function pingMany(uint256 firstId, uint256 count, bytes32 tag) external;

    /// @notice Accepts a payment of at least `required` wei and emits {Paid}.
    /// @param required The fee the caller must meet.
    function pay(uint256 required) external payable;

    /// @notice Number of pings emitted so far.
    /// @return The total count.
    function pings() external view returns (uint256);
}

/// @title EventEmitterFixture
/// @notice Test-only contract, never deployed outside tests.
contract EventEmitterFixture is IEventEmitterFixture {
    uint256 private _pings;

    /// @inheritdoc IEventEmitterFixture
    function ping(uint256 id, bytes32 tag) external {
        ++_pings;
        emit Pinged(id, msg.sender, tag);
    }

    /// @inheritdoc IEventEmitterFixture
    function pingMany(uint256 firstId, uint256 count, bytes32 tag) external {
        for (uint256 i = 0; i < count; ++i) {
            emit Pinged(firstId + i, msg.sender, tag);
        }
        _pings += count;
    }

    /// @inheritdoc IEventEmitterFixture
    function pay(uint256 required) external payable {
        if (msg.value < required) revert InsufficientFee(required, msg.value);
        emit Paid(msg.sender, msg.value);
    }

    /// @inheritdoc IEventEmitterFixture
    function pings() external view returns (uint256) {
        return _pings;
    }
}
