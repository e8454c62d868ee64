/**
 * Why the oracle refuses a request. Each is an {@link HttpError}, so the agent's HTTP server answers with its
 * status and `{"error":{"code":<reason>,"message":...}}`; the fields carry the offending values for callers
 * that use the service in-process.
 */
import { HttpError } from "../core/errors";

export type OracleRejectReason =
  | "bad_request"
  | "request_expired"
  | "bad_signature"
  | "invalid_receiver_pubkey"
  | "invalid_receiver"
  | "unsupported_action"
  | "token_not_found"
  | "not_owner"
  | "request_replayed"
  | "wrong_data_key"
  | "ciphertext_not_found"
  | "ciphertext_hash_mismatch"
  | "metadata_too_large"
  | "claim_mismatch"
  | "bad_bundle"
  | "threshold_not_met";

const STATUS: Record<OracleRejectReason, number> = {
  bad_request: 400,
  request_expired: 400,
  bad_signature: 401,
  invalid_receiver_pubkey: 400,
  invalid_receiver: 400,
  unsupported_action: 400,
  token_not_found: 404,
  not_owner: 403,
  request_replayed: 409,
  wrong_data_key: 422,
  ciphertext_not_found: 422,
  ciphertext_hash_mismatch: 422,
  metadata_too_large: 413,
  claim_mismatch: 422,
  bad_bundle: 422,
  threshold_not_met: 502,
};

/** A refused oracle request. `reason` is the HTTP error code; `values` the offending values. */
export class OracleRejectError extends HttpError {
  override name = "OracleRejectError";
  readonly reason: OracleRejectReason;
  readonly values: Readonly<Record<string, string>>;
  constructor(reason: OracleRejectReason, message: string, values: Record<string, string> = {}) {
    const labelled = Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    super(STATUS[reason], reason, labelled ? `${message} (${labelled})` : message);
    this.reason = reason;
    this.values = values;
  }
}
