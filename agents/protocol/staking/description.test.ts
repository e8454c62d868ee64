import { describe, expect, it } from "vitest";
import { assertValidDescription } from "./description";
import { DESCRIPTION_LIMITS, BondStatus } from "./constants";
import { DescriptionFieldTooLongError, StakingProtocolError, ValueOutOfRangeError } from "./errors";
import { gweiToWei, percentToPpm, weiToGwei } from "./units";

const ok = { moniker: "m", identity: "", website: "", securityContact: "", details: "" };

describe("assertValidDescription", () => {
  for (const [field, max] of Object.entries(DESCRIPTION_LIMITS)) {
    it(`accepts ${max} bytes of ${field} and rejects ${max + 1}`, () => {
      expect(assertValidDescription({ ...ok, [field]: "x".repeat(max) })).toBeTruthy();
      try {
        assertValidDescription({ ...ok, [field]: "x".repeat(max + 1) });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DescriptionFieldTooLongError);
        expect((e as DescriptionFieldTooLongError).field).toBe(field);
        expect((e as DescriptionFieldTooLongError).length).toBe(max + 1);
        expect((e as DescriptionFieldTooLongError).maxLength).toBe(max);
      }
    });
  }

  it("counts UTF-8 bytes", () => {
    expect(() => assertValidDescription({ ...ok, moniker: "é".repeat(36) })).toThrow(DescriptionFieldTooLongError);
    expect(assertValidDescription({ ...ok, moniker: "é".repeat(35) })).toBeTruthy();
  });
});

describe("units", () => {
  it("converts gwei and wei, refusing fractions of a gwei", () => {
    expect(gweiToWei(500_000_000_000n)).toBe(500n * 10n ** 18n);
    expect(weiToGwei(500n * 10n ** 18n)).toBe(500_000_000_000n);
    expect(() => weiToGwei(1n)).toThrow(StakingProtocolError);
  });

  it("converts percent to parts per million as in 0G's table", () => {
    expect(percentToPpm(0.01)).toBe(100);
    expect(percentToPpm(1)).toBe(10_000);
    expect(percentToPpm(5)).toBe(50_000);
    expect(percentToPpm(10)).toBe(100_000);
    expect(() => percentToPpm(101)).toThrow(ValueOutOfRangeError);
    expect(() => percentToPpm(-1)).toThrow(ValueOutOfRangeError);
  });

  it("numbers bond statuses as 0G's docs do (Bonded = 1)", () => {
    expect(BondStatus.Bonded).toBe(1);
    expect(BondStatus.Unbonded).toBe(3);
  });
});
