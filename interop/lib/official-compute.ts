/**
 * The official 0G compute serving contracts (LedgerManager + InferenceServing), deployed from the bytecode that
 * ships inside @0gfoundation/0g-compute-ts-sdk@0.9.0's TypeChain factories, next to ours deployed the same way
 * from our Hardhat artifacts. Used as a differential oracle (interop/compute-vs-official.test.ts) and for the
 * settlement gas comparison (interop/compute-vs-official.bench.ts).
 *
 * The official implementation contracts lock themselves in their constructor: calling `initialize` on them reverts
 * `AlreadyInitialized()` (their public `initialized()` getter still reads false; the differential test checks both).
 * So, as 0G deploys them, each runs behind a proxy whose storage starts fresh. Their state lives in plain sequential
 * slots and they need no UUPS hooks, so an OpenZeppelin `ERC1967Proxy` that runs `initialize` in its constructor
 * serves: the same proxy we deploy ours behind, which keeps the gas comparison fair (both pay one DELEGATECALL hop
 * per call).
 *
 * Everything here uses the interop package's ethers 6.13.1, the version the official SDK pins.
 */
import fs from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, type InterfaceAbi, type Signer, type Wallet } from "ethers";

interface Factory {
  abi: InterfaceAbi;
  bytecode: string;
}

const SDK = path.join(__dirname, "..", "node_modules", "@0gfoundation", "0g-compute-ts-sdk", "lib.commonjs");
const ROOT = path.join(__dirname, "..", "..");

function sdkFactory(rel: string, name: string): Factory {
  // The SDK's exports map hides these files; load them by path.
  return (require(path.join(SDK, rel)) as Record<string, Factory>)[name];
}

/** The official LedgerManager factory (ABI + creation bytecode) from SDK 0.9.0. */
export const officialLedgerManager = () =>
  sdkFactory("ledger/contract/typechain/factories/LedgerManager__factory.js", "LedgerManager__factory");
/** The official InferenceServing factory (ABI + creation bytecode) from SDK 0.9.0. */
export const officialInferenceServing = () =>
  sdkFactory("inference/contract/typechain/factories/InferenceServing__factory.js", "InferenceServing__factory");

/** One of our Hardhat artifacts (run `npx hardhat compile` first). */
export function ourArtifact(sourcePath: string, name: string): Factory {
  const file = path.join(ROOT, "artifacts", sourcePath, `${name}.json`);
  const a = JSON.parse(fs.readFileSync(file, "utf8")) as Factory;
  return { abi: a.abi, bytecode: a.bytecode };
}

export const erc1967Proxy = () => ourArtifact("@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol", "ERC1967Proxy");
export const ourLedgerManager = () => ourArtifact("contracts/compute/LedgerManager.sol", "LedgerManager");
export const ourInferenceServing = () => ourArtifact("contracts/compute/InferenceServing.sol", "InferenceServing");

export interface ComputePair {
  /** The LedgerManager proxy. */
  ledger: string;
  /** The InferenceServing proxy. */
  serving: string;
  ledgerImpl: string;
  servingImpl: string;
}

async function deployed(f: Factory, signer: Signer, args: unknown[] = []): Promise<string> {
  const c = await new ContractFactory(f.abi, f.bytecode, signer).deploy(...args);
  await c.waitForDeployment();
  return c.getAddress();
}

/** Deploys `impl` behind an ERC1967Proxy whose constructor calls `initialize(...initArgs)`. */
async function behindProxy(
  impl: Factory,
  signer: Signer,
  initArgs: unknown[],
): Promise<{ impl: string; proxy: string }> {
  const implAddr = await deployed(impl, signer);
  const data = new Contract(implAddr, impl.abi).interface.encodeFunctionData("initialize", initArgs);
  const proxy = await deployed(erc1967Proxy(), signer, [implAddr, data]);
  return { impl: implAddr, proxy };
}

async function deployPair(
  signer: Signer,
  ledgerF: Factory,
  servingF: Factory,
  lockTime: bigint,
  recommend: boolean,
): Promise<ComputePair> {
  const owner = await signer.getAddress();
  const ledger = await behindProxy(ledgerF, signer, [owner]);
  const serving = await behindProxy(servingF, signer, [lockTime, ledger.proxy, owner]);
  const lm = new Contract(ledger.proxy, ledgerF.abi, signer);
  await (await lm.getFunction("registerService")("inference", "v1.0", serving.proxy, "inference serving")).wait();
  if (recommend) await (await lm.getFunction("setRecommendedService")("inference", "v1.0")).wait();
  return { ledger: ledger.proxy, serving: serving.proxy, ledgerImpl: ledger.impl, servingImpl: serving.impl };
}

/**
 * Deploys the official LedgerManager and InferenceServing (SDK 0.9.0 bytecode) behind ERC1967 proxies, owned by
 * `signer`, and registers the serving contract in the ledger as `inference-v1.0`.
 */
export function deployOfficialCompute(signer: Signer, opts: { lockTime: bigint }): Promise<ComputePair> {
  return deployPair(signer, officialLedgerManager(), officialInferenceServing(), opts.lockTime, true);
}

/**
 * Deploys our LedgerManager and InferenceServing from the Hardhat artifacts behind ERC1967 proxies exactly like the
 * official pair (the Ignition module does the same plus role set-up): `signer` gets every role.
 */
export function deployOurCompute(signer: Signer, opts: { lockTime: bigint }): Promise<ComputePair> {
  return deployPair(signer, ourLedgerManager(), ourInferenceServing(), opts.lockTime, true);
}

/** EIP-712 domain of an InferenceServing deployment (the same name and version on both sides). */
export function servingDomain(chainId: bigint, serving: string) {
  return { name: "0G Inference Serving", version: "1", chainId, verifyingContract: serving };
}

/** The signed settlement type (both sides). */
export const TEE_SETTLEMENT_TYPES = {
  TEESettlement: [
    { name: "requestsHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "provider", type: "address" },
    { name: "user", type: "address" },
    { name: "totalFee", type: "uint256" },
  ],
};

/** A settlement item in the calldata order of `TEESettlementData`. */
export interface SettlementItem {
  user: string;
  provider: string;
  totalFee: bigint;
  requestsHash: string;
  nonce: bigint;
  signature: string;
}

/** Signs one settlement item with the TEE key for the serving contract at `serving` (EIP-712, both sides). */
export async function signSettlement(
  tee: Wallet,
  chainId: bigint,
  serving: string,
  m: Omit<SettlementItem, "signature">,
): Promise<SettlementItem> {
  const signature = await tee.signTypedData(servingDomain(chainId, serving), TEE_SETTLEMENT_TYPES, {
    requestsHash: m.requestsHash,
    nonce: m.nonce,
    provider: m.provider,
    user: m.user,
    totalFee: m.totalFee,
  });
  return { ...m, signature };
}

/** `ServiceParams` for a provider whose responses the TEE key `teeSigner` signs. */
export function serviceParams(teeSigner: string) {
  return {
    serviceType: "chatbot",
    url: "http://127.0.0.1:1/",
    model: "test-model",
    verifiability: "TeeML",
    inputPrice: 1_000_000_000n,
    outputPrice: 2_000_000_000n,
    additionalInfo: "{}",
    teeSignerAddress: teeSigner,
  };
}

/** Both sides take this stake at first registration (100 0G). */
export const PROVIDER_STAKE = 100n * 10n ** 18n;

/**
 * Registers `provider` (stake {@link PROVIDER_STAKE}, TEE signer `teeSigner`) on the serving contract and has the
 * contract owner (`owner`) acknowledge the TEE signer. The ABI used is the official one, which ours matches.
 */
export async function registerProvider(
  serving: string,
  provider: Signer,
  owner: Signer,
  teeSigner: string,
): Promise<void> {
  const abi = officialInferenceServing().abi;
  const asProvider = new Contract(serving, abi, provider);
  await (
    await asProvider.getFunction("addOrUpdateService")(serviceParams(teeSigner), { value: PROVIDER_STAKE })
  ).wait();
  const asOwner = new Contract(serving, abi, owner);
  await (await asOwner.getFunction("acknowledgeTEESignerByOwner")(await provider.getAddress())).wait();
}
