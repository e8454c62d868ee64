// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title PlainERC721Mock
/// @notice A bare OpenZeppelin ERC-721 with an open mint: the gas baseline for bench/inft-gas.bench.ts.
contract PlainERC721Mock is ERC721 {
    uint256 private _nextTokenId = 1;

    constructor() ERC721("Plain", "PLN") {}

    /// @notice Mints the next id to `to`.
    /// @param to The owner.
    /// @return tokenId The new token.
    function mint(address to) external returns (uint256 tokenId) {
        tokenId = _nextTokenId++;
        _mint(to, tokenId);
    }
}
