export * from "./constants";
export * from "./errors";
export * from "./hex";
export * from "./encodeProofOfPossessionMessage";
export * from "./consensusKey";
export * from "./signProofOfPossession";
export * from "./description";
export * from "./units";
