/**
 * The oracle agent (`zg agent oracle`): the {@link OracleService} on the agent runtime's HTTP server.
 *
 * Routes: `GET /v1/oracle` (address, sealing public key), `POST /v1/prepare`, `POST /v1/cosign`, plus the
 * runtime's `/healthz`, `/status`, `/metrics`. Config prefix `ZG_ORACLE`; see docs/inft-oracle.md.
 */
import { hexToBytes, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Logger } from "pino";
import { Counter, Histogram } from "prom-client";
import { z } from "zod";
import { baseConfigSchema, createAgent, loadConfig, readAddressBook, type Agent } from "../core/index";
import { OracleRejectError } from "./errors";
import { cosignBodySchema, prepareBodySchema } from "./protocol";
import {
  DEFAULT_MAX_METADATA_BYTES,
  DEFAULT_PROOF_VALIDITY_SECONDS,
  OracleService,
  redisReplayGuard,
  type ReplayGuard,
} from "./service";
import { openCiphertextStore, type CiphertextStore } from "./store";
import type { UploadChain } from "../storage-node/client";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex string");

export const oracleConfigSchema = baseConfigSchema.extend({
  /** AgentNFT proxy; defaults to `contracts.AgentNFT` of the address book. */
  agentNFT: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
  /** Ciphertext store spec: `zgs:<storage node url>[,…]` (the 0G storage layer) or `file:<dir>`. */
  store: z.string().min(1),
  /** Comma-separated base URLs of peer oracles asked to co-sign. */
  peers: z.string().default(""),
  /** Secret data keys are sealed to; environment only. Defaults to `privateKey`. */
  sealingSecretKey: hex32.optional(),
  maxMetadataBytes: z.number().int().positive().default(DEFAULT_MAX_METADATA_BYTES),
  proofValiditySeconds: z.number().int().min(60).max(3600).default(DEFAULT_PROOF_VALIDITY_SECONDS),
  /** Largest JSON request body (bytes). */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
});
export type OracleConfig = z.infer<typeof oracleConfigSchema>;

export const ORACLE_ENV_PREFIX = "ZG_ORACLE";

export function loadOracleConfig(opts: { configFile?: string; env: NodeJS.ProcessEnv }): OracleConfig {
  return loadConfig(oracleConfigSchema, {
    file: opts.configFile,
    envPrefix: ORACLE_ENV_PREFIX,
    env: opts.env,
    envOnlyKeys: ["privateKey", "sealingSecretKey"],
  });
}

export interface OracleAgent {
  agent: Agent;
  service: OracleService;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly url: string | undefined;
}

/** Builds the oracle agent; `store`/`replay` may be injected (tests, benchmarks). */
export function createOracleAgent(
  config: OracleConfig,
  inject: { store?: CiphertextStore; replay?: ReplayGuard; name?: string; logger?: Logger } = {},
): OracleAgent {
  if (!config.privateKey) throw new OracleRejectError("bad_request", "the oracle needs ZG_ORACLE_PRIVATE_KEY");
  let agentNFT = config.agentNFT as Address | undefined;
  if (!agentNFT && config.addressBook) agentNFT = readAddressBook(config.addressBook).contracts.AgentNFT;
  if (!agentNFT) throw new OracleRejectError("bad_request", "no AgentNFT address: set agentNFT or addressBook");
  const signer = privateKeyToAccount(config.privateKey as Hex);
  const flowAddress = config.addressBook ? readAddressBook(config.addressBook).contracts.Flow : undefined;
  // A `zgs:` store pays for uploads from the oracle's account; the agent's clients exist once it is built.
  const store =
    inject.store ??
    openCiphertextStore(config.store, {
      chain: () => {
        if (!flowAddress)
          throw new OracleRejectError("bad_request", "a zgs: store needs contracts.Flow in the address book");
        const { publicClient, walletClient } = agent.clients;
        if (!walletClient) throw new OracleRejectError("bad_request", "a zgs: store needs the oracle's private key");
        return { publicClient, walletClient, flowAddress } as UploadChain;
      },
    });
  const name = inject.name ?? "inft-oracle";
  const agent = createAgent({
    name,
    config,
    logger: inject.logger,
    status: () => ({
      oracle: service.address,
      publicKey: service.publicKey,
      agentNFT,
      hardwareAttested: false,
      peers: config.peers ? config.peers.split(",").length : 0,
      stats: service.stats,
    }),
    routes: (server) => {
      server.route("GET", "/v1/oracle", () => ({ body: svc().info() }));
      server.route("POST", "/v1/prepare", ({ json }) =>
        measured("prepare", async () => {
          const parsed = prepareBodySchema.safeParse(await json(config.maxBodyBytes));
          if (!parsed.success) throw badBody(parsed.error);
          return { body: await svc().prepare(parsed.data) };
        }),
      );
      server.route("POST", "/v1/cosign", ({ json }) =>
        measured("cosign", async () => {
          const parsed = cosignBodySchema.safeParse(await json(config.maxBodyBytes));
          if (!parsed.success) throw badBody(parsed.error);
          return { body: await svc().cosign(parsed.data) };
        }),
      );
    },
  });
  const svc = () => service;
  const requests = new Counter({
    name: "zg_inft_oracle_requests_total",
    help: "Oracle requests by endpoint and result (ok or the refusal reason)",
    labelNames: ["endpoint", "result"] as const,
    registers: [agent.metrics.registry],
  });
  const duration = new Histogram({
    name: "zg_inft_oracle_request_duration_seconds",
    help: "Time to answer an oracle request, by endpoint",
    labelNames: ["endpoint"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [agent.metrics.registry],
  });
  const measured = async <T>(endpoint: "prepare" | "cosign", fn: () => Promise<T>): Promise<T> => {
    const stop = duration.startTimer({ endpoint });
    try {
      const out = await fn();
      requests.inc({ endpoint, result: "ok" });
      return out;
    } catch (err) {
      requests.inc({ endpoint, result: err instanceof OracleRejectError ? err.reason : "error" });
      throw err;
    } finally {
      stop();
    }
  };
  const service: OracleService = new OracleService({
    publicClient: agent.clients.publicClient as PublicClient,
    chainId: config.chainId,
    agentNFT,
    store,
    signer,
    sealingKey: hexToBytes((config.sealingSecretKey ?? config.privateKey) as Hex),
    // The runtime's Redis connection exists only after start(); resolve it lazily.
    replay: inject.replay ?? {
      claim: (id, ttl) =>
        redisReplayGuard(agent.redis, `zg:${name}:${config.chainId}:${signer.address.toLowerCase()}:request`).claim(
          id,
          ttl,
        ),
    },
    peers: config.peers
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    maxMetadataBytes: config.maxMetadataBytes,
    proofValiditySeconds: config.proofValiditySeconds,
    logger: agent.logger,
  });
  return {
    agent,
    service,
    start: () => agent.start(),
    stop: () => agent.stop(),
    get url() {
      return agent.url;
    },
  };
}

function badBody(error: z.ZodError): OracleRejectError {
  const issue = error.issues[0];
  return new OracleRejectError("bad_request", "malformed request body", {
    field: issue ? issue.path.map(String).join(".") || "<root>" : "<root>",
    problem: issue?.message ?? "invalid",
  });
}

/** `zg agent oracle`. */
export const oracleRole = {
  summary: "ERC-7857 re-encryption oracle: re-encrypts INFT metadata for a new owner and signs the attestation",
  async start(opts: { configFile?: string; env: NodeJS.ProcessEnv }): Promise<{ stop(): Promise<void> }> {
    const oracle = createOracleAgent(loadOracleConfig(opts));
    await oracle.start();
    return { stop: () => oracle.stop() };
  },
};
