/** Test helpers shared by every agent's integration tests. */
export { startRedis, type TestRedis } from "./redis.js";
export { startHardhatNode, HARDHAT_KEYS, type TestHardhatNode } from "./hardhat.js";
export { readArtifact, deployArtifact, type Artifact } from "./artifacts.js";
export { getFreePort, waitFor, projectRoot, spawnTracked, stopChild } from "./processes.js";
export { eventEmitterFixtureAbi } from "./fixtures.js";
