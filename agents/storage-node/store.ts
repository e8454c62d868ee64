/**
 * The node's durable store: a small LevelDB index (classic-level, `<dataDir>/db`) built from the Flow's `Submit`
 * events, and the verified segment bodies of this node's shard in flat files (`<dataDir>/segments/<txSeq>.seg`, see
 * {@link SegmentFiles}). Every index change is one atomic LevelDB batch written with `sync`; segment bytes are
 * written and fdatasync'ed BEFORE the batch that marks them stored (their `prf:` key) and bumps the entry's counter,
 * so a crash leaves either the old or the new state and never a marked segment without its bytes. Writes are
 * serialised by a mutex so counters stay exact.
 *
 * Keys (utf8):
 *   meta:id                 random id of this data dir (names the agent's Redis state)
 *   meta:shard              JSON ShardConfig (the data dir belongs to one shard)
 *   meta:network            JSON { chainId, flowAddress } (the data dir belongs to one chain and Flow)
 *   meta:epoch              JSON EpochInfo (latest NewEpoch)
 *   tx:<txSeq>              JSON StoredEntry
 *   root:<root>:<txSeq>     "" (root → txSeqs)
 *   pos:<startSector>       txSeq (flow position → entry)
 *   ev:<eventId>            txSeq (which log created the entry, for reorg rewinds)
 *   prf:<txSeq>:<index>     JSON SdkProof of a stored segment (its presence marks the segment stored)
 *   meta:layout             "segment-files/1" (absent in data dirs of the first layout, which kept bytes under
 *                           seg:<txSeq>:<index>; those are moved into files on open)
 *
 * Segment files: segment `index` of a submission sits in slot `floor(index / numShard)` (256 KiB each), zero-padded
 * to the sectors it covers; slots of segments not marked stored are never read.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { ClassicLevel } from "classic-level";
import {
  BYTES_PER_SECTOR,
  BYTES_PER_SEGMENT,
  SECTORS_PER_SEGMENT,
  getFileLayout,
  getSegmentSectors,
  type Hex,
} from "../protocol/storage";
import { dataSegmentCount, flowSegmentIndex, segmentsInShard, type SdkProof, type VerifiedSegment } from "./segments";
import { SegmentFiles } from "./segmentFiles";
import { holdsFlowSegment, type ShardConfig } from "./shard";

/** A file entry as the Flow recorded it, plus this node's upload state. */
export interface FileEntry {
  txSeq: number;
  /** File root: right fold of the submission's node roots. */
  root: Hex;
  /** The Submit event's identity (keccak of the packed node roots). */
  identity: Hex;
  submitter: Hex;
  /** First flow sector. */
  startSector: bigint;
  /** Sectors (Σ 2^height). */
  sectors: bigint;
  /** Bytes. */
  size: number;
  tags: Hex;
  nodes: { root: Hex; height: number }[];
  blockNumber: bigint;
  blockHash: Hex;
  /** The runtime's event id of the Submit log. */
  eventId: string;
  /** All segments of this node's shard are stored. */
  finalized: boolean;
  /** Segments stored (of this shard). */
  uploadedSegments: number;
  /** Segments this shard must store. */
  requiredSegments: number;
}

/** The latest NewEpoch. */
export interface EpochInfo {
  index: bigint;
  startMerkleRoot: Hex;
  submissionIndex: bigint;
  flowLength: bigint;
  context: Hex;
  blockNumber: bigint;
}

/** The data dir belongs to another shard. */
export class ShardMismatchError extends Error {
  constructor(
    readonly stored: ShardConfig,
    readonly configured: ShardConfig,
  ) {
    super(
      `data dir holds shard ${stored.shardId}/${stored.numShard} but the config says ${configured.shardId}/${configured.numShard}`,
    );
    this.name = "ShardMismatchError";
  }
}

type Serialized = Omit<FileEntry, "startSector" | "sectors" | "blockNumber"> & {
  startSector: string;
  sectors: string;
  blockNumber: string;
};

const pad = (n: number | bigint, w: number) => n.toString().padStart(w, "0");
const txKey = (txSeq: number) => `tx:${pad(txSeq, 12)}`;
/** First layout: segment bytes in LevelDB (migrated on open). */
const LEGACY_SEG_PREFIX = "seg:";
const LAYOUT = "segment-files/1";
const prfKey = (txSeq: number, i: number) => `prf:${pad(txSeq, 12)}:${pad(i, 10)}`;
const posKey = (sector: bigint) => `pos:${pad(sector, 20)}`;
const rootKey = (root: string, txSeq: number) => `root:${root.toLowerCase()}:${pad(txSeq, 12)}`;
const evKey = (id: string) => `ev:${id}`;
const enc = new TextEncoder();
const dec = new TextDecoder();
const json = (v: unknown) =>
  enc.encode(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));

function serialize(e: FileEntry): Uint8Array {
  return json(e);
}
function deserialize(b: Uint8Array): FileEntry {
  const s = JSON.parse(dec.decode(b)) as Serialized;
  return { ...s, startSector: BigInt(s.startSector), sectors: BigInt(s.sectors), blockNumber: BigInt(s.blockNumber) };
}

/** What `addSubmission` needs: the entry without upload state. */
export type NewSubmission = Omit<FileEntry, "finalized" | "uploadedSegments" | "requiredSegments">;

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  dataDir: string;
  shard: ShardConfig;
  /** The chain and Flow the data belongs to (checked on every open when given). */
  network?: { chainId: number; flowAddress: string };
  /** LevelDB block cache, bytes (default 8 MiB: the index is small). */
  cacheSize?: number;
  /** LevelDB write buffer, bytes (default 4 MiB). */
  writeBufferSize?: number;
}

/** The data dir was built from another chain or Flow. */
export class NetworkMismatchError extends Error {
  constructor(
    readonly stored: { chainId: number; flowAddress: string },
    readonly configured: { chainId: number; flowAddress: string },
  ) {
    super(
      `data dir belongs to chain ${stored.chainId} Flow ${stored.flowAddress}, not chain ${configured.chainId} Flow ${configured.flowAddress}`,
    );
    this.name = "NetworkMismatchError";
  }
}

/** The storage node's store. */
export class StorageStore {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly files: SegmentFiles,
    readonly shard: ShardConfig,
    /** Random id made when the data dir was created: binds the sync state kept in Redis to this data dir. */
    readonly id: string,
  ) {}

  /** Opens (creating if needed) the store under `dataDir`. @throws ShardMismatchError */
  static async open({
    dataDir,
    shard,
    network,
    cacheSize = 8 << 20,
    writeBufferSize = 4 << 20,
  }: OpenStoreOptions): Promise<StorageStore> {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new ClassicLevel<string, Uint8Array>(`${dataDir}/db`, {
      keyEncoding: "utf8",
      valueEncoding: "view",
      cacheSize,
      writeBufferSize,
      maxOpenFiles: 64,
    });
    await db.open();
    const stored = await db.get("meta:shard");
    if (stored) {
      const s = JSON.parse(dec.decode(stored)) as ShardConfig;
      if (s.shardId !== shard.shardId || s.numShard !== shard.numShard) {
        await db.close();
        throw new ShardMismatchError(s, shard);
      }
    } else await db.put("meta:shard", json(shard), { sync: true });
    if (network) {
      const want = { chainId: network.chainId, flowAddress: network.flowAddress.toLowerCase() };
      const got = await db.get("meta:network");
      if (got) {
        const n = JSON.parse(dec.decode(got)) as typeof want;
        if (n.chainId !== want.chainId || n.flowAddress !== want.flowAddress) {
          await db.close();
          throw new NetworkMismatchError(n, want);
        }
      } else await db.put("meta:network", json(want), { sync: true });
    }
    let id = await db.get("meta:id");
    if (!id) {
      id = enc.encode(randomBytes(6).toString("hex"));
      await db.put("meta:id", id, { sync: true });
    }
    const store = new StorageStore(db, new SegmentFiles(`${dataDir}/segments`), shard, dec.decode(id));
    try {
      await store.migrateLegacy();
      await store.sweepOrphans();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.files.close();
    await this.db.close();
  }

  /** The slot (256 KiB unit) of a file segment in its segment file: its rank among the file's segments here. */
  private slotOffset(index: number): number {
    return Math.floor(index / this.shard.numShard) * BYTES_PER_SEGMENT;
  }

  /**
   * Moves the first layout's segment bytes (`seg:` keys) into segment files: each file's bytes are written and
   * fsynced, then its keys deleted in one batch; `meta:layout` is set last. A crash midway repeats the move.
   */
  private async migrateLegacy(): Promise<void> {
    if (await this.db.get("meta:layout")) return;
    let txSeq: number | undefined;
    let pending: { key: string; offset: number; data: Uint8Array }[] = [];
    const flush = async () => {
      if (txSeq === undefined || pending.length === 0) return;
      await this.files.write(txSeq, pending);
      const batch = this.db.batch();
      for (const p of pending) batch.del(p.key);
      await batch.write({ sync: true });
      pending = [];
    };
    for await (const [key, value] of this.db.iterator({ gte: LEGACY_SEG_PREFIX, lt: `${LEGACY_SEG_PREFIX}~` })) {
      const [, seqText, indexText] = key.split(":");
      const seq = Number(seqText);
      if (seq !== txSeq || pending.length >= 16) await flush();
      txSeq = seq;
      pending.push({ key, offset: this.slotOffset(Number(indexText)), data: value });
    }
    await flush();
    await this.db.put("meta:layout", enc.encode(LAYOUT), { sync: true });
  }

  /** Deletes segment files whose entry is gone (a crash between a reorg's index batch and the unlink). */
  private async sweepOrphans(): Promise<void> {
    for (const txSeq of this.files.list()) if (!(await this.getByTxSeq(txSeq))) await this.files.remove(txSeq);
  }

  /** Runs write sections one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  async getByTxSeq(txSeq: number): Promise<FileEntry | undefined> {
    const b = await this.db.get(txKey(txSeq));
    return b ? deserialize(b) : undefined;
  }

  /** Every entry with this file root, in txSeq order. */
  async getByRoot(root: string): Promise<FileEntry[]> {
    const prefix = `root:${root.toLowerCase()}:`;
    const out: FileEntry[] = [];
    for await (const key of this.db.keys({ gte: prefix, lt: `${prefix}~` })) {
      const e = await this.getByTxSeq(Number(key.slice(prefix.length)));
      if (e) out.push(e);
    }
    return out;
  }

  /** The entry of this root that clients should see: the first finalized one, else the first. */
  async getPreferredByRoot(root: string): Promise<FileEntry | undefined> {
    const all = await this.getByRoot(root);
    return all.find((e) => e.finalized) ?? all[0];
  }

  /** One more than the highest txSeq seen (0 when empty). */
  async nextTxSeq(): Promise<number> {
    for await (const key of this.db.keys({ gte: "tx:", lt: "tx:~", reverse: true, limit: 1 }))
      return Number(key.slice(3)) + 1;
    return 0;
  }

  /** End of the highest known entry in the flow (sectors), 0 when empty. */
  async knownFlowEnd(): Promise<bigint> {
    for await (const [, v] of this.db.iterator({ gte: "pos:", lt: "pos:~", reverse: true, limit: 1 })) {
      const e = await this.getByTxSeq(Number(dec.decode(v)));
      if (e) return e.startSector + e.sectors;
    }
    return 0n;
  }

  async countEntries(): Promise<{ files: number; finalized: number }> {
    let files = 0;
    let finalized = 0;
    for await (const v of this.db.values({ gte: "tx:", lt: "tx:~" })) {
      files++;
      if (deserialize(v).finalized) finalized++;
    }
    return { files, finalized };
  }

  /**
   * Records a submission (idempotent: the same txSeq again is a no-op). If an entry with the same root is already
   * finalized, its segments are copied so the new entry is served at once, as 0G nodes do.
   *
   * @returns the stored entry
   */
  addSubmission(sub: NewSubmission): Promise<FileEntry> {
    return this.exclusive(async () => {
      const existing = await this.getByTxSeq(sub.txSeq);
      if (existing) return existing;
      const required = segmentsInShard(sub, this.shard);
      const entry: FileEntry = {
        ...sub,
        finalized: required.length === 0,
        uploadedSegments: 0,
        requiredSegments: required.length,
      };
      // A file left by a reorged-out entry of this txSeq (crash before its unlink) must not be reused.
      await this.files.remove(sub.txSeq);
      const batch = this.db.batch();
      const donor = (await this.getByRoot(sub.root)).find((e) => e.finalized && e.size === sub.size);
      if (donor && !entry.finalized) {
        // Same bytes; copy what this shard needs (flow positions differ, so the shard's subset may differ too).
        // The bytes are made durable in the new file before the batch marks them.
        let copied = 0;
        let writes: { offset: number; data: Uint8Array }[] = [];
        for (const i of required) {
          const p = await this.db.get(prfKey(donor.txSeq, i));
          if (!p) continue;
          const d = await this.readSlot(donor.txSeq, i, getSegmentSectors(getFileLayout(donor.size), i));
          if (!d) continue;
          writes.push({ offset: this.slotOffset(i), data: d });
          if (writes.length >= 16) {
            await this.files.write(sub.txSeq, writes);
            writes = [];
          }
          batch.put(prfKey(sub.txSeq, i), p);
          copied++;
        }
        await this.files.write(sub.txSeq, writes);
        entry.uploadedSegments = copied;
        entry.finalized = copied === required.length;
      }
      batch.put(txKey(sub.txSeq), serialize(entry));
      batch.put(rootKey(sub.root, sub.txSeq), new Uint8Array());
      batch.put(posKey(sub.startSector), enc.encode(String(sub.txSeq)));
      batch.put(evKey(sub.eventId), enc.encode(String(sub.txSeq)));
      await batch.write({ sync: true });
      return entry;
    });
  }

  /**
   * Removes the entry a (reorged-out) Submit log created, with its segments.
   *
   * @returns the removed txSeq, if any
   */
  removeByEvent(eventId: string): Promise<number | undefined> {
    return this.exclusive(async () => {
      const v = await this.db.get(evKey(eventId));
      if (!v) return undefined;
      const txSeq = Number(dec.decode(v));
      const e = await this.getByTxSeq(txSeq);
      const batch = this.db.batch();
      batch.del(evKey(eventId));
      if (e && e.eventId === eventId) {
        batch.del(txKey(txSeq));
        batch.del(rootKey(e.root, txSeq));
        batch.del(posKey(e.startSector));
        for (let i = 0; i < dataSegmentCount(e.size); i++) batch.del(prfKey(txSeq, i));
      }
      await batch.write({ sync: true });
      // After the index no longer points at it (a crash in between leaves an orphan, swept on open).
      if (e && e.eventId === eventId) await this.files.remove(txSeq);
      return txSeq;
    });
  }

  async hasSegment(txSeq: number, index: number): Promise<boolean> {
    return (await this.db.get(prfKey(txSeq, index))) !== undefined;
  }

  /**
   * Stores verified segments of one entry in one atomic batch; already stored segments are skipped.
   *
   * @returns the updated entry and how many segments were new
   */
  putSegments(txSeq: number, segments: readonly VerifiedSegment[]): Promise<{ entry: FileEntry; added: number }> {
    return this.exclusive(async () => {
      const entry = await this.getByTxSeq(txSeq);
      if (!entry) throw new Error(`no entry with txSeq ${txSeq}`);
      const batch = this.db.batch();
      let added = 0;
      const seen = new Set<number>();
      const writes: { offset: number; data: Uint8Array }[] = [];
      for (const s of segments) {
        if (seen.has(s.index) || (await this.hasSegment(txSeq, s.index))) continue;
        seen.add(s.index);
        writes.push({ offset: this.slotOffset(s.index), data: s.data });
        batch.put(prfKey(txSeq, s.index), json(s.proof));
        added++;
      }
      if (added === 0) return { entry, added };
      // Bytes durable first; only then does the index mark them stored.
      await this.files.write(txSeq, writes);
      const updated: FileEntry = { ...entry, uploadedSegments: entry.uploadedSegments + added };
      updated.finalized = updated.uploadedSegments >= updated.requiredSegments;
      batch.put(txKey(txSeq), serialize(updated));
      await batch.write({ sync: true });
      return { entry: updated, added };
    });
  }

  /** `sectors` sectors of a segment's slot (no check that the segment is marked stored). */
  private readSlot(txSeq: number, index: number, sectors: number, into?: Uint8Array): Promise<Uint8Array | undefined> {
    return this.files.read(txSeq, this.slotOffset(index), sectors * BYTES_PER_SECTOR, into);
  }

  /** A stored segment (padded to the sectors it covers) and its proof. */
  async getSegment(txSeq: number, index: number): Promise<{ data: Uint8Array; proof: SdkProof } | undefined> {
    const entry = await this.getByTxSeq(txSeq);
    if (!entry || index >= dataSegmentCount(entry.size)) return undefined;
    const proof = await this.getProof(txSeq, index);
    if (!proof) return undefined;
    const data = await this.readSlot(txSeq, index, getSegmentSectors(getFileLayout(entry.size), index));
    return data ? { data, proof } : undefined;
  }

  /** The stored proof of a segment, if the segment is stored. */
  async getProof(txSeq: number, index: number): Promise<SdkProof | undefined> {
    const p = await this.db.get(prfKey(txSeq, index));
    return p ? (JSON.parse(dec.decode(p)) as SdkProof) : undefined;
  }

  /**
   * The first `length` bytes of a stored segment (at most the sectors it covers), read into `into` when given; for
   * the download paths, which send only the data sectors.
   *
   * @returns the bytes, or undefined when the segment is not stored
   */
  async readSegmentBytes(
    entry: FileEntry,
    index: number,
    length: number,
    into?: Uint8Array,
  ): Promise<Uint8Array | undefined> {
    if (!(await this.hasSegment(entry.txSeq, index))) return undefined;
    return this.files.read(entry.txSeq, this.slotOffset(index), length, into);
  }

  /**
   * Sectors `[start, end)` of a file (file-relative, within its padded length) when all are stored, else undefined.
   * Sectors in pure padding segments are zeros.
   */
  async readFileSectors(entry: FileEntry, start: number, end: number): Promise<Uint8Array | undefined> {
    const layout = getFileLayout(entry.size);
    if (start < 0 || end > layout.paddedSectors || start >= end) return undefined;
    const out = new Uint8Array((end - start) * BYTES_PER_SECTOR);
    const numData = dataSegmentCount(entry.size);
    for (let seg = Math.floor(start / SECTORS_PER_SEGMENT); seg * SECTORS_PER_SEGMENT < end; seg++) {
      const segStart = seg * SECTORS_PER_SEGMENT;
      const from = Math.max(start, segStart);
      const to = Math.min(end, segStart + getSegmentSectors(layout, seg));
      if (!holdsFlowSegment(this.shard, flowSegmentIndex(entry.startSector, seg))) return undefined;
      if (seg >= numData) continue; // padding: zeros
      if (!(await this.hasSegment(entry.txSeq, seg))) return undefined;
      const got = await this.files.read(
        entry.txSeq,
        this.slotOffset(seg) + (from - segStart) * BYTES_PER_SECTOR,
        (to - from) * BYTES_PER_SECTOR,
        out.subarray((from - start) * BYTES_PER_SECTOR, (to - start) * BYTES_PER_SECTOR),
      );
      if (!got) return undefined;
    }
    return out;
  }

  /** The entry whose flow range contains `sector`, if any. */
  private async entryAt(sector: bigint): Promise<FileEntry | undefined> {
    for await (const [, v] of this.db.iterator({ gte: "pos:", lte: posKey(sector), reverse: true, limit: 1 })) {
      const e = await this.getByTxSeq(Number(dec.decode(v)));
      if (e && sector < e.startSector + e.sectors) return e;
    }
    return undefined;
  }

  /** The first entry starting after `sector`, if any. */
  private async entryAfter(sector: bigint): Promise<FileEntry | undefined> {
    for await (const [, v] of this.db.iterator({ gt: posKey(sector), lt: "pos:~", limit: 1 })) {
      return this.getByTxSeq(Number(dec.decode(v)));
    }
    return undefined;
  }

  /**
   * The miner's read: raw (unsealed) bytes of flow sectors `[startSector, startSector + count)` when every sector is
   * held by this node, else null. Sectors inside a submission past its data and alignment gaps between submissions
   * are zeros; sectors beyond the last known submission, in another shard's segments, or not yet uploaded give null.
   */
  async readFlowSectors(startSector: bigint, count: number): Promise<Uint8Array | null> {
    if (startSector < 0n || !Number.isSafeInteger(count) || count <= 0) return null;
    const end = startSector + BigInt(count);
    if (end > (await this.knownFlowEnd())) return null;
    for (let seg = startSector / BigInt(SECTORS_PER_SEGMENT); seg * BigInt(SECTORS_PER_SEGMENT) < end; seg++)
      if (!holdsFlowSegment(this.shard, seg)) return null;
    const out = new Uint8Array(count * BYTES_PER_SECTOR);
    let s = startSector;
    while (s < end) {
      const e = await this.entryAt(s);
      if (!e) {
        const next = await this.entryAfter(s);
        s = next && next.startSector < end ? next.startSector : end; // a gap: zeros
        continue;
      }
      const to = e.startSector + e.sectors < end ? e.startSector + e.sectors : end;
      const part = await this.readFileSectors(e, Number(s - e.startSector), Number(to - e.startSector));
      if (!part) return null;
      out.set(part, Number(s - startSector) * BYTES_PER_SECTOR);
      s = to;
    }
    return out;
  }

  async setEpoch(info: EpochInfo): Promise<void> {
    await this.exclusive(async () => {
      const cur = await this.getEpoch();
      if (cur && cur.index >= info.index) return;
      await this.db.put("meta:epoch", json(info), { sync: true });
    });
  }

  async getEpoch(): Promise<EpochInfo | undefined> {
    const b = await this.db.get("meta:epoch");
    if (!b) return undefined;
    const s = JSON.parse(dec.decode(b)) as Record<string, string>;
    return {
      index: BigInt(s.index),
      startMerkleRoot: s.startMerkleRoot as Hex,
      submissionIndex: BigInt(s.submissionIndex),
      flowLength: BigInt(s.flowLength),
      context: s.context as Hex,
      blockNumber: BigInt(s.blockNumber),
    };
  }
}
