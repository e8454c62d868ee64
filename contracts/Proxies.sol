// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

// Makes Hardhat emit artifacts for the proxy contracts that Ignition deploys.
// solhint-disable-next-line no-unused-import
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
// solhint-disable-next-line no-unused-import
import {UpgradeableBeacon} from "@openzeppelin/contracts/proxy/beacon/UpgradeableBeacon.sol";
// solhint-disable-next-line no-unused-import
import {BeaconProxy} from "@openzeppelin/contracts/proxy/beacon/BeaconProxy.sol";
