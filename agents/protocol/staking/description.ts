import { DESCRIPTION_LIMITS } from "./constants";
import { DescriptionFieldTooLongError } from "./errors";

/** The validator description struct of `IStakingContract`. */
export interface ValidatorDescription {
  moniker: string;
  identity: string;
  website: string;
  securityContact: string;
  details: string;
}

/**
 * Checks a description against the contract's limits (UTF-8 byte lengths: moniker 70, identity 100,
 * website 140, securityContact 140, details 200) and throws the first violation.
 * @param description - Description to check.
 * @returns The same description.
 * @example
 * assertValidDescription({ moniker: "val", identity: "", website: "", securityContact: "", details: "" });
 */
export function assertValidDescription(description: ValidatorDescription): ValidatorDescription {
  for (const field of Object.keys(DESCRIPTION_LIMITS) as (keyof typeof DESCRIPTION_LIMITS)[]) {
    const length = new TextEncoder().encode(description[field]).length;
    const maxLength = DESCRIPTION_LIMITS[field];
    if (length > maxLength) throw new DescriptionFieldTooLongError({ field, length, maxLength });
  }
  return description;
}
