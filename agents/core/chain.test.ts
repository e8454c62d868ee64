import { describe, expect, it } from "vitest";
import { createClients, getChain, hardhatLocal, zgGalileo, zgMainnet } from "./chain.js";
import { HARDHAT_KEYS } from "./testing/hardhat.js";

describe("chains and clients", () => {
  it("knows the local, Galileo and mainnet chains", () => {
    expect(getChain(31337)).toBe(hardhatLocal);
    expect(getChain(16602).rpcUrls.default.http).toEqual(["https://evmrpc-testnet.0g.ai"]);
    expect(getChain(16661).rpcUrls.default.http).toEqual(["https://evmrpc.0g.ai"]);
    expect([zgGalileo.id, zgMainnet.id]).toEqual([16602, 16661]);
    expect(zgGalileo.nativeCurrency).toEqual({ name: "0G", symbol: "0G", decimals: 18 });
  });

  it("uses the configured RPC URL and builds a generic chain for unknown ids", () => {
    expect(getChain(16602, "http://10.0.0.1:8545").rpcUrls.default.http).toEqual(["http://10.0.0.1:8545"]);
    const devnet = getChain(4242, "http://127.0.0.1:9999");
    expect(devnet.id).toBe(4242);
    expect(devnet.rpcUrls.default.http).toEqual(["http://127.0.0.1:9999"]);
  });

  it("creates a wallet client only with a key, from privateKeyToAccount", () => {
    const ro = createClients({ rpcUrl: "http://127.0.0.1:1", chainId: 31337 });
    expect(ro.walletClient).toBeUndefined();
    const rw = createClients({ rpcUrl: "http://127.0.0.1:1", chainId: 16602, privateKey: HARDHAT_KEYS[0] });
    expect(rw.account?.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(rw.walletClient?.chain.id).toBe(16602);
  });
});
