/**
 * Keccak-256 as a small WebAssembly module assembled here at load time (no binary blob, no toolchain): 64-bit lanes
 * with native `i64.rotl`, unrolled rounds, and loops for the protocol's hot paths (sector leaves, merkle levels, the
 * seal chain, the PoRA scratchpad), so one call does a whole segment, level, seal unit or pad.
 *
 * Memory map (bytes): [0, 200) sponge state · [256, 448) round constants · [IN_PTR, +IN_SIZE) input/work area ·
 * [OUT_PTR, +OUT_SIZE) hash output area.
 */

const RATE_LANES = 17;
const RC_PTR = 256;
/** Work area: one 256 KiB segment (also a 4 KiB seal unit, a 16 KiB pad, padded messages). */
export const IN_PTR = 4096;
export const IN_SIZE = 262144 + 4096;
/** Output area: up to 1024 leaf hashes. */
export const OUT_PTR = IN_PTR + IN_SIZE;
export const OUT_SIZE = 32768 + 4096;
const PAGES = Math.ceil((OUT_PTR + OUT_SIZE) / 65536);

// Keccak rho offsets R[x][y] and round constants.
const RHO = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];
function roundConstants(): bigint[] {
  const out: bigint[] = [];
  let r = 1;
  for (let i = 0; i < 24; i++) {
    let c = 0n;
    for (let j = 0; j < 7; j++) {
      r = ((r << 1) ^ ((r >> 7) * 0x71)) & 0xff;
      if (r & 2) c |= 1n << BigInt((1 << j) - 1);
    }
    out.push(c);
  }
  return out;
}

// --- a minimal WebAssembly assembler -------------------------------------------------------------------------------
const I32 = 0x7f;
const I64 = 0x7e;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i64Load: 0x29,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Rotl: 0x89,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const toSigned64 = (v: bigint): bigint => (v >= 1n << 63n ? v - (1n << 64n) : v);

/** A function body under construction. */
class Body {
  readonly code: number[] = [];
  get(i: number): this {
    this.code.push(op.localGet, ...uleb(i));
    return this;
  }
  set(i: number): this {
    this.code.push(op.localSet, ...uleb(i));
    return this;
  }
  i32(v: number): this {
    this.code.push(op.i32Const, ...sleb(BigInt(v)));
    return this;
  }
  i64(v: bigint): this {
    this.code.push(op.i64Const, ...sleb(toSigned64(v)));
    return this;
  }
  load(offset: number): this {
    this.code.push(op.i64Load, 3, ...uleb(offset));
    return this;
  }
  store(offset: number): this {
    this.code.push(op.i64Store, 3, ...uleb(offset));
    return this;
  }
  raw(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
}

// --- the permutation over the state in memory -------------------------------------------------------------------
function permuteBody(): { locals: [number, number][]; body: Body } {
  // local 0: round offset (i32); a: 1..25, b: 26..50, c: 51..55, d: 56..60 (i64).
  const A = (i: number) => 1 + i;
  const B = (i: number) => 26 + i;
  const C = (x: number) => 51 + x;
  const D = (x: number) => 56 + x;
  const lane = (x: number, y: number) => (x % 5) + 5 * (y % 5);
  const f = new Body();
  for (let i = 0; i < 25; i++)
    f.i32(0)
      .load(8 * i)
      .set(A(i));
  f.i32(0).set(0);
  f.raw(op.loop, 0x40);
  for (let x = 0; x < 5; x++) {
    f.get(A(x))
      .get(A(x + 5))
      .raw(op.i64Xor)
      .get(A(x + 10))
      .raw(op.i64Xor)
      .get(A(x + 15))
      .raw(op.i64Xor);
    f.get(A(x + 20))
      .raw(op.i64Xor)
      .set(C(x));
  }
  for (let x = 0; x < 5; x++) {
    f.get(C((x + 4) % 5))
      .get(C((x + 1) % 5))
      .i64(1n)
      .raw(op.i64Rotl, op.i64Xor)
      .set(D(x));
  }
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      f.get(A(lane(x, y)))
        .get(D(x))
        .raw(op.i64Xor);
      if (RHO[x][y] !== 0) f.i64(BigInt(RHO[x][y])).raw(op.i64Rotl);
      f.set(B(lane(y, 2 * x + 3 * y)));
    }
  }
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      f.get(B(lane(x, y)));
      f.get(B(lane(x + 1, y)))
        .i64(-1n)
        .raw(op.i64Xor);
      f.get(B(lane(x + 2, y)))
        .raw(op.i64And, op.i64Xor)
        .set(A(lane(x, y)));
    }
  }
  // a0 ^= RC[round]; round += 8; loop while round != 192.
  f.get(A(0)).get(0).load(RC_PTR).raw(op.i64Xor).set(A(0));
  f.get(0).i32(8).raw(op.i32Add, op.localTee, 0).i32(192).raw(op.i32Ne, op.brIf, 0, op.end);
  for (let i = 0; i < 25; i++)
    f.i32(0)
      .get(A(i))
      .store(8 * i);
  return {
    locals: [
      [1, I32],
      [60, I64],
    ],
    body: f,
  };
}

const FN_PERMUTE = 0;

/** Zeroes the state. */
function emitReset(f: Body): void {
  for (let i = 0; i < 25; i++)
    f.i32(0)
      .i64(0n)
      .store(8 * i);
}
/** state[k] ^= mem64[src + offset + 8k] for k < n. */
function emitXorLanes(f: Body, srcLocal: number, offset: number, n: number): void {
  for (let k = 0; k < n; k++)
    f.i32(0)
      .i32(0)
      .load(8 * k)
      .get(srcLocal)
      .load(offset + 8 * k)
      .raw(op.i64Xor)
      .store(8 * k);
}
/** state[lane] ^= value. */
function emitXorConst(f: Body, laneIndex: number, value: bigint): void {
  f.i32(0)
    .i32(0)
    .load(8 * laneIndex)
    .i64(value)
    .raw(op.i64Xor)
    .store(8 * laneIndex);
}
/** keccak256 of `lanes` 8-byte lanes at src + offset (lanes·8 bytes, any length); leaves the digest in state[0..4). */
function emitHashLanes(f: Body, srcLocal: number, offset: number, lanes: number): void {
  emitReset(f);
  let done = 0;
  while (lanes - done >= RATE_LANES) {
    emitXorLanes(f, srcLocal, offset + 8 * done, RATE_LANES);
    f.raw(op.call, FN_PERMUTE);
    done += RATE_LANES;
  }
  const r = lanes - done;
  emitXorLanes(f, srcLocal, offset + 8 * done, r);
  emitXorConst(f, r, 1n);
  emitXorConst(f, RATE_LANES - 1, 1n << 63n);
  f.raw(op.call, FN_PERMUTE);
}
/** mem64[dst + offset + 8k] = state[k], k < 4. */
function emitStoreDigest(f: Body, dstLocal: number, offset: number): void {
  for (let k = 0; k < 4; k++)
    f.get(dstLocal)
      .i32(0)
      .load(8 * k)
      .store(offset + 8 * k);
}
/** mem64[dst + offset + 8k] ^= state[k], k < 4. */
function emitXorDigest(f: Body, dstLocal: number, offset: number): void {
  for (let k = 0; k < 4; k++)
    f.get(dstLocal)
      .get(dstLocal)
      .load(offset + 8 * k)
      .i32(0)
      .load(8 * k)
      .raw(op.i64Xor)
      .store(offset + 8 * k);
}
/** `loop { body; local[counter] -= 1; br_if counter != 0 }` with src/dst pointers advanced by fixed strides. */
function emitCountedLoop(f: Body, counter: number, steps: [number, number][], body: () => void): void {
  f.raw(op.loop, 0x40);
  body();
  for (const [local, stride] of steps) f.get(local).i32(stride).raw(op.i32Add).set(local);
  f.get(counter)
    .i32(1)
    .raw(op.i32Sub, op.localTee, ...uleb(counter), op.brIf, 0, op.end);
}

interface FnDef {
  readonly name: string;
  readonly params: number[];
  readonly locals: [number, number][];
  readonly body: Body;
}

function buildFunctions(): FnDef[] {
  const fns: FnDef[] = [];
  const perm = permuteBody();
  fns.push({ name: "permute", params: [], locals: perm.locals, body: perm.body });

  // absorb(src, nBlocks): state ^= each 136-byte block, permute. Caller resets and pads.
  {
    const f = new Body();
    emitCountedLoop(f, 1, [[0, 136]], () => {
      emitXorLanes(f, 0, 0, RATE_LANES);
      f.raw(op.call, FN_PERMUTE);
    });
    fns.push({ name: "absorb", params: [I32, I32], locals: [], body: f });
  }
  // hashSectors(src, n, dst): n ≥ 1 sectors of 256 bytes → n digests.
  {
    const f = new Body();
    emitCountedLoop(
      f,
      1,
      [
        [0, 256],
        [2, 32],
      ],
      () => {
        emitHashLanes(f, 0, 0, 32);
        emitStoreDigest(f, 2, 0);
      },
    );
    fns.push({ name: "hashSectors", params: [I32, I32, I32], locals: [], body: f });
  }
  // reducePairs(ptr, pairs): digest i = keccak(node 2i ‖ node 2i+1), in place.
  {
    const f = new Body();
    // locals: 0 ptr (src), 1 pairs, 2 dst
    f.get(0).set(2);
    emitCountedLoop(
      f,
      1,
      [
        [0, 64],
        [2, 32],
      ],
      () => {
        emitHashLanes(f, 0, 0, 8);
        emitStoreDigest(f, 2, 0);
      },
    );
    fns.push({ name: "reducePairs", params: [I32, I32], locals: [[1, I32]], body: f });
  }
  // sealChain(ptr): word i ^= keccak(word i−1) for i = 1..127, ascending (sealing).
  {
    const f = new Body();
    f.i32(127).set(1);
    emitCountedLoop(f, 1, [[0, 32]], () => {
      emitHashLanes(f, 0, 0, 4);
      emitXorDigest(f, 0, 32);
    });
    fns.push({ name: "sealChain", params: [I32], locals: [[1, I32]], body: f });
  }
  // unsealChain(ptr): the same steps for i = 127..1, descending.
  {
    const f = new Body();
    f.i32(127).set(1);
    f.get(0)
      .i32(126 * 32)
      .raw(op.i32Add)
      .set(0);
    emitCountedLoop(f, 1, [[0, -32]], () => {
      emitHashLanes(f, 0, 0, 4);
      emitXorDigest(f, 0, 32);
    });
    fns.push({ name: "unsealChain", params: [I32], locals: [[1, I32]], body: f });
  }
  // scratchpad(ptr): ptr holds the 64-byte seed; writes 256 cells of 64 bytes at ptr (cell 0 overwrites the seed).
  {
    const f = new Body();
    f.i32(256).set(1);
    emitCountedLoop(f, 1, [[0, 64]], () => {
      emitHashLanes(f, 0, 0, 8);
      emitStoreDigest(f, 0, 0);
      emitHashLanes(f, 0, 0, 8);
      emitStoreDigest(f, 0, 32);
      // copy this cell to the next one (the last copy lands in the slack after the pad and is ignored)
      for (let k = 0; k < 8; k++)
        f.get(0)
          .get(0)
          .load(8 * k)
          .store(64 + 8 * k);
    });
    fns.push({ name: "scratchpad", params: [I32], locals: [[1, I32]], body: f });
  }
  return fns;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}
function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

function assemble(): Uint8Array {
  const fns = buildFunctions();
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x01, ...uleb(PAGES), ...uleb(PAGES)]])),
    ...section(7, vec([[...name("memory"), 0x02, 0], ...fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])])),
    ...section(
      10,
      vec(
        fns.map((f) => {
          const body = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body.code, op.end];
          return [...uleb(body.length), ...body];
        }),
      ),
    ),
  ];
  return new Uint8Array(bytes);
}

// The project's TypeScript lib (es2023, no DOM) carries no WebAssembly types; this is the part used here.
interface WasmGlobal {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { readonly WebAssembly: WasmGlobal }).WebAssembly;

/** The instantiated module's exports. */
export interface KeccakWasm {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly bytes: Uint8Array;
  permute(): void;
  absorb(src: number, blocks: number): void;
  hashSectors(src: number, n: number, dst: number): void;
  reducePairs(ptr: number, pairs: number): void;
  sealChain(ptr: number): void;
  unsealChain(ptr: number): void;
  scratchpad(ptr: number): void;
}

/**
 * Compiles and instantiates the module synchronously (Node allows synchronous compilation of any size). Each thread
 * that imports this file gets its own instance.
 *
 * @returns the exports plus a byte view of the memory
 */
export function instantiateKeccakWasm(): KeccakWasm {
  const module = new WebAssemblyApi.Module(assemble());
  const instance = new WebAssemblyApi.Instance(module, {});
  const e = instance.exports as unknown as Omit<KeccakWasm, "bytes">;
  const bytes = new Uint8Array(e.memory.buffer);
  const view = new DataView(e.memory.buffer);
  roundConstants().forEach((c, i) => view.setBigUint64(RC_PTR + 8 * i, c, true));
  return { ...e, memory: e.memory, bytes };
}
