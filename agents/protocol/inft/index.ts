/**
 * Pure ERC-7857 (INFT) protocol code shared by the oracle agent and the CLI: metadata encryption (AES-256-GCM),
 * key sealing (ECIES secp256k1), the EIP-712 proof types of AgentNFT, and proof encoding. No I/O.
 */
export * from "./errors";
export * from "./metadataCipher";
export * from "./ecies";
export * from "./typedData";
export * from "./signatures";
export * from "./proofEncoding";
