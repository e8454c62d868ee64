/**
 * Typed errors of the INFT protocol code. Each carries the offending values, so callers (the oracle agent, the
 * CLI) can report them without parsing messages. None of them is worth retrying: the same input fails again.
 */
export class InftError extends Error {
  override name = "InftError";
  /** One-line summary without the labelled values. */
  readonly shortMessage: string;
  /** Labelled values, e.g. "Length: 31". */
  readonly metaMessages: readonly string[];

  constructor(shortMessage: string, metaMessages: readonly string[] = [], options?: { cause?: unknown }) {
    super([shortMessage, ...metaMessages].join("\n"), options);
    this.shortMessage = shortMessage;
    this.metaMessages = metaMessages;
  }
}

/** A key (data key or secp256k1 secret key) has the wrong length. */
export class InvalidKeyLengthError extends InftError {
  override name = "InvalidKeyLengthError";
  readonly length: number;
  readonly expected: number;
  constructor({ length, expected, what }: { length: number; expected: number; what: string }) {
    super(`${what} must be ${expected} bytes.`, [`Length: ${length}`, `Expected: ${expected}`]);
    this.length = length;
    this.expected = expected;
  }
}

/** A byte string starts with a format version this code does not know. */
export class UnsupportedVersionError extends InftError {
  override name = "UnsupportedVersionError";
  readonly version: number;
  readonly supported: number;
  constructor({ version, supported, format }: { version: number; supported: number; format: string }) {
    super(`Unsupported ${format} version.`, [`Version: ${version}`, `Supported: ${supported}`]);
    this.version = version;
    this.supported = supported;
  }
}

/** A ciphertext or sealed key is shorter than its fixed header and tag. */
export class MalformedCiphertextError extends InftError {
  override name = "MalformedCiphertextError";
  readonly length: number;
  readonly minimum: number;
  constructor({ length, minimum, format }: { length: number; minimum: number; format: string }) {
    super(`Malformed ${format}: too short.`, [`Length: ${length}`, `Minimum: ${minimum}`]);
    this.length = length;
    this.minimum = minimum;
  }
}

/** AES-256-GCM authentication failed: wrong key, wrong associated data or tampered bytes. */
export class DecryptionFailedError extends InftError {
  override name = "DecryptionFailedError";
  constructor({ format, cause }: { format: string; cause?: unknown }) {
    super(`Cannot decrypt ${format}: wrong key or tampered data.`, [], { cause });
  }
}

/** A secp256k1 public key is not 33, 64 or 65 bytes, or not a point on the curve. */
export class InvalidPublicKeyError extends InftError {
  override name = "InvalidPublicKeyError";
  readonly length: number;
  constructor({ length, cause }: { length: number; cause?: unknown }) {
    super(
      "Invalid secp256k1 public key.",
      [`Length: ${length}`, "Expected: 33 (compressed), 65 (0x04‖x‖y) or 64 (x‖y)"],
      {
        cause,
      },
    );
    this.length = length;
  }
}

/** A proof field is out of range (e.g. deadline too far ahead, duplicate oracle signer). */
export class InvalidProofFieldError extends InftError {
  override name = "InvalidProofFieldError";
  readonly field: string;
  readonly value: string;
  constructor({ field, value, reason }: { field: string; value: string; reason: string }) {
    super(`Invalid proof field "${field}": ${reason}.`, [`Value: ${value}`]);
    this.field = field;
    this.value = value;
  }
}
