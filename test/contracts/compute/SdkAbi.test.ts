import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import type { ErrorFragment, EventFragment, FunctionFragment, Interface } from "ethers";

/**
 * The LedgerManager and InferenceServing parts of the ABI embedded in @0gfoundation/0g-compute-ts-sdk@0.9.0
 * (one fragment per line: `F <selector> <fragment>`, `E <topic0> <fragment>`, `ERR <selector> <fragment>`).
 */
const ABI_FILE = path.join(__dirname, "data", "compute-ts-sdk-0.9.0-abi.txt");

/**
 * Fragments we deliberately do not provide, with the reason. Everything else in the SDK's ABI must exist in
 * ours with the same selector, mutability and return types.
 */
const NOT_PROVIDED: Record<string, string> = {
  // Ownable is replaced by AccessControl roles (hasRole/grantRole); the SDK never calls these.
  "owner()": "roles",
  "renounceOwnership()": "roles",
  "transferOwnership(address)": "roles",
  "OwnershipTransferred(address,address)": "roles",
  // 0G's own Initializable; we use OpenZeppelin's (event Initialized(uint64), error InvalidInitialization()).
  "initialized()": "oz-initializable",
  "Initialized(uint8)": "oz-initializable",
  "AlreadyInitialized()": "oz-initializable",
  // 0G's per-user ledger lock; we use a reentrancy guard (ReentrancyGuardReentrantCall()).
  "LedgerLocked()": "reentrancy-guard",
  // 0G declares both ServiceNotFound and ServiceNotRegistered for an unknown service address; we use only the
  // latter (getServiceInfo).
  "ServiceNotFound(address)": "duplicate-upstream",
  // Declared but never used by 0G's contracts.
  "CallFailed()": "unused-upstream",
  "InvalidTEESignature(string)": "unused-upstream",
  "BatchBalanceUpdated(address[],uint256[],uint256[])": "unused-upstream",
};

/** Functions and errors the SDK's user flows call or match (official-clients.md §3.3, compute notes §8.3). */
const SDK_CALLS: Record<string, string[]> = {
  LedgerManager: [
    "addLedger(string)",
    "depositFund()",
    "depositFundFor(address)",
    "refund(uint256)",
    "transferFund(address,string,uint256)",
    "retrieveFund(address[],string)",
    "deleteLedger()",
    "getLedger(address)",
    "getAllLedgers(uint256,uint256)",
    "getLedgerProviders(address,string)",
    "getServiceInfo(address)",
    "LedgerNotExists(address)",
    "MinimumDepositRequired(uint256,uint256)",
    "InsufficientAvailableBalance(uint256,uint256)",
  ],
  InferenceServing: [
    "acknowledgeTEESigner(address,bool)",
    "acknowledgeTEESignerByOwner(address)",
    "revokeTEESignerAcknowledgement(address)",
    "revokeToken(address,uint8)",
    "revokeTokens(address,uint8[])",
    "revokeAllTokens(address)",
    "getAccount(address,address)",
    "getAllAccounts(uint256,uint256)",
    "getService(address)",
    "getAllServices(uint256,uint256)",
    "lockTime()",
    "addOrUpdateService((string,string,string,string,uint256,uint256,string,address))",
    "settleFeesWithTEE((address,address,uint256,bytes32,uint256,bytes)[])",
    "previewSettlementResults((address,address,uint256,bytes32,uint256,bytes)[])",
    "AccountNotExists(address,address)",
  ],
};

interface SdkFragment {
  kind: "F" | "E" | "ERR";
  id: string;
  line: string;
}

function parseSection(contract: string): SdkFragment[] {
  const lines = fs.readFileSync(ABI_FILE, "utf8").split("\n");
  const start = lines.indexOf(`## ${contract}`);
  if (start < 0) throw new Error(`no section ${contract}`);
  const out: SdkFragment[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    const m = /^(F|E|ERR) (0x[0-9a-f]+) (.*)$/.exec(line);
    if (m) out.push({ kind: m[1] as SdkFragment["kind"], id: m[2], line: m[3] });
  }
  return out;
}

const outputTypes = (f: FunctionFragment) => f.outputs.map((o) => o.format("sighash"));

for (const contract of ["LedgerManager", "InferenceServing"] as const) {
  describe(`${contract} ABI vs @0gfoundation/0g-compute-ts-sdk@0.9.0`, function () {
    let ours: Interface;
    const sdk = parseSection(contract);

    before(async function () {
      ours = (await ethers.getContractFactory(contract)).interface;
    });

    it("the SDK section parses and lists what the SDK calls", function () {
      const sdkIface = new ethers.Interface(sdk.map((f) => f.line));
      for (const sig of SDK_CALLS[contract]) {
        const found = sdkIface.getFunction(sig) ?? sdkIface.getError(sig);
        expect(found, sig).to.not.equal(null);
      }
    });

    for (const frag of sdk) {
      const sdkIface = new ethers.Interface([frag.line]);
      const parsed = sdkIface.fragments[0];
      if (parsed.type === "constructor") continue;
      const sig = (parsed as FunctionFragment | EventFragment | ErrorFragment).format("sighash");
      if (NOT_PROVIDED[sig]) continue;

      if (frag.kind === "F") {
        it(`function ${sig}: same selector ${frag.id}, mutability and return types`, function () {
          const theirs = parsed as FunctionFragment;
          expect(theirs.selector).to.equal(frag.id);
          const mine = ours.getFunction(sig);
          expect(mine, `missing ${sig}`).to.not.equal(null);
          expect(mine!.selector).to.equal(frag.id);
          expect(mine!.payable).to.equal(theirs.payable);
          expect(mine!.constant).to.equal(theirs.constant);
          expect(outputTypes(mine!)).to.deep.equal(outputTypes(theirs));
        });
      } else if (frag.kind === "E") {
        it(`event ${sig}: same topic ${frag.id.slice(0, 10)}… and indexed fields`, function () {
          const theirs = parsed as EventFragment;
          const mine = ours.getEvent(sig);
          expect(mine, `missing ${sig}`).to.not.equal(null);
          expect(mine!.topicHash).to.equal(frag.id);
          expect(mine!.inputs.map((i) => !!i.indexed)).to.deep.equal(theirs.inputs.map((i) => !!i.indexed));
        });
      } else {
        it(`error ${sig}: same selector ${frag.id}`, function () {
          const mine = ours.getError(sig);
          expect(mine, `missing ${sig}`).to.not.equal(null);
          expect(mine!.selector).to.equal(frag.id);
        });
      }
    }

    it("a revert of ours decodes with the SDK's ABI to the same error name", async function () {
      const sdkIface = new ethers.Interface(sdk.map((f) => f.line));
      const name = contract === "LedgerManager" ? "LedgerNotExists" : "AccountNotExists";
      const args = contract === "LedgerManager" ? [ethers.ZeroAddress] : [ethers.ZeroAddress, ethers.ZeroAddress];
      const data = ours.encodeErrorResult(name, args);
      expect(sdkIface.parseError(data)?.name).to.equal(name);
    });
  });
}
