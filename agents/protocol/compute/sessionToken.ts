import { getAddress, isAddress, keccak256, recoverMessageAddress, stringToBytes, type Address, type Hex } from "viem";
import { signMessage } from "viem/accounts";
import { SessionTokenError } from "./errors";

/** Prefix of the Bearer secret the official SDK (0.9.0) sends. */
export const SESSION_TOKEN_PREFIX = "app-sk-";
/** tokenId of an ephemeral token (not revocable one by one, valid at most 24 h). */
export const EPHEMERAL_TOKEN_ID = 255;
/** Longest lifetime of an ephemeral token, in milliseconds. */
export const MAX_EPHEMERAL_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * The signed session token. Key order matters: the signature covers the exact JSON text, which the SDK
 * writes in this order.
 */
export interface SessionToken {
  address: Address;
  provider: Address;
  /** Issue time, unix milliseconds. */
  timestamp: number;
  /** Expiry, unix milliseconds. */
  expiresAt: number;
  nonce: string;
  /** Must equal InferenceServing `getAccount(user, provider).generation`. */
  generation: number;
  /** 0-254 persistent API keys; 255 ephemeral. */
  tokenId: number;
}

/** A decoded `Authorization` header: the token, the exact JSON that was signed and the signature. */
export interface DecodedSessionToken {
  token: SessionToken;
  json: string;
  signature: Hex;
}

/** On-chain state and clock a provider checks a token against. */
export interface SessionTokenContext {
  /** The provider serving the request (this broker). */
  provider: Address;
  nowMs: number;
  /** `getAccount(user, provider).generation`. */
  generation: bigint;
  /** `getAccount(user, provider).revokedBitmap`. */
  revokedBitmap: bigint;
}

/** The JSON text the SDK signs, keys in the SDK's order. */
export function serializeSessionToken(t: SessionToken): string {
  return JSON.stringify({
    address: t.address,
    provider: t.provider,
    timestamp: t.timestamp,
    expiresAt: t.expiresAt,
    nonce: t.nonce,
    generation: t.generation,
    tokenId: t.tokenId,
  });
}

/** keccak256 of the token JSON; the user signs these 32 bytes with `personal_sign`. */
export function sessionTokenMessageHash(json: string): Hex {
  return keccak256(stringToBytes(json));
}

/** The `Authorization` header value for a signed token. */
export function encodeAuthorization(json: string, signature: Hex): string {
  return `Bearer ${SESSION_TOKEN_PREFIX}${Buffer.from(`${json}|${signature}`, "utf8").toString("base64")}`;
}

/** Signs `token` with the user's key and returns the `Authorization` header value. */
export async function signSessionToken(privateKey: Hex, token: SessionToken): Promise<string> {
  const json = serializeSessionToken(token);
  const signature = await signMessage({ privateKey, message: { raw: sessionTokenMessageHash(json) } });
  return encodeAuthorization(json, signature);
}

/** Parses an `Authorization` header (or the bare `app-sk-…` secret) without checking the signature. */
export function decodeAuthorization(header: string): DecodedSessionToken {
  let secret = header.trim();
  if (/^bearer\s+/i.test(secret)) secret = secret.replace(/^bearer\s+/i, "");
  if (!secret.startsWith(SESSION_TOKEN_PREFIX)) {
    throw new SessionTokenError("MALFORMED", `secret does not start with ${SESSION_TOKEN_PREFIX}`, header);
  }
  const raw = Buffer.from(secret.slice(SESSION_TOKEN_PREFIX.length), "base64").toString("utf8");
  const bar = raw.lastIndexOf("|");
  if (bar < 0) throw new SessionTokenError("MALFORMED", "no '|' between token and signature", raw);
  const json = raw.slice(0, bar);
  const signature = raw.slice(bar + 1);
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new SessionTokenError("MALFORMED", "signature is not 65 bytes of hex", signature);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new SessionTokenError("MALFORMED", "token is not JSON", json);
  }
  return { token: toToken(parsed), json, signature: signature as Hex };
}

/**
 * Checks a decoded token the way a provider must before serving: it names this provider, it is within its
 * validity window, an ephemeral token lives at most 24 h, the signature recovers to `token.address`, the
 * generation is current and the token id is not revoked. Returns the token; throws {@link SessionTokenError}.
 */
export async function verifySessionToken(
  decoded: DecodedSessionToken,
  ctx: SessionTokenContext,
): Promise<SessionToken> {
  const { token, json, signature } = decoded;
  if (getAddress(token.provider) !== getAddress(ctx.provider)) {
    throw new SessionTokenError("WRONG_PROVIDER", "token is for another provider", token.provider);
  }
  if (ctx.nowMs < token.timestamp)
    throw new SessionTokenError("NOT_YET_VALID", "issued in the future", token.timestamp);
  if (ctx.nowMs >= token.expiresAt) throw new SessionTokenError("EXPIRED", "token expired", token.expiresAt);
  if (token.tokenId === EPHEMERAL_TOKEN_ID && token.expiresAt - token.timestamp > MAX_EPHEMERAL_LIFETIME_MS) {
    throw new SessionTokenError("EPHEMERAL_TOO_LONG", "ephemeral token lives longer than 24 h", token.expiresAt);
  }
  let signer: Address;
  try {
    signer = await recoverMessageAddress({ message: { raw: sessionTokenMessageHash(json) }, signature });
  } catch {
    throw new SessionTokenError("BAD_SIGNATURE", "signature does not recover", signature);
  }
  if (signer !== getAddress(token.address)) {
    throw new SessionTokenError("BAD_SIGNATURE", "signature is not the token owner's", signer);
  }
  if (BigInt(token.generation) !== ctx.generation) {
    throw new SessionTokenError("WRONG_GENERATION", `current generation is ${ctx.generation}`, token.generation);
  }
  if ((ctx.revokedBitmap >> BigInt(token.tokenId)) & 1n) {
    throw new SessionTokenError("REVOKED", "token id is revoked", token.tokenId);
  }
  return token;
}

function toToken(v: unknown): SessionToken {
  if (typeof v !== "object" || v === null) throw new SessionTokenError("MALFORMED", "token is not an object", v);
  const o = v as Record<string, unknown>;
  const address = o.address;
  const provider = o.provider;
  if (typeof address !== "string" || !isAddress(address, { strict: false })) {
    throw new SessionTokenError("MALFORMED", "bad address", address);
  }
  if (typeof provider !== "string" || !isAddress(provider, { strict: false })) {
    throw new SessionTokenError("MALFORMED", "bad provider", provider);
  }
  for (const k of ["timestamp", "expiresAt", "generation", "tokenId"] as const) {
    const n = o[k];
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new SessionTokenError("MALFORMED", `${k} is not a non-negative integer`, n);
    }
  }
  if (typeof o.nonce !== "string") throw new SessionTokenError("MALFORMED", "nonce is not a string", o.nonce);
  if ((o.tokenId as number) > EPHEMERAL_TOKEN_ID) {
    throw new SessionTokenError("MALFORMED", "tokenId above 255", o.tokenId);
  }
  return {
    address: address as Address,
    provider: provider as Address,
    timestamp: o.timestamp as number,
    expiresAt: o.expiresAt as number,
    nonce: o.nonce,
    generation: o.generation as number,
    tokenId: o.tokenId as number,
  };
}
