/** Base class of every error thrown by the staking protocol helpers. */
export class StakingProtocolError extends Error {
  override name = "StakingProtocolError";
  /** One-line summary without the details. */
  readonly shortMessage: string;

  constructor(shortMessage: string, details?: string) {
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage);
    this.shortMessage = shortMessage;
  }
}

/** A byte string has the wrong length. */
export class InvalidLengthError extends StakingProtocolError {
  override name = "InvalidLengthError";
  readonly field: string;
  readonly length: number;
  readonly expected: number;

  constructor({ field, length, expected }: { field: string; length: number; expected: number }) {
    super(`${field} must be ${expected} bytes`, `got ${length} bytes`);
    this.field = field;
    this.length = length;
    this.expected = expected;
  }
}

/** A value is outside the range its field allows. */
export class ValueOutOfRangeError extends StakingProtocolError {
  override name = "ValueOutOfRangeError";
  readonly field: string;
  readonly value: bigint;
  readonly min: bigint;
  readonly max: bigint;

  constructor({ field, value, min, max }: { field: string; value: bigint; min: bigint; max: bigint }) {
    super(`${field} out of range`, `got ${value}, expected ${min}..${max}`);
    this.field = field;
    this.value = value;
    this.min = min;
    this.max = max;
  }
}

/** A string is not a 0x-prefixed hex string (of the given byte length, when one is required). */
export class InvalidHexError extends StakingProtocolError {
  override name = "InvalidHexError";
  readonly field: string;
  readonly value: string;

  constructor({ field, value }: { field: string; value: string }) {
    super(`${field} is not valid hex`, `got ${JSON.stringify(value.slice(0, 80))}`);
    this.field = field;
    this.value = value;
  }
}

/** A validator description field is longer than the contract accepts (UTF-8 bytes). */
export class DescriptionFieldTooLongError extends StakingProtocolError {
  override name = "DescriptionFieldTooLongError";
  readonly field: string;
  readonly length: number;
  readonly maxLength: number;

  constructor({ field, length, maxLength }: { field: string; length: number; maxLength: number }) {
    super(`Description field too long: ${field}`, `${length} bytes, at most ${maxLength}`);
    this.field = field;
    this.length = length;
    this.maxLength = maxLength;
  }
}
