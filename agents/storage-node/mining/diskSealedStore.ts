/**
 * A disk-backed sealed store: sealed 256 KiB loads in one flat, sparse file (`sealed.dat`, load `i` at byte
 * `i × 256 KiB`, positional writes) and an append-only index (`sealed.idx`) of fixed-size records saying which load is
 * sealed for which miner id, under which 64 seal contexts, with the SHA-256 of its sealed bytes. A record is appended
 * (and fsynced) only after the load's data is fsynced, so after a crash the index never names data that is not on
 * disk. Concurrent puts are committed as a group (one `fdatasync` per file per group). Memory holds only a small entry per load (record position, context tag); the sealed bytes stay on disk and
 * the mining threads read them by position.
 *
 * Record (2136 bytes): "ZGSL" | version u8 | kind u8 (1 put, 2 drop) | 2 zero bytes | loadIndex u64 BE | minerId 32 |
 * sha256(sealed data) 32 | 64 × context digest 32 | first 8 bytes of sha256(all preceding bytes).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BYTES_PER_SECTOR, SECTORS_PER_LOAD, fromHex, toHex, type Hex } from "../../protocol/storage";
import { MiningError } from "./errors";
import { contextTagOf, sealedBytes, type SealedLoad, type SealedLoadStore } from "./types";

const LOAD_BYTES = SECTORS_PER_LOAD * BYTES_PER_SECTOR;
const UNITS = 64;
const MAGIC = [0x5a, 0x47, 0x53, 0x4c]; // "ZGSL"
const VERSION = 1;
const KIND_PUT = 1;
const KIND_DROP = 2;
const BODY = 4 + 1 + 1 + 2 + 8 + 32 + 32 + UNITS * 32;
export const SEALED_INDEX_RECORD_BYTES = BODY + 8;

/** The sealed store's files are unusable (the store then starts empty and everything is resealed). */
export class SealedStoreError extends MiningError {}

/** A decoded index record. */
interface IndexRecord {
  readonly kind: number;
  readonly loadIndex: bigint;
  readonly minerId: Hex;
  readonly dataHash: Uint8Array;
  readonly digests: Hex[];
}

/** Encodes an index record (pure). */
export function encodeIndexRecord(r: IndexRecord): Uint8Array {
  const b = new Uint8Array(SEALED_INDEX_RECORD_BYTES);
  const v = new DataView(b.buffer);
  b.set(MAGIC, 0);
  b[4] = VERSION;
  b[5] = r.kind;
  v.setBigUint64(8, r.loadIndex);
  b.set(fromHex(r.minerId), 16);
  b.set(r.dataHash, 48);
  r.digests.forEach((d, i) => b.set(fromHex(d), 80 + 32 * i));
  b.set(createHash("sha256").update(b.subarray(0, BODY)).digest().subarray(0, 8), BODY);
  return b;
}

/** Decodes an index record; undefined when it is torn or damaged (pure). */
export function decodeIndexRecord(b: Uint8Array): IndexRecord | undefined {
  if (b.length !== SEALED_INDEX_RECORD_BYTES) return undefined;
  if (MAGIC.some((m, i) => b[i] !== m) || b[4] !== VERSION) return undefined;
  const check = createHash("sha256").update(b.subarray(0, BODY)).digest().subarray(0, 8);
  if (!Buffer.from(check).equals(Buffer.from(b.subarray(BODY)))) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const digests: Hex[] = [];
  for (let i = 0; i < UNITS; i++) digests.push(toHex(b.subarray(80 + 32 * i, 112 + 32 * i)));
  return {
    kind: b[5],
    loadIndex: v.getBigUint64(8),
    minerId: toHex(b.subarray(16, 48)),
    dataHash: b.slice(48, 80),
    digests,
  };
}

const sha256 = (b: Uint8Array): Uint8Array => createHash("sha256").update(b).digest();

/** What {@link createDiskSealedStore} found when it opened the files. */
export interface DiskSealedStoreOpenReport {
  /** Loads recorded and verified. */
  loaded: number;
  /** Loads whose sealed bytes were missing or did not match their checksum (dropped: they will be resealed). */
  damaged: bigint[];
  /** Bytes of a torn or damaged index tail that were cut off. */
  truncatedIndexBytes: number;
}

/** A {@link SealedLoadStore} on disk, with what its opening found. */
export interface DiskSealedStore extends SealedLoadStore {
  readonly file: string;
  readonly opened: DiskSealedStoreOpenReport;
}

/** Options of {@link createDiskSealedStore}. */
export interface DiskSealedStoreOptions {
  /** Directory of `sealed.dat` and `sealed.idx` (created if missing). */
  readonly dir: string;
  /** Budget in loads (256 KiB each). */
  readonly maxLoads: number;
  /** Check every recorded load's bytes against its checksum while opening (default true; reads the whole file). */
  readonly verifyOnOpen?: boolean;
}

interface QueuedPut {
  readonly load: SealedLoad;
  readonly bytes: Uint8Array;
  readonly resolve: (kept: boolean) => void;
  readonly reject: (err: Error) => void;
}

interface Entry {
  /** Byte position of the load's latest put record in the index. */
  readonly recordAt: number;
  readonly minerId: Hex;
  readonly tag: string;
}

/**
 * Opens (or creates) the store: replays the index (the last record of a load wins; a torn tail is cut off), drops
 * loads whose data is missing or damaged, and compacts the index when most of it is superseded.
 *
 * @returns the store; `close()` closes its files
 */
export async function createDiskSealedStore(opts: DiskSealedStoreOptions): Promise<DiskSealedStore> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const dataPath = path.join(opts.dir, "sealed.dat");
  const indexPath = path.join(opts.dir, "sealed.idx");
  const data = await fs.promises.open(dataPath, fs.existsSync(dataPath) ? "r+" : "w+");
  let index = await fs.promises.open(indexPath, fs.existsSync(indexPath) ? "r+" : "w+");
  const entries = new Map<bigint, Entry>();
  const minerCounts = new Map<Hex, number>();
  let indexEnd = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const queued: QueuedPut[] = [];
  let flushScheduled = false;
  const report: DiskSealedStoreOpenReport = { loaded: 0, damaged: [], truncatedIndexBytes: 0 };

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  }

  function setEntry(loadIndex: bigint, e: Entry | undefined): void {
    const old = entries.get(loadIndex);
    if (old !== undefined) {
      const n = (minerCounts.get(old.minerId) ?? 1) - 1;
      if (n === 0) minerCounts.delete(old.minerId);
      else minerCounts.set(old.minerId, n);
    }
    if (e === undefined) entries.delete(loadIndex);
    else {
      entries.set(loadIndex, e);
      minerCounts.set(e.minerId, (minerCounts.get(e.minerId) ?? 0) + 1);
    }
  }

  async function readRecord(at: number): Promise<IndexRecord | undefined> {
    const b = new Uint8Array(SEALED_INDEX_RECORD_BYTES);
    const { bytesRead } = await index.read(b, 0, b.length, at);
    return bytesRead === b.length ? decodeIndexRecord(b) : undefined;
  }

  async function readData(loadIndex: bigint): Promise<Uint8Array | undefined> {
    const b = new Uint8Array(LOAD_BYTES);
    const { bytesRead } = await data.read(b, 0, LOAD_BYTES, Number(loadIndex) * LOAD_BYTES);
    return bytesRead === LOAD_BYTES ? b : undefined;
  }

  async function append(r: IndexRecord): Promise<number> {
    const at = indexEnd;
    await index.write(encodeIndexRecord(r), 0, SEALED_INDEX_RECORD_BYTES, at);
    await index.datasync();
    indexEnd += SEALED_INDEX_RECORD_BYTES;
    return at;
  }

  // Replay.
  const size = (await index.stat()).size;
  let records = 0;
  for (let at = 0; at + SEALED_INDEX_RECORD_BYTES <= size; at += SEALED_INDEX_RECORD_BYTES) {
    const r = await readRecord(at);
    if (r === undefined) break;
    records++;
    indexEnd = at + SEALED_INDEX_RECORD_BYTES;
    if (r.kind === KIND_PUT) setEntry(r.loadIndex, { recordAt: at, minerId: r.minerId, tag: contextTagOf(r.digests) });
    else setEntry(r.loadIndex, undefined);
  }
  if (indexEnd < size) {
    report.truncatedIndexBytes = size - indexEnd;
    await index.truncate(indexEnd);
    await index.sync();
  }
  // Verify the data the index names.
  const dataSize = (await data.stat()).size;
  for (const [loadIndex, e] of [...entries]) {
    let ok = (Number(loadIndex) + 1) * LOAD_BYTES <= dataSize;
    if (ok && opts.verifyOnOpen !== false) {
      const [bytes, rec] = await Promise.all([readData(loadIndex), readRecord(e.recordAt)]);
      ok = bytes !== undefined && rec !== undefined && Buffer.from(sha256(bytes)).equals(Buffer.from(rec.dataHash));
    }
    if (!ok) {
      report.damaged.push(loadIndex);
      setEntry(loadIndex, undefined);
    }
  }
  report.loaded = entries.size;
  // Compact when the index is mostly superseded (or names damaged loads).
  if (report.damaged.length > 0 || records > 2 * entries.size + 64) {
    const tmp = `${indexPath}.tmp`;
    const out = await fs.promises.open(tmp, "w");
    let pos = 0;
    const moved = new Map<bigint, Entry>();
    for (const [loadIndex, e] of entries) {
      const rec = await readRecord(e.recordAt);
      if (rec === undefined) continue;
      await out.write(encodeIndexRecord(rec), 0, SEALED_INDEX_RECORD_BYTES, pos);
      moved.set(loadIndex, { ...e, recordAt: pos });
      pos += SEALED_INDEX_RECORD_BYTES;
    }
    await out.sync();
    await out.close();
    await index.close();
    fs.renameSync(tmp, indexPath);
    index = await fs.promises.open(indexPath, "r+");
    entries.clear();
    minerCounts.clear();
    for (const [i, e] of moved) setEntry(i, e);
    indexEnd = pos;
  }

  return {
    file: dataPath,
    opened: report,
    has: (i) => entries.has(i),
    size: () => entries.size,
    minerIds: () => [...minerCounts.keys()],
    contextTag: (i) => entries.get(i)?.tag,
    loadIndexes: () => entries.keys(),
    get(loadIndex) {
      return exclusive(async () => {
        const e = entries.get(loadIndex);
        if (e === undefined) return undefined;
        const [bytes, rec] = await Promise.all([readData(loadIndex), readRecord(e.recordAt)]);
        if (bytes === undefined || rec === undefined || !Buffer.from(sha256(bytes)).equals(Buffer.from(rec.dataHash))) {
          // Damaged on disk since it was written: forget it so the sealer seals it again.
          await append({ ...(rec ?? emptyRecord(loadIndex)), kind: KIND_DROP });
          setEntry(loadIndex, undefined);
          return undefined;
        }
        return { loadIndex, minerId: rec.minerId, data: bytes, contextDigests: rec.digests };
      });
    },
    put(load) {
      const bytes = sealedBytes(load);
      if (bytes.length !== LOAD_BYTES || load.contextDigests.length !== UNITS)
        return Promise.reject(
          new SealedStoreError("a sealed load is 256 KiB with 64 seal contexts", {
            loadIndex: load.loadIndex,
            bytes: bytes.length,
            contexts: load.contextDigests.length,
          }),
        );
      return new Promise<boolean>((resolve, reject) => {
        queued.push({ load, bytes, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(() => {
            flushScheduled = false;
            void exclusive(flush);
          });
        }
      });
    },
    drop(loadIndex) {
      return exclusive(async () => {
        if (!entries.has(loadIndex)) return;
        await append({ ...emptyRecord(loadIndex), kind: KIND_DROP });
        setEntry(loadIndex, undefined);
      });
    },
    clear() {
      return exclusive(async () => {
        // Index first: once it is empty no load is named, whatever the data file still holds.
        await index.truncate(0);
        await index.sync();
        indexEnd = 0;
        entries.clear();
        minerCounts.clear();
        await data.truncate(0);
        await data.sync();
      });
    },
    close() {
      return exclusive(async () => {
        await data.close();
        await index.close();
      });
    },
  };

  /**
   * Group commit of the puts queued since the last flush: every load's data is written, one `fdatasync` of the data
   * file, then their index records in one write and one `fdatasync` of the index. Data is durable before any record
   * naming it is written; each put resolves only after its record is durable.
   */
  async function flush(): Promise<void> {
    const batch = queued.splice(0);
    if (batch.length === 0) return;
    try {
      const accepted: QueuedPut[] = [];
      const fresh = new Set<bigint>();
      for (const q of batch) {
        const isNew = !entries.has(q.load.loadIndex) && !fresh.has(q.load.loadIndex);
        if (isNew && entries.size + fresh.size >= opts.maxLoads) {
          q.resolve(false);
          continue;
        }
        if (isNew) fresh.add(q.load.loadIndex);
        accepted.push(q);
      }
      if (accepted.length === 0) return;
      for (const q of accepted) await data.write(q.bytes, 0, LOAD_BYTES, Number(q.load.loadIndex) * LOAD_BYTES);
      await data.datasync();
      const records = new Uint8Array(accepted.length * SEALED_INDEX_RECORD_BYTES);
      accepted.forEach((q, k) =>
        records.set(
          encodeIndexRecord({
            kind: KIND_PUT,
            loadIndex: q.load.loadIndex,
            minerId: q.load.minerId,
            dataHash: sha256(q.bytes),
            digests: [...q.load.contextDigests],
          }),
          k * SEALED_INDEX_RECORD_BYTES,
        ),
      );
      const at = indexEnd;
      await index.write(records, 0, records.length, at);
      await index.datasync();
      indexEnd += records.length;
      accepted.forEach((q, k) => {
        setEntry(q.load.loadIndex, {
          recordAt: at + k * SEALED_INDEX_RECORD_BYTES,
          minerId: q.load.minerId,
          tag: contextTagOf(q.load.contextDigests),
        });
        q.resolve(true);
      });
    } catch (err) {
      for (const q of batch) q.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  function emptyRecord(loadIndex: bigint): IndexRecord {
    return {
      kind: KIND_DROP,
      loadIndex,
      minerId: `0x${"00".repeat(32)}`,
      dataHash: new Uint8Array(32),
      digests: Array.from({ length: UNITS }, () => `0x${"00".repeat(32)}` as Hex),
    };
  }
}
