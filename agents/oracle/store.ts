/**
 * Where INFT ciphertexts live. The oracle and the CLI talk to storage only through {@link CiphertextStore}, so
 * the backend can change without touching them.
 *
 * {@link ZgsCiphertextStore} keeps blobs in the 0G storage layer (submitted to the Flow, uploaded to and downloaded
 * from storage nodes through agents/storage-node/client.ts); {@link FsCiphertextStore} keeps them in a local
 * directory, content-addressed the same way. {@link openCiphertextStore} picks one from a spec string. Every
 * implementation must verify on read that the bytes hash to the root in the URI.
 */
import fs from "node:fs";
import path from "node:path";
import { computeFileMerkle } from "../protocol/storage";
import type { Hex } from "viem";
import { downloadFile, uploadFile, ZgsClient, type UploadChain } from "../storage-node/client";
import { bytesToHex } from "viem";

/** Content-addressed blob storage for encrypted metadata. */
export interface CiphertextStore {
  /** Stores `data`; returns its URI (`0g://<root>`) and its 0G file root (the token's metadata hash). */
  put(data: Uint8Array): Promise<{ uri: string; root: Hex }>;
  /** Reads the blob at `uri`, verified against the root the URI names. @throws {CiphertextStoreError} */
  get(uri: string): Promise<Uint8Array>;
}

/** What went wrong in a store. `reason` is stable and machine-readable. */
export class CiphertextStoreError extends Error {
  override name = "CiphertextStoreError";
  readonly reason: "bad_uri" | "not_found" | "root_mismatch" | "empty" | "read_only";
  readonly uri: string;
  constructor(reason: CiphertextStoreError["reason"], uri: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.uri = uri;
  }
}

const URI = /^0g:\/\/(0x[0-9a-f]{64})$/;

/** The 0G file root of `data` as 0x-hex. @throws {CiphertextStoreError} for empty data (0G has no root for it). */
export function ciphertextRoot(data: Uint8Array): Hex {
  const root = computeFileMerkle(data).root;
  if (!root) throw new CiphertextStoreError("empty", "", "cannot store an empty blob: it has no 0G file root");
  return bytesToHex(root);
}

/** `0g://<root>`. */
export function ciphertextUri(root: Hex): string {
  return `0g://${root.toLowerCase()}`;
}

/** The root named by a `0g://<root>` URI. @throws {CiphertextStoreError} `bad_uri` */
export function parseCiphertextUri(uri: string): Hex {
  const m = URI.exec(uri.toLowerCase());
  if (!m) throw new CiphertextStoreError("bad_uri", uri, `not a 0g://<32-byte root> URI: ${JSON.stringify(uri)}`);
  return m[1] as Hex;
}

/**
 * A directory of blobs named by their root. Writes go to a temporary file and are renamed into place, so a
 * reader never sees half a blob; reads recompute the root and refuse bytes that do not match.
 */
export class FsCiphertextStore implements CiphertextStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = path.resolve(dir);
    fs.mkdirSync(this.dir, { recursive: true });
  }

  async put(data: Uint8Array): Promise<{ uri: string; root: Hex }> {
    const root = ciphertextRoot(data);
    const file = this.file(root);
    if (!fs.existsSync(file)) {
      const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
      await fs.promises.writeFile(tmp, data);
      await fs.promises.rename(tmp, file);
    }
    return { uri: ciphertextUri(root), root };
  }

  async get(uri: string): Promise<Uint8Array> {
    const root = parseCiphertextUri(uri);
    let data: Uint8Array;
    try {
      data = new Uint8Array(await fs.promises.readFile(this.file(root)));
    } catch (cause) {
      throw new CiphertextStoreError("not_found", uri, `no blob stored under ${uri}`, { cause });
    }
    const actual = ciphertextRoot(data);
    if (actual !== root) {
      throw new CiphertextStoreError("root_mismatch", uri, `blob under ${uri} hashes to ${actual}`);
    }
    return data;
  }

  private file(root: Hex): string {
    return path.join(this.dir, `${root.slice(2)}.bin`);
  }
}

/**
 * Blobs in the 0G storage layer itself: `put` submits the blob to the Flow (paying the fee from the given account)
 * and uploads its segments to the storage nodes, waiting until they are finalized; `get` downloads it from the
 * nodes, checking every segment's proof and the file root. Without chain access the store is read-only.
 */
export class ZgsCiphertextStore implements CiphertextStore {
  readonly nodes: ZgsClient[];
  /** Chain access for uploads, resolved when first needed (an agent's clients exist only once it is built). */
  private readonly chain?: () => UploadChain;

  constructor(nodeUrls: string[], chain?: () => UploadChain) {
    if (nodeUrls.length === 0) throw new CiphertextStoreError("bad_uri", "", "a zgs store needs at least one node URL");
    this.nodes = nodeUrls.map((u) => new ZgsClient(u));
    this.chain = chain;
  }

  async put(data: Uint8Array): Promise<{ uri: string; root: Hex }> {
    const root = ciphertextRoot(data);
    const uri = ciphertextUri(root);
    // Content-addressed: a blob the nodes already hold (finalized) is not paid for twice.
    for (const n of this.nodes) {
      const info = await n.getFileInfo(root, true).catch(() => null);
      if (info?.finalized) return { uri, root };
    }
    if (!this.chain)
      throw new CiphertextStoreError("read_only", uri, "this zgs store has no account to pay for uploads");
    const res = await uploadFile(data, { nodes: this.nodes, chain: this.chain() });
    if (res.root.toLowerCase() !== root) {
      throw new CiphertextStoreError("root_mismatch", uri, `the nodes stored ${res.root}, expected ${root}`);
    }
    return { uri, root };
  }

  async get(uri: string): Promise<Uint8Array> {
    const root = parseCiphertextUri(uri);
    let data: Uint8Array;
    try {
      data = (await downloadFile(root, { nodes: this.nodes })).data;
    } catch (cause) {
      throw new CiphertextStoreError("not_found", uri, `${uri} cannot be downloaded: ${(cause as Error).message}`, {
        cause,
      });
    }
    // downloadFile verified every proof and the root; check once more against the URI, as every store must.
    const actual = ciphertextRoot(data);
    if (actual !== root) throw new CiphertextStoreError("root_mismatch", uri, `blob under ${uri} hashes to ${actual}`);
    return data;
  }
}

/** What a store may need besides its spec. */
export interface CiphertextStoreContext {
  /** Chain access for uploads to a `zgs:` store (omit for a read-only store). */
  chain?: () => UploadChain;
}

/**
 * Opens a store from a spec: `zgs:<node url>[,<node url>...]` (the 0G storage layer through our storage nodes),
 * or `file:<dir>` (or a bare directory path) for a local content-addressed directory.
 * @throws {CiphertextStoreError} `bad_uri` for an unknown scheme.
 */
export function openCiphertextStore(spec: string, ctx: CiphertextStoreContext = {}): CiphertextStore {
  if (spec.startsWith("zgs:")) {
    const urls = spec
      .slice("zgs:".length)
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean);
    for (const u of urls) {
      try {
        new URL(u);
      } catch {
        throw new CiphertextStoreError("bad_uri", spec, `not a storage node URL: ${JSON.stringify(u)}`);
      }
    }
    return new ZgsCiphertextStore(urls, ctx.chain);
  }
  if (spec.startsWith("file:")) return new FsCiphertextStore(spec.slice("file:".length));
  if (!/^[a-z][a-z0-9+.-]*:/i.test(spec) || /^[a-z]:[\\/]/i.test(spec)) return new FsCiphertextStore(spec);
  throw new CiphertextStoreError("bad_uri", spec, `unknown ciphertext store spec ${JSON.stringify(spec)}`);
}
