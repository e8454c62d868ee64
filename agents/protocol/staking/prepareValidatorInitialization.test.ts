import { describe, expect, it } from "vitest";
import { decodeFunctionData, toFunctionSelector } from "viem";
import {
  createAndInitializeValidatorIfNecessaryAbi,
  prepareValidatorInitialization,
} from "./prepareValidatorInitialization";
import { generateConsensusKey } from "./consensusKey";
import { verifyProofOfPossession } from "./signProofOfPossession";
import { DescriptionFieldTooLongError, StakingProtocolError, ValueOutOfRangeError } from "./errors";
import type { Hex } from "./hex";

const key = generateConsensusKey(new Uint8Array(48).fill(5));
const base = {
  secretKey: key.secretKey,
  chainId: 31337n,
  staking: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex,
  validator: "0x1111111111111111111111111111111111111111" as Hex,
  operator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Hex,
  value: 500n * 10n ** 18n,
  description: { moniker: "v", identity: "", website: "", securityContact: "", details: "" },
  commissionRate: 50_000,
  withdrawalFeeInGwei: 1n,
};

describe("prepareValidatorInitialization", () => {
  it("encodes the documented call (selector 0xe7740331) with a valid proof of possession", () => {
    const tx = prepareValidatorInitialization(base);
    expect(toFunctionSelector(createAndInitializeValidatorIfNecessaryAbi[0])).toBe("0xe7740331");
    expect(tx.data.slice(0, 10)).toBe("0xe7740331");
    expect(tx.to).toBe(base.staking);
    expect(tx.value).toBe(base.value);
    const decoded = decodeFunctionData({
      abi: createAndInitializeValidatorIfNecessaryAbi,
      data: tx.data as `0x${string}`,
    });
    expect(decoded.args[0]).toEqual(base.description);
    expect(decoded.args[1]).toBe(50_000);
    expect(decoded.args[2]).toBe(1n);
    expect(decoded.args[3]).toBe(key.pubkey);
    expect(decoded.args[4]).toBe(tx.signature);
    expect(
      verifyProofOfPossession({
        chainId: base.chainId,
        staking: base.staking,
        validator: base.validator,
        operator: base.operator,
        amountInGwei: 500_000_000_000n,
        pubkey: tx.pubkey,
        signature: tx.signature,
      }),
    ).toBe(true);
  });

  it("rejects what the contract would reject", () => {
    expect(() => prepareValidatorInitialization({ ...base, value: base.value + 1n })).toThrow(StakingProtocolError);
    expect(() => prepareValidatorInitialization({ ...base, commissionRate: 1_000_001 })).toThrow(ValueOutOfRangeError);
    expect(() => prepareValidatorInitialization({ ...base, commissionRate: 0.5 })).toThrow(ValueOutOfRangeError);
    expect(() => prepareValidatorInitialization({ ...base, withdrawalFeeInGwei: 1n << 96n })).toThrow(
      ValueOutOfRangeError,
    );
    expect(() =>
      prepareValidatorInitialization({ ...base, description: { ...base.description, details: "d".repeat(201) } }),
    ).toThrow(DescriptionFieldTooLongError);
  });
});
