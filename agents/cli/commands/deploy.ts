import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, Option } from "commander";
import { addressBookPath, writeAddressBook } from "../../core/address-book";
import { spawnManaged } from "../../devnet/processes";
import { projectRoot } from "../root";

const RPC_URLS: Record<string, string> = {
  zgTestnet: process.env.ZG_TESTNET_RPC ?? "https://evmrpc-testnet.0g.ai",
  zgMainnet: process.env.ZG_MAINNET_RPC ?? "https://evmrpc.0g.ai",
};

export function deployCommand(): Command {
  return new Command("deploy")
    .description(
      "deploy every contract with Ignition (ignition/modules/System.ts) and write deployments/<network>.json",
    )
    .addOption(
      new Option("-n, --network <name>", "Hardhat network")
        .choices(["localhost", "zgTestnet", "zgMainnet"])
        .makeOptionMandatory(),
    )
    .option(
      "--parameters <file>",
      "Ignition parameters JSON (default: none; ignition/parameters/devnet.json suits localhost)",
    )
    .option("--deployment-id <id>", "Ignition deployment id (keeps its journal under ignition/deployments/<id>)")
    .addHelpText(
      "after",
      "\nThe deployer key comes from $ZG_DEPLOYER_KEY for zgTestnet and zgMainnet; localhost uses Hardhat account #0.",
    )
    .action(async (o: { network: string; parameters?: string; deploymentId?: string }) => {
      const root = projectRoot();
      if (o.network !== "localhost" && !process.env.ZG_DEPLOYER_KEY) {
        console.error(`deploy: ZG_DEPLOYER_KEY is not set; it is required for ${o.network}`);
        process.exit(2);
      }
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zg-deploy-")), "deployed.json");
      const proc = spawnManaged(
        "deploy",
        path.join(root, "node_modules", ".bin", "hardhat"),
        ["run", "--network", o.network, "scripts/deploy-system.ts"],
        {
          cwd: root,
          echo: true,
          env: {
            ...process.env,
            ZG_DEPLOY_OUT: out,
            ...(o.parameters ? { ZG_IGNITION_PARAMS: path.resolve(o.parameters) } : {}),
            ...(o.deploymentId ? { ZG_DEPLOYMENT_ID: o.deploymentId } : {}),
          },
        },
      );
      const code = await proc.exited;
      if (code !== 0) process.exit(code);
      const deployed = JSON.parse(fs.readFileSync(out, "utf8")) as {
        chainId: number;
        contracts: Record<string, `0x${string}`>;
      };
      const rpcUrl = RPC_URLS[o.network] ?? `http://127.0.0.1:${process.env.DEVNET_PORT ?? "8545"}`;
      const file = addressBookPath(root, o.network);
      writeAddressBook(file, {
        chainId: deployed.chainId,
        rpcUrl,
        contracts: deployed.contracts,
        agents: {},
        accounts: {},
      });
      console.log(
        `deployed ${Object.keys(deployed.contracts).length} contracts to ${o.network} (chainId ${deployed.chainId}); address book ${path.relative(root, file)}`,
      );
    });
}
