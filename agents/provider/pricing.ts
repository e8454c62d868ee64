/**
 * Pure metering arithmetic: the fee of a served request and the most a request may cost before it is served.
 * Prices are wei per token, as InferenceServing stores them.
 */
import type { MeteredRequest } from "../protocol/compute/index.js";

/** Token counts as an OpenAI-compatible upstream reports them in `usage`. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface Prices {
  inputPrice: bigint;
  outputPrice: bigint;
}

/** Fee split of one request, wei. */
export interface RequestFee {
  inputFee: bigint;
  outputFee: bigint;
  fee: bigint;
}

/** `input × inputPrice + output × outputPrice`. */
export function feeOf(usage: TokenUsage, prices: Prices): RequestFee {
  const inputFee = BigInt(usage.inputTokens) * prices.inputPrice;
  const outputFee = BigInt(usage.outputTokens) * prices.outputPrice;
  return { inputFee, outputFee, fee: inputFee + outputFee };
}

/** Whitespace tokenisation: the count the test upstream reports and the broker's fallback estimate. */
export function countTokens(text: string): number {
  const t = text.trim();
  return t ? t.split(/\s+/).length : 0;
}

/** Text of every message of a chat request (string contents and `text` parts). */
export function promptText(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return "";
  const parts: string[] = [];
  for (const m of messages) {
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof content === "string") parts.push(content);
    else if (Array.isArray(content)) {
      for (const p of content) {
        const text = (p as { text?: unknown } | null)?.text;
        if (typeof text === "string") parts.push(text);
      }
    }
  }
  return parts.join("\n");
}

/** `max_completion_tokens` or `max_tokens` of a request, if it is a positive integer. */
export function requestedMaxTokens(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as { max_tokens?: unknown; max_completion_tokens?: unknown };
  for (const v of [b.max_completion_tokens, b.max_tokens]) {
    if (typeof v === "number" && Number.isSafeInteger(v) && v > 0) return v;
  }
  return undefined;
}

/**
 * The most a request can cost: the prompt's estimated tokens (whitespace count, doubled plus a margin for
 * tokenisers that split words) at the input price, plus the output cap at the output price. The output cap is
 * the request's `max_tokens`, bounded by the broker's own cap (which the broker also sends upstream).
 */
export function maxCostOf(body: unknown, prices: Prices, outputCap: number): bigint {
  const estimatedInput = BigInt(countTokens(promptText(body)) * 2 + 16);
  const out = BigInt(Math.min(requestedMaxTokens(body) ?? outputCap, outputCap));
  return estimatedInput * prices.inputPrice + out * prices.outputPrice;
}

/** Parses an OpenAI `usage` object (`prompt_tokens`/`completion_tokens`, or `input_tokens`/`output_tokens`). */
export function parseUsage(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  const input = u.prompt_tokens ?? u.input_tokens;
  const output = u.completion_tokens ?? u.output_tokens;
  if (!isCount(input) || !isCount(output)) return undefined;
  return { inputTokens: input, outputTokens: output };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** The record the settlement commits to, with every amount as decimal text. */
export function meteredRequest(requestHash: string, user: string, fee: RequestFee): MeteredRequest {
  return {
    requestHash,
    userAddress: user,
    fee: fee.fee.toString(),
    inputFee: fee.inputFee.toString(),
    outputFee: fee.outputFee.toString(),
  };
}
