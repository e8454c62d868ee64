/** `zg compute`: every command and subcommand is registered with a description and answers `--help`. */
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { computeCommand } from "../cli/commands/compute.js";

function walk(cmd: Command, prefix: string[] = []): [string, Command][] {
  return cmd.commands.flatMap((c) => [
    [[...prefix, c.name()].join(" "), c] as [string, Command],
    ...walk(c, [...prefix, c.name()]),
  ]);
}

describe("zg compute", () => {
  const all = walk(computeCommand());
  it("has the user and provider commands the issue lists", () => {
    expect(all.map(([n]) => n).sort()).toEqual(
      [
        "acknowledge",
        "balance",
        "chat",
        "deposit",
        "get-secret",
        "list-providers",
        "provider",
        "provider acknowledge-signer",
        "provider register",
        "provider settle",
        "provider status",
        "provider update",
        "refund",
        "retrieve-fund",
        "transfer-fund",
        "verify-receipts",
      ].sort(),
    );
  });

  it.each(all)("%s has a description and --help", (_name, cmd) => {
    expect(cmd.description().length).toBeGreaterThan(10);
    expect(cmd.helpInformation()).toMatch(/^Usage: /);
    expect(cmd.helpInformation()).toContain("-h, --help");
  });
});
