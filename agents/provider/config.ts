/** Configuration of the provider broker (`zg agent provider`, env prefix `ZG_PROVIDER`). */
import { z } from "zod";
import { baseConfigSchema } from "../core/index.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an 0x address");

export const providerConfigSchema = baseConfigSchema.extend({
  /** Base URL of the OpenAI-compatible upstream (the broker POSTs `<upstreamUrl>/chat/completions`). */
  upstreamUrl: z.string().url().optional(),
  /**
   * Start the built-in deterministic TEST upstream (agents/provider/test-upstream.ts) on a free loopback port and
   * use it: for the devnet and demos only, it is not a model.
   */
  startTestUpstream: z.boolean().default(false),
  /** Bearer key for the upstream, environment only. */
  upstreamApiKey: z.string().optional(),
  /** The URL users reach this broker at, registered on chain (default: the broker's own HTTP URL). */
  publicUrl: z.string().url().optional(),
  /** Contract addresses; default from the address book. */
  inferenceServing: address.optional(),
  ledgerManager: address.optional(),
  service: z
    .object({
      serviceType: z.string().default("chatbot"),
      model: z.string().default("test-echo-1"),
      verifiability: z.string().default("TeeML"),
      /** Wei per input token. */
      inputPrice: z.bigint().min(0n).default(1_000_000_000n),
      /** Wei per output token. */
      outputPrice: z.bigint().min(0n).default(2_000_000_000n),
      /** Register (or update) the service at start-up. */
      registerOnStart: z.boolean().default(true),
      /** Stake sent with the first registration (0G's minimum is 100 0G). */
      stakeWei: z
        .bigint()
        .min(0n)
        .default(100n * 10n ** 18n),
    })
    .prefault({}),
  /**
   * When the TEE key signs a response's recorded text: `on-fetch` (default) when the signature endpoint is first
   * asked for it, `background` right after every answer. Either way the text is durable before the answer ends and
   * the signature is the same (RFC 6979); `on-fetch` spends no CPU on answers nobody verifies.
   */
  responseSignatures: z.enum(["on-fetch", "background"]).default("on-fetch"),
  /** Output tokens a request may use at most; also forwarded upstream as `max_tokens`. */
  maxOutputTokens: z.number().int().positive().default(1024),
  settlement: z
    .object({
      /** Settle a user once the unsettled fees reach this (default `(inputPrice + outputPrice) × 10^6`, 0G's trigger). */
      thresholdWei: z.bigint().min(1n).optional(),
      /** Timer: settle every user with unsettled requests this often. */
      intervalMs: z.number().int().positive().default(60_000),
      /** Settle a user at least this long before their earliest pending refund unlocks. */
      refundBufferSeconds: z.number().int().min(0).default(30),
      attempts: z.number().int().positive().default(8),
      backoffMs: z.number().int().positive().default(2_000),
    })
    .prefault({}),
  teeKey: z
    .object({
      /** Seal the key to this file (AES-256-GCM, scrypt from `teeKey.secret`); absent: memory-only key. */
      sealedFile: z.string().optional(),
      /** Operator secret for the sealed key, environment only. */
      secret: z.string().optional(),
    })
    .prefault({}),
});

export type ProviderConfig = z.infer<typeof providerConfigSchema>;

/** Keys (last path segment) accepted only from the environment: the secrets. */
export const PROVIDER_ENV_ONLY_KEYS = ["privateKey", "upstreamApiKey", "secret"];
