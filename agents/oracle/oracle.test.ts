/**
 * The oracle end to end: real hardhat node, real Redis, the oracle agent on real HTTP, the fs ciphertext store.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { createLogger } from "../core/logger";
import { AgentNFTAbi, TEEVerifierAbi } from "../generated/abis";
import {
  decryptMetadata,
  encodeTransferProof,
  encryptMetadata,
  generateDataKey,
  getCompressedPublicKey,
  getTransferProof,
  INFT_ACTIONS,
  openSealedKey,
  sealKey,
  type InftAction,
} from "../protocol/inft";
import { getFreePort } from "../core/testing";
import { loadOracleConfig, oracleRole } from "./agent";
import { OracleClient, OracleClientError } from "./client";
import {
  acknowledgeClaim,
  decryptToken,
  Keyring,
  mintEncryptedAgent,
  openTokenKey,
  requestReencryption,
  submitClaim,
} from "./owner";
import {
  claimFromWire,
  encodeCosignBundle,
  getOracleRequestDomain,
  requestToWire,
  sealedDataKeyHash,
  signOracleRequest,
  type OracleRequest,
} from "./protocol";
import { ciphertextRoot, parseCiphertextUri } from "./store";
import { startOracleTestEnv, type Actor, type OracleTestEnv } from "./test-env";

let env: OracleTestEnv;
let keyring: Keyring;
const text = (s: string) => new TextEncoder().encode(s);
const pub = (a: Actor) => bytesToHex(getCompressedPublicKey(a.secretKey));

beforeAll(async () => {
  env = await startOracleTestEnv();
  keyring = new Keyring(path.join(env.storeDir, "keyring.json"));
}, 120_000);
afterAll(async () => env?.stop(), 60_000);

const ref = () => ({ publicClient: env.publicClient, chainId: env.chainId, agentNFT: env.agentNFT });

async function mint(owner: Actor, body = `agent ${bytesToHex(randomBytes(8))}`) {
  const minted = await mintEncryptedAgent({
    ...ref(),
    minter: env.actors.deployer.wallet,
    store: env.store,
    plaintext: text(body),
    owner: owner.account.address,
    ownerPublicKey: getCompressedPublicKey(owner.secretKey),
    keyring,
  });
  return { ...minted, body };
}

/** A signed prepare body, with overridable parts for negative cases. */
async function prepareBody(p: {
  signer: Actor;
  tokenId: bigint;
  to: Actor | Address;
  action?: InftAction;
  dataKey: Uint8Array;
  receiverPubKey?: Hex;
  requester?: Address;
  expiresAt?: bigint;
}) {
  const info = await env.client.info();
  const sealedDataKey = bytesToHex(sealKey({ publicKey: hexToBytes(info.publicKey as Hex), key: p.dataKey }));
  const to = typeof p.to === "string" ? p.to : p.to.account.address;
  const request: OracleRequest = {
    action: p.action ?? INFT_ACTIONS.Transfer,
    tokenId: p.tokenId,
    requester: p.requester ?? p.signer.account.address,
    to,
    receiverPubKey: p.receiverPubKey ?? (typeof p.to === "string" ? pub(env.actors.bob) : pub(p.to)),
    sealedDataKeyHash: sealedDataKeyHash(sealedDataKey),
    requestId: bytesToHex(randomBytes(32)),
    expiresAt: p.expiresAt ?? BigInt(Math.floor(Date.now() / 1000) + 120),
  };
  const signature = await signOracleRequest({
    account: p.signer.account,
    domain: getOracleRequestDomain({ chainId: env.chainId, agentNFT: env.agentNFT }),
    request,
  });
  return { request: requestToWire(request), signature, sealedDataKey };
}

async function expectReject(promise: Promise<unknown>, status: number, code: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OracleClientError);
  expect((err as OracleClientError).code).toBe(code);
  expect((err as OracleClientError).status).toBe(status);
}

describe("GET /v1/oracle", () => {
  it("publishes the signing address, the sealing key and that it is not hardware-attested", async () => {
    const info = await env.client.info();
    expect(info.address).toBe(env.actors.oracle.account.address);
    expect(info.publicKey).toBe(pub(env.actors.oracle));
    expect(info.hardwareAttested).toBe(false);
    expect(info.agentNFT.toLowerCase()).toBe(env.agentNFT.toLowerCase());
  });
});

describe("transfer through the oracle", () => {
  it("moves the token: the new owner decrypts, the old key does not open the new ciphertext, the proof is single-use", async () => {
    const { alice, bob } = env.actors;
    const m = await mint(alice, "weights: 42; prompt: be helpful");
    const aliceKey = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: alice.secretKey, keyring });
    const result = await requestReencryption({
      ...ref(),
      oracle: env.client,
      requester: alice.account,
      tokenId: m.tokenId,
      action: INFT_ACTIONS.Transfer,
      to: bob.account.address,
      receiverPubKey: pub(bob),
      dataKey: aliceKey,
    });
    const claim = claimFromWire(result.claim);
    expect(claim.from).toBe(alice.account.address);
    expect(claim.oldDataHash).toBe(m.dataHash);
    expect(claim.newDataHash).not.toBe(m.dataHash);
    expect(result.signatures.map((s) => s.signer)).toEqual([env.actors.oracle.account.address]);
    // The contract computes the same digest the receiver signs.
    const [, receiverDigest] = await env.publicClient.readContract({
      address: env.agentNFT,
      abi: AgentNFTAbi,
      functionName: "claimDigests",
      args: [claim],
    });
    expect(receiverDigest).toBe(result.receiverAcknowledgmentDigest);

    const ack = await acknowledgeClaim({
      ...ref(),
      result,
      account: bob.account,
      secretKey: bob.secretKey,
      store: env.store,
    });
    const sent = await submitClaim({
      publicClient: env.publicClient,
      wallet: alice.wallet,
      agentNFT: env.agentNFT,
      result,
      receiverSignature: ack,
    });
    expect(
      await env.publicClient.readContract({
        address: env.agentNFT,
        abi: AgentNFTAbi,
        functionName: "ownerOf",
        args: [m.tokenId],
      }),
    ).toBe(bob.account.address);

    const plain = await decryptToken({ ...ref(), tokenId: m.tokenId, secretKey: bob.secretKey, store: env.store });
    expect(new TextDecoder().decode(plain)).toBe(m.body);
    // Alice's old key does not open the new ciphertext; her secret does not open the new sealed key.
    const newCipher = await env.store.get(claim.newURI);
    expect(() => decryptMetadata({ key: aliceKey, ciphertext: newCipher })).toThrow(/Cannot decrypt/);
    await expect(
      decryptToken({ ...ref(), tokenId: m.tokenId, secretKey: alice.secretKey, store: env.store }),
    ).rejects.toThrow();

    // Reusing the proof fails (the token moved and the nonce is spent).
    const proof = encodeTransferProof(
      getTransferProof({ claim, oracleProof: result.oracleProof as Hex, receiverSignature: ack }),
    );
    await expect(
      env.publicClient.simulateContract({
        account: bob.account,
        address: env.agentNFT,
        abi: AgentNFTAbi,
        functionName: "transfer",
        args: [bob.account.address, bob.account.address, m.tokenId, result.sealedKey as Hex, proof],
      }),
    ).rejects.toThrow();
    expect(
      await env.publicClient.readContract({
        address: env.agentNFT,
        abi: AgentNFTAbi,
        functionName: "nonceUsed",
        args: [claim.nonce],
      }),
    ).toBe(true);
    expect(sent.txHash).toMatch(/^0x/);
  });

  it("clones: the copy's owner decrypts the same metadata under a new key, the source is unchanged", async () => {
    const { alice, carol } = env.actors;
    const m = await mint(alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: alice.secretKey, keyring });
    const result = await requestReencryption({
      ...ref(),
      oracle: env.client,
      requester: alice.account,
      tokenId: m.tokenId,
      action: INFT_ACTIONS.Clone,
      to: carol.account.address,
      receiverPubKey: pub(carol),
      dataKey: key,
    });
    const ack = await acknowledgeClaim({ ...ref(), result, account: carol.account, secretKey: carol.secretKey });
    const sent = await submitClaim({
      publicClient: env.publicClient,
      wallet: alice.wallet,
      agentNFT: env.agentNFT,
      result,
      receiverSignature: ack,
    });
    expect(sent.newTokenId).toBeDefined();
    const copy = await decryptToken({
      ...ref(),
      tokenId: sent.newTokenId!,
      secretKey: carol.secretKey,
      store: env.store,
    });
    expect(new TextDecoder().decode(copy)).toBe(m.body);
    const source = await decryptToken({
      ...ref(),
      tokenId: m.tokenId,
      secretKey: alice.secretKey,
      store: env.store,
      keyring,
    });
    expect(new TextDecoder().decode(source)).toBe(m.body);
  });
});

describe("refusals (HTTP 4xx naming the reason)", () => {
  it("a request by someone who neither owns nor is approved: 403 not_owner", async () => {
    const m = await mint(env.actors.alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: env.actors.alice.secretKey, keyring });
    // Mallory even knows the key, but does not own the token.
    await expectReject(
      env.client.prepare(
        await prepareBody({ signer: env.actors.mallory, tokenId: m.tokenId, to: env.actors.mallory, dataKey: key }),
      ),
      403,
      "not_owner",
    );
  });

  it("a request signed by another account than its requester: 401 bad_signature", async () => {
    const m = await mint(env.actors.alice);
    const key = generateDataKey();
    await expectReject(
      env.client.prepare(
        await prepareBody({
          signer: env.actors.mallory,
          requester: env.actors.alice.account.address,
          tokenId: m.tokenId,
          to: env.actors.mallory,
          dataKey: key,
        }),
      ),
      401,
      "bad_signature",
    );
  });

  it("a wrong data key: 422 wrong_data_key", async () => {
    const m = await mint(env.actors.alice);
    await expectReject(
      env.client.prepare(
        await prepareBody({
          signer: env.actors.alice,
          tokenId: m.tokenId,
          to: env.actors.bob,
          dataKey: generateDataKey(),
        }),
      ),
      422,
      "wrong_data_key",
    );
  });

  it("a data key not sealed to the oracle: 422 wrong_data_key", async () => {
    const m = await mint(env.actors.alice);
    const body = await prepareBody({
      signer: env.actors.alice,
      tokenId: m.tokenId,
      to: env.actors.bob,
      dataKey: generateDataKey(),
    });
    const resealed = bytesToHex(sealKey({ publicKey: hexToBytes(pub(env.actors.bob)), key: generateDataKey() }));
    const request = { ...body.request, sealedDataKeyHash: sealedDataKeyHash(resealed) };
    const signature = await signOracleRequest({
      account: env.actors.alice.account,
      domain: getOracleRequestDomain({ chainId: env.chainId, agentNFT: env.agentNFT }),
      request: { ...claimlessRequest(request) },
    });
    await expectReject(env.client.prepare({ request, signature, sealedDataKey: resealed }), 422, "wrong_data_key");
  });

  it("a token whose hash on chain differs from the stored ciphertext's root: 422 ciphertext_hash_mismatch", async () => {
    const { alice } = env.actors;
    const key = generateDataKey();
    const stored = await env.store.put(encryptMetadata({ key, plaintext: text("real") }));
    const other = await env.store.put(encryptMetadata({ key, plaintext: text("other") }));
    const hash = await env.actors.deployer.wallet.writeContract({
      address: env.agentNFT,
      abi: AgentNFTAbi,
      functionName: "mint",
      args: [alice.account.address, stored.uri, other.root],
    });
    await env.publicClient.waitForTransactionReceipt({ hash });
    const tokenId =
      (await env.publicClient.readContract({ address: env.agentNFT, abi: AgentNFTAbi, functionName: "nextTokenId" })) -
      1n;
    await expectReject(
      env.client.prepare(await prepareBody({ signer: alice, tokenId, to: env.actors.bob, dataKey: key })),
      422,
      "ciphertext_hash_mismatch",
    );
  });

  it("a ciphertext tampered in storage: 422 ciphertext_hash_mismatch", async () => {
    const m = await mint(env.actors.alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: env.actors.alice.secretKey, keyring });
    const file = path.join(env.storeDir, `${parseCiphertextUri(m.uri).slice(2)}.bin`);
    const original = fs.readFileSync(file);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 1] ^= 1;
    fs.writeFileSync(file, tampered);
    try {
      expect(ciphertextRoot(new Uint8Array(tampered))).not.toBe(m.dataHash);
      await expectReject(
        env.client.prepare(
          await prepareBody({ signer: env.actors.alice, tokenId: m.tokenId, to: env.actors.bob, dataKey: key }),
        ),
        422,
        "ciphertext_hash_mismatch",
      );
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it("a receiver key that is not a secp256k1 point: 400 invalid_receiver_pubkey", async () => {
    const m = await mint(env.actors.alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: env.actors.alice.secretKey, keyring });
    for (const bad of [`0x02${"ff".repeat(32)}`, "0x1234", `0x04${"00".repeat(64)}`] as Hex[]) {
      await expectReject(
        env.client.prepare(
          await prepareBody({
            signer: env.actors.alice,
            tokenId: m.tokenId,
            to: env.actors.bob,
            dataKey: key,
            receiverPubKey: bad,
          }),
        ),
        400,
        "invalid_receiver_pubkey",
      );
    }
  });

  it("a replayed request: 409 request_replayed", async () => {
    const m = await mint(env.actors.alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: env.actors.alice.secretKey, keyring });
    const body = await prepareBody({ signer: env.actors.alice, tokenId: m.tokenId, to: env.actors.bob, dataKey: key });
    await env.client.prepare(body);
    await expectReject(env.client.prepare(body), 409, "request_replayed");
  });

  it("an expired or too-long-lived request: 400 request_expired", async () => {
    const m = await mint(env.actors.alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: env.actors.alice.secretKey, keyring });
    const now = BigInt(Math.floor(Date.now() / 1000));
    for (const expiresAt of [now - 5n, now + 3600n]) {
      await expectReject(
        env.client.prepare(
          await prepareBody({
            signer: env.actors.alice,
            tokenId: m.tokenId,
            to: env.actors.bob,
            dataKey: key,
            expiresAt,
          }),
        ),
        400,
        "request_expired",
      );
    }
  });

  it("an unknown token: 404 token_not_found; a malformed body: 400 bad_request", async () => {
    await expectReject(
      env.client.prepare(
        await prepareBody({
          signer: env.actors.alice,
          tokenId: 999_999n,
          to: env.actors.bob,
          dataKey: generateDataKey(),
        }),
      ),
      404,
      "token_not_found",
    );
    const res = await fetch(`${env.client.url}/v1/prepare`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ request: { action: 7 } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_request");
  });

  it("/status and /metrics count what it prepared and refused, and /status holds no key material", async () => {
    const res = await fetch(`${env.client.url}/status`);
    const body = (await res.json()) as { role: { stats: { prepared: number; rejected: Record<string, number> } } };
    expect(body.role.stats.prepared).toBeGreaterThan(0);
    expect(body.role.stats.rejected.not_owner).toBeGreaterThan(0);
    const metrics = await (await fetch(`${env.client.url}/metrics`)).text();
    expect(metrics).toMatch(/zg_inft_oracle_requests_total\{[^}]*endpoint="prepare"[^}]*result="ok"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/zg_inft_oracle_requests_total\{[^}]*result="not_owner"[^}]*\} [1-9]/);
    expect(metrics).toContain("zg_inft_oracle_request_duration_seconds_bucket");
    const raw = JSON.stringify(body).toLowerCase();
    expect(raw).not.toContain(bytesToHex(env.actors.oracle.secretKey).slice(2));
  });
});

describe("several oracles: threshold 2", () => {
  it("the primary gathers a peer's co-signature after the peer re-verifies; the contract accepts 2-of-2", async () => {
    const { deployer, oracle2, alice, bob } = env.actors;
    const peer = await env.startOracle({ key: bytesToHex(oracle2.secretKey), name: "inft-oracle-2" });
    const primary = await env.startOracle({
      key: bytesToHex(env.actors.oracle.secretKey),
      name: "inft-oracle-primary",
      peers: [peer.url as string],
    });
    for (const [functionName, args] of [
      ["addOracle", [oracle2.account.address]],
      ["setMinConfirmations", [2n]],
    ] as const) {
      const hash = await deployer.wallet.writeContract({
        address: env.teeVerifier,
        abi: TEEVerifierAbi,
        functionName,
        args: args as never,
      });
      await env.publicClient.waitForTransactionReceipt({ hash });
    }
    try {
      const m = await mint(alice);
      const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: alice.secretKey, keyring });
      // The single oracle alone no longer meets the threshold.
      const single = requestReencryption({
        ...ref(),
        oracle: env.client,
        requester: alice.account,
        tokenId: m.tokenId,
        action: INFT_ACTIONS.Transfer,
        to: bob.account.address,
        receiverPubKey: pub(bob),
        dataKey: key,
      });
      await expectReject(single, 502, "threshold_not_met");

      const result = await requestReencryption({
        ...ref(),
        oracle: new OracleClient(primary.url as string),
        requester: alice.account,
        tokenId: m.tokenId,
        action: INFT_ACTIONS.Transfer,
        to: bob.account.address,
        receiverPubKey: pub(bob),
        dataKey: key,
      });
      expect(result.signatures.map((s) => s.signer).sort()).toEqual(
        [env.actors.oracle.account.address, oracle2.account.address].sort(),
      );
      const ack = await acknowledgeClaim({ ...ref(), result, account: bob.account, secretKey: bob.secretKey });
      await submitClaim({
        publicClient: env.publicClient,
        wallet: alice.wallet,
        agentNFT: env.agentNFT,
        result,
        receiverSignature: ack,
      });
      const plain = await decryptToken({ ...ref(), tokenId: m.tokenId, secretKey: bob.secretKey, store: env.store });
      expect(new TextDecoder().decode(plain)).toBe(m.body);

      // A peer refuses a claim whose sealed key is not the new key sealed to the receiver.
      const m2 = await mint(alice);
      const key2 = await openTokenKey({ ...ref(), tokenId: m2.tokenId, secretKey: alice.secretKey, keyring });
      const body = await prepareBody({ signer: alice, tokenId: m2.tokenId, to: bob, dataKey: key2 });
      const peerClient = new OracleClient(peer.url as string);
      const peerInfo = await peerClient.info();
      // The forger re-encrypts honestly but hands the receiver a sealed key holding a different key.
      const newKey = generateDataKey();
      const stored = await env.store.put(encryptMetadata({ key: newKey, plaintext: text(m2.body) }));
      const forged = bytesToHex(sealKey({ publicKey: hexToBytes(pub(bob)), key: generateDataKey() }));
      const bundle = bytesToHex(
        sealKey({
          publicKey: hexToBytes(peerInfo.publicKey as Hex),
          key: encodeCosignBundle({
            oldKey: key2,
            newKey,
            ephemeralSecretKey: randomBytes(32),
            sealNonce: randomBytes(12),
          }),
        }),
      );
      const now = await env.publicClient.getBlock();
      const cosignBody = (sealedKey: Hex, b: Hex, signed: { request: typeof body.request; signature: Hex }) => ({
        request: signed.request,
        signature: signed.signature,
        claim: {
          action: 0 as const,
          tokenId: m2.tokenId.toString(),
          from: alice.account.address,
          to: bob.account.address,
          oldDataHash: m2.dataHash,
          newDataHash: stored.root,
          newURI: stored.uri,
          sealedKeyHash: keccak256(sealedKey),
          receiverPubKey: pub(bob),
          nonce: "1",
          deadline: (now.timestamp + 600n).toString(),
        },
        sealedKey,
        bundle: b,
      });
      await expectReject(peerClient.cosign(cosignBody(forged, bundle, body)), 422, "claim_mismatch");
      // A bundle sealed to someone else is refused too.
      const body2 = await prepareBody({ signer: alice, tokenId: m2.tokenId, to: bob, dataKey: key2 });
      const wrongBundle = bytesToHex(sealKey({ publicKey: hexToBytes(pub(bob)), key: new Uint8Array(109) }));
      await expectReject(peerClient.cosign(cosignBody(forged, wrongBundle, body2)), 422, "bad_bundle");
    } finally {
      const hash = await deployer.wallet.writeContract({
        address: env.teeVerifier,
        abi: TEEVerifierAbi,
        functionName: "setMinConfirmations",
        args: [1n],
      });
      await env.publicClient.waitForTransactionReceipt({ hash });
    }
  });
});

function claimlessRequest(w: ReturnType<typeof requestToWire>): OracleRequest {
  return {
    action: w.action,
    tokenId: BigInt(w.tokenId),
    requester: w.requester as Address,
    to: w.to as Address,
    receiverPubKey: w.receiverPubKey as Hex,
    sealedDataKeyHash: w.sealedDataKeyHash as Hex,
    requestId: w.requestId as Hex,
    expiresAt: BigInt(w.expiresAt),
  };
}

describe("rotation and logging", () => {
  it("the owner rotates its key through the oracle; the old key no longer opens the token, and no log line carries a key or the plaintext", async () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: "oracle-log-test",
      level: "trace",
      destination: { write: (l: string) => void lines.push(l) },
    });
    const logged = await env.startOracle({
      key: bytesToHex(env.actors.oracle.secretKey),
      name: "inft-oracle-logged",
      logger,
    });
    const client = new OracleClient(logged.url as string);
    const { alice } = env.actors;
    const m = await mint(alice, "secret-plaintext-marker");
    const oldKey = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: alice.secretKey, keyring });
    // A refused attempt is logged too.
    await expectReject(
      requestReencryption({
        ...ref(),
        oracle: client,
        requester: alice.account,
        tokenId: m.tokenId,
        action: INFT_ACTIONS.Rotate,
        to: env.actors.bob.account.address,
        receiverPubKey: pub(alice),
        dataKey: oldKey,
      }),
      400,
      "invalid_receiver",
    );
    const result = await requestReencryption({
      ...ref(),
      oracle: client,
      requester: alice.account,
      tokenId: m.tokenId,
      action: INFT_ACTIONS.Rotate,
      to: alice.account.address,
      receiverPubKey: pub(alice),
      dataKey: oldKey,
    });
    const ack = await acknowledgeClaim({ ...ref(), result, account: alice.account, secretKey: alice.secretKey });
    await submitClaim({
      publicClient: env.publicClient,
      wallet: alice.wallet,
      agentNFT: env.agentNFT,
      result,
      receiverSignature: ack,
    });
    const plain = await decryptToken({
      ...ref(),
      tokenId: m.tokenId,
      secretKey: alice.secretKey,
      store: env.store,
      keyring,
    });
    expect(new TextDecoder().decode(plain)).toBe(m.body);
    const newKey = openSealedKey({ secretKey: alice.secretKey, sealed: hexToBytes(result.sealedKey as Hex) });
    const claim = claimFromWire(result.claim);
    expect(() => decryptMetadata({ key: oldKey, ciphertext: newCipherOf(claim.newURI) })).toThrow();

    const log = lines.join("").toLowerCase();
    expect(log).toContain("claim prepared");
    expect(log).toContain("request rejected");
    for (const secret of [env.actors.oracle.secretKey, oldKey, newKey]) {
      expect(log).not.toContain(bytesToHex(secret).slice(2));
    }
    expect(log).not.toContain("secret-plaintext-marker");
  });
});

function newCipherOf(uri: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(env.storeDir, `${parseCiphertextUri(uri).slice(2)}.bin`)));
}

describe("zg agent oracle configuration", () => {
  const baseEnv = () => ({
    ZG_ORACLE_RPC_URL: env.node.rpcUrl,
    ZG_ORACLE_CHAIN_ID: "31337",
    ZG_ORACLE_REDIS_URL: env.redis.url,
    ZG_ORACLE_PRIVATE_KEY: bytesToHex(env.actors.oracle.secretKey),
    ZG_ORACLE_AGENT_NFT: env.agentNFT,
    ZG_ORACLE_STORE: `file:${env.storeDir}`,
    ZG_ORACLE_LOG_LEVEL: "silent",
  });

  it("starts from the environment alone and serves /healthz and /v1/oracle", async () => {
    const port = await getFreePort();
    const running = await oracleRole.start({ env: { ...baseEnv(), ZG_ORACLE_HTTP__PORT: String(port) } });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const info = await new OracleClient(`http://127.0.0.1:${port}`).info();
      expect(info.address).toBe(env.actors.oracle.account.address);
    } finally {
      await running.stop();
    }
  });

  it("refuses a missing store, a sealing key in a file, and a proof validity beyond the contract's hour", () => {
    const { ZG_ORACLE_STORE: _store, ...noStore } = baseEnv();
    expect(() => loadOracleConfig({ env: noStore })).toThrow(/store/);
    const file = path.join(env.storeDir, "oracle.json");
    fs.writeFileSync(file, JSON.stringify({ sealingSecretKey: `0x${"11".repeat(32)}` }));
    expect(() => loadOracleConfig({ configFile: file, env: baseEnv() })).toThrow(/sealingSecretKey/);
    expect(() => loadOracleConfig({ env: { ...baseEnv(), ZG_ORACLE_PROOF_VALIDITY_SECONDS: "7200" } })).toThrow(
      /proofValiditySeconds/,
    );
    const ok = loadOracleConfig({ env: { ...baseEnv(), ZG_ORACLE_PEERS: "http://a:1,http://b:2" } });
    expect(ok.peers).toBe("http://a:1,http://b:2");
  });
});

describe("approved accounts and restarts", () => {
  it("an account approved for the token may request and submit; the claim's from is still the owner", async () => {
    const { alice, bob, carol } = env.actors;
    const m = await mint(alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: alice.secretKey, keyring });
    const hash = await alice.wallet.writeContract({
      address: env.agentNFT,
      abi: AgentNFTAbi,
      functionName: "approve",
      args: [carol.account.address, m.tokenId],
    });
    await env.publicClient.waitForTransactionReceipt({ hash });
    const result = await requestReencryption({
      ...ref(),
      oracle: env.client,
      requester: carol.account,
      tokenId: m.tokenId,
      action: INFT_ACTIONS.Transfer,
      to: bob.account.address,
      receiverPubKey: pub(bob),
      dataKey: key,
    });
    expect(claimFromWire(result.claim).from).toBe(alice.account.address);
    const ack = await acknowledgeClaim({ ...ref(), result, account: bob.account, secretKey: bob.secretKey });
    await submitClaim({
      publicClient: env.publicClient,
      wallet: carol.wallet,
      agentNFT: env.agentNFT,
      result,
      receiverSignature: ack,
    });
    const plain = await decryptToken({ ...ref(), tokenId: m.tokenId, secretKey: bob.secretKey, store: env.store });
    expect(new TextDecoder().decode(plain)).toBe(m.body);
  });

  it("the replay record lives in Redis: a restarted oracle still refuses a used request", async () => {
    const first = await env.startOracle({ key: bytesToHex(env.actors.oracle.secretKey), name: "inft-oracle-restart" });
    const m = await mint(env.actors.alice);
    const key = await openTokenKey({ ...ref(), tokenId: m.tokenId, secretKey: env.actors.alice.secretKey, keyring });
    const body = await prepareBody({ signer: env.actors.alice, tokenId: m.tokenId, to: env.actors.bob, dataKey: key });
    await new OracleClient(first.url as string).prepare(body);
    await first.stop();
    const second = await env.startOracle({ key: bytesToHex(env.actors.oracle.secretKey), name: "inft-oracle-restart" });
    await expectReject(new OracleClient(second.url as string).prepare(body), 409, "request_replayed");
  });
});
