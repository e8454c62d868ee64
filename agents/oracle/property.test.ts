/**
 * Property: after any sequence of transfers and clones through the oracle (real chain, Redis, HTTP), only each
 * token's current owner can decrypt its current ciphertext, no earlier data key of the token opens it, and every
 * proof that was used is rejected when submitted again.
 */
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { AgentNFTAbi } from "../generated/abis";
import {
  decryptMetadata,
  encodeTransferProof,
  getCompressedPublicKey,
  getTransferProof,
  INFT_ACTIONS,
} from "../protocol/inft";
import {
  acknowledgeClaim,
  decryptToken,
  Keyring,
  mintEncryptedAgent,
  openTokenKey,
  requestReencryption,
  submitClaim,
} from "./owner";
import { claimFromWire } from "./protocol";
import { startOracleTestEnv, type Actor, type OracleTestEnv } from "./test-env";

let env: OracleTestEnv;
let keyring: Keyring;
let people: Actor[];

beforeAll(async () => {
  env = await startOracleTestEnv();
  keyring = new Keyring(path.join(env.storeDir, "keyring.json"));
  people = [env.actors.alice, env.actors.bob, env.actors.carol];
}, 120_000);
afterAll(async () => env?.stop(), 60_000);

const ref = () => ({ publicClient: env.publicClient, chainId: env.chainId, agentNFT: env.agentNFT });

interface Tracked {
  id: bigint;
  owner: number;
  plaintext: Uint8Array;
  /** Every data key this token's ciphertexts were ever under (including the current one). */
  keys: Hex[];
}

async function canDecrypt(t: Tracked, who: Actor): Promise<boolean> {
  try {
    const plain = await decryptToken({ ...ref(), tokenId: t.id, secretKey: who.secretKey, store: env.store, keyring });
    return bytesToHex(plain) === bytesToHex(t.plaintext);
  } catch {
    return false;
  }
}

it("only the current owner decrypts; old keys never open the new ciphertext; used proofs never work again", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: 2 }),
      fc.uint8Array({ minLength: 1, maxLength: 2048 }),
      fc.array(fc.record({ clone: fc.boolean(), pick: fc.nat({ max: 7 }), to: fc.nat({ max: 2 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      async (firstOwner, plaintext, ops) => {
        const owner0 = people[firstOwner]!;
        const minted = await mintEncryptedAgent({
          ...ref(),
          minter: env.actors.deployer.wallet,
          store: env.store,
          plaintext,
          owner: owner0.account.address,
          ownerPublicKey: getCompressedPublicKey(owner0.secretKey),
          keyring,
        });
        const firstKey = await openTokenKey({
          ...ref(),
          tokenId: minted.tokenId,
          secretKey: owner0.secretKey,
          keyring,
        });
        const tokens: Tracked[] = [{ id: minted.tokenId, owner: firstOwner, plaintext, keys: [bytesToHex(firstKey)] }];

        for (const op of ops) {
          const t = tokens[op.pick % tokens.length]!;
          const from = people[t.owner]!;
          const to = people[op.to]!;
          const dataKey = await openTokenKey({ ...ref(), tokenId: t.id, secretKey: from.secretKey, keyring });
          const result = await requestReencryption({
            ...ref(),
            oracle: env.client,
            requester: from.account,
            tokenId: t.id,
            action: op.clone ? INFT_ACTIONS.Clone : INFT_ACTIONS.Transfer,
            to: to.account.address,
            receiverPubKey: bytesToHex(getCompressedPublicKey(to.secretKey)),
            dataKey,
          });
          const ack = await acknowledgeClaim({ ...ref(), result, account: to.account, secretKey: to.secretKey });
          const sent = await submitClaim({
            publicClient: env.publicClient,
            wallet: from.wallet,
            agentNFT: env.agentNFT,
            result,
            receiverSignature: ack,
          });
          const claim = claimFromWire(result.claim);
          const newKey = await openTokenKey({
            ...ref(),
            tokenId: sent.newTokenId ?? t.id,
            secretKey: to.secretKey,
            keyring,
          });
          // No earlier key of the lineage opens the new ciphertext.
          const newCipher = await env.store.get(claim.newURI);
          for (const old of t.keys) {
            expect(() => decryptMetadata({ key: hexToBytes(old), ciphertext: newCipher })).toThrow();
          }
          if (op.clone) {
            tokens.push({
              id: sent.newTokenId!,
              owner: op.to,
              plaintext: t.plaintext,
              keys: [...t.keys, bytesToHex(newKey)],
            });
          } else {
            t.owner = op.to;
            t.keys.push(bytesToHex(newKey));
          }
          // The used proof is refused on reuse, by whoever holds the token now.
          const proof = encodeTransferProof(
            getTransferProof({ claim, oracleProof: result.oracleProof as Hex, receiverSignature: ack }),
          );
          const holder = people[op.clone ? t.owner : op.to]!;
          const replay = op.clone
            ? env.publicClient.simulateContract({
                account: holder.account,
                address: env.agentNFT,
                abi: AgentNFTAbi,
                functionName: "clone",
                args: [claim.to, claim.tokenId, result.sealedKey as Hex, proof],
              })
            : env.publicClient.simulateContract({
                account: holder.account,
                address: env.agentNFT,
                abi: AgentNFTAbi,
                functionName: "transfer",
                args: [claim.to, claim.to, claim.tokenId, result.sealedKey as Hex, proof],
              });
          await expect(replay).rejects.toThrow();
          expect(
            await env.publicClient.readContract({
              address: env.agentNFT,
              abi: AgentNFTAbi,
              functionName: "nonceUsed",
              args: [claim.nonce],
            }),
          ).toBe(true);

          for (const tok of tokens) {
            for (let i = 0; i < people.length; i++) {
              expect(await canDecrypt(tok, people[i]!)).toBe(i === tok.owner);
            }
          }
        }
      },
    ),
    { numRuns: 12 },
  );
}, 180_000);
