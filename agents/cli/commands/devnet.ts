import { Command, InvalidArgumentError } from "commander";
import { runDevnet } from "../../devnet/devnet";
import { projectRoot } from "../root";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`not a TCP port: ${value}`);
  return n;
}

export function devnetCommand(): Command {
  return new Command("devnet")
    .description(
      "run the whole system locally: Hardhat node + Redis on 127.0.0.1, every contract deployed, every agent started; " +
        "prints `devnet ready` when the address book deployments/localhost.json is written and every agent answers",
    )
    .option("-p, --port <port>", "RPC port (default: $DEVNET_PORT or 8545)", port)
    .option("--once", "run the end-to-end scenario, print what each step did, and exit with its status")
    .option("--redis-url <url>", "use this Redis instead of starting one (default: $REDIS_URL)")
    .option("--block-interval <ms>", "mine a block every <ms> milliseconds even without transactions", "1000")
    .option("--address-book <file>", "where to write the address book (default: deployments/localhost.json)")
    .action(
      async (o: { port?: number; once?: boolean; redisUrl?: string; blockInterval: string; addressBook?: string }) => {
        const code = await runDevnet({
          root: projectRoot(),
          port: o.port ?? port(process.env.DEVNET_PORT ?? "8545"),
          once: Boolean(o.once),
          redisUrl: o.redisUrl ?? process.env.REDIS_URL,
          blockIntervalMs: Number(o.blockInterval),
          addressBook: o.addressBook,
          log: (line) => console.log(line),
        });
        process.exit(code);
      },
    );
}
