/**
 * The re-encryption oracle (ERC-7857, docs/inft-oracle.md). Given a request signed by a token's owner (or an
 * approved account) and the data key sealed to the oracle, it checks ownership on chain, fetches the ciphertext
 * by the token's URI, checks that it hashes to `getMetadataHash(tokenId)` and decrypts under the key,
 * re-encrypts it under a fresh key, stores the new ciphertext, seals the new key to the receiver and signs the
 * `OracleAttestation`. Peers co-sign after re-verifying everything themselves.
 *
 * Keys (the signing key and the sealing key) live only in this object; nothing here logs key material.
 */
import { randomBytes } from "@noble/hashes/utils.js";
import type { Logger } from "pino";
import {
  bytesToHex,
  hexToBytes,
  isAddressEqual,
  keccak256,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
  type TypedDataDomain,
} from "viem";
import type { LocalAccount } from "viem/accounts";
import { AgentNFTAbi, TEEVerifierAbi } from "../generated/abis";
import {
  assertProofDeadline,
  buildTransferClaim,
  decryptMetadata,
  encodeTeeOracleProof,
  encryptMetadata,
  generateDataKey,
  getAgentNFTDomain,
  getCompressedPublicKey,
  hashReceiverAcknowledgment,
  InftError,
  INFT_ACTIONS,
  METADATA_OVERHEAD,
  openSealedKey,
  PROOF_VALIDITY_PERIOD,
  randomProofNonce,
  recoverOracleAttestationSigner,
  sealKey,
  signOracleAttestation,
  toCompressedPublicKey,
  type OracleSignature,
  type TransferClaim,
} from "../protocol/inft";
import { OracleClient } from "./client";
import { OracleRejectError } from "./errors";
import {
  claimFromWire,
  claimToWire,
  decodeCosignBundle,
  encodeCosignBundle,
  getOracleRequestDomain,
  MAX_REQUEST_TTL_SECONDS,
  recoverOracleRequestSigner,
  requestFromWire,
  sealedDataKeyHash,
  type CosignBody,
  type OracleInfo,
  type OracleRequest,
  type PrepareBody,
  type PrepareResult,
} from "./protocol";
import { CiphertextStoreError, ciphertextRoot, type CiphertextStore } from "./store";

/** Remembers request ids; `claim` returns false for an id seen before (within `ttlSeconds`). */
export interface ReplayGuard {
  claim(id: string, ttlSeconds: number): Promise<boolean>;
}

/** Minimal Redis surface for {@link redisReplayGuard}. */
export interface RedisLike {
  set(key: string, value: string, px: "PX", ms: number, nx: "NX"): Promise<"OK" | null>;
}

/** A replay guard on Redis (`SET key 1 PX ttl NX`): shared by every worker of one oracle. */
export function redisReplayGuard(redis: RedisLike, prefix: string): ReplayGuard {
  return {
    async claim(id, ttlSeconds) {
      const ok = await redis.set(`${prefix}:${id}`, "1", "PX", Math.max(1, ttlSeconds) * 1000, "NX");
      return ok === "OK";
    },
  };
}

/** In-process replay guard (tests, single-process tools). */
export function memoryReplayGuard(): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async claim(id, ttlSeconds) {
      const now = Date.now();
      for (const [k, until] of seen) if (until < now) seen.delete(k);
      if (seen.has(id)) return false;
      seen.set(id, now + ttlSeconds * 1000);
      return true;
    },
  };
}

export interface OracleServiceOptions {
  publicClient: PublicClient;
  chainId: number;
  agentNFT: Address;
  store: CiphertextStore;
  /** Signs attestations; its address must be in the TEEVerifier's oracle set. */
  signer: LocalAccount;
  /** 32-byte secp256k1 secret data keys are sealed to (may equal the signing key). */
  sealingKey: Uint8Array;
  replay: ReplayGuard;
  /** Other oracles asked to co-sign until the verifier's threshold is met. */
  peers?: readonly string[];
  /** Largest plaintext accepted (bytes). */
  maxMetadataBytes?: number;
  /** Proof deadline = chain time + this (seconds, at most PROOF_VALIDITY_PERIOD). */
  proofValiditySeconds?: number;
  logger?: Logger;
  /** Wall clock in unix seconds (tests). */
  now?: () => number;
}

/** Counters for `/status`. */
export interface OracleStats {
  prepared: number;
  cosigned: number;
  rejected: Record<string, number>;
}

export const DEFAULT_MAX_METADATA_BYTES = 64 * 1024 * 1024;
export const DEFAULT_PROOF_VALIDITY_SECONDS = 1800;

export class OracleService {
  readonly address: Address;
  readonly publicKey: Hex;
  readonly stats: OracleStats = { prepared: 0, cosigned: 0, rejected: {} };
  private readonly o: Required<Omit<OracleServiceOptions, "logger" | "peers">> & {
    logger?: Logger;
    peers: readonly string[];
  };
  private readonly requestDomain: TypedDataDomain;
  private readonly nftDomain: TypedDataDomain;

  constructor(options: OracleServiceOptions) {
    const validity = options.proofValiditySeconds ?? DEFAULT_PROOF_VALIDITY_SECONDS;
    if (validity <= 0 || BigInt(validity) > PROOF_VALIDITY_PERIOD) {
      throw new RangeError(`proofValiditySeconds must be in 1..${PROOF_VALIDITY_PERIOD}, got ${validity}`);
    }
    this.o = {
      ...options,
      peers: options.peers ?? [],
      maxMetadataBytes: options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES,
      proofValiditySeconds: validity,
      now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    };
    this.address = options.signer.address;
    this.publicKey = bytesToHex(getCompressedPublicKey(options.sealingKey));
    this.requestDomain = getOracleRequestDomain({ chainId: options.chainId, agentNFT: options.agentNFT });
    this.nftDomain = getAgentNFTDomain({ chainId: options.chainId, verifyingContract: options.agentNFT });
  }

  info(): OracleInfo {
    return {
      address: this.address,
      publicKey: this.publicKey,
      chainId: this.o.chainId,
      agentNFT: this.o.agentNFT,
      hardwareAttested: false,
      maxMetadataBytes: this.o.maxMetadataBytes,
    };
  }

  /** Prepares a transfer, clone or rotation. @throws {OracleRejectError} */
  async prepare(body: PrepareBody): Promise<PrepareResult> {
    return this.counted(async () => {
      const request = requestFromWire(body.request);
      const sealedDataKey = body.sealedDataKey.toLowerCase() as Hex;
      if (sealedDataKeyHash(sealedDataKey) !== request.sealedDataKeyHash) {
        throw new OracleRejectError("bad_request", "sealedDataKey does not match the signed sealedDataKeyHash");
      }
      const token = await this.authorize(request, body.signature as Hex);
      const oldKey = this.openDataKey(sealedDataKey);
      const plaintext = await this.readPlaintext(token.uri, token.hash, oldKey);

      const newKey = generateDataKey();
      const ciphertext = encryptMetadata({ key: newKey, plaintext });
      const stored = await this.o.store.put(ciphertext);
      const ephemeralSecretKey = randomBytes(32);
      const sealNonce = randomBytes(12);
      const sealedKey = sealKey({
        publicKey: hexToBytes(request.receiverPubKey),
        key: newKey,
        ephemeralSecretKey,
        nonce: sealNonce,
      });
      const chainNow = await this.chainTime();
      const claim = buildTransferClaim({
        action: request.action,
        tokenId: request.tokenId,
        from: token.owner,
        to: request.to,
        oldDataHash: token.hash,
        newDataHash: stored.root,
        newURI: stored.uri,
        sealedKey,
        receiverPubKey: request.receiverPubKey,
        nonce: randomProofNonce(),
        deadline: chainNow + BigInt(this.o.proofValiditySeconds),
        now: chainNow,
      });
      const own = await signOracleAttestation({ account: this.o.signer, domain: this.nftDomain, claim });
      const signatures: OracleSignature[] = [{ signer: this.address, signature: own }];
      await this.collectPeerSignatures(signatures, {
        body,
        claim,
        sealedKey: bytesToHex(sealedKey),
        secrets: { oldKey, newKey, ephemeralSecretKey, sealNonce },
      });
      this.stats.prepared++;
      this.o.logger?.info(
        {
          action: request.action,
          token_id: request.tokenId.toString(),
          to: request.to,
          request_id: request.requestId,
          new_data_hash: stored.root,
          bytes: plaintext.length,
          signatures: signatures.length,
        },
        "claim prepared",
      );
      return {
        claim: claimToWire(claim),
        sealedKey: bytesToHex(sealedKey),
        signatures,
        oracleProof: encodeTeeOracleProof(signatures),
        receiverAcknowledgmentDigest: hashReceiverAcknowledgment({ domain: this.nftDomain, claim }),
        domain: {
          name: this.nftDomain.name as string,
          version: this.nftDomain.version as string,
          chainId: String(this.o.chainId),
          verifyingContract: this.o.agentNFT,
        },
      };
    });
  }

  /** Re-verifies a claim prepared by another oracle and signs it. @throws {OracleRejectError} */
  async cosign(body: CosignBody): Promise<OracleSignature> {
    return this.counted(async () => {
      const request = requestFromWire(body.request);
      const claim = claimFromWire(body.claim);
      const token = await this.authorize(request, body.signature as Hex);
      const mismatch = (field: string, got: string, want: string) =>
        new OracleRejectError("claim_mismatch", `claim.${field} does not match`, { got, expected: want });
      if (claim.action !== request.action) throw mismatch("action", String(claim.action), String(request.action));
      if (claim.tokenId !== request.tokenId) throw mismatch("tokenId", String(claim.tokenId), String(request.tokenId));
      if (!isAddressEqual(claim.to, request.to)) throw mismatch("to", claim.to, request.to);
      if (!isAddressEqual(claim.from, token.owner)) throw mismatch("from", claim.from, token.owner);
      if (claim.receiverPubKey !== request.receiverPubKey)
        throw mismatch("receiverPubKey", claim.receiverPubKey, request.receiverPubKey);
      if (claim.oldDataHash !== token.hash) throw mismatch("oldDataHash", claim.oldDataHash, token.hash);
      const sealedKey = body.sealedKey.toLowerCase() as Hex;
      if (keccak256(sealedKey) !== claim.sealedKeyHash)
        throw mismatch("sealedKeyHash", claim.sealedKeyHash, keccak256(sealedKey));
      try {
        assertProofDeadline({ deadline: claim.deadline, now: await this.chainTime() });
      } catch (err) {
        throw new OracleRejectError("claim_mismatch", "claim.deadline is outside the proof window", {
          deadline: claim.deadline.toString(),
          reason: err instanceof InftError ? err.shortMessage : String(err),
        });
      }
      const used = await this.o.publicClient.readContract({
        address: this.o.agentNFT,
        abi: AgentNFTAbi,
        functionName: "nonceUsed",
        args: [claim.nonce],
      });
      if (used) throw mismatch("nonce", claim.nonce.toString(), "an unused nonce");

      let opened: Uint8Array;
      try {
        opened = openSealedKey({ secretKey: this.o.sealingKey, sealed: hexToBytes(body.bundle as Hex) });
      } catch {
        throw new OracleRejectError("bad_bundle", "the co-sign bundle is not sealed to this oracle");
      }
      const secrets = decodeCosignBundle(opened);
      if (!secrets) throw new OracleRejectError("bad_bundle", "the co-sign bundle is malformed");
      if (bytesToHex(secrets.oldKey) === bytesToHex(secrets.newKey)) {
        throw new OracleRejectError("claim_mismatch", "the new data key equals the old one");
      }
      const before = await this.readPlaintext(token.uri, token.hash, secrets.oldKey);
      const after = await this.readPlaintext(claim.newURI, claim.newDataHash, secrets.newKey);
      if (bytesToHex(before) !== bytesToHex(after)) {
        throw new OracleRejectError("claim_mismatch", "the new ciphertext does not hold the same metadata");
      }
      let rebuilt: Uint8Array;
      try {
        rebuilt = sealKey({
          publicKey: hexToBytes(claim.receiverPubKey),
          key: secrets.newKey,
          ephemeralSecretKey: secrets.ephemeralSecretKey,
          nonce: secrets.sealNonce,
        });
      } catch {
        throw new OracleRejectError("bad_bundle", "cannot rebuild the sealed key from the bundle");
      }
      if (bytesToHex(rebuilt) !== sealedKey) {
        throw new OracleRejectError("claim_mismatch", "sealedKey is not the new data key sealed to receiverPubKey");
      }
      const signature = await signOracleAttestation({ account: this.o.signer, domain: this.nftDomain, claim });
      this.stats.cosigned++;
      this.o.logger?.info(
        { token_id: claim.tokenId.toString(), request_id: request.requestId, new_data_hash: claim.newDataHash },
        "claim co-signed",
      );
      return { signer: this.address, signature };
    });
  }

  /** Checks the request's window, signature, receiver, on-chain authority and single use. */
  private async authorize(request: OracleRequest, signature: Hex): Promise<{ owner: Address; uri: string; hash: Hex }> {
    const now = this.o.now();
    if (request.expiresAt < BigInt(now) || request.expiresAt > BigInt(now + MAX_REQUEST_TTL_SECONDS)) {
      throw new OracleRejectError("request_expired", `expiresAt must be within ${MAX_REQUEST_TTL_SECONDS}s from now`, {
        expiresAt: request.expiresAt.toString(),
        now: String(now),
      });
    }
    let signer: Address;
    try {
      signer = await recoverOracleRequestSigner({ domain: this.requestDomain, request, signature });
    } catch {
      throw new OracleRejectError("bad_signature", "the request signature cannot be recovered");
    }
    if (!isAddressEqual(signer, request.requester)) {
      throw new OracleRejectError("bad_signature", "the request is not signed by its requester", {
        signer,
        requester: request.requester,
      });
    }
    if (!Object.values(INFT_ACTIONS).includes(request.action)) {
      throw new OracleRejectError("unsupported_action", "unknown action", { action: String(request.action) });
    }
    if (isAddressEqual(request.to, zeroAddress)) {
      throw new OracleRejectError("invalid_receiver", "the receiver is the zero address");
    }
    try {
      toCompressedPublicKey(hexToBytes(request.receiverPubKey));
    } catch {
      throw new OracleRejectError("invalid_receiver_pubkey", "receiverPubKey is not a secp256k1 public key", {
        receiverPubKey: request.receiverPubKey,
      });
    }
    let owner: Address;
    try {
      owner = await this.o.publicClient.readContract({
        address: this.o.agentNFT,
        abi: AgentNFTAbi,
        functionName: "ownerOf",
        args: [request.tokenId],
      });
    } catch {
      throw new OracleRejectError("token_not_found", "no such token", { tokenId: request.tokenId.toString() });
    }
    const [authorized, uri, hash] = await Promise.all([
      this.o.publicClient.readContract({
        address: this.o.agentNFT,
        abi: AgentNFTAbi,
        functionName: "canClone",
        args: [request.tokenId, request.requester],
      }),
      this.o.publicClient.readContract({
        address: this.o.agentNFT,
        abi: AgentNFTAbi,
        functionName: "getEncryptedURI",
        args: [request.tokenId],
      }),
      this.o.publicClient.readContract({
        address: this.o.agentNFT,
        abi: AgentNFTAbi,
        functionName: "getMetadataHash",
        args: [request.tokenId],
      }),
    ]);
    if (!authorized) {
      throw new OracleRejectError("not_owner", "the requester neither owns the token nor is approved for it", {
        tokenId: request.tokenId.toString(),
        requester: request.requester,
        owner,
      });
    }
    if (request.action === INFT_ACTIONS.Rotate && !isAddressEqual(request.to, owner)) {
      throw new OracleRejectError("invalid_receiver", "a rotation's receiver must be the owner", {
        to: request.to,
        owner,
      });
    }
    const ttl = Number(request.expiresAt) - now + 60;
    if (!(await this.o.replay.claim(request.requestId, ttl))) {
      throw new OracleRejectError("request_replayed", "this requestId was already used", {
        requestId: request.requestId,
      });
    }
    return { owner, uri, hash: hash.toLowerCase() as Hex };
  }

  private openDataKey(sealed: Hex): Uint8Array {
    try {
      const key = openSealedKey({ secretKey: this.o.sealingKey, sealed: hexToBytes(sealed) });
      if (key.length !== 32) throw new Error("not a 32-byte key");
      return key;
    } catch {
      throw new OracleRejectError("wrong_data_key", "sealedDataKey does not open with this oracle's key");
    }
  }

  /** Fetches `uri`, checks its root equals `expectedHash`, decrypts with `key`. */
  private async readPlaintext(uri: string, expectedHash: Hex, key: Uint8Array): Promise<Uint8Array> {
    let ciphertext: Uint8Array;
    try {
      ciphertext = await this.o.store.get(uri);
    } catch (err) {
      if (err instanceof CiphertextStoreError && err.reason === "root_mismatch") {
        throw new OracleRejectError("ciphertext_hash_mismatch", "the stored ciphertext does not match its URI", {
          uri,
        });
      }
      throw new OracleRejectError("ciphertext_not_found", "cannot fetch the ciphertext", {
        uri,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
    if (ciphertext.length > this.o.maxMetadataBytes + METADATA_OVERHEAD) {
      throw new OracleRejectError("metadata_too_large", "the ciphertext exceeds this oracle's limit", {
        bytes: String(ciphertext.length),
        limit: String(this.o.maxMetadataBytes + METADATA_OVERHEAD),
      });
    }
    const root = ciphertextRoot(ciphertext);
    if (root !== expectedHash.toLowerCase()) {
      throw new OracleRejectError("ciphertext_hash_mismatch", "the ciphertext's root differs from the hash on chain", {
        root,
        expected: expectedHash,
      });
    }
    try {
      return decryptMetadata({ key, ciphertext });
    } catch {
      throw new OracleRejectError("wrong_data_key", "the data key does not decrypt the token's ciphertext", { uri });
    }
  }

  private async chainTime(): Promise<bigint> {
    const block = await this.o.publicClient.getBlock({ blockTag: "latest" });
    return block.timestamp;
  }

  /** The verifier's threshold (1 when the verifier is not a TEEVerifier). */
  async requiredSignatures(): Promise<number> {
    try {
      const verifier = await this.o.publicClient.readContract({
        address: this.o.agentNFT,
        abi: AgentNFTAbi,
        functionName: "verifier",
      });
      const n = await this.o.publicClient.readContract({
        address: verifier,
        abi: TEEVerifierAbi,
        functionName: "minConfirmations",
      });
      return Number(n);
    } catch {
      return 1;
    }
  }

  private async collectPeerSignatures(
    signatures: OracleSignature[],
    ctx: {
      body: PrepareBody;
      claim: TransferClaim;
      sealedKey: Hex;
      secrets: Parameters<typeof encodeCosignBundle>[0];
    },
  ): Promise<void> {
    const required = await this.requiredSignatures();
    const failures: string[] = [];
    for (const url of this.o.peers) {
      if (signatures.length >= required) break;
      try {
        const peer = new OracleClient(url);
        const info = await peer.info();
        if (info.chainId !== this.o.chainId || !isAddressEqual(info.agentNFT as Address, this.o.agentNFT)) {
          throw new Error(`peer serves chain ${info.chainId} token ${info.agentNFT}, not ours`);
        }
        if (signatures.some((s) => isAddressEqual(s.signer, info.address as Address))) continue;
        const bundle = sealKey({ publicKey: hexToBytes(info.publicKey as Hex), key: encodeCosignBundle(ctx.secrets) });
        const got = await peer.cosign({
          request: ctx.body.request,
          signature: ctx.body.signature,
          claim: claimToWire(ctx.claim),
          sealedKey: ctx.sealedKey,
          bundle: bytesToHex(bundle),
        });
        const signer = await recoverOracleAttestationSigner({
          domain: this.nftDomain,
          claim: ctx.claim,
          signature: got.signature as Hex,
        });
        if (!isAddressEqual(signer, info.address as Address)) throw new Error(`signature recovers to ${signer}`);
        signatures.push({ signer, signature: got.signature as Hex });
      } catch (err) {
        failures.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
        this.o.logger?.warn(
          { peer: url, err: err instanceof Error ? err.message : String(err) },
          "peer co-sign failed",
        );
      }
    }
    if (signatures.length < required) {
      throw new OracleRejectError("threshold_not_met", "not enough oracle signatures for the verifier's threshold", {
        got: String(signatures.length),
        required: String(required),
        failures: failures.join("; ") || "no peers configured",
      });
    }
  }

  private async counted<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const reason = err instanceof OracleRejectError ? err.reason : "internal";
      this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
      if (err instanceof OracleRejectError) this.o.logger?.info({ reason, message: err.message }, "request rejected");
      throw err;
    }
  }
}
