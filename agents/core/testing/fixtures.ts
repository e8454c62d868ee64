/**
 * Typed ABI of the test-only EventEmitterFixture (contracts/test/EventEmitterFixture.sol). Test contracts are
 * left out of agents/generated/abis.ts, so the ABI is written here and checked against the artifact in a test.
 */
import { parseAbi } from "viem";

export const eventEmitterFixtureAbi = parseAbi([
  "event Pinged(uint256 indexed id, address indexed sender, bytes32 tag)",
  "event Paid(address indexed payer, uint256 amount)",
  "error InsufficientFee(uint256 required, uint256 paid)",
  "function ping(uint256 id, bytes32 tag)",
  "function pingMany(uint256 firstId, uint256 count, bytes32 tag)",
  "function pay(uint256 required) payable",
  "function pings() view returns (uint256)",
]);
