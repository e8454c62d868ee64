/**
 * The broker's response/settlement signing key ("TEE key"). It is generated inside the broker process and never
 * written in clear: either it lives only in memory (a restart makes a new key, which the owner must trust on chain
 * again), or it is sealed to a file with AES-256-GCM under a key derived by scrypt from an operator secret.
 *
 * NOT hardware-backed: there is no enclave here. The attestation report states this plainly; what it proves is
 * only that the key answering at this URL is the one whose address the owner acknowledged on chain.
 */
import fs from "node:fs";
import path from "node:path";
import { gcm } from "@noble/ciphers/aes.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  buildTeeSettlement,
  type InferenceDomain,
  type TeeSettlementData,
  type TeeSettlementMessage,
} from "../protocol/compute/index.js";

/** What the rest of the broker may do with the key: sign, and show the public half. */
export interface TeeSigner {
  readonly address: Address;
  readonly publicKey: Hex;
  /** `personal_sign` of a UTF-8 text (what the SDK's `processResponse` verifies). */
  signText(text: string): Promise<Hex>;
  /** A signed `settleFeesWithTEE` item. */
  signSettlement(domain: InferenceDomain, message: TeeSettlementMessage): Promise<TeeSettlementData>;
  /** Where the key came from, for the attestation report. */
  readonly origin: "generated-ephemeral" | "generated-sealed" | "unsealed";
}

/** A sealed key file is unreadable with the given secret, or malformed. */
export class TeeKeyError extends Error {
  override readonly name = "TeeKeyError";
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(`${message} (${file})`);
  }
}

interface SealedKeyFile {
  version: 1;
  address: Address;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: Hex };
  cipher: { name: "aes-256-gcm"; nonce: Hex; ciphertext: Hex };
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1 };

function deriveKey(secret: string, salt: Uint8Array, params: { N: number; r: number; p: number }): Uint8Array {
  return scrypt(new TextEncoder().encode(secret), salt, { ...params, dkLen: 32 });
}

/** Encrypts `privateKey` under `secret`. Exported for tests; the broker calls {@link loadOrCreateTeeSigner}. */
export function sealKey(privateKey: Hex, secret: string): SealedKeyFile {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const ciphertext = gcm(deriveKey(secret, salt, SCRYPT), nonce).encrypt(hexToBytes(privateKey));
  return {
    version: 1,
    address: privateKeyToAccount(privateKey).address,
    kdf: { name: "scrypt", ...SCRYPT, salt: bytesToHex(salt) },
    cipher: { name: "aes-256-gcm", nonce: bytesToHex(nonce), ciphertext: bytesToHex(ciphertext) },
  };
}

/** Decrypts a sealed key; the GCM tag rejects a wrong secret or a tampered file. */
export function unsealKey(sealed: SealedKeyFile, secret: string, file = "(memory)"): Hex {
  if (sealed.version !== 1 || sealed.kdf?.name !== "scrypt" || sealed.cipher?.name !== "aes-256-gcm") {
    throw new TeeKeyError("unknown sealed key format", file);
  }
  let plain: Uint8Array;
  try {
    const key = deriveKey(secret, hexToBytes(sealed.kdf.salt), sealed.kdf);
    plain = gcm(key, hexToBytes(sealed.cipher.nonce)).decrypt(hexToBytes(sealed.cipher.ciphertext));
  } catch {
    throw new TeeKeyError("cannot unseal the TEE key: wrong secret or tampered file", file);
  }
  const pk = bytesToHex(plain);
  if (privateKeyToAccount(pk).address !== sealed.address) throw new TeeKeyError("sealed address mismatch", file);
  return pk;
}

function signerFrom(privateKey: Hex, origin: TeeSigner["origin"]): TeeSigner {
  const account = privateKeyToAccount(privateKey);
  return {
    address: account.address,
    publicKey: account.publicKey,
    origin,
    signText: (text) => account.signMessage({ message: text }),
    signSettlement: (domain, message) => buildTeeSettlement(privateKey, domain, message),
  };
}

/**
 * The broker's signer. Without `sealedFile` the key is fresh and memory-only. With `sealedFile` and `secret`, an
 * existing file is unsealed, otherwise a fresh key is sealed into it (mode 0600, written atomically).
 */
export function loadOrCreateTeeSigner(opts: { sealedFile?: string; secret?: string } = {}): TeeSigner {
  if (!opts.sealedFile) return signerFrom(generatePrivateKey(), "generated-ephemeral");
  const file = opts.sealedFile;
  if (!opts.secret) throw new TeeKeyError("a sealed TEE key needs an operator secret", file);
  if (fs.existsSync(file)) {
    let parsed: SealedKeyFile;
    try {
      parsed = JSON.parse(fs.readFileSync(file, "utf8")) as SealedKeyFile;
    } catch {
      throw new TeeKeyError("sealed key file is not JSON", file);
    }
    return signerFrom(unsealKey(parsed, opts.secret, file), "unsealed");
  }
  const pk = generatePrivateKey();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(sealKey(pk, opts.secret), null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return signerFrom(pk, "generated-sealed");
}

/** The attestation document served at `/v1/quote` and `/v1/proxy/attestation/report`. */
export function attestationReport(signer: TeeSigner, extra: { provider: Address; chainId: number; model: string }) {
  return {
    signing_address: signer.address,
    signing_public_key: signer.publicKey,
    provider: extra.provider,
    chain_id: extra.chainId,
    model: extra.model,
    key_origin: signer.origin,
    hardware_backed: false,
    tee: "none",
    quote: null,
    notice:
      "This broker runs without a hardware TEE. The signing key was generated inside the broker process and is " +
      "never stored in clear, but no enclave or quote vouches for it: trust rests on the on-chain acknowledgement " +
      "of signing_address by the contract owner.",
  };
}
