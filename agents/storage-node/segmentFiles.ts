/**
 * Flat files holding segment bodies, one file per stored submission (`<dir>/<txSeq>.seg`): the segments of this
 * node's shard sit in fixed 256 KiB slots (slot = rank of the segment among the file's segments in this shard), so a
 * sharded node's files hold only its own ranges. Writes are positional and followed by `fdatasync`; the caller marks
 * a segment stored in its index only after {@link SegmentFiles.write} resolves, so a crash can leave unmarked bytes in
 * a slot (overwritten on re-upload, never served) but never a marked slot without its bytes. A file is created empty
 * under a temporary name, fsynced and renamed into place (then the directory is fsynced), so a file either exists
 * whole under its final name or not at all.
 *
 * Open file descriptors are cached (at most `maxOpen` idle ones) and reference-counted, so a read in flight never
 * loses its descriptor to eviction or removal.
 */
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const open = promisify(fs.open);
const close = promisify(fs.close);
const fdatasync = promisify(fs.fdatasync);
const fsync = promisify(fs.fsync);
function read(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, off, len, pos, (e, n) => (e ? reject(e) : resolve(n))));
}
function writev(fd: number, bufs: Uint8Array[], pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.writev(fd, bufs, pos, (e, n) => (e ? reject(e) : resolve(n))));
}
function write(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, pos, (e, n) => (e ? reject(e) : resolve(n))));
}

const pad = (n: number) => n.toString().padStart(12, "0");

interface Handle {
  fd: number;
  refs: number;
  /** Closed once no reference is left (evicted or removed). */
  doomed: boolean;
}

/** A positional write of one slot's bytes. */
export interface SlotWrite {
  offset: number;
  data: Uint8Array;
}

/** The per-submission segment files of a data dir. */
export class SegmentFiles {
  private readonly handles = new Map<number, Handle>();
  private readonly opening = new Map<number, Promise<Handle | undefined>>();

  constructor(
    readonly dir: string,
    private readonly maxOpen = 32,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Path of a submission's file. */
  pathOf(txSeq: number): string {
    return path.join(this.dir, `${pad(txSeq)}.seg`);
  }

  /** txSeqs that have a file (for sweeping orphans left by a crash between an index delete and the unlink). */
  list(): number[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => /^\d{12}\.seg$/.test(f))
      .map((f) => Number(f.slice(0, 12)));
  }

  private async syncDir(): Promise<void> {
    const fd = await open(this.dir, "r");
    try {
      await fsync(fd);
    } finally {
      await close(fd);
    }
  }

  /** Creates an empty file atomically (temp name, fsync, rename, fsync the directory) unless it exists. */
  private async create(txSeq: number): Promise<void> {
    const final = this.pathOf(txSeq);
    if (fs.existsSync(final)) return;
    const tmp = `${final}.tmp`;
    const fd = await open(tmp, "w");
    try {
      await fsync(fd);
    } finally {
      await close(fd);
    }
    await fs.promises.rename(tmp, final);
    await this.syncDir();
  }

  private async acquire(txSeq: number, createIfMissing: boolean): Promise<Handle | undefined> {
    const cached = this.handles.get(txSeq);
    if (cached && !cached.doomed) {
      cached.refs++;
      // Most recently used last.
      this.handles.delete(txSeq);
      this.handles.set(txSeq, cached);
      return cached;
    }
    let pending = this.opening.get(txSeq);
    if (!pending) {
      pending = (async () => {
        if (createIfMissing) await this.create(txSeq);
        let fd: number;
        try {
          fd = await open(this.pathOf(txSeq), "r+");
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
          throw err;
        }
        const h: Handle = { fd, refs: 0, doomed: false };
        this.handles.set(txSeq, h);
        this.evict();
        return h;
      })().finally(() => this.opening.delete(txSeq));
      this.opening.set(txSeq, pending);
    }
    const h = await pending;
    if (!h) return createIfMissing ? this.acquire(txSeq, true) : undefined;
    h.refs++;
    return h;
  }

  private release(h: Handle): void {
    h.refs--;
    if (h.doomed && h.refs === 0) void close(h.fd).catch(() => undefined);
  }

  private evict(): void {
    for (const [txSeq, h] of this.handles) {
      if (this.handles.size <= this.maxOpen) return;
      this.doom(txSeq, h);
    }
  }

  private doom(txSeq: number, h: Handle): void {
    if (this.handles.get(txSeq) === h) this.handles.delete(txSeq);
    if (h.doomed) return;
    h.doomed = true;
    if (h.refs === 0) void close(h.fd).catch(() => undefined);
  }

  /** Writes slots of a submission's file (creating it if needed) and waits until the bytes are durable. */
  async write(txSeq: number, writes: readonly SlotWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const h = (await this.acquire(txSeq, true)) as Handle;
    try {
      const sorted = [...writes].sort((a, b) => a.offset - b.offset);
      // Contiguous slots go out in one writev.
      let i = 0;
      while (i < sorted.length) {
        let j = i + 1;
        let end = sorted[i].offset + sorted[i].data.length;
        while (j < sorted.length && sorted[j].offset === end) {
          end += sorted[j].data.length;
          j++;
        }
        const bufs = sorted.slice(i, j).map((w) => w.data);
        const start = sorted[i].offset;
        const n = await writev(h.fd, bufs, start);
        if (n < end - start) {
          // Short write (rare): the rest, from one buffer.
          const all = Buffer.concat(bufs);
          let done = n;
          while (done < all.length) done += await write(h.fd, all, done, all.length - done, start + done);
        }
        i = j;
      }
      await fdatasync(h.fd);
    } finally {
      this.release(h);
    }
  }

  /**
   * Reads `length` bytes at `offset` into `into` (or a new buffer).
   *
   * @returns the bytes, or undefined when the file does not exist or is shorter
   */
  async read(txSeq: number, offset: number, length: number, into?: Uint8Array): Promise<Uint8Array | undefined> {
    const h = await this.acquire(txSeq, false);
    if (!h) return undefined;
    try {
      const buf = into ?? new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const bytesRead = await read(h.fd, buf, got, length - got, offset + got);
        if (bytesRead === 0) return undefined;
        got += bytesRead;
      }
      return buf;
    } finally {
      this.release(h);
    }
  }

  /** Deletes a submission's file (no error if absent) and makes the unlink durable. */
  async remove(txSeq: number): Promise<void> {
    const h = this.handles.get(txSeq);
    if (h) this.doom(txSeq, h);
    try {
      await fs.promises.unlink(this.pathOf(txSeq));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      return;
    }
    await this.syncDir();
  }

  /** Closes every cached descriptor. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.opening.values()]);
    for (const [txSeq, h] of [...this.handles]) this.doom(txSeq, h);
  }
}
