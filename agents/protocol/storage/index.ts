/**
 * 0G storage protocol: pure, byte-exact file roots, submissions, flow tree, sealing and PoRA. No I/O except reading
 * streams handed in and worker threads for hashing.
 */
export * from "./constants";
export * from "./errors";
export * from "./bytes";
export { keccak256, keccak256Into, hashPair } from "./keccak";
export * from "./padding";
export * from "./merkle";
export * from "./sectors";
export * from "./fileMerkle";
export * from "./submission";
export * from "./abi";
export * from "./flowTree";
export * from "./seal";
export * from "./pora";
export * from "./sealProof";
export * from "./answer";
export * from "./hashPool";
export * from "./streaming";
export * from "./context";
