import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "viem";
import { computeFileMerkle } from "../protocol/storage";
import {
  CiphertextStoreError,
  FsCiphertextStore,
  openCiphertextStore,
  parseCiphertextUri,
  ciphertextRoot,
} from "./store";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zg-store-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function reason(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof CiphertextStoreError ? e.reason : `other: ${String(e)}`),
  );
}

describe("FsCiphertextStore", () => {
  const store = new FsCiphertextStore(dir);

  it("is content-addressed by the 0G file root and round-trips", async () => {
    const data = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
    const { uri, root } = await store.put(data);
    expect(root).toBe(bytesToHex(computeFileMerkle(data).root!));
    expect(uri).toBe(`0g://${root}`);
    expect(await store.get(uri)).toEqual(data);
    expect((await store.put(data)).uri).toBe(uri);
  });

  it("refuses bytes that no longer hash to the URI's root", async () => {
    const { uri, root } = await store.put(new Uint8Array([1, 2, 3]));
    fs.writeFileSync(path.join(dir, `${root.slice(2)}.bin`), new Uint8Array([1, 2, 4]));
    expect(await reason(store.get(uri))).toBe("root_mismatch");
  });

  it("names missing blobs, bad URIs and empty data", async () => {
    expect(await reason(store.get(`0g://0x${"ab".repeat(32)}`))).toBe("not_found");
    expect(await reason(store.get("ipfs://x"))).toBe("bad_uri");
    expect(await reason(store.put(new Uint8Array(0)))).toBe("empty");
    expect(() => parseCiphertextUri("0g://0x12")).toThrow(CiphertextStoreError);
    expect(() => ciphertextRoot(new Uint8Array(0))).toThrow(CiphertextStoreError);
  });

  it("opens from a spec: file:<dir> or a bare path; unknown schemes are refused", () => {
    expect(openCiphertextStore(`file:${dir}`)).toBeInstanceOf(FsCiphertextStore);
    expect(openCiphertextStore(dir)).toBeInstanceOf(FsCiphertextStore);
    expect(() => openCiphertextStore("s3://bucket")).toThrow(CiphertextStoreError);
  });
});
