import { describe, expect, it } from "vitest";
import { solidityPacked } from "ethers";
import { encodeProofOfPossessionMessage } from "./encodeProofOfPossessionMessage";
import { InvalidHexError, InvalidLengthError, ValueOutOfRangeError } from "./errors";
import { POP_MESSAGE_LENGTH } from "./constants";
import { bytesToHex, type Hex } from "./hex";

const base = {
  chainId: 16661n,
  staking: "0xea224dBB52F57752044c0C86aD50930091F561B9" as Hex,
  validator: "0x1111111111111111111111111111111111111111" as Hex,
  operator: "0x2222222222222222222222222222222222222222" as Hex,
  amountInGwei: 500_000_000_000n,
  pubkey: ("0x" + "a1".repeat(48)) as Hex,
};

describe("encodeProofOfPossessionMessage", () => {
  it("equals abi.encodePacked(tag, uint256 chainId, staking, validator, operator, uint64 amount, pubkey)", () => {
    const expected = solidityPacked(
      ["string", "uint256", "address", "address", "address", "uint64", "bytes"],
      ["0G-STAKING-POP-V1", base.chainId, base.staking, base.validator, base.operator, base.amountInGwei, base.pubkey],
    );
    const msg = encodeProofOfPossessionMessage(base);
    expect(msg.length).toBe(POP_MESSAGE_LENGTH);
    expect(POP_MESSAGE_LENGTH).toBe(165);
    expect(bytesToHex(msg)).toBe(expected.toLowerCase());
  });

  it("binds every field", () => {
    const msg = bytesToHex(encodeProofOfPossessionMessage(base));
    const variants = [
      { chainId: 16602n },
      { staking: "0xea224dbb52f57752044c0c86ad50930091f561ba" as Hex },
      { validator: "0x1111111111111111111111111111111111111112" as Hex },
      { operator: "0x2222222222222222222222222222222222222223" as Hex },
      { amountInGwei: 500_000_000_001n },
      { pubkey: ("0x" + "a1".repeat(47) + "a2") as Hex },
    ];
    for (const v of variants) expect(bytesToHex(encodeProofOfPossessionMessage({ ...base, ...v }))).not.toBe(msg);
  });

  it("rejects out-of-range integers, malformed hex and wrong lengths", () => {
    expect(() => encodeProofOfPossessionMessage({ ...base, amountInGwei: 1n << 64n })).toThrow(ValueOutOfRangeError);
    expect(() => encodeProofOfPossessionMessage({ ...base, amountInGwei: -1n })).toThrow(ValueOutOfRangeError);
    expect(() => encodeProofOfPossessionMessage({ ...base, chainId: 1n << 256n })).toThrow(ValueOutOfRangeError);
    expect(() => encodeProofOfPossessionMessage({ ...base, staking: "0x12" as Hex })).toThrow(InvalidLengthError);
    expect(() => encodeProofOfPossessionMessage({ ...base, pubkey: "0xzz" as Hex })).toThrow(InvalidHexError);
    try {
      encodeProofOfPossessionMessage({ ...base, pubkey: "0x00" as Hex });
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidLengthError);
      expect((e as InvalidLengthError).length).toBe(1);
      expect((e as InvalidLengthError).expected).toBe(48);
    }
  });
});
