import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Hardhat development account #1, the devnet's default TEE oracle key (a public test key). */
const DEVNET_ORACLE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/**
 * ERC-7857 intelligent NFTs: the TEE-signature proof verifier (oracle set with a threshold) and AgentNFT, each
 * a UUPS implementation behind an ERC1967Proxy initialized in the proxy constructor (no front-running).
 *
 * Parameters (module id `INFT`):
 * - `oracles`: enclave oracle signing addresses (default: the devnet oracle key).
 * - `minConfirmations`: distinct oracle signatures a proof needs (default 1; the docs' OracleManager uses 2).
 * - `name`, `symbol`: ERC-721 name and symbol (defaults from the docs' deployment example).
 * The deployer (account 0) receives every admin role of both contracts.
 */
export default buildModule("INFT", (m) => {
  const admin = m.getAccount(0);
  const oracles = m.getParameter<string[]>("oracles", [DEVNET_ORACLE]);
  const minConfirmations = m.getParameter<number>("minConfirmations", 1);
  const name = m.getParameter<string>("name", "AI Agent NFTs");
  const symbol = m.getParameter<string>("symbol", "AINFT");

  const verifierImpl = m.contract("TEEVerifier", [], { id: "TEEVerifierImpl" });
  const verifierInit = m.encodeFunctionCall(verifierImpl, "initialize", [admin, oracles, minConfirmations]);
  const verifierProxy = m.contract("ERC1967Proxy", [verifierImpl, verifierInit], { id: "TEEVerifierProxy" });
  const TEEVerifier = m.contractAt("TEEVerifier", verifierProxy, { id: "TEEVerifier" });

  const nftImpl = m.contract("AgentNFT", [], { id: "AgentNFTImpl" });
  const nftInit = m.encodeFunctionCall(nftImpl, "initialize", [name, symbol, admin, verifierProxy]);
  const nftProxy = m.contract("ERC1967Proxy", [nftImpl, nftInit], { id: "AgentNFTProxy" });
  const AgentNFT = m.contractAt("AgentNFT", nftProxy, { id: "AgentNFT" });

  return { AgentNFT, TEEVerifier };
});
