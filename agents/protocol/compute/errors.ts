/** Why a session token was rejected. */
export type SessionTokenErrorCode =
  | "MALFORMED"
  | "WRONG_PROVIDER"
  | "NOT_YET_VALID"
  | "EXPIRED"
  | "EPHEMERAL_TOO_LONG"
  | "BAD_SIGNATURE"
  | "WRONG_GENERATION"
  | "REVOKED";

/** A session token failed to decode or verify; `value` is the offending value. */
export class SessionTokenError extends Error {
  override readonly name = "SessionTokenError";
  constructor(
    readonly code: SessionTokenErrorCode,
    message: string,
    readonly value?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A settlement input is out of range; `value` is the offending value. */
export class SettlementInputError extends Error {
  override readonly name = "SettlementInputError";
  constructor(
    message: string,
    readonly value: unknown,
  ) {
    super(message);
  }
}
