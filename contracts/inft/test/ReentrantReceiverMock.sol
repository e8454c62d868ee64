// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IAgentNFT} from "../interfaces/IAgentNFT.sol";

/// @title ReentrantReceiverMock
/// @notice On receiving a minted INFT, tries to re-enter AgentNFT through `clone`; the guard must stop it.
contract ReentrantReceiverMock is IERC721Receiver {
    /// @notice Re-enters the token contract.
    /// @param tokenId The received token.
    /// @return The ERC-721 receiver selector (never reached when the guard works).
    function onERC721Received(address, address, uint256 tokenId, bytes calldata) external returns (bytes4) {
        IAgentNFT(msg.sender).clone(address(this), tokenId, hex"01", "");
        return IERC721Receiver.onERC721Received.selector;
    }
}
