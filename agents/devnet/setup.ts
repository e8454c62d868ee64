/**
 * Devnet set-up steps: run once after the system is deployed and the address book is written, before any agent
 * starts (for example validators and funded pools that agents act on). Each returns one line for the log.
 * Subsystems add their step here when it lands.
 */
import type { AddressBook as AddressBookData } from "../core/address-book";
import { stakingDevnetSetup } from "../keepers/staking/devnet";

export interface DevnetSetupStep {
  name: string;
  run(ctx: { root: string; book: AddressBookData; stateDir: string }): Promise<string>;
}

export const DEVNET_SETUP: DevnetSetupStep[] = [stakingDevnetSetup];
