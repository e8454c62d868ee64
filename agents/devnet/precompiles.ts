/**
 * Installs local stand-ins at 0G's fixed precompile addresses on a Hardhat network (`hardhat_setCode`), so
 * contracts and clients that call e.g. the DASigners precompile at 0x…1000 work on the devnet. Each subsystem
 * registers its stand-in here when it lands; the list is the single place that says which exist.
 */
import fs from "node:fs";
import path from "node:path";
import { rpc } from "./services";

export interface PrecompileStandIn {
  /** 0G's name for the precompile. */
  name: string;
  /** The fixed address where 0G's chain provides it. */
  address: `0x${string}`;
  /** The Hardhat artifact (contract name) whose deployed bytecode stands in for it. */
  artifact: string;
}

/** 0G's fixed precompile addresses (see shared reference: DASigners 0x…1000, WrappedOGBase 0x…1002). */
export const ZG_PRECOMPILE_ADDRESSES = {
  DASigners: "0x0000000000000000000000000000000000001000",
  WrappedOGBase: "0x0000000000000000000000000000000000001002",
} as const;

/** Stand-ins that exist today. Subsystems append theirs. */
export const PRECOMPILE_STAND_INS: PrecompileStandIn[] = [];

/** Reads a compiled artifact's deployed bytecode from `artifacts/`. */
export function deployedBytecode(root: string, artifact: string): `0x${string}` {
  const dir = path.join(root, "artifacts", "contracts");
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name === `${artifact}.json`) {
        const code = JSON.parse(fs.readFileSync(p, "utf8")).deployedBytecode as `0x${string}`;
        if (!code || code === "0x")
          throw new Error(`artifact ${artifact} has no deployed bytecode (abstract or interface?)`);
        return code;
      }
    }
  }
  throw new Error(`artifact ${artifact} not found under ${dir}; run \`npm run compile\``);
}

/** Installs each stand-in with `hardhat_setCode` and checks the code landed. Local networks only. */
export async function installPrecompiles(
  rpcUrl: string,
  root: string,
  standIns: PrecompileStandIn[] = PRECOMPILE_STAND_INS,
): Promise<PrecompileStandIn[]> {
  for (const s of standIns) {
    const code = deployedBytecode(root, s.artifact);
    await rpc(rpcUrl, "hardhat_setCode", [s.address, code]);
    const landed = await rpc<string>(rpcUrl, "eth_getCode", [s.address, "latest"]);
    if (landed.toLowerCase() !== code.toLowerCase()) throw new Error(`stand-in ${s.name} did not land at ${s.address}`);
  }
  return standIns;
}
