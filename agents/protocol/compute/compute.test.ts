import { describe, expect, it } from "vitest";
import { concat, keccak256, stringToBytes, toHex, type Address, type Hex } from "viem";
import { keccak_256 } from "@noble/hashes/sha3.js";
import {
  buildTeeSettlement,
  computeRequestsHash,
  decodeAuthorization,
  encodeAuthorization,
  inferenceDomain,
  inferenceDomainSeparator,
  nextSettlementNonce,
  recoverTeeSettlementSigner,
  serializeSessionToken,
  sessionTokenMessageHash,
  SessionTokenError,
  SettlementInputError,
  signSessionToken,
  signTeeSettlement,
  teeSettlementDigest,
  teeSettlementStructHash,
  totalFeeOf,
  verifySessionToken,
  type SessionToken,
  type TeeSettlementMessage,
} from "./index";

// Hardhat's well-known dev keys #0 and #1 (public test keys).
const KEY0: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEY1: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDR0: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ADDR1: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

// Known answers from the reference notes (§9), computed with ethers v6.
const DOMAIN_SEPARATOR: Hex = "0xa907dc2533af4263d8de8b56adc9778afb1a339941e807a12b2def4d10d6292b";
const DIGEST: Hex = "0xa11c44ddd0e30261310e49b249974acc7fc1f9bd3f416acc87a453c63efb39b2";
const SIGNATURE: Hex =
  "0x1c26d1843931038306f7aaff519c4de5ce2d9110c4a26dc0eadeafdd5d97a44252cf47e2e4b7a8e5b105eaa38f452296db24f4f11e50596ef0ed6706c393e6e01c";
const TEE_TYPEHASH: Hex = "0x6e525043a6c7323bdf60ce222f35127cdd9d8e867ec6350c83fcc254ed18b756";

const domain = inferenceDomain(31337, "0x0165878A594ca255338adfa4d48449f69242Eb8F");
const message: TeeSettlementMessage = {
  requestsHash: keccak256(stringToBytes("x")),
  nonce: 17000000000000000n,
  provider: ADDR1,
  user: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  totalFee: 1000n,
};

// Session-token vector produced by @0gfoundation/0g-compute-ts-sdk@0.9.0 (broker-sdk-vectors.json).
const TOKEN: SessionToken = {
  address: ADDR0,
  provider: ADDR1,
  timestamp: 1750000000000,
  expiresAt: 1750086400000,
  nonce: "1750000000000-abcdef0123456789",
  generation: 0,
  tokenId: 255,
};
const TOKEN_HASH: Hex = "0xe6da07c6e1ba8e1fc43617dcefe0239308bfc4e724a07b065f45352b7fea321d";
const TOKEN_SIG: Hex =
  "0x2c05236747d8eb0ace72c6f892a36483616bac50890335239e38738cbe68e7fc7f44fb3773f349463d35c43ec45d28bba4839331b6c30bd2bdca66c648262ff21b";
const TOKEN_AUTH =
  "Bearer app-sk-eyJhZGRyZXNzIjoiMHhmMzlGZDZlNTFhYWQ4OEY2RjRjZTZhQjg4MjcyNzljZmZGYjkyMjY2IiwicHJvdmlkZXIiOiIweDcwOTk3OTcwQzUxODEyZGMzQTAxMEM3ZDAxYjUwZTBkMTdkYzc5QzgiLCJ0aW1lc3RhbXAiOjE3NTAwMDAwMDAwMDAsImV4cGlyZXNBdCI6MTc1MDA4NjQwMDAwMCwibm9uY2UiOiIxNzUwMDAwMDAwMDAwLWFiY2RlZjAxMjM0NTY3ODkiLCJnZW5lcmF0aW9uIjowLCJ0b2tlbklkIjoyNTV9fDB4MmMwNTIzNjc0N2Q4ZWIwYWNlNzJjNmY4OTJhMzY0ODM2MTZiYWM1MDg5MDMzNTIzOWUzODczOGNiZTY4ZTdmYzdmNDRmYjM3NzNmMzQ5NDYzZDM1YzQzZWM0NWQyOGJiYTQ4MzkzMzFiNmMzMGJkMmJkY2E2NmM2NDgyNjJmZjIxYg==";
const ctx = { provider: ADDR1, nowMs: 1750000001000, generation: 0n, revokedBitmap: 0n };

describe("TEESettlement EIP-712", () => {
  it("computes the reference domain separator", () => {
    expect(inferenceDomainSeparator(domain)).toBe(DOMAIN_SEPARATOR);
  });

  it("computes the reference digest", () => {
    expect(teeSettlementDigest(domain, message)).toBe(DIGEST);
  });

  it("hashes the struct with the reference type hash", () => {
    const encoded = concat([
      TEE_TYPEHASH,
      message.requestsHash,
      toHex(message.nonce, { size: 32 }),
      toHex(BigInt(message.provider), { size: 32 }),
      toHex(BigInt(message.user), { size: 32 }),
      toHex(message.totalFee, { size: 32 }),
    ]);
    expect(teeSettlementStructHash(message)).toBe(keccak256(encoded));
  });

  it("signs like ethers and recovers the signer", async () => {
    const sig = await signTeeSettlement(KEY1, domain, message);
    expect(sig).toBe(SIGNATURE);
    expect(await recoverTeeSettlementSigner(domain, message, sig)).toBe(ADDR1);
  });

  it("builds a calldata item in calldata order", async () => {
    const item = await buildTeeSettlement(KEY1, domain, message);
    expect(Object.keys(item)).toEqual(["user", "provider", "totalFee", "requestsHash", "nonce", "signature"]);
    expect(item.signature).toBe(SIGNATURE);
  });

  it("a different chain id changes the digest", () => {
    expect(teeSettlementDigest(inferenceDomain(16661, domain.verifyingContract), message)).not.toBe(DIGEST);
  });

  it("rejects out-of-range inputs", () => {
    expect(() => teeSettlementDigest(domain, { ...message, nonce: -1n })).toThrow(SettlementInputError);
    expect(() => teeSettlementDigest(domain, { ...message, totalFee: 1n << 256n })).toThrow(SettlementInputError);
    expect(() => teeSettlementDigest(domain, { ...message, requestsHash: "0x12" })).toThrow(SettlementInputError);
  });
});

describe("nextSettlementNonce", () => {
  it("never goes below the wall-clock nonce", () => {
    expect(nextSettlementNonce(0n, 1_700_000_000_500)).toBe(17_000_000_000_000_000n);
  });
  it("is strictly above the last nonce within the same second", () => {
    const first = nextSettlementNonce(0n, 1_700_000_000_000);
    expect(nextSettlementNonce(first, 1_700_000_000_999)).toBe(first + 1n);
  });
  it("rejects a negative nonce", () => {
    expect(() => nextSettlementNonce(-1n, 0)).toThrow(SettlementInputError);
  });
});

describe("requestsHash", () => {
  const reqs = [
    { requestHash: "0xaa", userAddress: ADDR0, fee: "30", inputFee: "10", outputFee: "20" },
    { requestHash: "0xbb", userAddress: ADDR0, fee: "5", inputFee: "5", outputFee: "0" },
  ];
  it("hashes the concatenated UTF-8 text of every request", () => {
    const text = `0xaa${ADDR0}3010200xbb${ADDR0}550`;
    const expected = `0x${Buffer.from(keccak_256(new TextEncoder().encode(text))).toString("hex")}`;
    expect(computeRequestsHash(reqs)).toBe(expected);
  });
  it("depends on request order", () => {
    expect(computeRequestsHash(reqs)).not.toBe(computeRequestsHash([reqs[1], reqs[0]]));
  });
  it("sums the fees", () => {
    expect(totalFeeOf(reqs)).toBe(35n);
  });
  it("rejects non-decimal fees", () => {
    expect(() => computeRequestsHash([{ ...reqs[0], fee: "0x1e" }])).toThrow(SettlementInputError);
    expect(() => totalFeeOf([{ ...reqs[0], fee: "-1" }])).toThrow(SettlementInputError);
  });
});

describe("session token (app-sk- Bearer)", () => {
  it("serialises in the SDK's key order and hashes to the SDK vector", () => {
    expect(sessionTokenMessageHash(serializeSessionToken(TOKEN))).toBe(TOKEN_HASH);
  });

  it("signs exactly like the SDK", async () => {
    expect(await signSessionToken(KEY0, TOKEN)).toBe(TOKEN_AUTH);
  });

  it("encodes and decodes the SDK header", () => {
    const decoded = decodeAuthorization(TOKEN_AUTH);
    expect(decoded.token).toEqual(TOKEN);
    expect(decoded.signature).toBe(TOKEN_SIG);
    expect(encodeAuthorization(decoded.json, decoded.signature)).toBe(TOKEN_AUTH);
    expect(decodeAuthorization(TOKEN_AUTH.replace("Bearer ", "")).token).toEqual(TOKEN);
  });

  it("verifies the SDK token", async () => {
    await expect(verifySessionToken(decodeAuthorization(TOKEN_AUTH), ctx)).resolves.toEqual(TOKEN);
  });

  const reject = async (auth: string, c: typeof ctx, code: string) => {
    const err = await verifySessionToken(decodeAuthorization(auth), c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionTokenError);
    expect((err as SessionTokenError).code).toBe(code);
  };

  it("rejects a token for another provider", () => reject(TOKEN_AUTH, { ...ctx, provider: ADDR0 }, "WRONG_PROVIDER"));
  it("rejects an expired token", () => reject(TOKEN_AUTH, { ...ctx, nowMs: TOKEN.expiresAt }, "EXPIRED"));
  it("rejects a token from the future", () =>
    reject(TOKEN_AUTH, { ...ctx, nowMs: TOKEN.timestamp - 1 }, "NOT_YET_VALID"));
  it("rejects an old generation", () => reject(TOKEN_AUTH, { ...ctx, generation: 1n }, "WRONG_GENERATION"));
  it("rejects a revoked token id", () => reject(TOKEN_AUTH, { ...ctx, revokedBitmap: 1n << 255n }, "REVOKED"));

  it("rejects an ephemeral token living longer than 24 h", async () => {
    const auth = await signSessionToken(KEY0, { ...TOKEN, expiresAt: TOKEN.timestamp + 86_400_001 });
    await reject(auth, ctx, "EPHEMERAL_TOO_LONG");
  });

  it("accepts a long-lived persistent key but not once revoked", async () => {
    const auth = await signSessionToken(KEY0, { ...TOKEN, tokenId: 3, expiresAt: TOKEN.timestamp + 30 * 86_400_000 });
    await expect(verifySessionToken(decodeAuthorization(auth), ctx)).resolves.toMatchObject({ tokenId: 3 });
    await reject(auth, { ...ctx, revokedBitmap: 1n << 3n }, "REVOKED");
  });

  it("rejects a token signed by someone else", async () => {
    const json = serializeSessionToken(TOKEN);
    const forged = await signSessionToken(KEY1, TOKEN);
    const sig = decodeAuthorization(forged).signature;
    await reject(encodeAuthorization(json, sig), ctx, "BAD_SIGNATURE");
  });

  it("rejects a tampered token", async () => {
    const json = serializeSessionToken({ ...TOKEN, generation: 1 });
    await reject(encodeAuthorization(json, TOKEN_SIG), { ...ctx, generation: 1n }, "BAD_SIGNATURE");
  });

  it("rejects malformed headers", () => {
    const bad = (s: string) => {
      const err = (() => {
        try {
          decodeAuthorization(s);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(SessionTokenError);
      expect((err as SessionTokenError).code).toBe("MALFORMED");
    };
    bad("Bearer sk-abc");
    bad(`Bearer app-sk-${Buffer.from("no-bar").toString("base64")}`);
    bad(`Bearer app-sk-${Buffer.from(`{}|${TOKEN_SIG}`).toString("base64")}`);
    bad(`Bearer app-sk-${Buffer.from(`not json|${TOKEN_SIG}`).toString("base64")}`);
    bad(`Bearer app-sk-${Buffer.from(`${serializeSessionToken(TOKEN)}|0x1234`).toString("base64")}`);
    bad(
      `Bearer app-sk-${Buffer.from(`${serializeSessionToken({ ...TOKEN, tokenId: 256 })}|${TOKEN_SIG}`).toString("base64")}`,
    );
  });
});
