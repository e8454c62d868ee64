/**
 * INFT ciphertexts in the 0G storage layer: the `zgs:` store submits to our Flow, uploads to a real storage node,
 * and reads back through proof-checked downloads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStorageStack, startTestNode, testBytes, type StorageStack } from "../storage-node/testing";
import type { StorageNode } from "../storage-node/node";
import { CiphertextStoreError, ciphertextRoot, ciphertextUri, openCiphertextStore, ZgsCiphertextStore } from "./store";

describe("zgs: ciphertext store on a real storage node", () => {
  let stack: StorageStack;
  let node: StorageNode;

  beforeAll(async () => {
    stack = await startStorageStack();
    ({ node } = await startTestNode(stack));
  }, 180_000);
  afterAll(async () => {
    await node?.stop();
    await stack?.stop();
  });

  it("puts a multi-segment blob through the Flow and the node, and gets it back verified", async () => {
    const store = openCiphertextStore(`zgs:${node.url}`, { chain: () => stack.uploadChain("alice") });
    expect(store).toBeInstanceOf(ZgsCiphertextStore);
    const data = testBytes(600_000, 7);
    const { uri, root } = await store.put(data);
    expect(root).toBe(ciphertextRoot(data));
    expect(uri).toBe(ciphertextUri(root));
    expect(Buffer.from(await store.get(uri)).equals(Buffer.from(data))).toBe(true);
    // Content-addressed: storing the same bytes again costs no second Flow submission.
    const before = await node.store.nextTxSeq();
    await store.put(data);
    expect(await node.store.nextTxSeq()).toBe(before);
  }, 120_000);

  it("a read-only store (no account) reads but refuses to upload new bytes", async () => {
    const ro = openCiphertextStore(`zgs:${node.url}`);
    await expect(ro.put(testBytes(5000, 9))).rejects.toMatchObject({ reason: "read_only" });
  });

  it("an unknown root is not_found, and a malformed spec or URI is bad_uri", async () => {
    const store = openCiphertextStore(`zgs:${node.url}`);
    await expect(store.get(ciphertextUri(`0x${"ab".repeat(32)}`))).rejects.toMatchObject({ reason: "not_found" });
    await expect(store.get("0g://nope")).rejects.toBeInstanceOf(CiphertextStoreError);
    expect(() => openCiphertextStore("zgs:not a url")).toThrow(/not a storage node URL/);
    expect(() => openCiphertextStore("zgs:")).toThrow(/at least one node URL/);
  });
});
