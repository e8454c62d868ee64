/**
 * Typed errors of the storage protocol library. Each carries the values that broke the rule, in `details` and as
 * labelled lines in `metaMessages` (e.g. "Segment index: 7").
 */

/** Values an error reports. bigint and number both appear because on-chain values are uint256. */
export type ErrorDetails = Readonly<Record<string, string | number | bigint | boolean | null>>;

/** Base class: `shortMessage` is one line; `details` holds the offending values; `cause` chains. */
export class StorageProtocolError extends Error {
  override name = "StorageProtocolError";
  readonly shortMessage: string;
  readonly details: ErrorDetails;
  readonly metaMessages: readonly string[];

  constructor(shortMessage: string, details: ErrorDetails = {}, options: { cause?: unknown } = {}) {
    const metaMessages = Object.entries(details).map(([k, v]) => `${labelOf(k)}: ${String(v)}`);
    super([shortMessage, ...metaMessages].join("\n"), options.cause === undefined ? {} : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = metaMessages;
  }
}

function labelOf(key: string): string {
  const words = key.replace(/([A-Z])/g, " $1").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A buffer or value has the wrong size (e.g. a seal unit that is not 4096 bytes, a hash that is not 32 bytes). */
export class InvalidSizeError extends StorageProtocolError {
  override name = "InvalidSizeError";
  constructor(args: { what: string; expected: number | string; received: number }) {
    super(`${args.what} has the wrong size.`, { what: args.what, expected: args.expected, received: args.received });
  }
}

/** An index (segment, sector, seal, leaf) is outside the structure it addresses. */
export class IndexOutOfRangeError extends StorageProtocolError {
  override name = "IndexOutOfRangeError";
  constructor(args: { what: string; index: number | bigint; limit: number | bigint }) {
    super(`${args.what} index is out of range.`, { what: args.what, index: args.index, limit: args.limit });
  }
}

/** A submission breaks one of the rules of the Flow contract's `SubmissionLibrary.valid`. */
export class InvalidSubmissionError extends StorageProtocolError {
  override name = "InvalidSubmissionError";
  constructor(args: { reason: string } & Record<string, string | number | bigint>) {
    super(`Invalid submission: ${args.reason}.`, args);
  }
}

/** A node height or tree depth is outside what the contracts support. */
export class InvalidHeightError extends StorageProtocolError {
  override name = "InvalidHeightError";
  constructor(args: { height: number; max: number }) {
    super("Node height is out of range.", args);
  }
}

/** An insertion into the flow tree would go backwards or is misaligned. */
export class FlowTreeError extends StorageProtocolError {
  override name = "FlowTreeError";
  constructor(reason: string, details: ErrorDetails) {
    super(`Flow tree: ${reason}.`, details);
  }
}

/** A mining input breaks a rule the Mine contract checks (recall range, shard, seal offset, difficulty). */
export class MiningInputError extends StorageProtocolError {
  override name = "MiningInputError";
  constructor(reason: string, details: ErrorDetails) {
    super(`Mining input: ${reason}.`, details);
  }
}

/** A hex string is malformed. */
export class InvalidHexError extends StorageProtocolError {
  override name = "InvalidHexError";
  constructor(args: { value: string }) {
    super("Invalid hex string.", { value: args.value.length > 80 ? `${args.value.slice(0, 77)}...` : args.value });
  }
}

/** A worker thread of the hashing pool failed or the pool was used after `close()`. */
export class HashPoolError extends StorageProtocolError {
  override name = "HashPoolError";
  constructor(reason: string, details: ErrorDetails = {}, cause?: unknown) {
    super(`Hash pool: ${reason}.`, details, { cause });
  }
}
