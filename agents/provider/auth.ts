/**
 * Admission of one request: the session token (format, provider, validity window, signature, generation,
 * revocation bit), the user's ledger and sub-account, the user's acknowledgement of this provider's TEE signer,
 * and enough balance for the request's worst-case cost on top of what is already owed. Every refusal is an
 * {@link AuthFailure} with an HTTP status and a reason code; nothing reaches the upstream before this passes.
 */
import type { Address } from "viem";
import {
  decodeAuthorization,
  SessionTokenError,
  verifySessionToken,
  type DecodedSessionToken,
  type SessionToken,
} from "../protocol/compute/index.js";
import type { AccountCache } from "./accounts.js";

export type AuthReason =
  | "missing_token"
  | "malformed_token"
  | "wrong_provider"
  | "token_not_yet_valid"
  | "token_expired"
  | "ephemeral_too_long"
  | "bad_signature"
  | "wrong_generation"
  | "token_revoked"
  | "no_ledger"
  | "no_sub_account"
  | "not_acknowledged"
  | "provider_not_acknowledged"
  | "insufficient_balance";

/** A refused request: `status` is 401 (token), 402 (money) or 403 (acknowledgement). */
export class AuthFailure extends Error {
  override readonly name = "AuthFailure";
  constructor(
    readonly status: 401 | 402 | 403,
    readonly reason: AuthReason,
    message: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}

const TOKEN_CODES: Record<SessionTokenError["code"], AuthReason> = {
  MALFORMED: "malformed_token",
  WRONG_PROVIDER: "wrong_provider",
  NOT_YET_VALID: "token_not_yet_valid",
  EXPIRED: "token_expired",
  EPHEMERAL_TOO_LONG: "ephemeral_too_long",
  BAD_SIGNATURE: "bad_signature",
  WRONG_GENERATION: "wrong_generation",
  REVOKED: "token_revoked",
};

export interface Admission {
  user: Address;
  token: SessionToken;
}

export interface AuthenticatorOptions {
  provider: Address;
  /** The broker's TEE signer: the owner must have acknowledged it on chain. */
  signer: Address;
  accounts: AccountCache;
  /** Fees owed by the user and not yet settled, plus costs reserved by requests in progress. */
  owed(user: Address): bigint;
  now?: () => number;
  /** Verified signatures kept (by header text) to skip ECDSA recovery on repeat tokens (default 10000). */
  tokenCacheSize?: number;
}

export class Authenticator {
  private readonly verified = new Map<string, SessionToken>();
  constructor(private readonly o: AuthenticatorOptions) {}

  /** Checks the request and returns the user; throws {@link AuthFailure}. */
  async admit(header: string | undefined, maxCost: bigint): Promise<Admission> {
    if (!header) throw new AuthFailure(401, "missing_token", "Authorization: Bearer app-sk-... is required");
    const now = (this.o.now ?? Date.now)();
    const token = await this.verifyToken(header, now);
    const user = token.address;
    if (!(await this.o.accounts.signerTrusted(this.o.signer))) {
      throw new AuthFailure(
        403,
        "provider_not_acknowledged",
        `the TEE signer ${this.o.signer} of provider ${this.o.provider} is not acknowledged on chain`,
      );
    }
    const state = await this.o.accounts.get(user);
    if (state.kind === "no-ledger") throw new AuthFailure(402, "no_ledger", `${user} has no ledger`, user);
    if (state.kind === "no-account") {
      throw new AuthFailure(402, "no_sub_account", `${user} has no sub-account with provider ${this.o.provider}`, user);
    }
    if (BigInt(token.generation) !== state.generation) {
      throw new AuthFailure(
        401,
        "wrong_generation",
        `token generation ${token.generation}, current ${state.generation}`,
      );
    }
    if ((state.revokedBitmap >> BigInt(token.tokenId)) & 1n) {
      throw new AuthFailure(401, "token_revoked", `token id ${token.tokenId} is revoked`, token.tokenId);
    }
    if (!state.acknowledged) {
      throw new AuthFailure(403, "not_acknowledged", `${user} has not acknowledged provider ${this.o.provider}`, user);
    }
    // Coin queued for refund is on its way back to the user: only the rest pays for new requests.
    const spendable = state.balance - state.pendingRefund;
    const owed = this.o.owed(user);
    if (spendable - owed < maxCost) {
      throw new AuthFailure(
        402,
        "insufficient_balance",
        `balance ${state.balance} - pending refund ${state.pendingRefund} - unsettled ${owed} < max cost ${maxCost}`,
        { balance: state.balance.toString(), owed: owed.toString(), maxCost: maxCost.toString() },
      );
    }
    return { user, token };
  }

  /**
   * Format, provider, validity window and signature. The generation and bitmap are checked against the chain by
   * {@link admit}; here they are passed as the token's own so only the stateless checks run.
   */
  async verifyToken(header: string, now: number): Promise<SessionToken> {
    const cached = this.verified.get(header);
    if (cached) {
      if (now >= cached.expiresAt) throw new AuthFailure(401, "token_expired", "token expired", cached.expiresAt);
      if (now < cached.timestamp) throw new AuthFailure(401, "token_not_yet_valid", "issued in the future");
      return cached;
    }
    let decoded: DecodedSessionToken;
    try {
      decoded = decodeAuthorization(header);
    } catch (err) {
      throw this.mapError(err);
    }
    let token: SessionToken;
    try {
      token = await verifySessionToken(decoded, {
        provider: this.o.provider,
        nowMs: now,
        generation: BigInt(decoded.token.generation),
        revokedBitmap: 0n,
      });
    } catch (err) {
      throw this.mapError(err);
    }
    if (this.verified.size >= (this.o.tokenCacheSize ?? 10_000)) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(header, token);
    return token;
  }

  private mapError(err: unknown): AuthFailure {
    if (err instanceof SessionTokenError) return new AuthFailure(401, TOKEN_CODES[err.code], err.message, err.value);
    return new AuthFailure(401, "malformed_token", err instanceof Error ? err.message : String(err));
  }
}
