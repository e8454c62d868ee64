/**
 * The store alone (LevelDB in a temp dir): idempotent sync, reorg removal, segment counters, the miner's flow read
 * across entries, gaps and padding, shard and network binding, duplicate-root copies.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { ClassicLevel } from "classic-level";
import {
  BYTES_PER_SECTOR,
  BYTES_PER_SEGMENT,
  computeFileMerkle,
  computeMerkleLevels,
  createFlowTree,
  planInsertion,
  toHex,
  type Hex,
} from "../protocol/storage";
import { buildSegment } from "./client";
import { verifySegment, type VerifiedSegment } from "./segments";
import { NetworkMismatchError, ShardMismatchError, StorageStore, type NewSubmission } from "./store";
import { parseShardPosition, ShardPositionError, type ShardConfig } from "./shard";
import { testBytes } from "./testing";
import { createFlowRootChecker } from "./flowCheck";

const dirs: string[] = [];
const stores: StorageStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function open(
  shard: ShardConfig = { shardId: 0, numShard: 1 },
  dir?: string,
): Promise<{ store: StorageStore; dir: string }> {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "zg-store-"));
  if (!dir) dirs.push(d);
  const store = await StorageStore.open({
    dataDir: d,
    shard,
    network: { chainId: 31337, flowAddress: "0x" + "11".repeat(20) },
  });
  stores.push(store);
  return { store, dir: d };
}

/** A file placed in the flow like the Flow contract does, with its verified segments. */
function place(data: Uint8Array, txSeq: number, flowLength: bigint, shard: ShardConfig = { shardId: 0, numShard: 1 }) {
  const merkle = computeFileMerkle(data);
  const plan = planInsertion(flowLength, merkle.layout.nodeHeights);
  const root = toHex(merkle.root as Uint8Array);
  const sub: NewSubmission = {
    txSeq,
    root,
    identity: root,
    submitter: ("0x" + "22".repeat(20)) as Hex,
    startSector: plan.startIndex,
    sectors: BigInt(merkle.layout.paddedSectors),
    size: data.length,
    tags: "0x",
    nodes: merkle.nodes.map((n) => ({ root: toHex(n.root), height: n.height })),
    blockNumber: 1n,
    blockHash: ("0x" + "33".repeat(32)) as Hex,
    eventId: `ev-${txSeq}`,
  };
  const levels = computeMerkleLevels(merkle.segmentRoots as Uint8Array[]);
  const segments = (indexes: number[]): VerifiedSegment[] =>
    indexes.map((i) => verifySegment(buildSegment(data, merkle, levels, i), sub, shard));
  return { sub, segments, afterLength: plan.afterLength };
}

describe("shard position", () => {
  it("parses id/2^k and rejects everything else", () => {
    expect(parseShardPosition("0/1")).toEqual({ shardId: 0, numShard: 1 });
    expect(parseShardPosition(" 3 / 4 ")).toEqual({ shardId: 3, numShard: 4 });
    for (const bad of ["", "1", "1/3", "4/4", "-1/2", "0/0", "a/b", `0/${2 ** 21}`])
      expect(() => parseShardPosition(bad)).toThrow(ShardPositionError);
  });
});

describe("store", () => {
  it("records a submission once, counts segments, finalizes, and survives a reopen", async () => {
    const { store, dir } = await open();
    const data = testBytes(2 * BYTES_PER_SEGMENT + 300, 1);
    const f = place(data, 0, 1n);
    const e = await store.addSubmission(f.sub);
    expect(e).toMatchObject({ finalized: false, uploadedSegments: 0, requiredSegments: 3 });
    expect(await store.addSubmission({ ...f.sub, eventId: "other" })).toEqual(e);
    expect((await store.putSegments(0, f.segments([0, 0, 1]))).added).toBe(2);
    expect((await store.putSegments(0, f.segments([1]))).added).toBe(0);
    await store.close();
    stores.pop();
    const { store: again } = await open(undefined, dir);
    expect(await again.getByTxSeq(0)).toMatchObject({ uploadedSegments: 2, finalized: false });
    const done = await again.putSegments(0, f.segments([2]));
    expect(done.entry).toMatchObject({ uploadedSegments: 3, finalized: true });
    expect((await again.getByRoot(f.sub.root)).map((x) => x.txSeq)).toEqual([0]);
    expect(await again.nextTxSeq()).toBe(1);
    expect(await again.countEntries()).toEqual({ files: 1, finalized: 1 });
  });

  it("refuses a data dir of another shard or another chain/Flow", async () => {
    const { store, dir } = await open({ shardId: 0, numShard: 2 });
    await store.close();
    stores.pop();
    await expect(StorageStore.open({ dataDir: dir, shard: { shardId: 1, numShard: 2 } })).rejects.toThrow(
      ShardMismatchError,
    );
    await expect(
      StorageStore.open({
        dataDir: dir,
        shard: { shardId: 0, numShard: 2 },
        network: { chainId: 1, flowAddress: "0x" + "11".repeat(20) },
      }),
    ).rejects.toThrow(NetworkMismatchError);
  });

  it("a reorg removes the entry its Submit log created, with its segments", async () => {
    const { store } = await open();
    const f = place(testBytes(5000, 2), 0, 1n);
    await store.addSubmission(f.sub);
    await store.putSegments(0, f.segments([0]));
    expect(await store.removeByEvent("unknown")).toBeUndefined();
    expect(await store.removeByEvent("ev-0")).toBe(0);
    expect(await store.getByTxSeq(0)).toBeUndefined();
    expect(await store.getByRoot(f.sub.root)).toEqual([]);
    expect(await store.getSegment(0, 0)).toBeUndefined();
    expect(await store.readFlowSectors(f.sub.startSector, 1)).toBeNull();
    expect(await store.nextTxSeq()).toBe(0);
  });

  it("a second submission of finalized bytes is served at once (segments copied)", async () => {
    const { store } = await open();
    const data = testBytes(BYTES_PER_SEGMENT + 10, 3);
    const a = place(data, 0, 1n);
    await store.addSubmission(a.sub);
    await store.putSegments(0, a.segments([0, 1]));
    const b = place(data, 1, a.afterLength);
    const e = await store.addSubmission(b.sub);
    expect(e).toMatchObject({ finalized: true, uploadedSegments: 2 });
    expect(await store.getPreferredByRoot(a.sub.root)).toMatchObject({ txSeq: 0 });
  });

  it("readFlowSectors: data, in-submission padding and alignment gaps read as stored bytes; missing data is null (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 * BYTES_PER_SEGMENT }), { minLength: 1, maxLength: 3 }),
        fc.integer(),
        async (sizes, seed) => {
          const { store } = await open();
          let flowLength = 1n;
          const files: { data: Uint8Array; start: bigint; sectors: bigint }[] = [];
          for (const [i, size] of sizes.entries()) {
            const data = testBytes(size, seed + i);
            const f = place(data, i, flowLength);
            await store.addSubmission(f.sub);
            await store.putSegments(
              i,
              f.segments(Array.from({ length: Math.ceil(size / BYTES_PER_SEGMENT) }, (_, k) => k)),
            );
            files.push({ data, start: f.sub.startSector, sectors: f.sub.sectors });
            flowLength = f.afterLength;
          }
          const expected = new Uint8Array(Number(flowLength) * BYTES_PER_SECTOR);
          for (const f of files) expected.set(f.data, Number(f.start) * BYTES_PER_SECTOR);
          const all = await store.readFlowSectors(0n, Number(flowLength));
          expect(all).not.toBeNull();
          expect(Buffer.from(all!).equals(Buffer.from(expected))).toBe(true);
          // Any sub-range agrees, and reading past the end is null.
          const s = BigInt(Math.abs(seed) % Number(flowLength));
          const n = Math.max(1, Number(flowLength - s));
          const part = await store.readFlowSectors(s, n);
          expect(
            Buffer.from(part!).equals(
              Buffer.from(expected.subarray(Number(s) * BYTES_PER_SECTOR, (Number(s) + n) * BYTES_PER_SECTOR)),
            ),
          ).toBe(true);
          expect(await store.readFlowSectors(flowLength - 1n, 2)).toBeNull();
          await store.close();
          stores.pop();
        },
      ),
      { numRuns: 15 },
    );
  });

  it("readFlowSectors is null while a segment is missing, and for another shard's segments", async () => {
    const { store } = await open({ shardId: 1, numShard: 2 });
    const data = testBytes(4 * BYTES_PER_SEGMENT, 9);
    const f = place(data, 0, 1n, { shardId: 1, numShard: 2 });
    // 4-segment file at sector 4096 (aligned to 2^12): flow segments 4..7; shard 1/2 keeps 5 and 7.
    expect(f.sub.startSector).toBe(4096n);
    const e = await store.addSubmission(f.sub);
    expect(e.requiredSegments).toBe(2);
    expect(() => f.segments([0])).toThrow(/not in this node's shard/);
    await store.putSegments(0, f.segments([1]));
    expect(await store.readFlowSectors(5n * 1024n, 1024)).toEqual(
      data.subarray(BYTES_PER_SEGMENT, 2 * BYTES_PER_SEGMENT),
    );
    expect(await store.readFlowSectors(7n * 1024n, 1)).toBeNull(); // not uploaded yet
    expect(await store.readFlowSectors(4n * 1024n, 1)).toBeNull(); // shard 0's segment
    const done = await store.putSegments(0, f.segments([3]));
    expect(done.entry.finalized).toBe(true);
    expect(await store.readFlowSectors(7n * 1024n + 1023n, 1)).toEqual(data.subarray(4 * BYTES_PER_SEGMENT - 256));
  });

  it("keeps the newest epoch only", async () => {
    const { store } = await open();
    const ep = (index: bigint) => ({
      index,
      startMerkleRoot: ("0x" + "00".repeat(32)) as Hex,
      submissionIndex: 0n,
      flowLength: 1n,
      context: ("0x" + "00".repeat(32)) as Hex,
      blockNumber: index,
    });
    await store.setEpoch(ep(3n));
    await store.setEpoch(ep(2n));
    expect((await store.getEpoch())?.index).toBe(3n);
  });
});

describe("flow-root cross-check", () => {
  async function twoFiles() {
    const { store } = await open();
    const a = place(testBytes(5000, 1), 0, 1n);
    const b = place(testBytes(300_000, 2), 1, a.afterLength);
    await store.addSubmission(a.sub);
    await store.addSubmission(b.sub);
    return { store, a, b };
  }

  it("reports the first txSeq whose on-chain root differs (negative control), and passes when the roots agree", async () => {
    const { store } = await twoFiles();
    // Reference roots from an independent replay of the same inserts.
    const ref = createFlowTree();
    const roots: Hex[] = [];
    for (const t of [0, 1]) {
      ref.insert((await store.getByTxSeq(t))!.nodes);
      roots.push(ref.root());
    }
    const good = createFlowRootChecker({ store, readRoot: async (t) => roots[t] as Hex });
    await good.check();
    expect(good.status()).toEqual({ checkedThrough: 1, mismatch: null });
    const seen: unknown[] = [];
    const bad = createFlowRootChecker({
      store,
      readRoot: async (t) => (t === 1 ? (("0x" + "ee".repeat(32)) as Hex) : (roots[t] as Hex)),
      onMismatch: (m) => seen.push(m),
    });
    await bad.check();
    expect(bad.status().checkedThrough).toBe(0);
    expect(bad.status().mismatch).toMatchObject({ txSeq: 1, what: "root", onChain: "0x" + "ee".repeat(32) });
    expect(seen).toHaveLength(1);
    bad.reset();
    expect(bad.status()).toEqual({ checkedThrough: null, mismatch: null });
  });

  it("reports a start position the Flow's placement rules do not give", async () => {
    const { store } = await open();
    const a = place(testBytes(5000, 1), 0, 1n);
    await store.addSubmission({ ...a.sub, startSector: a.sub.startSector + 16n });
    const c = createFlowRootChecker({ store, readRoot: async () => ("0x" + "00".repeat(32)) as Hex });
    await c.check();
    expect(c.status().mismatch).toMatchObject({ txSeq: 0, what: "position" });
  });
});

describe("segment files", () => {
  const segFile = (dir: string, txSeq: number) => path.join(dir, "segments", `${String(txSeq).padStart(12, "0")}.seg`);

  it("keep only this shard's segments, one 256 KiB slot each; the reorg removal deletes the file", async () => {
    const shard = { shardId: 1, numShard: 2 };
    const { store, dir } = await open(shard);
    const data = testBytes(6 * BYTES_PER_SEGMENT + 4000, 5);
    const f = place(data, 0, 1n, shard);
    const e = await store.addSubmission(f.sub);
    const mine = [0, 1, 2, 3, 4, 5, 6].filter((i) => (Number(f.sub.startSector / 1024n) + i) % 2 === 1);
    expect(e.requiredSegments).toBe(mine.length);
    await store.putSegments(0, f.segments(mine));
    // The highest slot is the last written one; a segment of 256 KiB per slot, nothing for the other shard.
    const last = mine.at(-1) as number;
    const lastLen = (await store.getSegment(0, last))!.data.length;
    expect(fs.statSync(segFile(dir, 0)).size).toBe(Math.floor(last / 2) * BYTES_PER_SEGMENT + lastLen);
    for (const i of mine) {
      const got = await store.getSegment(0, i);
      const want = data.subarray(i * BYTES_PER_SEGMENT, Math.min(data.length, (i + 1) * BYTES_PER_SEGMENT));
      expect(Buffer.from(got!.data.subarray(0, want.length)).equals(Buffer.from(want))).toBe(true);
    }
    await store.removeByEvent("ev-0");
    expect(fs.existsSync(segFile(dir, 0))).toBe(false);
  });

  it("bytes in a slot not marked stored (a crash between the file write and the index batch) are never served", async () => {
    const { store, dir } = await open();
    const data = testBytes(2 * BYTES_PER_SEGMENT, 6);
    const f = place(data, 0, 1n);
    await store.addSubmission(f.sub);
    await store.putSegments(0, f.segments([0]));
    // What a crash after the data write and before the batch leaves: bytes in slot 1, the index unchanged.
    fs.appendFileSync(segFile(dir, 0), Buffer.alloc(BYTES_PER_SEGMENT, 0xee));
    expect(await store.getSegment(0, 1)).toBeUndefined();
    expect(await store.getByTxSeq(0)).toMatchObject({ uploadedSegments: 1 });
    expect(await store.readFlowSectors(f.sub.startSector, 2048)).toBeNull();
    // The re-upload overwrites the slot with the verified bytes.
    await store.putSegments(0, f.segments([1]));
    const flow = await store.readFlowSectors(f.sub.startSector, 2048);
    expect(Buffer.from(flow!).equals(Buffer.from(data))).toBe(true);
  });

  it("an orphan file (crash between a reorg's index batch and the unlink) is swept on open and not reused", async () => {
    const { store, dir } = await open();
    await store.close();
    stores.pop();
    fs.writeFileSync(segFile(dir, 7), Buffer.alloc(1000, 1));
    const { store: again } = await open(undefined, dir);
    expect(fs.existsSync(segFile(dir, 7))).toBe(false);
    // A stale file under a new entry's txSeq is dropped when the entry is recorded.
    fs.writeFileSync(segFile(dir, 0), Buffer.alloc(BYTES_PER_SEGMENT, 9));
    const f = place(testBytes(3000, 7), 0, 1n);
    await again.addSubmission(f.sub);
    expect(fs.existsSync(segFile(dir, 0))).toBe(false);
  });

  it("a data dir of the first layout (segment bytes in LevelDB) is migrated into files on open", async () => {
    const { store, dir } = await open();
    const data = testBytes(3 * BYTES_PER_SEGMENT + 10, 8);
    const f = place(data, 0, 1n);
    await store.addSubmission(f.sub);
    await store.putSegments(0, f.segments([0, 1, 2, 3]));
    const segs = await Promise.all([0, 1, 2, 3].map(async (i) => (await store.getSegment(0, i))!.data));
    await store.close();
    stores.pop();
    // Rewrite it the old way: bytes under seg: keys, no meta:layout, no files.
    const db = new ClassicLevel<string, Uint8Array>(path.join(dir, "db"), {
      keyEncoding: "utf8",
      valueEncoding: "view",
    });
    await db.open();
    for (const [i, d] of segs.entries()) await db.put(`seg:${"0".repeat(12)}:${String(i).padStart(10, "0")}`, d);
    await db.del("meta:layout");
    await db.close();
    fs.rmSync(path.join(dir, "segments"), { recursive: true });
    const { store: again } = await open(undefined, dir);
    const flow = await again.readFlowSectors(f.sub.startSector, Number(f.sub.sectors));
    expect(Buffer.from(flow!.subarray(0, data.length)).equals(Buffer.from(data))).toBe(true);
    await again.close();
    stores.pop();
    const check = new ClassicLevel<string, Uint8Array>(path.join(dir, "db"), {
      keyEncoding: "utf8",
      valueEncoding: "view",
    });
    await check.open();
    expect(await check.keys({ gte: "seg:", lt: "seg:~" }).all()).toEqual([]);
    expect(new TextDecoder().decode(await check.get("meta:layout"))).toBe("segment-files/1");
    await check.close();
  });
});
