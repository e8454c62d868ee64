/**
 * The provider broker agent: composes the runtime (`createAgent`: event source, BullMQ, tx sender, HTTP) with
 * the proxy, the account cache, the durable store and the settler.
 *
 * - Event handlers on InferenceServing/LedgerManager drop cached account state of the user concerned; a
 *   `RefundRequested` also schedules that user's settlement before the refund unlocks.
 * - Job kind `settle` (concurrency 1, retried with exponential backoff): a repeatable timer job settles every
 *   user with unsettled requests; threshold and refund jobs settle one user.
 */
import type { Address, Hex } from "viem";
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { componentLogger, createAgent, readAddressBook, typedHandler, type Agent } from "../core/index.js";
import { InferenceServingAbi, LedgerManagerAbi } from "../generated/abis.js";
import { AccountCache } from "./accounts.js";
import { Authenticator } from "./auth.js";
import type { ProviderConfig } from "./config.js";
import { mountProxyRoutes, OwedLedger, type ProxyContext } from "./proxy.js";
import { defaultAdditionalInfo, ensureService, type RegistrationResult } from "./register.js";
import { Settler } from "./settlement.js";
import { BrokerStore, type RedisDurability } from "./store.js";
import { loadOrCreateTeeSigner, type TeeSigner } from "./tee-key.js";
import { startTestUpstream, type TestUpstream } from "./test-upstream.js";
import { TimingRing } from "./timings.js";
import { UpstreamClient } from "./upstream-client.js";

export interface SettleJobData {
  users?: Address[];
  reason: "timer" | "threshold" | "refund" | "manual";
}

export interface ProviderBroker {
  agent: Agent;
  signer: TeeSigner;
  settler: Settler;
  store: BrokerStore;
  accounts: AccountCache;
  ledger: OwedLedger;
  proxy: ProxyContext;
  registration: RegistrationResult | undefined;
  /** Threshold above which a user's unsettled fees trigger a settlement. */
  thresholdWei: bigint;
  start(): Promise<void>;
  stop(options?: { drain?: boolean }): Promise<void>;
}

export interface CreateProviderBrokerOptions {
  config: ProviderConfig;
  logger?: Logger;
  /** Use this signer instead of generating/unsealing one (tests). */
  signer?: TeeSigner;
  /** Test hook: runs after a settlement transaction is mined, before it is booked. */
  afterSettlementSent?: (hash: Hex) => Promise<void> | void;
  now?: () => number;
}

export function createProviderBroker(o: CreateProviderBrokerOptions): ProviderBroker {
  const config = o.config;
  const book = config.addressBook ? readAddressBook(config.addressBook) : undefined;
  const inferenceServing = getAddress(config.inferenceServing ?? book?.contracts.InferenceServing ?? "");
  const ledgerManager = getAddress(config.ledgerManager ?? book?.contracts.LedgerManager ?? "");
  const signer =
    o.signer ?? loadOrCreateTeeSigner({ sealedFile: config.teeKey.sealedFile, secret: config.teeKey.secret });
  const svc = config.service;
  const prices = { inputPrice: svc.inputPrice, outputPrice: svc.outputPrice };
  const thresholdWei = config.settlement.thresholdWei ?? (svc.inputPrice + svc.outputPrice) * 1_000_000n;
  if (!config.privateKey) throw new Error("the provider broker needs privateKey (ZG_PROVIDER_PRIVATE_KEY)");
  const providerAddress = privateKeyToAccount(config.privateKey as Hex).address;
  const ledger = new OwedLedger();
  let settler!: Settler;
  let store!: BrokerStore;
  let storeRedis: Redis | undefined;
  let registration: RegistrationResult | undefined;
  let redisDurability: RedisDurability | undefined;
  if (!config.upstreamUrl && !config.startTestUpstream) {
    throw new Error("set upstreamUrl (ZG_PROVIDER_UPSTREAM_URL) or startTestUpstream");
  }
  let testUpstream: TestUpstream | undefined;
  let upstream = new UpstreamClient(config.upstreamUrl ?? "http://127.0.0.1:1/v1", config.upstreamApiKey);

  const invalidate = (user: string) => accounts.invalidate(user);
  const forUs = (provider: string) => provider.toLowerCase() === providerAddress.toLowerCase();

  const agent: Agent = createAgent({
    name: "provider",
    config,
    logger: o.logger,
    contracts: [
      { name: "InferenceServing", address: inferenceServing, abi: InferenceServingAbi },
      { name: "LedgerManager", address: ledgerManager, abi: LedgerManagerAbi },
    ],
    handlers: {
      "InferenceServing:BalanceUpdated": typedHandler(InferenceServingAbi, "BalanceUpdated", async (e) => {
        if (forUs(e.args.provider)) invalidate(e.args.user);
      }),
      "InferenceServing:TokenRevoked": typedHandler(InferenceServingAbi, "TokenRevoked", async (e) => {
        if (forUs(e.args.provider)) invalidate(e.args.user);
      }),
      "InferenceServing:TokensRevoked": typedHandler(InferenceServingAbi, "TokensRevoked", async (e) => {
        if (forUs(e.args.provider)) invalidate(e.args.user);
      }),
      "InferenceServing:AllTokensRevoked": typedHandler(InferenceServingAbi, "AllTokensRevoked", async (e) => {
        if (forUs(e.args.provider)) invalidate(e.args.user);
      }),
      "InferenceServing:AccountDeleted": typedHandler(InferenceServingAbi, "AccountDeleted", async (e) => {
        if (forUs(e.args.provider)) invalidate(e.args.user);
      }),
      "InferenceServing:AccountAcknowledged": typedHandler(InferenceServingAbi, "AccountAcknowledged", async (e) => {
        if (forUs(e.args.provider)) invalidate(e.args.user);
      }),
      "InferenceServing:RefundRequested": typedHandler(InferenceServingAbi, "RefundRequested", async (e) => {
        if (!forUs(e.args.provider)) return;
        invalidate(e.args.user);
        await scheduleBeforeUnlock(e.args.user);
      }),
      "InferenceServing:ProviderTEESignerAcknowledged": typedHandler(
        InferenceServingAbi,
        "ProviderTEESignerAcknowledged",
        async (e) => {
          if (forUs(e.args.provider)) accounts.invalidateService();
        },
      ),
      "InferenceServing:ServiceUpdated": typedHandler(InferenceServingAbi, "ServiceUpdated", async (e) => {
        if (forUs(e.args.service)) accounts.invalidateService();
      }),
      "InferenceServing:ServiceRemoved": typedHandler(InferenceServingAbi, "ServiceRemoved", async (e) => {
        if (forUs(e.args.service)) accounts.invalidateService();
      }),
      "LedgerManager:LedgerDeleted": typedHandler(LedgerManagerAbi, "LedgerDeleted", async (e) => {
        invalidate(e.args.user);
      }),
      "LedgerManager:LedgerDeposited": typedHandler(LedgerManagerAbi, "LedgerDeposited", async (e) => {
        invalidate(e.args.user);
      }),
    },
    jobs: {
      settle: {
        concurrency: 1,
        attempts: config.settlement.attempts,
        backoffMs: config.settlement.backoffMs,
        schedule: { everyMs: config.settlement.intervalMs },
        data: { reason: "timer" } satisfies SettleJobData,
        processor: async (job) => {
          const data = (job.data ?? { reason: "timer" }) as SettleJobData;
          const outcomes = await settler.settle(data.users);
          return { reason: data.reason, outcomes };
        },
      },
    },
    status: async (): Promise<Record<string, unknown>> => ({
      provider: providerAddress,
      inferenceServing,
      teeSigner: { address: signer.address, origin: signer.origin, hardwareBacked: false },
      registration,
      prices: { inputPrice: prices.inputPrice.toString(), outputPrice: prices.outputPrice.toString() },
      thresholdWei: thresholdWei.toString(),
      served: proxy.counters.served,
      refused: proxy.counters.refused,
      upstreamErrors: proxy.counters.upstreamErrors,
      responseSignatures: proxy.signatures,
      redisDurability,
      recentSettlements: await store.recentSettlements(10),
    }),
    routes: (server) => mountProxyRoutes(server, proxy),
  });
  if (!agent.txSender) throw new Error("the provider broker needs privateKey (ZG_PROVIDER_PRIVATE_KEY)");
  const txSender = agent.txSender;
  const accounts = new AccountCache({
    publicClient: agent.clients.publicClient,
    inferenceServing,
    ledgerManager,
    provider: providerAddress,
  });
  const auth = new Authenticator({
    provider: providerAddress,
    signer: signer.address,
    accounts,
    owed: (u) => ledger.owed(u),
    now: o.now,
  });
  const logger = componentLogger(agent.logger, "broker");

  const proxy: ProxyContext = {
    provider: providerAddress,
    chainId: config.chainId,
    model: svc.model,
    prices,
    maxOutputTokens: config.maxOutputTokens,
    auth,
    get store() {
      return store;
    },
    signer,
    get upstream() {
      return upstream;
    },
    ledger,
    onRecorded: (user, owed) => {
      if (owed < thresholdWei) return;
      // One threshold job per user at a time (the id is free again once the job completes).
      const data: SettleJobData = { users: [user], reason: "threshold" };
      agent
        .enqueue("settle", data, { jobId: `threshold-${user.toLowerCase()}-${Math.floor(Date.now() / 1000)}` })
        .catch((err: unknown) => logger.error({ err, user }, "cannot enqueue threshold settlement"));
    },
    counters: { served: 0, refused: {}, upstreamErrors: 0 },
    signatures: config.responseSignatures,
    timings: new TimingRing(),
  };

  async function scheduleBeforeUnlock(user: Address): Promise<void> {
    const unlock = await settler.earliestUnlock(user);
    if (unlock === undefined) return;
    // Unlock times are chain time: measure the delay against the latest block, not this machine's clock.
    const head = await agent.clients.publicClient.getBlock({ blockTag: "latest" });
    const delay = Math.max(0, Number(unlock - head.timestamp - BigInt(config.settlement.refundBufferSeconds)) * 1000);
    const data: SettleJobData = { users: [user], reason: "refund" };
    await agent.enqueue("settle", data, { jobId: `refund-${user.toLowerCase()}-${unlock}`, delay });
  }

  return {
    agent,
    signer,
    get settler() {
      return settler;
    },
    get store() {
      return store;
    },
    accounts,
    ledger,
    proxy,
    get registration() {
      return registration;
    },
    thresholdWei,
    async start() {
      // Integer replies as strings: settlement nonces (~1.8e16) exceed 2^53.
      storeRedis = new Redis(config.redisUrl, {
        connectionName: "provider-store",
        stringNumbers: true,
        maxRetriesPerRequest: null,
      });
      store = new BrokerStore(storeRedis, config.chainId, providerAddress);
      settler = new Settler({
        store,
        ledger,
        accounts,
        signer,
        publicClient: agent.clients.publicClient,
        txSender,
        inferenceServing,
        provider: providerAddress,
        chainId: config.chainId,
        logger,
        now: o.now,
        afterSend: o.afterSettlementSent,
      });
      ledger.load(await store.unsettledTotals());
      // The request log is what the provider is paid from: say so loudly if Redis may lose acknowledged writes.
      redisDurability = await store.durability();
      if (!redisDurability.strict) {
        logger.warn(
          { ...redisDurability },
          "Redis does not fsync every write (want appendonly yes, appendfsync always): a power cut can lose recorded requests",
        );
      }
      if (config.startTestUpstream && !config.upstreamUrl) {
        testUpstream = await startTestUpstream({ model: svc.model });
        upstream = new UpstreamClient(testUpstream.baseUrl);
        logger.warn({ url: testUpstream.baseUrl }, "serving the built-in deterministic TEST upstream, not a model");
      }
      await agent.start();
      if (svc.registerOnStart) {
        registration = await ensureService({
          publicClient: agent.clients.publicClient,
          txSender,
          inferenceServing,
          provider: providerAddress,
          stakeWei: svc.stakeWei,
          desc: {
            serviceType: svc.serviceType,
            url: config.publicUrl ?? agent.url ?? "",
            model: svc.model,
            verifiability: svc.verifiability,
            inputPrice: svc.inputPrice,
            outputPrice: svc.outputPrice,
            additionalInfo: defaultAdditionalInfo(),
            teeSignerAddress: signer.address,
          },
        });
        logger.info({ ...registration, teeSigner: signer.address }, "service registration");
        if (!registration.teeSignerAcknowledged) {
          logger.warn({ teeSigner: signer.address }, "TEE signer not acknowledged by the owner yet: settlements fail");
        }
      }
      // Users with work whose refunds may unlock while the broker was down: settle them in time.
      for (const user of await store.usersWithWork()) await scheduleBeforeUnlock(getAddress(user));
      logger.info(
        { url: agent.url, teeSigner: signer.address, thresholdWei: thresholdWei.toString() },
        "broker serving",
      );
    },
    async stop(opts) {
      await agent.stop(opts);
      upstream.close();
      await testUpstream?.close();
      testUpstream = undefined;
      if (storeRedis) {
        storeRedis.disconnect();
        storeRedis = undefined;
      }
    },
  };
}
