/**
 * Sizes and fixed values of 0G storage (ZgsSpec, the Flow and Mine contracts, the TS SDK). Sizes are in bytes unless
 * the name says sectors.
 */

/** One sector (the SDK's "chunk", the flow tree's leaf, Submission ENTRY_SIZE). */
export const BYTES_PER_SECTOR = 256;
/** One unit: a `bytes32` word of a seal. */
export const BYTES_PER_UNIT = 32;
/** Sectors per SDK segment (and per mining load). */
export const SECTORS_PER_SEGMENT = 1024;
/** One SDK segment, 256 KiB. */
export const BYTES_PER_SEGMENT = BYTES_PER_SECTOR * SECTORS_PER_SEGMENT;
/** log2(SECTORS_PER_SEGMENT): the height of a segment's subtree in sectors. */
export const SEGMENT_HEIGHT = 10;

/** One seal unit, 4 KiB. */
export const BYTES_PER_SEAL = 4096;
/** Sectors per seal unit. */
export const SECTORS_PER_SEAL = 16;
/** log2(SECTORS_PER_SEAL): the seal subtree height the Mine contract rebuilds from sealed data. */
export const SEAL_HEIGHT = 4;
/** 32-byte words per seal unit. */
export const UNITS_PER_SEAL = 128;
/** Seal units per mining load (256 KiB), i.e. the range of `sealOffset`. */
export const SEALS_PER_LOAD = 64;
/** Sectors per mining load ("recall chunk"). */
export const SECTORS_PER_LOAD = 1024;
/** One PoRA scratchpad, 16 KiB. */
export const BYTES_PER_PAD = 16384;
/** Seal units per scratchpad. */
export const SEALS_PER_PAD = 4;
/** Bytes produced by one scratchpad step. */
export const BYTES_PER_BHASH = 64;
/** Scratchpad steps per pad. */
export const BHASHES_PER_PAD = BYTES_PER_PAD / BYTES_PER_BHASH;
/** Sectors per pricing chunk (8 GiB): the alignment of a recall range start. */
export const SECTORS_PER_PRICE = 2n ** 25n;
/** Most sectors one miner (one shard) covers: 8 TiB. */
export const MAX_MINING_LENGTH = 2n ** 35n;
/** The PoRA algorithm version the Mine contract reports (`poraVersion()`). */
export const PORA_VERSION = 1n;

/** Largest submission node height + 1 the Flow accepts (`SubmissionLibrary.MAX_DEPTH`). */
export const MAX_SUBMISSION_DEPTH = 64;
/** Largest spread of heights inside one submission, + 1 (`SubmissionLibrary.MAX_LENGTH`). */
export const MAX_HEIGHT_SPREAD = 4;
/** Depth of the flow tree's zero-subtree table (`FlowTreeLib.zeros`). */
export const FLOW_MAX_DEPTH = 64;

/** keccak256 of the empty string: the Flow's `EMPTY_HASH`, used as "no context". */
export const EMPTY_HASH = "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" as const;
/** keccak256 of one zero sector (`zeros(0)`, the SDK's `EMPTY_CHUNK_HASH`). */
export const EMPTY_SECTOR_HASH = "0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5" as const;
/** 32 zero bytes: the flow tree's reserved leaf 0 and its initial root. */
export const ZERO_HASH = "0x0000000000000000000000000000000000000000000000000000000000000000" as const;

/** Selector of `submit(((uint256,bytes,(bytes32,uint256)[]),address))`, the Flow used by SDK 1.2.x. */
export const SUBMIT_SELECTOR = "0xbc8c11f8" as const;
/** Selector of the legacy `submit((uint256,bytes,(bytes32,uint256)[]))`, the Flow used by SDK 0.3.x. */
export const SUBMIT_LEGACY_SELECTOR = "0xef3e12dc" as const;
/** Selector of `PoraMine.submit(PoraAnswer)`. */
export const MINE_SUBMIT_SELECTOR = "0xae722e82" as const;
