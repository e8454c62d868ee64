/** Pure parts of the broker: metering arithmetic, the sealed TEE key, the in-memory owed ledger. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recoverMessageAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { countTokens, feeOf, maxCostOf, parseUsage, promptText, requestedMaxTokens } from "./pricing.js";
import { OwedLedger, responseSignatureText } from "./proxy.js";
import { attestationReport, loadOrCreateTeeSigner, sealKey, TeeKeyError, unsealKey } from "./tee-key.js";
import { testAnswer } from "./test-upstream.js";

const prices = { inputPrice: 3n, outputPrice: 7n };

describe("pricing", () => {
  it("fee = input × inputPrice + output × outputPrice", () => {
    expect(feeOf({ inputTokens: 10, outputTokens: 4 }, prices)).toEqual({ inputFee: 30n, outputFee: 28n, fee: 58n });
  });

  it("reads both usage spellings and rejects malformed counts", () => {
    expect(parseUsage({ prompt_tokens: 2, completion_tokens: 3 })).toEqual({ inputTokens: 2, outputTokens: 3 });
    expect(parseUsage({ input_tokens: 5, output_tokens: 1 })).toEqual({ inputTokens: 5, outputTokens: 1 });
    expect(parseUsage({ prompt_tokens: -1, completion_tokens: 3 })).toBeUndefined();
    expect(parseUsage({ prompt_tokens: 1.5, completion_tokens: 3 })).toBeUndefined();
    expect(parseUsage(null)).toBeUndefined();
  });

  it("prompt text covers string and part contents; max tokens prefers max_completion_tokens", () => {
    const body = {
      messages: [{ content: "a b" }, { content: [{ type: "text", text: "c" }] }],
      max_tokens: 9,
      max_completion_tokens: 4,
    };
    expect(promptText(body)).toBe("a b\nc");
    expect(countTokens(promptText(body))).toBe(3);
    expect(requestedMaxTokens(body)).toBe(4);
    expect(requestedMaxTokens({ max_tokens: 0 })).toBeUndefined();
  });

  it("the worst-case cost bounds the test upstream's actual fee (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        (words, maxTokens, cap) => {
          const prompt = words.join(" ");
          const body = { messages: [{ role: "user", content: prompt }], max_tokens: maxTokens };
          const answer = testAnswer(prompt, Math.min(maxTokens, cap));
          const actual = feeOf({ inputTokens: countTokens(prompt), outputTokens: countTokens(answer) }, prices).fee;
          expect(actual).toBeLessThanOrEqual(maxCostOf(body, prices, cap));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("TEE key", () => {
  it("seals and unseals; a wrong secret or a tampered file is refused", () => {
    const pk = generatePrivateKey();
    const sealed = sealKey(pk, "s3cret");
    expect(JSON.stringify(sealed)).not.toContain(pk.slice(2));
    expect(unsealKey(sealed, "s3cret")).toBe(pk);
    expect(() => unsealKey(sealed, "wrong")).toThrow(TeeKeyError);
    const flipped = sealed.cipher.ciphertext.slice(0, -1) + (sealed.cipher.ciphertext.endsWith("0") ? "1" : "0");
    expect(() =>
      unsealKey({ ...sealed, cipher: { ...sealed.cipher, ciphertext: flipped as `0x${string}` } }, "s3cret"),
    ).toThrow(TeeKeyError);
  });

  it("a sealed file keeps the same signer across restarts; no file means a fresh memory-only key", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zg-tee-")), "key.json");
    const a = loadOrCreateTeeSigner({ sealedFile: file, secret: "x" });
    const b = loadOrCreateTeeSigner({ sealedFile: file, secret: "x" });
    expect(a.origin).toBe("generated-sealed");
    expect(b.origin).toBe("unsealed");
    expect(b.address).toBe(a.address);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(() => loadOrCreateTeeSigner({ sealedFile: file })).toThrow(TeeKeyError);
    expect(loadOrCreateTeeSigner().address).not.toBe(loadOrCreateTeeSigner().address);
  });

  it("signs response texts as personal_sign, and the report says it is not hardware-backed", async () => {
    const s = loadOrCreateTeeSigner();
    const text = responseSignatureText({
      chatId: "c",
      provider: s.address,
      user: s.address,
      model: "m",
      requestSha256: "00",
      responseSha256: "11",
      usage: { inputTokens: 1, outputTokens: 2 },
      fee: { inputFee: 1n, outputFee: 2n, fee: 3n },
    });
    expect(await recoverMessageAddress({ message: text, signature: await s.signText(text) })).toBe(s.address);
    const report = attestationReport(s, { provider: s.address, chainId: 1, model: "m" });
    expect(report).toMatchObject({ signing_address: s.address, hardware_backed: false, quote: null });
    expect(privateKeyToAccount(generatePrivateKey()).address).not.toBe(s.address);
  });
});

describe("owed ledger", () => {
  it("reservations and records add up; releases never go below zero (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom("reserve", "release", "add", "subtract"), fc.bigInt({ min: 0n, max: 10n ** 20n })),
          {
            maxLength: 50,
          },
        ),
        (ops) => {
          const l = new OwedLedger();
          let reserved = 0n;
          let unsettled = 0n;
          for (const [op, v] of ops) {
            if (op === "reserve") {
              l.reserve("0xA", v);
              reserved += v;
            } else if (op === "release") {
              l.release("0xa", v);
              reserved = reserved > v ? reserved - v : 0n;
            } else if (op === "add") {
              l.add("0xA", v);
              unsettled += v;
            } else {
              l.subtract("0xa", v);
              unsettled = unsettled > v ? unsettled - v : 0n;
            }
            expect(l.unsettledOf("0xA")).toBe(unsettled);
            expect(l.owed("0xa")).toBe(unsettled + reserved);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
