import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Default refund lock of the inference service: 24 h, as on 0G's live networks. */
export const DEFAULT_REFUND_LOCK_SECONDS = 86_400n;

/**
 * Compute network serving contracts: LedgerManager (main accounts and service registry) and InferenceServing
 * (providers, sub-accounts, TEE settlement), both UUPS proxies initialised in the proxy constructor. The ledger
 * registers the inference service as `inference-v1.0` and recommends it, which the official SDK needs
 * (`getServiceInfo(inferenceCA).fullName` becomes the `serviceName` of `transferFund`).
 *
 * Parameters (module `Compute`):
 * - `refundLockSeconds`: refund lock of the inference service, in [60, 604800]; use a short value on a devnet.
 * - `inferenceVersion`: version label registered in the ledger (default `v1.0`).
 * Account 0 is the admin of both contracts.
 */
export default buildModule("Compute", (m) => {
  const admin = m.getAccount(0);
  const refundLockSeconds = m.getParameter("refundLockSeconds", DEFAULT_REFUND_LOCK_SECONDS);
  const inferenceVersion = m.getParameter("inferenceVersion", "v1.0");

  const ledgerImpl = m.contract("LedgerManager", [], { id: "LedgerManagerImpl" });
  const ledgerProxy = m.contract(
    "ERC1967Proxy",
    [ledgerImpl, m.encodeFunctionCall(ledgerImpl, "initialize", [admin])],
    { id: "LedgerManagerProxy" },
  );
  const LedgerManager = m.contractAt("LedgerManager", ledgerProxy, { id: "LedgerManager" });

  const inferenceImpl = m.contract("InferenceServing", [], { id: "InferenceServingImpl" });
  const inferenceProxy = m.contract(
    "ERC1967Proxy",
    [inferenceImpl, m.encodeFunctionCall(inferenceImpl, "initialize", [refundLockSeconds, ledgerProxy, admin])],
    { id: "InferenceServingProxy" },
  );
  const InferenceServing = m.contractAt("InferenceServing", inferenceProxy, { id: "InferenceServing" });

  const registered = m.call(
    LedgerManager,
    "registerService",
    ["inference", inferenceVersion, InferenceServing, "Inference serving with TEE-signed settlement"],
    { id: "RegisterInference" },
  );
  m.call(LedgerManager, "setRecommendedService", ["inference", inferenceVersion], {
    id: "RecommendInference",
    after: [registered],
  });

  return { LedgerManager, InferenceServing };
});
