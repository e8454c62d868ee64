import { ethers } from "hardhat";
import type { BaseContract } from "ethers";
import type { Flow, Market, Reward } from "../../../../typechain";

/** Deploys `name` behind an ERC1967Proxy whose constructor runs `initialize(...args)`; returns the typed proxy. */
export async function deployProxy<T extends BaseContract>(name: string, args: unknown[]): Promise<T> {
  const factory = await ethers.getContractFactory(name);
  const impl = await factory.deploy();
  await impl.waitForDeployment();
  const data = factory.interface.encodeFunctionData("initialize", args);
  const proxyFactory = await ethers.getContractFactory("ERC1967Proxy");
  const proxy = await proxyFactory.deploy(await impl.getAddress(), data);
  await proxy.waitForDeployment();
  return factory.attach(await proxy.getAddress()) as unknown as T;
}

export interface StorageParams {
  pricePerSector: bigint;
  blocksPerEpoch: bigint;
  firstBlock: bigint;
  sectorsPerChunk: bigint;
  releaseSeconds: bigint;
  serviceFeeRateBps: bigint;
  baseReward: bigint;
}

export const DEFAULT_PARAMS: StorageParams = {
  pricePerSector: 7n,
  blocksPerEpoch: 1_000_000n,
  firstBlock: 0n,
  sectorsPerChunk: 1n << 25n,
  releaseSeconds: 3600n,
  serviceFeeRateBps: 0n,
  baseReward: 0n,
};

export interface StorageCore {
  flow: Flow;
  market: Market;
  reward: Reward;
}

/** Deploys Reward, Market and Flow behind proxies and wires the roles (Mine is added by the mine fixture). */
export async function deployStorageCore(
  admin: string,
  treasury: string,
  overrides: Partial<StorageParams> = {},
): Promise<StorageCore> {
  const p = { ...DEFAULT_PARAMS, ...overrides };
  const reward = await deployProxy<Reward>("Reward", [
    admin,
    p.sectorsPerChunk,
    p.releaseSeconds,
    treasury,
    p.serviceFeeRateBps,
    p.baseReward,
  ]);
  const market = await deployProxy<Market>("Market", [admin, p.pricePerSector, await reward.getAddress()]);
  const flow = await deployProxy<Flow>("Flow", [admin, await market.getAddress(), p.blocksPerEpoch, p.firstBlock]);
  await (await reward.grantRole(await reward.MARKET_ROLE(), await market.getAddress())).wait();
  await (await market.grantRole(await market.FLOW_ROLE(), await flow.getAddress())).wait();
  return { flow, market, reward };
}
