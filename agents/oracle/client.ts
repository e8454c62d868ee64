/**
 * HTTP client of the oracle agent (used by the CLI, by oracles calling their peers, and by tests).
 */
import type { z } from "zod";
import {
  cosignResultSchema,
  oracleInfoSchema,
  prepareResultSchema,
  type CosignBody,
  type OracleInfo,
  type PrepareBody,
  type PrepareResult,
} from "./protocol";

/** The oracle answered with an error (or something that is not its protocol). */
export class OracleClientError extends Error {
  override name = "OracleClientError";
  readonly status: number;
  /** The oracle's reason code (`not_owner`, `request_replayed`, ...) or `bad_response`/`unreachable`. */
  readonly code: string;
  readonly url: string;
  constructor(url: string, status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(`${url}: ${status} ${code}: ${message}`, options);
    this.url = url;
    this.status = status;
    this.code = code;
  }
}

export class OracleClient {
  readonly url: string;
  private readonly timeoutMs: number;
  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 600_000;
  }

  /** `GET /v1/oracle`: the oracle's signing address and the public key to seal data keys to. */
  info(): Promise<OracleInfo> {
    return this.call("GET", "/v1/oracle", undefined, oracleInfoSchema);
  }

  /** `POST /v1/prepare`: re-encrypt a token's metadata for a receiver and attest it. */
  prepare(body: PrepareBody): Promise<PrepareResult> {
    return this.call("POST", "/v1/prepare", body, prepareResultSchema);
  }

  /** `POST /v1/cosign`: re-verify a claim another oracle prepared and sign it too. */
  cosign(body: CosignBody): Promise<z.infer<typeof cosignResultSchema>> {
    return this.call("POST", "/v1/cosign", body, cosignResultSchema);
  }

  private async call<S extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    schema: S,
  ): Promise<z.infer<S>> {
    const url = `${this.url}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new OracleClientError(url, 0, "unreachable", cause instanceof Error ? cause.message : String(cause), {
        cause,
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new OracleClientError(url, res.status, "bad_response", `not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } }).error;
      throw new OracleClientError(url, res.status, err?.code ?? "error", err?.message ?? text.slice(0, 200));
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new OracleClientError(url, res.status, "bad_response", parsed.error.issues[0]?.message ?? "invalid");
    }
    return parsed.data;
  }
}
