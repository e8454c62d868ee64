/**
 * Typed errors of the agent runtime. Every error carries the values that caused it, so logs and callers can
 * act on them without parsing messages.
 */

/** Base class: a short message, optional labelled details, and the usual `cause` chain. */
export class AgentError extends Error {
  override name = "AgentError";
  /** The message without details, suitable for one-line logs. */
  readonly shortMessage: string;
  /** Labelled values, e.g. `{ key: "http.port", value: "abc" }`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(shortMessage: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(shortMessage, options);
    this.shortMessage = shortMessage;
    this.details = details;
  }

  /** Walks the cause chain and returns the first error for which `fn` is true (or the last one). */
  walk(fn?: (err: unknown) => boolean): unknown {
    let err: unknown = this as unknown;
    for (;;) {
      if (fn?.(err)) return err;
      const next: unknown = err instanceof Error ? err.cause : undefined;
      if (next === undefined) return fn ? undefined : err;
      err = next;
    }
  }
}

/** One problem found while validating configuration. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `http.port`. */
  path: string;
  /** What was wrong. */
  message: string;
  /** The value received (secrets are replaced by `"[redacted]"`). */
  received?: unknown;
  /** Where the value came from (`file`, `env ZG_X_KEY`, `default`). */
  source?: string;
}

/** Configuration is missing, malformed, or put where it may not be (a key in a file). Thrown at start-up. */
export class ConfigError extends AgentError {
  override name = "ConfigError";
  readonly issues: readonly ConfigIssue[];
  constructor(issues: ConfigIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((i) => {
      const got = i.received === undefined ? "missing" : `got ${JSON.stringify(i.received)}`;
      return `${i.path || "<root>"}: ${i.message} (${got}${i.source ? `, from ${i.source}` : ""})`;
    });
    super(`invalid configuration: ${lines.join("; ")}`, { issues }, options);
    this.issues = issues;
  }
}

/** The address book file is unreadable or does not match its schema. */
export class AddressBookError extends AgentError {
  override name = "AddressBookError";
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`address book ${path}: ${problem}`, { path }, options);
    this.path = path;
  }
}

/** The RPC endpoint serves a different chain than the configuration names. */
export class ChainMismatchError extends AgentError {
  override name = "ChainMismatchError";
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number) {
    super(`RPC serves chain ${actual}, configuration expects ${expected}`, { expected, actual });
    this.expected = expected;
    this.actual = actual;
  }
}

/** A reorg went deeper than the window of block hashes the event source keeps: it cannot find the fork point. */
export class ReorgTooDeepError extends AgentError {
  override name = "ReorgTooDeepError";
  readonly cursorBlock: bigint;
  readonly oldestKnownBlock: bigint;
  constructor(cursorBlock: bigint, oldestKnownBlock: bigint) {
    super(`reorg deeper than the kept window: cursor ${cursorBlock}, oldest kept block ${oldestKnownBlock}`, {
      cursorBlock,
      oldestKnownBlock,
    });
    this.cursorBlock = cursorBlock;
    this.oldestKnownBlock = oldestKnownBlock;
  }
}

/** A contract call reverted; `errorName`/`args` are decoded from the contract ABI. */
export class ContractRevertError extends AgentError {
  override name = "ContractRevertError";
  /** Custom error name, `Error` for `require(…, "reason")`, `Panic` for panics, or undefined if unknown. */
  readonly errorName: string | undefined;
  /** Decoded arguments by position. */
  readonly args: readonly unknown[];
  /** Decoded arguments by parameter name (only named parameters). */
  readonly namedArgs: Readonly<Record<string, unknown>>;
  /** Raw revert data, if any. */
  readonly data: `0x${string}` | undefined;
  /** Target contract and function. */
  readonly address: `0x${string}` | undefined;
  readonly functionName: string | undefined;
  constructor(p: {
    errorName: string | undefined;
    args: readonly unknown[];
    namedArgs: Record<string, unknown>;
    data: `0x${string}` | undefined;
    address?: `0x${string}`;
    functionName?: string;
    signature: string;
    cause?: unknown;
  }) {
    super(
      p.signature,
      { errorName: p.errorName, args: p.args, address: p.address, functionName: p.functionName },
      {
        cause: p.cause,
      },
    );
    this.errorName = p.errorName;
    this.args = p.args;
    this.namedArgs = p.namedArgs;
    this.data = p.data;
    this.address = p.address;
    this.functionName = p.functionName;
  }
}

/** A transaction was mined but reverted (simulation passed, state changed before inclusion). */
export class TransactionRevertedError extends AgentError {
  override name = "TransactionRevertedError";
  readonly hash: `0x${string}`;
  readonly blockNumber: bigint;
  constructor(hash: `0x${string}`, blockNumber: bigint, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof ContractRevertError ? `: ${options.cause.message}` : "";
    super(`transaction ${hash} reverted in block ${blockNumber}${reason}`, { hash, blockNumber }, options);
    this.hash = hash;
    this.blockNumber = blockNumber;
  }
}

/** No receipt arrived within the sender's overall timeout. */
export class TransactionTimeoutError extends AgentError {
  override name = "TransactionTimeoutError";
  readonly hashes: readonly `0x${string}`[];
  readonly nonce: number;
  constructor(nonce: number, hashes: `0x${string}`[], timeoutMs: number) {
    super(`no receipt for nonce ${nonce} after ${timeoutMs} ms (sent ${hashes.join(", ")})`, { nonce, hashes });
    this.hashes = hashes;
    this.nonce = nonce;
  }
}

/** A handler failed; carries the event that was being handled. */
export class HandlerError extends AgentError {
  override name = "HandlerError";
  readonly jobId: string;
  readonly event: string;
  constructor(jobId: string, event: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`handler ${event} failed for ${jobId}: ${inner}`, { jobId, event }, { cause });
    this.jobId = jobId;
    this.event = event;
  }
}

/**
 * Thrown by a handler or job processor for a failure that no retry will fix (bad input, permanent revert).
 * The runtime turns it into BullMQ's `UnrecoverableError`, so the job fails at once without further attempts.
 */
export class NonRetryableError extends AgentError {
  override name = "NonRetryableError";
}

/** Handler or job registration is inconsistent (unknown contract, event missing from the ABI, duplicate). */
export class RegistrationError extends AgentError {
  override name = "RegistrationError";
}

/** An HTTP route failed on purpose with a status code (4xx). */
export class HttpError extends AgentError {
  override name = "HttpError";
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message, { status, code });
    this.status = status;
    this.code = code;
  }
}
