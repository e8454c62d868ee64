/**
 * The official 0G storage contracts, deployed from the bytecode that ships inside the official SDKs'
 * TypeChain factories. Used as a differential oracle next to ours: same submissions, same results expected.
 */
import path from "node:path";
import { ContractFactory, type Signer, type InterfaceAbi } from "ethers";

interface Factory {
  abi: InterfaceAbi;
  bytecode: string;
}

function sdkFactory(pkg: string, rel: string, name: string): Factory {
  // The SDKs' exports maps hide these files; load them by path.
  const file = path.join(__dirname, "..", "node_modules", pkg, "lib.commonjs", rel);
  return (require(file) as Record<string, Factory>)[name];
}

export const officialFlow128 = () =>
  sdkFactory(
    "@0gfoundation/0g-ts-sdk",
    "contracts/flow/factories/FixedPriceFlow__factory.js",
    "FixedPriceFlow__factory",
  );
export const officialFlow033 = () =>
  sdkFactory("@0glabs/0g-ts-sdk", "contracts/flow/factories/FixedPriceFlow__factory.js", "FixedPriceFlow__factory");
export const officialMarket033 = () =>
  sdkFactory("@0glabs/0g-ts-sdk", "contracts/market/factories/FixedPrice__factory.js", "FixedPrice__factory");
export const officialMarket128 = () =>
  sdkFactory("@0gfoundation/0g-ts-sdk", "contracts/market/factories/FixedPrice__factory.js", "FixedPrice__factory");

/** Init code of a 1-byte contract whose runtime is `00` (STOP): accepts any call and any value. */
export const SINK_INIT_CODE = "0x6001600c60003960016000f300";

export interface OfficialStorage {
  flow: string;
  market: string;
  reward: string;
}

/** Deploys the official FixedPriceFlow + FixedPrice (SDK 1.2.8 bytecode) wired to a sink as reward. */
export async function deployOfficialStorage(
  signer: Signer,
  opts: { pricePerSector: bigint; blocksPerEpoch: bigint },
): Promise<OfficialStorage> {
  const sinkTx = await signer.sendTransaction({ data: SINK_INIT_CODE });
  const sinkRc = await sinkTx.wait();
  const reward = sinkRc!.contractAddress!;
  const M = officialMarket128();
  const F = officialFlow128();
  const market = await new ContractFactory(M.abi, M.bytecode, signer).deploy();
  await market.waitForDeployment();
  const flow = await new ContractFactory(F.abi, F.bytecode, signer).deploy(0n);
  await flow.waitForDeployment();
  const marketAddr = await market.getAddress();
  const flowAddr = await flow.getAddress();
  await (await market.getFunction("initialize")(opts.pricePerSector, flowAddr, reward)).wait();
  await (await flow.getFunction("initialize")(marketAddr, opts.blocksPerEpoch)).wait();
  return { flow: flowAddr, market: marketAddr, reward };
}

/** Deploys the official FixedPriceFlow + FixedPrice from SDK 0.3.3 (the pre-Aug-2024 generation, legacy submit). */
export async function deployOfficialStorage033(
  signer: Signer,
  opts: { pricePerSector: bigint; blocksPerEpoch: bigint },
): Promise<OfficialStorage> {
  const sinkTx = await signer.sendTransaction({ data: SINK_INIT_CODE });
  const reward = (await sinkTx.wait())!.contractAddress!;
  const M = officialMarket033();
  const F = officialFlow033();
  const market = await new ContractFactory(M.abi, M.bytecode, signer).deploy();
  await market.waitForDeployment();
  const flow = await new ContractFactory(F.abi, F.bytecode, signer).deploy(opts.blocksPerEpoch, 0n);
  await flow.waitForDeployment();
  const marketAddr = await market.getAddress();
  const flowAddr = await flow.getAddress();
  await (await market.getFunction("initialize")(opts.pricePerSector, flowAddr, reward)).wait();
  await (await flow.getFunction("initialize")(marketAddr)).wait();
  return { flow: flowAddr, market: marketAddr, reward };
}
