/**
 * Deploys the whole system (ignition/modules/System.ts) with Ignition to the network Hardhat was started with
 * (`hardhat run --network <name> scripts/deploy-system.ts`) and writes the proxy addresses that users call,
 * by their address-book names, to the JSON file named in ZG_DEPLOY_OUT.
 *
 * Environment: ZG_DEPLOY_OUT (required), ZG_IGNITION_PARAMS (a parameters JSON file), ZG_DEPLOYMENT_ID.
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import SystemModule from "../ignition/modules/System";

async function main(): Promise<void> {
  const out = process.env.ZG_DEPLOY_OUT;
  if (!out) throw new Error("ZG_DEPLOY_OUT is required: the file to write the deployed addresses to");
  const paramsFile = process.env.ZG_IGNITION_PARAMS;
  const parameters = paramsFile ? JSON.parse(fs.readFileSync(paramsFile, "utf8")) : {};
  const deploymentId = process.env.ZG_DEPLOYMENT_ID;
  const result = await hre.ignition.deploy(SystemModule, {
    parameters,
    deploymentId,
    displayUi: false,
  });
  const contracts: Record<string, string> = {};
  for (const [name, contract] of Object.entries(result)) {
    contracts[name] = await (contract as { getAddress(): Promise<string> }).getAddress();
  }
  const { chainId } = await hre.ethers.provider.getNetwork();
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ chainId: Number(chainId), contracts }, null, 2));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
